"""Secret access keys are stored sealed: no secret is in the store, on either engine, and
the keys still sign requests after a restart."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import make_client
from tests.http.test_migrations import LEGACY_KEY, make_v1_store
from tests.server import ROOT_SECRET_ACCESS_KEY, database_url_for, start_server, store_args


def store_text(data_dir: Path) -> str:
    """Everything the store holds, as text: the SQLite files (with the write-ahead log),
    or every row of every table of the PostgreSQL schema."""
    url = database_url_for(data_dir)
    if url is None:
        files = sorted(data_dir.glob("signet.sqlite3*"))
        assert files
        return "".join(path.read_bytes().decode("latin-1") for path in files)

    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        tables = connection.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'"
        ).fetchall()
        assert ("access_keys",) in tables
        text = [
            str(row[0])
            for (table,) in tables
            for row in connection.execute(f"SELECT row_to_json(t)::text FROM {table} t")
        ]
    return "\n".join(text)


def test_no_secret_is_stored_and_keys_still_sign_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        iam = make_client(server)
        iam.create_user(UserName="sealed")
        key = iam.create_access_key(UserName="sealed")["AccessKey"]
        secret = key["SecretAccessKey"]
        while_running = store_text(data_dir)
    finally:
        server.stop()
    after_stop = store_text(data_dir)

    again = start_server(data_dir)
    try:
        identity = make_client(again, "sts", key=(key["AccessKeyId"], secret)).get_caller_identity()
        listed = make_client(again).list_access_keys(UserName="sealed")["AccessKeyMetadata"]
    finally:
        again.stop()

    assert key["AccessKeyId"] in while_running
    for text in (while_running, after_stop, store_text(data_dir)):
        assert secret not in text
        assert ROOT_SECRET_ACCESS_KEY not in text
    assert identity["Arn"].endswith(":user/sealed")
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]
    assert secret not in server.log() + again.log()
    master_key = data_dir / "master.key"
    assert master_key.stat().st_mode & 0o777 == 0o600


def test_a_generated_root_secret_is_printed_once_and_not_stored(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {"SIGNET_ROOT_ACCESS_KEY_ID": "", "SIGNET_ROOT_SECRET_ACCESS_KEY": ""}
    server = start_server(data_dir, env=env)
    try:
        output = server.log()
        key_id = output.split("export AWS_ACCESS_KEY_ID=")[1].split()[0]
        secret = output.split("export AWS_SECRET_ACCESS_KEY=")[1].split()[0]
        identity = make_client(server, "sts", key=(key_id, secret)).get_caller_identity()
    finally:
        server.stop()

    assert identity["Arn"].endswith(":root")
    assert secret not in store_text(data_dir)


def test_account_create_prints_a_secret_it_does_not_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    server.stop()

    created = subprocess.run(
        [sys.executable, "-m", "signet", "account", "create", *store_args(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout

    assert '"secret_access_key"' in created
    secret = created.split('"secret_access_key": "')[1].split('"')[0]
    assert len(secret) == 40
    assert secret not in store_text(data_dir)


def test_the_master_key_from_the_environment(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    master_key = {"SIGNET_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    server = start_server(data_dir, env=master_key)
    try:
        make_client(server).create_user(UserName="enveloped")
    finally:
        server.stop()

    other_key = {"SIGNET_MASTER_KEY": base64.b64encode(os.urandom(32)).decode()}
    with pytest.raises(RuntimeError) as refused:
        start_server(data_dir, env=other_key)
    again = start_server(data_dir, env=master_key)
    try:
        users = make_client(again).list_users()["Users"]
    finally:
        again.stop()

    assert not (data_dir / "master.key").exists()
    assert "sealed under another master key" in str(refused.value)
    assert other_key["SIGNET_MASTER_KEY"] not in str(refused.value)
    assert [u["UserName"] for u in users] == ["enveloped"]
    assert ROOT_SECRET_ACCESS_KEY not in store_text(data_dir)


def test_upgrading_an_old_store_seals_its_plaintext_secrets(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_v1_store(data_dir)
    assert LEGACY_KEY[1] in store_text(data_dir)

    upgraded = subprocess.run(
        [sys.executable, "-m", "signet", "db", "upgrade", *store_args(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    server = start_server(data_dir)
    try:
        identity = make_client(server, "sts", key=LEGACY_KEY).get_caller_identity()
    finally:
        server.stop()

    assert upgraded.returncode == 0, upgraded.stderr
    assert identity["Arn"].endswith(":user/old/legacy")
    text = store_text(data_dir)
    assert LEGACY_KEY[1] not in text
    assert ROOT_SECRET_ACCESS_KEY not in text


def test_rotate_master_key_command_keeps_keys_working(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    try:
        iam = make_client(server)
        iam.create_user(UserName="rotated")
        key = iam.create_access_key(UserName="rotated")["AccessKey"]
    finally:
        server.stop()
    old_key = (data_dir / "master.key").read_bytes()

    rotated = subprocess.run(
        [sys.executable, "-m", "signet", "rotate-master-key", *store_args(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    server = start_server(data_dir)
    try:
        identity = make_client(
            server, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"])
        ).get_caller_identity()
    finally:
        server.stop()

    assert rotated.returncode == 0, rotated.stderr
    assert "Re-encrypted 2 secret access keys." in rotated.stdout
    assert (data_dir / "master.key").read_bytes() != old_key
    assert identity["Arn"].endswith(":user/rotated")
    assert key["SecretAccessKey"] not in store_text(data_dir)
