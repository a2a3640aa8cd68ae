"""A whole session leaves no secret behind: not in the store, the logs, or any response
but the one CreateAccessKey response that hands each secret out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client
from tests.http.test_secrets_at_rest import store_text
from tests.server import ROOT_SECRET_ACCESS_KEY, start_server


def recorded(client: Any, responses: list[str]) -> Any:
    """The client, with every raw response body it receives appended to ``responses``."""

    def keep(http_response: Any, **_: Any) -> None:
        responses.append(http_response.content.decode("utf-8", "replace"))

    client.meta.events.register("after-call", keep)
    client.meta.events.register("after-call-error", keep)
    return client


def test_a_full_session_leaks_no_secret(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    responses: list[str] = []
    secrets: list[str] = []
    private_keys: list[str] = []
    try:
        iam = recorded(make_client(server), responses)
        for name in ("alice", "bob"):
            iam.create_user(UserName=name)
            secrets.append(iam.create_access_key(UserName=name)["AccessKey"]["SecretAccessKey"])
        keys = iam.list_access_keys(UserName="alice")["AccessKeyMetadata"]
        alice = recorded(make_client(server, key=(keys[0]["AccessKeyId"], secrets[0])), responses)
        with pytest.raises(ClientError):
            alice.list_users()
        forged = recorded(make_client(server, key=(keys[0]["AccessKeyId"], "y" * 40)), responses)
        with pytest.raises(ClientError):
            forged.list_users()
        iam.get_access_key_last_used(AccessKeyId=keys[0]["AccessKeyId"])

        certificate, private_key = certs.make_rsa_cert(common_name="session")
        private_keys.append(private_key)
        for body in (private_key, certificate + private_key):
            with pytest.raises(ClientError):
                iam.upload_signing_certificate(UserName="alice", CertificateBody=body)
        iam.upload_signing_certificate(UserName="alice", CertificateBody=certificate)
        iam.update_access_key(
            UserName="bob",
            AccessKeyId=iam.list_access_keys(UserName="bob")["AccessKeyMetadata"][0]["AccessKeyId"],
            Status="Inactive",
        )
        responses.append(httpx.get(server.url + "/metrics").text)
        responses.append(
            httpx.post(
                server.url,
                json={"Action": "ListAccessKeys", "UserName": "alice"},
                headers={"Accept": "application/json"},
            ).text
        )
        audit = subprocess.run(
            [sys.executable, "-m", "signet", "audit", "--format", "jsonl", *server.store_args],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        server.stop()

    log = server.log()
    stored = store_text(data_dir)
    key_lines = [
        line for line in private_keys[0].splitlines() if line and not line.startswith("-----")
    ]
    for secret in secrets:
        assert sum(secret in body for body in responses) == 1
        assert "<CreateAccessKeyResponse" in next(b for b in responses if secret in b)
        assert secret not in log
        assert secret not in stored
        assert secret not in audit.stdout
    for place in (log, stored, audit.stdout, *responses):
        assert ROOT_SECRET_ACCESS_KEY not in place
        assert "y" * 40 not in place
        for line in key_lines:
            assert line not in place
