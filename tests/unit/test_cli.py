"""The ``signet`` command line, through click's CliRunner: cert inspect, account, help."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from signet import logs
from signet.cli import main
from signet.store.sqlite import SqliteStore
from tests import certs

# Every variable the commands read or write: unset while a test runs, restored after.
SIGNET_ENV: dict[str, str | None] = {
    name: None
    for name in (
        "SIGNET_DATA_DIR",
        "SIGNET_HOST",
        "SIGNET_PORT",
        "SIGNET_WORKERS",
        "SIGNET_LOG_LEVEL",
        "SIGNET_LOG_FORMAT",
        "SIGNET_SQLITE_SYNCHRONOUS",
        "SIGNET_MAX_BODY_BYTES",
        "SIGNET_ROOT_ACCESS_KEY_ID",
        "SIGNET_ROOT_SECRET_ACCESS_KEY",
    )
}
FIXED_KEY_ID = "AKIAIOSFODNN7CLITEST"
FIXED_SECRET = "cliTestSecretKey/0123456789abcdefghijKLM"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def invoke(runner: CliRunner, *args: str, env: dict[str, str] | None = None) -> Result:
    return runner.invoke(main, list(args), env={**SIGNET_ENV, **(env or {})})


def write(tmp_path: Path, name: str, text: str | bytes) -> str:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    return str(path)


def inspect(runner: CliRunner, path: str) -> tuple[int, dict[str, Any], Result]:
    result = invoke(runner, "cert", "inspect", path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.stdout), result


# cert inspect


def test_inspect_a_good_rsa_certificate(runner: CliRunner, tmp_path: Path) -> None:
    pem, _ = certs.make_rsa_cert(common_name="cli-good")

    code, report, _ = inspect(runner, write(tmp_path, "good.pem", pem))

    assert code == 0
    assert report["decision"] == {"accepted": True}
    assert report["subject"] == "CN=cli-good"
    assert report["issuer"] == "CN=cli-good"
    assert report["key_type"] == "RSA"
    assert report["key_size"] == 2048
    assert report["curve"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", report["fingerprint_sha256"])
    assert re.fullmatch(r"[A-Z2-7]{32}", report["certificate_id"])
    assert report["signature_algorithm"] == "sha256WithRSAEncryption"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", report["not_after"])
    assert report["days_left"] in (364, 365)


def test_inspect_an_ec_certificate(runner: CliRunner, tmp_path: Path) -> None:
    pem, _ = certs.make_ec_cert()

    code, report, _ = inspect(runner, write(tmp_path, "ec.pem", pem))

    assert code == 0
    assert (report["key_type"], report["key_size"], report["curve"]) == ("EC", 256, "secp256r1")


def test_inspect_an_expired_certificate(runner: CliRunner, tmp_path: Path) -> None:
    pem, _ = certs.make_expired_cert(common_name="cli-expired")

    code, report, _ = inspect(runner, write(tmp_path, "expired.pem", pem))

    assert code == 1
    assert report["decision"]["accepted"] is False
    assert report["decision"]["error"]["code"] == "MalformedCertificate"
    assert "expired" in report["decision"]["error"]["message"]
    assert report["subject"] == "CN=cli-expired"
    assert report["days_left"] < 0


def test_inspect_a_weak_key_is_invalid(runner: CliRunner, tmp_path: Path) -> None:
    pem, _ = certs.make_ed25519_cert()

    code, report, _ = inspect(runner, write(tmp_path, "ed25519.pem", pem))

    assert code == 1
    assert report["decision"]["error"]["code"] == "InvalidCertificate"
    assert report["key_type"] == "Ed25519"


@pytest.mark.parametrize("label", list(certs.private_key_pems()))
def test_inspect_a_private_key_never_prints_it(
    runner: CliRunner, tmp_path: Path, label: str
) -> None:
    key = certs.private_key_pems()[label]
    key_lines = [line for line in key.splitlines() if line and "-----" not in line]

    code, report, result = inspect(runner, write(tmp_path, "key.pem", key))

    assert code == 1
    assert report["decision"]["error"]["code"] == "MalformedCertificate"
    assert "private key" in report["decision"]["error"]["message"]
    assert report["subject"] is None
    for line in key_lines:
        if len(line) >= 20:
            assert line not in result.output


def test_inspect_a_certificate_with_its_key_appended(runner: CliRunner, tmp_path: Path) -> None:
    pem, key = certs.make_rsa_cert(common_name="cli-with-key")
    key_lines = [line for line in key.splitlines() if len(line) >= 20 and "-----" not in line]

    code, report, result = inspect(runner, write(tmp_path, "both.pem", pem + key))

    assert code == 1
    assert "private key" in report["decision"]["error"]["message"]
    for line in key_lines:
        assert line not in result.output


@pytest.mark.parametrize(
    "content",
    [
        pytest.param("garbage\n", id="text"),
        pytest.param("", id="empty"),
        pytest.param(b"\x30\x82\x01\x00\xff\xfe\x00binary", id="binary"),
        pytest.param(
            "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n", id="b64"
        ),
        pytest.param("-----BEGIN CERTIFICATE-----\nMIIB\n", id="unterminated"),
    ],
)
def test_inspect_garbage(runner: CliRunner, tmp_path: Path, content: str | bytes) -> None:
    code, report, result = inspect(runner, write(tmp_path, "junk.pem", content))

    assert code == 1
    assert report["decision"]["accepted"] is False
    assert report["decision"]["error"]["code"] == "MalformedCertificate"
    assert report["fingerprint_sha256"] is None
    assert "Traceback" not in result.output


def test_inspect_a_missing_file_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "cert", "inspect", str(tmp_path / "absent.pem"))

    assert result.exit_code == 2
    assert "does not exist" in result.output


# account create / list


def test_account_create_prints_a_working_root_key(runner: CliRunner, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    result = invoke(runner, "account", "create", "--data-dir", str(data_dir))

    assert result.exit_code == 0, result.output
    created = json.loads(result.stdout)
    assert set(created) == {"account_id", "access_key_id", "secret_access_key"}
    assert re.fullmatch(r"[1-9]\d{11}", created["account_id"])
    assert re.fullmatch(r"AKIA[A-Z2-7]{16}", created["access_key_id"])
    assert re.fullmatch(r"[A-Za-z0-9+/]{40}", created["secret_access_key"])
    store = SqliteStore.in_directory(data_dir)
    with store.read() as tx:
        key = tx.get_access_key(created["access_key_id"])
    store.close()
    assert key is not None
    assert key.secret == created["secret_access_key"]
    assert key.owner_id == key.account_id == created["account_id"]
    assert key.status == "Active"


def test_account_list_shows_every_created_account(runner: CliRunner, tmp_path: Path) -> None:
    data_dir = str(tmp_path / "data")

    first = json.loads(invoke(runner, "account", "create", "--data-dir", data_dir).stdout)
    second = json.loads(invoke(runner, "account", "create", "--data-dir", data_dir).stdout)
    result = invoke(runner, "account", "list", "--data-dir", data_dir)

    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert first["account_id"] != second["account_id"]
    assert first["access_key_id"] != second["access_key_id"]
    assert {a["account_id"] for a in listed} == {first["account_id"], second["account_id"]}
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", a["created_at"]) for a in listed)
    assert set(listed[0]) == {"account_id", "created_at"}
    assert first["secret_access_key"] not in result.output


def test_account_list_reads_the_data_dir_from_the_environment(
    runner: CliRunner, tmp_path: Path
) -> None:
    data_dir = str(tmp_path / "from-env")
    created = json.loads(invoke(runner, "account", "create", "--data-dir", data_dir).stdout)

    result = invoke(runner, "account", "list", env={"SIGNET_DATA_DIR": data_dir})

    assert [a["account_id"] for a in json.loads(result.stdout)] == [created["account_id"]]


def test_account_list_of_an_empty_store(runner: CliRunner, tmp_path: Path) -> None:
    result = invoke(runner, "account", "list", "--data-dir", str(tmp_path / "empty"))

    assert result.exit_code == 0
    assert json.loads(result.stdout) == []


# serve, without serving: the bootstrap and its messages


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[dict[str, Any]]]:
    """Replace uvicorn.run (record its arguments) and leave logging configuration alone."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append(kwargs))
    monkeypatch.setattr(logs, "configure", lambda *args, **kwargs: None)
    yield calls


def test_serve_with_a_fixed_root_key_never_prints_the_secret(
    runner: CliRunner, tmp_path: Path, no_server: list[dict[str, Any]]
) -> None:
    env = {"SIGNET_ROOT_ACCESS_KEY_ID": FIXED_KEY_ID, "SIGNET_ROOT_SECRET_ACCESS_KEY": FIXED_SECRET}
    args = ("serve", "--data-dir", str(tmp_path / "data"), "--port", "1")

    first = invoke(runner, *args, env=env)
    second = invoke(runner, *args, env=env)

    assert first.exit_code == 0, first.output
    assert FIXED_KEY_ID in first.output
    assert FIXED_SECRET not in first.output
    assert "created account" in first.output
    assert second.exit_code == 0
    assert "created account" not in second.output
    assert len(no_server) == 2


def test_serve_with_a_malformed_root_key_fails_without_echoing_it(
    runner: CliRunner, tmp_path: Path, no_server: list[dict[str, Any]]
) -> None:
    secret = "too-short-but-still-a-secret"
    env = {"SIGNET_ROOT_ACCESS_KEY_ID": FIXED_KEY_ID, "SIGNET_ROOT_SECRET_ACCESS_KEY": secret}

    result = invoke(runner, "serve", "--data-dir", str(tmp_path / "data"), env=env)

    assert result.exit_code == 1
    assert "secret access key must be 40 characters" in result.output
    assert secret not in result.output
    assert "Traceback" not in result.output
    assert no_server == []


# Help


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("serve",),
        ("cert",),
        ("cert", "inspect"),
        ("account",),
        ("account", "create"),
        ("account", "list"),
    ],
    ids=lambda args: " ".join(args) or "signet",
)
def test_help(runner: CliRunner, args: tuple[str, ...]) -> None:
    result = invoke(runner, *args, "--help")

    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Usage: ")
    assert " ".join(("main", *args)) in result.stdout.splitlines()[0]


def test_version(runner: CliRunner) -> None:
    result = invoke(runner, "--version")

    assert result.exit_code == 0
    assert re.search(r"\d+\.\d+", result.stdout)


def test_unknown_command_is_a_usage_error(runner: CliRunner) -> None:
    result = invoke(runner, "frobnicate")

    assert result.exit_code == 2
    assert "No such command" in result.output
