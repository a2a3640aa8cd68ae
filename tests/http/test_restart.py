"""Everything survives a restart of the server on the same data directory."""

from __future__ import annotations

from pathlib import Path

from tests import certs
from tests.conftest import make_client
from tests.server import start_server


def test_data_survives_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = start_server(data_dir)
    try:
        iam = make_client(first)
        iam.create_user(UserName="durable")
        key = iam.create_access_key(UserName="durable")["AccessKey"]
        body = certs.distinct_rsa_certs(1)[0]
        cert_id = iam.upload_signing_certificate(UserName="durable", CertificateBody=body)[
            "Certificate"
        ]["CertificateId"]
        account = make_client(first, "sts").get_caller_identity()["Account"]
    finally:
        first.stop()

    second = start_server(data_dir)
    try:
        iam = make_client(second)
        certificates = iam.list_signing_certificates(UserName="durable")["Certificates"]
        as_user = make_client(second, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"]))
        identity = as_user.get_caller_identity()
    finally:
        second.stop()

    assert [(c["CertificateId"], c["CertificateBody"]) for c in certificates] == [(cert_id, body)]
    assert identity["Account"] == account
    assert identity["Arn"] == f"arn:aws:iam::{account}:user/durable"


def test_first_start_prints_generated_credentials_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"SIGNET_ROOT_ACCESS_KEY_ID": "", "SIGNET_ROOT_SECRET_ACCESS_KEY": ""}

    first = start_server(data_dir, env=env)
    first.stop()
    first_output = first.log()
    second = start_server(data_dir, env=env)
    second.stop()

    key_id = first_output.split("export AWS_ACCESS_KEY_ID=")[1].split()[0]
    secret = first_output.split("export AWS_SECRET_ACCESS_KEY=")[1].split()[0]
    assert key_id.startswith("AKIA") and len(key_id) == 20
    assert len(secret) == 40
    assert "aws --endpoint-url" in first_output
    assert secret not in second.log().replace(first_output, "")
