"""Durable storage behind one interface (:mod:`signet.store.base`), on two engines.

The embedded default is SQLite in the data directory; a ``postgresql://`` database URL
selects PostgreSQL, for several servers sharing one database.
"""

from __future__ import annotations

from pathlib import Path

from signet.secrets import SecretBox, load_master_key
from signet.store.base import Store


def open_store(
    data_dir: Path,
    database_url: str | None = None,
    *,
    upgrade: bool = False,
    synchronous: str = "FULL",
    pool_size: int = 8,
    secret_box: SecretBox | None = None,
) -> Store:
    """Open the configured store, migrating a fresh one (or any one, with ``upgrade``).

    Secret access keys are sealed under ``secret_box``; by default, the master key of
    ``SIGNET_MASTER_KEY`` or of the data directory's key file (:mod:`signet.secrets`),
    which is used for PostgreSQL too.
    """
    if database_url:
        if not database_url.startswith(("postgresql://", "postgres://")):
            raise ValueError("the database URL must start with postgresql://")
        from signet.store.postgres import PostgresStore

        box = secret_box or load_master_key(data_dir)
        return PostgresStore(database_url, pool_size, upgrade, box)

    from signet.store.sqlite import SqliteStore

    return SqliteStore.in_directory(data_dir, synchronous, upgrade, secret_box)


def describe(data_dir: Path, database_url: str | None) -> str:
    """Where the store lives, for messages, without any password in the URL."""
    if database_url:
        from psycopg.conninfo import conninfo_to_dict

        parts = conninfo_to_dict(database_url)
        host, port = parts.get("host", ""), parts.get("port", 5432)
        return f"postgresql://{host}:{port}/{parts.get('dbname', '')}"
    return str(data_dir)
