"""Versioned schema migrations: numbered SQL files, applied in order, on either engine.

The database records the version it is at in ``schema_version``. Each engine applies a
migration and records it in one transaction, under a lock that keeps two processes from
migrating at once, so a crash or a race leaves the schema at a whole version.

A fresh database is migrated when it is first opened; a database at an older version is
upgraded only on request (``signet db upgrade``), so that a server never changes a
shared schema under other servers that still run an older release.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from importlib import resources
from typing import Any

from signet.store.base import SchemaTooOld

LOG = logging.getLogger(__name__)

UPGRADE_COMMAND = "signet db upgrade"
_POSTGRES_LOCK = 7_531_000_001
SCHEMA_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"


def available() -> list[tuple[int, str]]:
    """Every migration shipped with Signet, as (version, SQL), oldest first."""
    found = []
    for entry in resources.files(__package__).iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


def latest_version() -> int:
    return available()[-1][0]


def check(version: int, upgrade: bool) -> bool:
    """Whether to migrate a database found at ``version``; refuse what cannot be served."""
    latest = latest_version()
    if version > latest:
        raise SchemaTooOld(
            f"The database schema is at version {version}, newer than this release of"
            f" Signet knows ({latest}); run a newer release."
        )
    if version == latest:
        return False
    if version == 0 or upgrade:
        return True
    raise SchemaTooOld(
        f"The database schema is at version {version} and this release needs {latest};"
        f" run `{UPGRADE_COMMAND}` with the same --data-dir or --database-url first."
    )


def statements(sql: str) -> list[str]:
    """Split a migration into statements; migrations hold no semicolons inside literals."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def _apply(version: int, execute: Callable[[str, tuple[Any, ...]], Any], up_to: int) -> int:
    for number, sql in available():
        if version < number <= up_to:
            LOG.info("applying schema migration", extra={"version": number})
            for statement in statements(sql):
                execute(statement, ())
            execute(f"INSERT INTO schema_version (version) VALUES ({number})", ())
            version = number
    return version


# SQLite


def current_sqlite(db: sqlite3.Connection) -> int:
    """The schema version of a SQLite database; 0 when it is empty."""
    db.execute(SCHEMA_VERSION_TABLE)
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def upgrade_sqlite(db: sqlite3.Connection, upgrade: bool = False, up_to: int | None = None) -> int:
    """Bring a SQLite database to the newest version (or ``up_to``) when it may be."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = current_sqlite(db)
        if up_to is not None or check(version, upgrade):
            version = _apply(version, db.execute, up_to or latest_version())
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    return version


# PostgreSQL


def current_postgres(conn: Any) -> int:
    """The schema version of a PostgreSQL database; 0 when it is empty. Reads only, so that
    a role without CREATE can start servers on a schema someone else migrated."""
    row = conn.execute("SELECT to_regclass('schema_version') IS NOT NULL AS present").fetchone()
    if not row["present"]:
        return 0
    row = conn.execute("SELECT max(version) AS version FROM schema_version").fetchone()
    return int(row["version"] or 0)


def upgrade_postgres(conn: Any, upgrade: bool = False, up_to: int | None = None) -> int:
    """Bring a PostgreSQL database to the newest version (or ``up_to``) when it may be.

    ``conn`` is a psycopg connection in autocommit mode with a dict row factory.
    """
    version = current_postgres(conn)
    if up_to is None and not check(version, upgrade):
        return version
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_POSTGRES_LOCK,))
        conn.execute(SCHEMA_VERSION_TABLE)
        version = current_postgres(conn)
        if up_to is not None or check(version, upgrade):
            version = _apply(version, conn.execute, up_to or latest_version())
    return version
