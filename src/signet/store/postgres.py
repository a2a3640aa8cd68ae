"""PostgreSQL: the store for several Signet servers sharing one database.

Connections come from a pool (psycopg 3). Every write transaction first takes a
transaction-scoped advisory lock on its account, so the rules checked inside it — the
per-user quotas, the users-per-account quota, the checks before DeleteUser — hold when
two servers handle racing requests; uniqueness (user names regardless of case,
certificates per account) is enforced by the database's own constraints as well.
Writes in different accounts never wait for each other. Nothing is kept in memory that
another server would need to see.
"""

from __future__ import annotations

import functools
import logging
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from signet.secrets import SecretBox, load_master_key, prepare_store
from signet.store import migrations
from signet.store.base import UniqueViolation
from signet.store.sql import Row, SqlTransaction

LOG = logging.getLogger(__name__)

_NAMED = re.compile(r":([a-z_]+)")


@functools.lru_cache(maxsize=512)
def _translate(sql: str) -> str:
    """The shared SQL's ``?`` and ``:name`` placeholders in psycopg's style."""
    return _NAMED.sub(r"%(\1)s", sql.replace("?", "%s"))


class PostgresTransaction(SqlTransaction):
    """One transaction on a pooled PostgreSQL connection."""

    def __init__(self, connection: psycopg.Connection[Any], box: SecretBox) -> None:
        self._db = connection
        self._box = box

    def _query(self, sql: str, args: Sequence[Any] | Mapping[str, Any]) -> Iterable[Row]:
        rows: list[Row] = self._db.execute(_translate(sql), args).fetchall()
        return rows

    def _execute(self, sql: str, args: Sequence[Any]) -> int:
        try:
            return self._db.execute(_translate(sql), args).rowcount
        except psycopg.errors.UniqueViolation as error:
            raise UniqueViolation(error.diag.constraint_name or "unique") from None


class PostgresStore:
    """A PostgreSQL database, reached through a pool of connections.

    Secret access keys are sealed under ``secret_box``; by default, the master key of
    ``SIGNET_MASTER_KEY`` or of ``data_dir`` (see :mod:`signet.secrets`).
    """

    engine = "postgresql"

    def __init__(
        self,
        url: str,
        pool_size: int = 8,
        upgrade: bool = False,
        secret_box: SecretBox | None = None,
        data_dir: Path | None = None,
    ) -> None:
        self.url = url
        if secret_box is None:
            from signet.config import DEFAULT_DATA_DIR

            secret_box = load_master_key(data_dir or Path(DEFAULT_DATA_DIR))
        self._box = secret_box
        self._local = threading.local()
        self._pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "row_factory": dict_row},
            open=True,
        )
        try:
            with self._pool.connection() as connection:
                migrations.upgrade_postgres(connection, upgrade)
            if prepare_store(self, self._box):
                self._drop_old_row_versions()
        except BaseException:
            self._pool.close()
            raise

    def _drop_old_row_versions(self) -> None:
        """After plaintext secrets were sealed, rewrite the table so that the old row
        versions holding them are gone (best effort: it needs the table's owner)."""
        try:
            with self._pool.connection() as connection:
                connection.execute("VACUUM FULL access_keys")
        except psycopg.Error as error:
            LOG.warning(
                "could not VACUUM FULL access_keys after sealing its plaintext secrets;"
                " run it as the table's owner",
                extra={"error": str(error)},
            )

    @contextmanager
    def session(self) -> Iterator[None]:
        """Keep one pooled connection for every transaction this thread opens inside, so a
        request that reads and writes several times checks out one connection, not one
        per transaction."""
        if getattr(self._local, "connection", None) is not None:
            yield
            return
        with self._pool.connection() as connection:
            self._local.connection = connection
            try:
                yield
            finally:
                self._local.connection = None

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection[Any]]:
        pinned: psycopg.Connection[Any] | None = getattr(self._local, "connection", None)
        if pinned is not None:
            yield pinned
            return
        with self._pool.connection() as connection:
            yield connection

    @contextmanager
    def read(self) -> Iterator[PostgresTransaction]:
        with self._connection() as connection, connection.transaction():
            yield PostgresTransaction(connection, self._box)

    @contextmanager
    def write(self, account_id: str | None = None) -> Iterator[PostgresTransaction]:
        with self._connection() as connection, connection.transaction():
            if account_id is not None:
                connection.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    (f"signet:{account_id}",),
                )
            yield PostgresTransaction(connection, self._box)

    def close(self) -> None:
        self._pool.close()


def schema_version(url: str) -> int:
    """The schema version of the database at ``url``, without changing anything."""
    with psycopg.connect(url, autocommit=True, row_factory=dict_row) as connection:
        return migrations.current_postgres(connection)
