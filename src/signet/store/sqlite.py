"""The embedded store: one SQLite file in the data directory.

WAL journaling lets readers run beside the one writer. Write transactions begin with
``BEGIN IMMEDIATE``, which takes SQLite's write lock at once, so a count-then-insert
inside one is atomic across every thread and process that opens the same file — this
is what keeps the per-user quotas exact under ``--workers N``. ``synchronous=FULL`` makes
a commit durable before the request that made it is answered.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from signet.clock import iso, parse_iso
from signet.store import migrations
from signet.store.base import UniqueViolation
from signet.store.records import AccessKey, Account, SigningCertificate, User

LOG = logging.getLogger(__name__)

DATABASE_FILE = "signet.sqlite3"
BUSY_TIMEOUT_MS = 10_000


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else parse_iso(text)


class SqliteTransaction:
    """The reads and writes of one transaction on a SQLite connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    def _one(self, sql: str, args: Sequence[Any]) -> Any:
        return self._db.execute(sql, args).fetchone()

    def _execute(self, sql: str, args: Sequence[Any]) -> None:
        try:
            self._db.execute(sql, args)
        except sqlite3.IntegrityError as error:
            raise UniqueViolation(_constraint_name(error)) from None

    # Accounts

    def insert_account(self, account: Account) -> None:
        self._execute(
            "INSERT INTO accounts (account_id, created_at) VALUES (?, ?)",
            (account.account_id, iso(account.created_at)),
        )

    def get_account(self, account_id: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE account_id = ?", (account_id,))
        return None if row is None else _account(row)

    def list_accounts(self) -> Sequence[Account]:
        rows = self._db.execute("SELECT * FROM accounts ORDER BY created_at, account_id")
        return [_account(row) for row in rows]

    # Users

    def insert_user(self, user: User) -> None:
        self._execute(
            "INSERT INTO users (user_id, account_id, user_name, user_name_key, path, created_at,"
            " permissions_boundary, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.user_id,
                user.account_id,
                user.user_name,
                user.user_name.lower(),
                user.path,
                iso(user.created_at),
                user.permissions_boundary,
                json.dumps([list(tag) for tag in user.tags]),
            ),
        )

    def get_user(self, account_id: str, user_name: str) -> User | None:
        row = self._one(
            "SELECT * FROM users WHERE account_id = ? AND user_name_key = ?",
            (account_id, user_name.lower()),
        )
        return None if row is None else _user(row)

    def get_user_by_id(self, user_id: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    def list_users(
        self, account_id: str, path_prefix: str, after: str | None, limit: int
    ) -> Sequence[User]:
        rows = self._db.execute(
            "SELECT * FROM users WHERE account_id = ? AND substr(path, 1, ?) = ?"
            " AND user_name_key > ? ORDER BY user_name_key LIMIT ?",
            (account_id, len(path_prefix), path_prefix, after or "", limit),
        )
        return [_user(row) for row in rows]

    def count_users(self, account_id: str) -> int:
        row = self._one("SELECT count(*) FROM users WHERE account_id = ?", (account_id,))
        return int(row[0])

    def update_user(self, user_id: str, user_name: str, path: str) -> None:
        self._execute(
            "UPDATE users SET user_name = ?, user_name_key = ?, path = ? WHERE user_id = ?",
            (user_name, user_name.lower(), path, user_id),
        )

    def delete_user(self, user_id: str) -> None:
        self._execute("DELETE FROM users WHERE user_id = ?", (user_id,))

    # Access keys

    def insert_access_key(self, key: AccessKey) -> None:
        self._execute(
            "INSERT INTO access_keys (access_key_id, account_id, owner_id, secret, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                key.access_key_id,
                key.account_id,
                key.owner_id,
                key.secret,
                key.status,
                iso(key.created_at),
            ),
        )

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        row = self._one("SELECT * FROM access_keys WHERE access_key_id = ?", (access_key_id,))
        return None if row is None else _access_key(row)

    def list_access_keys(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[AccessKey]:
        created, key_id = after or ("", "")
        rows = self._db.execute(
            "SELECT * FROM access_keys WHERE owner_id = ? AND (created_at, access_key_id) > (?, ?)"
            " ORDER BY created_at, access_key_id LIMIT ?",
            (owner_id, created, key_id, limit),
        )
        return [_access_key(row) for row in rows]

    def count_access_keys(self, owner_id: str) -> int:
        row = self._one("SELECT count(*) FROM access_keys WHERE owner_id = ?", (owner_id,))
        return int(row[0])

    def update_access_key_status(self, access_key_id: str, status: str) -> None:
        self._execute(
            "UPDATE access_keys SET status = ? WHERE access_key_id = ?", (status, access_key_id)
        )

    def record_access_key_use(
        self, access_key_id: str, at: datetime, service: str, region: str
    ) -> None:
        self._execute(
            "UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?"
            " WHERE access_key_id = ?",
            (iso(at), service, region, access_key_id),
        )

    def delete_access_key(self, access_key_id: str) -> None:
        self._execute("DELETE FROM access_keys WHERE access_key_id = ?", (access_key_id,))

    # Signing certificates

    def insert_certificate(self, certificate: SigningCertificate) -> None:
        self._execute(
            "INSERT INTO signing_certificates (account_id, certificate_id, owner_id, body, status,"
            " uploaded_at, not_after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                certificate.account_id,
                certificate.certificate_id,
                certificate.owner_id,
                certificate.body,
                certificate.status,
                iso(certificate.uploaded_at),
                iso(certificate.not_after),
            ),
        )

    def get_certificate(self, account_id: str, certificate_id: str) -> SigningCertificate | None:
        row = self._one(
            "SELECT * FROM signing_certificates WHERE account_id = ? AND certificate_id = ?",
            (account_id, certificate_id),
        )
        return None if row is None else _certificate(row)

    def list_certificates(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[SigningCertificate]:
        uploaded, certificate_id = after or ("", "")
        rows = self._db.execute(
            "SELECT * FROM signing_certificates WHERE owner_id = ?"
            " AND (uploaded_at, certificate_id) > (?, ?)"
            " ORDER BY uploaded_at, certificate_id LIMIT ?",
            (owner_id, uploaded, certificate_id, limit),
        )
        return [_certificate(row) for row in rows]

    def count_certificates(self, owner_id: str) -> int:
        row = self._one("SELECT count(*) FROM signing_certificates WHERE owner_id = ?", (owner_id,))
        return int(row[0])

    def update_certificate_status(self, account_id: str, certificate_id: str, status: str) -> None:
        self._execute(
            "UPDATE signing_certificates SET status = ?"
            " WHERE account_id = ? AND certificate_id = ?",
            (status, account_id, certificate_id),
        )

    def delete_certificate(self, account_id: str, certificate_id: str) -> None:
        self._execute(
            "DELETE FROM signing_certificates WHERE account_id = ? AND certificate_id = ?",
            (account_id, certificate_id),
        )


class SqliteStore:
    """A SQLite database file, with one connection per thread that uses it."""

    engine = "sqlite"

    def __init__(self, path: Path, synchronous: str = "FULL") -> None:
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        with self._connection_for_setup() as db:
            migrations.upgrade_sqlite(db)

    @classmethod
    def in_directory(cls, data_dir: Path, synchronous: str = "FULL") -> SqliteStore:
        data_dir.mkdir(parents=True, exist_ok=True)
        return cls(data_dir / DATABASE_FILE, synchronous)

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute(f"PRAGMA synchronous = {self._synchronous}")
        db.execute("PRAGMA foreign_keys = ON")
        return db

    @contextmanager
    def _connection_for_setup(self) -> Iterator[sqlite3.Connection]:
        db = self._open()
        try:
            yield db
        finally:
            db.close()

    def _connection(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._open()
            self._local.db = db
        return db

    @contextmanager
    def read(self) -> Iterator[SqliteTransaction]:
        db = self._connection()
        db.execute("BEGIN")
        try:
            yield SqliteTransaction(db)
        finally:
            db.execute("COMMIT")

    @contextmanager
    def write(self) -> Iterator[SqliteTransaction]:
        db = self._connection()
        db.execute("BEGIN IMMEDIATE")
        try:
            yield SqliteTransaction(db)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def close(self) -> None:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


def _constraint_name(error: sqlite3.IntegrityError) -> str:
    """Name the broken constraint from SQLite's message (it names columns, not constraints)."""
    text = str(error)
    if "users.account_id, users.user_name_key" in text:
        return "users_name_unique"
    if "signing_certificates.account_id, signing_certificates.certificate_id" in text:
        return "signing_certificates_unique"
    if "access_keys.access_key_id" in text:
        return "access_keys_pkey"
    if "users.user_id" in text:
        return "users_pkey"
    if "accounts.account_id" in text:
        return "accounts_pkey"
    return text


def _account(row: sqlite3.Row) -> Account:
    return Account(account_id=row["account_id"], created_at=parse_iso(row["created_at"]))


def _user(row: sqlite3.Row) -> User:
    return User(
        user_id=row["user_id"],
        account_id=row["account_id"],
        user_name=row["user_name"],
        path=row["path"],
        created_at=parse_iso(row["created_at"]),
        permissions_boundary=row["permissions_boundary"],
        tags=tuple((key, value) for key, value in json.loads(row["tags"])),
    )


def _access_key(row: sqlite3.Row) -> AccessKey:
    return AccessKey(
        access_key_id=row["access_key_id"],
        account_id=row["account_id"],
        owner_id=row["owner_id"],
        secret=row["secret"],
        status=row["status"],
        created_at=parse_iso(row["created_at"]),
        last_used_at=_optional_time(row["last_used_at"]),
        last_used_service=row["last_used_service"],
        last_used_region=row["last_used_region"],
    )


def _certificate(row: sqlite3.Row) -> SigningCertificate:
    return SigningCertificate(
        certificate_id=row["certificate_id"],
        account_id=row["account_id"],
        owner_id=row["owner_id"],
        body=row["body"],
        status=row["status"],
        uploaded_at=parse_iso(row["uploaded_at"]),
        not_after=parse_iso(row["not_after"]),
    )
