"""The embedded store: one SQLite file in the data directory.

WAL journaling lets readers run beside the one writer. Write transactions begin with
``BEGIN IMMEDIATE``, which takes SQLite's write lock at once, so a count-then-insert
inside one is atomic across every thread and process that opens the same file — this
is what keeps the per-user quotas exact under ``--workers N``. ``synchronous=FULL`` makes
a commit durable before the request that made it is answered; group commit (one
transaction for the requests that arrive together) shares that fsync among them.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from signet.secrets import SecretBox, load_master_key, prepare_store
from signet.store import migrations
from signet.store.base import UniqueViolation
from signet.store.sql import Row, SqlTransaction

LOG = logging.getLogger(__name__)

DATABASE_FILE = "signet.sqlite3"
BUSY_TIMEOUT_MS = 10_000
SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


class SqliteTransaction(SqlTransaction):
    """One transaction on a SQLite connection."""

    def __init__(self, connection: sqlite3.Connection, box: SecretBox) -> None:
        self._db = connection
        self._box = box

    def _query(self, sql: str, args: Sequence[Any] | Mapping[str, Any]) -> Iterable[Row]:
        rows: Iterable[Row] = self._db.execute(sql, args)
        return rows

    def _execute(self, sql: str, args: Sequence[Any]) -> int:
        try:
            return self._db.execute(sql, args).rowcount
        except sqlite3.IntegrityError as error:
            if not str(error).startswith("UNIQUE constraint failed"):
                raise
            raise UniqueViolation(_constraint_name(error)) from None


class SqliteStore:
    """A SQLite database file, with one connection per thread that uses it.

    Secret access keys are sealed under ``secret_box``; by default, the master key of
    the file's directory (see :mod:`signet.secrets`).
    """

    engine = "sqlite"

    def __init__(
        self,
        path: Path,
        synchronous: str = "FULL",
        upgrade: bool = False,
        secret_box: SecretBox | None = None,
    ) -> None:
        if synchronous.upper() not in SYNCHRONOUS_MODES:
            raise ValueError(f"synchronous must be one of {', '.join(SYNCHRONOUS_MODES)}")
        self.path = path
        self._synchronous = synchronous
        self._local = threading.local()
        self._box = secret_box or load_master_key(path.parent)
        with self._connection_for_setup() as db:
            migrations.upgrade_sqlite(db, upgrade)
        try:
            # Sealing overwrites plain text: let SQLite zero the space it frees.
            self._connection().execute("PRAGMA secure_delete = ON")
            prepare_store(self, self._box)
        finally:
            self.close()  # the setup thread's connection; each thread opens its own

    @classmethod
    def in_directory(
        cls,
        data_dir: Path,
        synchronous: str = "FULL",
        upgrade: bool = False,
        secret_box: SecretBox | None = None,
    ) -> SqliteStore:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = data_dir / DATABASE_FILE
        if not path.exists():
            # Owner-only from the first byte: the file holds the account's credentials.
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        return cls(path, synchronous, upgrade, secret_box)

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
    def session(self) -> Iterator[None]:
        """Nothing to keep: each thread has its own connection already."""
        yield

    @contextmanager
    def read(self) -> Iterator[SqliteTransaction]:
        db = self._connection()
        if self._batching():
            yield SqliteTransaction(db, self._box)
            return
        db.execute("BEGIN")
        try:
            yield SqliteTransaction(db, self._box)
        finally:
            db.execute("COMMIT")

    @contextmanager
    def write(self, account_id: str | None = None) -> Iterator[SqliteTransaction]:
        """A write transaction; SQLite's one write lock already covers every account.

        Inside a batch (see :meth:`begin_batch`) it is a savepoint of the batch's
        transaction: its changes are undone alone when it fails, and made durable with
        the rest of the batch.
        """
        db = self._connection()
        if self._batching():
            db.execute("SAVEPOINT change")
            try:
                yield SqliteTransaction(db, self._box)
            except BaseException:
                db.execute("ROLLBACK TO change")
                db.execute("RELEASE change")
                raise
            db.execute("RELEASE change")
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield SqliteTransaction(db, self._box)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    # Group commit: the server runs the requests that arrive together in one transaction
    # and answers them once it is durable, paying one fsync for the whole group.

    def _batching(self) -> bool:
        return bool(getattr(self._local, "batch", False))

    def begin_batch(self) -> None:
        """Open a transaction that the reads and writes of this thread join until
        :meth:`end_batch`; a no-op when one is already open."""
        if self._batching():
            return
        self._connection().execute("BEGIN IMMEDIATE")
        self._local.batch = True

    def end_batch(self) -> None:
        """Commit the batch's transaction (durably, per the synchronous setting); on
        failure it is rolled back and the error raised."""
        if not self._batching():
            return
        self._local.batch = False
        db = self._connection()
        try:
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

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
    if "managed_policies.account_id, managed_policies.policy_name_key" in text:
        return "managed_policies_name_unique"
    if "iam_groups.account_id, iam_groups.group_name_key" in text:
        return "groups_name_unique"
    if "users.user_id" in text:
        return "users_pkey"
    if "accounts.account_id" in text:
        return "accounts_pkey"
    return text
