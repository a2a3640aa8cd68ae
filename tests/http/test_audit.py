"""The audit trail and the certificate expiry report, read back through the command line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client
from tests.server import ROOT_SECRET_ACCESS_KEY, RunningServer, start_server


def signet(server: RunningServer, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signet", *args, *server.store_args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def trail(server: RunningServer, *filters: str) -> list[dict[str, Any]]:
    done = signet(server, "audit", "--format", "jsonl", *filters)
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


@pytest.fixture(scope="module")
def own_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("audit") / "data")
    yield running
    running.stop()


def test_changes_are_recorded_with_cloudtrail_fields(own_server: RunningServer) -> None:
    iam = make_client(own_server)
    created = iam.create_user(UserName="audited")
    body = certs.distinct_rsa_certs(1)[0]
    iam.upload_signing_certificate(UserName="audited", CertificateBody=body)
    iam.list_users()
    key = iam.create_access_key(UserName="audited")["AccessKey"]

    events = trail(own_server, "--action", "CreateUser")
    uploads = trail(own_server, "--action", "UploadSigningCertificate")
    everything = signet(own_server, "audit", "--format", "jsonl").stdout

    event = events[-1]
    assert event["eventName"] == "CreateUser"
    assert event["eventSource"] == "iam.amazonaws.com"
    assert event["requestID"] == created["ResponseMetadata"]["RequestId"]
    assert event["userIdentity"]["type"] == "Root"
    assert event["userIdentity"]["arn"].endswith(":root")
    assert event["resources"] == [{"ARN": created["User"]["Arn"]}]
    assert event["readOnly"] is False
    assert "errorCode" not in event
    assert uploads and uploads[-1]["resources"][0]["ARN"].endswith(":user/audited")
    assert "ListUsers" not in everything
    assert key["SecretAccessKey"] not in everything
    assert ROOT_SECRET_ACCESS_KEY not in everything


def test_denied_and_failed_calls_are_recorded(own_server: RunningServer) -> None:
    iam = make_client(own_server)
    iam.create_user(UserName="nobody-allowed")
    key = iam.create_access_key(UserName="nobody-allowed")["AccessKey"]
    as_user = make_client(own_server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    with pytest.raises(ClientError):
        as_user.list_users()
    with pytest.raises(ClientError):
        iam.create_user(UserName="NOBODY-ALLOWED")
    forged = make_client(own_server, key=(key["AccessKeyId"], "x" * 40))
    with pytest.raises(ClientError):
        forged.get_user()

    arn = iam.get_user(UserName="nobody-allowed")["User"]["Arn"]
    denied = trail(own_server, "--principal", arn)
    failed = [e for e in trail(own_server, "--action", "CreateUser") if "errorCode" in e]
    forgeries = [e for e in trail(own_server) if e.get("errorCode") == "SignatureDoesNotMatch"]

    assert [e["eventName"] for e in denied] == ["ListUsers"]
    assert denied[0]["errorCode"] == "AccessDenied"
    assert denied[0]["readOnly"] is True
    assert failed[-1]["errorCode"] == "EntityAlreadyExists"
    assert forgeries[-1]["userIdentity"]["accessKeyId"] == key["AccessKeyId"]


def test_audit_filters_by_time(own_server: RunningServer) -> None:
    future = signet(own_server, "audit", "--since", "2999-01-01")

    assert future.returncode == 0
    assert future.stdout == ""


def test_expired_certificates_show_expired_and_fail_the_report(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        iam = make_client(server)
        iam.create_user(UserName="short-lived")
        brief = certs.make_rsa_cert(common_name="brief", days_valid=62 / 86400)[0]
        lasting = certs.distinct_rsa_certs(1, days_valid=400)[0]
        iam.upload_signing_certificate(UserName="short-lived", CertificateBody=brief)
        iam.upload_signing_certificate(CertificateBody=lasting)
        time.sleep(3)
        statuses = sorted(
            c["Status"]
            for c in iam.list_signing_certificates(UserName="short-lived")["Certificates"]
        )
        soon = signet(server, "cert", "report", "--within", "30")
        later = signet(server, "cert", "report", "--format", "json", "--within", "0")
        quiet = make_client(server).list_signing_certificates()["Certificates"]
    finally:
        server.stop()

    report = json.loads(later.stdout)
    assert statuses == ["Expired"]
    assert soon.returncode == 1
    assert "short-lived" in soon.stdout and "Expired" in soon.stdout
    assert [entry["status"] for entry in report] == ["Expired", "Active"]
    assert report[1]["days_left"] in range(398, 401)
    assert later.returncode == 1
    assert quiet[0]["Status"] == "Active"
