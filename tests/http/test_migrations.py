"""Upgrading a store made by the previous schema version keeps its data, on both engines.

The fixture is a SQLite store written by the release whose schema was version 1: one
account (the tests' root key), a user ``legacy`` at path ``/old/`` with an access key
and a signing certificate. For PostgreSQL the same rows are copied into a schema
brought to version 1.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from signet.store.migrations import latest_version
from tests.conftest import make_client
from tests.server import DATABASE_URL, database_url_for, start_server, store_args

FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-v1" / "signet.sqlite3"
LEGACY_KEY = ("AKIAXCPD7CCU5VMNPQDJ", "7oGK8ySwQhUKHh+yjdPKNcLmJLKUTpK6r45kpLF5")
LEGACY_CERTIFICATE = "72HUOZ5QMVUV4BOW5AQKQ7LSOKOCOP7B"
TABLES = ("accounts", "users", "access_keys", "signing_certificates")


def signet(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signet", *args], capture_output=True, text=True, timeout=60
    )


def make_v1_store(data_dir: Path) -> None:
    """Lay the fixture's data into the store the tests use for ``data_dir``."""
    url = database_url_for(data_dir)
    if url is None:
        data_dir.mkdir(parents=True)
        shutil.copy(FIXTURE, data_dir / "signet.sqlite3")
        return

    import psycopg
    from psycopg.rows import dict_row

    from signet.store import migrations

    with closing(sqlite3.connect(FIXTURE)) as source:
        source.row_factory = sqlite3.Row
        rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in TABLES}
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as connection:
        migrations.upgrade_postgres(connection, up_to=1)
        for table in TABLES:
            for row in rows[table]:
                names = ", ".join(row.keys())
                marks = ", ".join("%s" for _ in row)
                connection.execute(f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(row))


def test_server_refuses_an_old_schema_and_names_the_command(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_v1_store(data_dir)

    refused = signet("serve", "--port", "1", *store_args(data_dir))
    current = signet("db", "current", *store_args(data_dir))

    assert refused.returncode != 0
    assert "signet db upgrade" in refused.stderr
    assert json.loads(current.stdout) == {"current": 1, "required": latest_version()}
    assert current.returncode == 1


def test_upgrade_keeps_the_data_of_the_previous_schema(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    make_v1_store(data_dir)

    upgraded = signet("db", "upgrade", *store_args(data_dir))
    current = signet("db", "current", *store_args(data_dir))
    server = start_server(data_dir)
    try:
        root = make_client(server)
        legacy = make_client(server, "sts", key=LEGACY_KEY).get_caller_identity()
        user = root.get_user(UserName="legacy")["User"]
        certificates = root.list_signing_certificates(UserName="legacy")["Certificates"]
        root.put_user_policy(
            UserName="legacy",
            PolicyName="new-in-v2",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"}],
                }
            ),
        )
        as_legacy = make_client(server, key=LEGACY_KEY)
        allowed = as_legacy.get_user()["User"]["UserName"]
    finally:
        server.stop()

    assert upgraded.returncode == 0, upgraded.stderr
    assert json.loads(current.stdout) == {"current": latest_version(), "required": latest_version()}
    assert legacy["Arn"].endswith(":user/old/legacy")
    assert user["Path"] == "/old/"
    assert [c["CertificateId"] for c in certificates] == [LEGACY_CERTIFICATE]
    assert allowed == "legacy"


def test_fresh_store_is_migrated_on_first_start(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"

    server = start_server(data_dir)
    server.stop()
    current = signet("db", "current", *store_args(data_dir))

    assert json.loads(current.stdout) == {"current": latest_version(), "required": latest_version()}


@pytest.mark.skipif(DATABASE_URL is not None, reason="a SQLite file cannot stand for PostgreSQL")
def test_fixture_is_a_version_1_store() -> None:
    with closing(sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)) as connection:
        versions = [row[0] for row in connection.execute("SELECT version FROM schema_version")]

    assert versions == [1]
