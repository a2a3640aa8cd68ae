"""The README's walk-through, run for real: the AWS CLI and curl against a fresh server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from tests import certs
from tests.server import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY, RunningServer, start_server
from tests.signing import FORM, signed

needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("walkthrough") / "data")
    yield running
    running.stop()


@pytest.fixture
def cert_pem(tmp_path: Path) -> Path:
    path = tmp_path / "cert.pem"
    path.write_text(certs.distinct_rsa_certs(1)[0])
    return path


def _client_env(tmp_path: Path) -> dict[str, str]:
    """The environment of a README reader, with nothing from this machine's AWS setup."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AWS_")}
    env.update(
        AWS_ACCESS_KEY_ID=ROOT_ACCESS_KEY_ID,
        AWS_SECRET_ACCESS_KEY=ROOT_SECRET_ACCESS_KEY,
        AWS_DEFAULT_REGION="us-east-1",
        AWS_CONFIG_FILE=str(tmp_path / "no-aws-config"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "no-aws-credentials"),
        AWS_EC2_METADATA_DISABLED="true",
    )
    return env


def _aws_command() -> list[str]:
    beside = Path(sys.executable).with_name("aws")
    return [str(beside)] if beside.exists() else [sys.executable, "-m", "awscli"]


class Cli:
    """``aws --endpoint-url <server> --output json …`` run from a scratch directory."""

    def __init__(self, server: RunningServer, workdir: Path) -> None:
        self.server = server
        self.workdir = workdir
        self.env = _client_env(workdir)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_aws_command(), "--endpoint-url", self.server.url, "--output", "json", *args],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )

    def __call__(self, *args: str) -> Any:
        """Run a command that must succeed; its JSON output, or None when it prints nothing."""
        done = self.run(*args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else None


@pytest.fixture
def aws(server: RunningServer, tmp_path: Path) -> Cli:
    return Cli(server, tmp_path)


def test_cli_walkthrough(aws: Cli, cert_pem: Path) -> None:
    assert aws("sts", "get-caller-identity")["Arn"].endswith(":root")

    user = aws("iam", "create-user", "--user-name", "alice")["User"]
    assert user["UserName"] == "alice"
    assert user["UserId"].startswith("AIDA")

    uploaded = aws(
        "iam",
        "upload-signing-certificate",
        "--user-name",
        "alice",
        "--certificate-body",
        f"file://{cert_pem.name}",
    )["Certificate"]
    cert_id = uploaded["CertificateId"]
    assert uploaded["UserName"] == "alice"
    assert uploaded["Status"] == "Active"
    assert uploaded["CertificateBody"] == cert_pem.read_text()
    assert len(cert_id) == 32

    listed = aws("iam", "list-signing-certificates", "--user-name", "alice")["Certificates"]
    assert [(c["CertificateId"], c["Status"]) for c in listed] == [(cert_id, "Active")]

    assert (
        aws(
            "iam",
            "update-signing-certificate",
            "--user-name",
            "alice",
            "--certificate-id",
            cert_id,
            "--status",
            "Inactive",
        )
        is None
    )
    listed = aws("iam", "list-signing-certificates", "--user-name", "alice")["Certificates"]
    assert [(c["CertificateId"], c["Status"]) for c in listed] == [(cert_id, "Inactive")]

    aws("iam", "delete-signing-certificate", "--user-name", "alice", "--certificate-id", cert_id)
    aws("iam", "delete-user", "--user-name", "alice")  # DeleteConflict if a certificate remained
    gone = signed(aws.server.url, body="Action=GetUser&UserName=alice", headers=FORM)
    assert gone.status_code == 404


def test_cli_error_for_unknown_user(aws: Cli, cert_pem: Path) -> None:
    done = aws.run(
        "iam",
        "upload-signing-certificate",
        "--user-name",
        "nobody",
        "--certificate-body",
        f"file://{cert_pem.name}",
    )

    assert done.returncode in (254, 255)
    assert "NoSuchEntity" in done.stderr
    assert "The user with name nobody cannot be found." in done.stderr


def _query(server: RunningServer, action: str, **params: str) -> str:
    """A Query API call signed by botocore, for setting up and checking state quickly."""
    response = signed(server.url, body=urlencode({"Action": action, **params}), headers=FORM)
    assert response.status_code == 200, response.text
    return response.text


def _curl(tmp_path: Path, url: str, *args: str) -> tuple[int, str]:
    """curl signing with SigV4 as the README shows; the HTTP status and the body."""
    done = subprocess.run(
        [
            "curl",
            "-q",
            "--silent",
            "--show-error",
            "--aws-sigv4",
            "aws:amz:us-east-1:iam",
            "--user",
            f"{ROOT_ACCESS_KEY_ID}:{ROOT_SECRET_ACCESS_KEY}",
            "--write-out",
            "\n%{http_code}",
            *args,
            url,
        ],
        cwd=tmp_path,
        env=_client_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    body, _, status = done.stdout.rpartition("\n")
    return int(status), body


@needs_curl
def test_curl_json_dialect_upload(server: RunningServer, cert_pem: Path, tmp_path: Path) -> None:
    _query(server, "CreateUser", UserName="carol")
    body = {"UserName": "carol", "CertificateBody": cert_pem.read_text()}
    (tmp_path / "body.json").write_text(json.dumps(body))

    status, text = _curl(
        tmp_path,
        server.url + "/?Action=UploadSigningCertificate",
        "--header",
        "accept: application/json",
        "--header",
        "content-type: application/json",
        "--data-binary",
        "@body.json",
    )

    assert status == 200, text
    envelope = json.loads(text)
    assert envelope["success"] is True
    certificate = envelope["data"]["certificate"]
    assert set(certificate) == {"id", "user_name", "status", "certificate_body", "created_at"}
    assert certificate["user_name"] == "carol"
    assert certificate["status"] == "Active"
    assert certificate["certificate_body"] == body["CertificateBody"]
    assert certificate["created_at"].endswith("Z")
    listed = _query(server, "ListSigningCertificates", UserName="carol")
    assert f"<CertificateId>{certificate['id']}</CertificateId>" in listed

    status, text = _curl(
        tmp_path,
        server.url + "/?Action=UploadSigningCertificate",
        "--header",
        "accept: application/json",
        "--header",
        "content-type: application/json",
        "--data-binary",
        "@body.json",
    )
    assert status == 409
    assert json.loads(text)["error"]["code"] == "DUPLICATE_CERTIFICATE"


@needs_curl
def test_curl_form_list_users_answers_xml(server: RunningServer, tmp_path: Path) -> None:
    _query(server, "CreateUser", UserName="dave")

    status, text = _curl(
        tmp_path, server.url + "/", "--data", "Action=ListUsers", "--data", "Version=2010-05-08"
    )

    assert status == 200, text
    assert text.startswith('<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">')
    assert "<UserName>dave</UserName>" in text
    assert "<IsTruncated>false</IsTruncated>" in text
