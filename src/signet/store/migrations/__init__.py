"""Versioned schema migrations, numbered SQL files applied in order.

The database records the version it is at in ``schema_version``. A fresh database is
brought to the newest version on first open; each migration runs in its own
transaction, so a crash leaves the schema at a whole version.
"""

from __future__ import annotations

import logging
import sqlite3
from importlib import resources

LOG = logging.getLogger(__name__)


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


def current_sqlite(db: sqlite3.Connection) -> int:
    """The schema version of a SQLite database; 0 when it is empty."""
    db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
    row = db.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)


def upgrade_sqlite(db: sqlite3.Connection) -> int:
    """Apply every migration newer than the database's version; return the new version."""
    db.execute("BEGIN IMMEDIATE")
    try:
        version = current_sqlite(db)
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise

    for number, sql in available():
        if number <= version:
            continue
        LOG.info("applying schema migration", extra={"version": number})
        db.execute("BEGIN IMMEDIATE")
        try:
            if current_sqlite(db) < number:
                for statement in _statements(sql):
                    db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        version = number
    return version


def _statements(sql: str) -> list[str]:
    """Split a migration into statements; migrations hold no semicolons inside literals."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]
