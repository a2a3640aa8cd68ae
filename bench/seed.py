"""Seed a Signet store directly through SQL, fast, for the benchmarks.

The schema is created by Signet itself (opening the store migrates a fresh one) and the
first account with the benchmark's fixed root key by Signet's own bootstrap; users and
filler certificates are then inserted in bulk, many rows per transaction: executemany
on SQLite, COPY on PostgreSQL. Rows follow the current schema (accounts, users,
signing_certificates) with realistic identifiers: ``AIDA`` + 17 base32 characters for
users, 32 base32 characters (the base32 of a SHA-1) for certificates, twelve digits for
accounts. Filler certificate bodies are placeholder text of a chosen length: Signet
never parses a stored body again, it only returns it.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sqlite3
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

USERS_PER_FILLER_ACCOUNT = 5000  # AWS's default quota of users per account
CERTS_PER_USER = 2
BATCH = 50_000


def _b32(seed: bytes) -> str:
    return base64.b32encode(hashlib.sha1(seed).digest()).decode("ascii")


@dataclass
class SeedReport:
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0


def prepare_store(
    data_dir: Path, database_url: str | None, root_key: tuple[str, str], synchronous: str = "FULL"
) -> str:
    """Create (migrate) the store and its first account with ``root_key``; its account id."""
    from signet.clock import system_clock
    from signet.iam import accounts
    from signet.store import open_store

    store = open_store(data_dir, database_url, synchronous=synchronous)
    try:
        accounts.bootstrap(store, system_clock(), root_key)
        with store.read() as tx:
            return tx.list_accounts()[0].account_id
    finally:
        store.close()


class Seeder:
    """Bulk inserts into one store (SQLite file or PostgreSQL URL)."""

    def __init__(self, data_dir: Path, database_url: str | None) -> None:
        self.database_url = database_url
        self._salt = os.urandom(8)
        self._serial = 0
        if database_url:
            import psycopg

            self._pg: Any = psycopg.connect(database_url, autocommit=False)
            self._sqlite: sqlite3.Connection | None = None
        else:
            from signet.store.sqlite import DATABASE_FILE

            self._pg = None
            self._sqlite = sqlite3.connect(data_dir / DATABASE_FILE, isolation_level=None)
            self._sqlite.execute("PRAGMA synchronous = OFF")  # seeding only: speed over safety
            self._sqlite.execute("PRAGMA cache_size = -1000000")  # about 1 GB of page cache

    def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._sqlite.close()
        if self._pg is not None:
            self._pg.close()

    # identifiers

    def _next(self) -> bytes:
        self._serial += 1
        return self._salt + self._serial.to_bytes(8, "big")

    def user_id(self) -> str:
        return "AIDA" + _b32(b"u" + self._next())[:17]

    def certificate_id(self) -> str:
        return _b32(b"c" + self._next())

    def account_id(self) -> str:
        number = int.from_bytes(hashlib.sha1(b"a" + self._next()).digest()[:8], "big")
        return str(10**11 + number % (9 * 10**11))

    # inserts

    def _insert(self, table: str, columns: Sequence[str], rows: Iterator[tuple[Any, ...]]) -> int:
        """Insert rows in transactions of BATCH rows; how many were inserted."""
        count = 0
        if self._sqlite is not None:
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)})"
                f" VALUES ({', '.join('?' for _ in columns)})"
            )
            while True:
                batch = [row for _, row in zip(range(BATCH), rows, strict=False)]
                if not batch:
                    return count
                self._sqlite.execute("BEGIN")
                self._sqlite.executemany(sql, batch)
                self._sqlite.execute("COMMIT")
                count += len(batch)
        with self._pg.cursor() as cursor:
            while True:
                batch = [row for _, row in zip(range(BATCH * 4), rows, strict=False)]
                if not batch:
                    break
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row(row)
                self._pg.commit()
                count += len(batch)
        return count

    def accounts(self, account_ids: Sequence[str], created_at: str) -> None:
        self._insert(
            "accounts",
            ("account_id", "created_at"),
            iter([(account_id, created_at) for account_id in account_ids]),
        )

    def users(self, account_id: str, names: Sequence[str], created_at: str) -> list[str]:
        """Insert users of one account; their user ids, in the order of ``names``."""
        ids = [self.user_id() for _ in names]
        rows = (
            (user_id, account_id, name, name.lower(), "/", created_at, None, "[]")
            for user_id, name in zip(ids, names, strict=True)
        )
        self._insert(
            "users",
            (
                "user_id",
                "account_id",
                "user_name",
                "user_name_key",
                "path",
                "created_at",
                "permissions_boundary",
                "tags",
            ),
            rows,
        )
        return ids

    def filler(self, certificates: int, body_bytes: int = 64) -> SeedReport:
        """Add ``certificates`` filler certificates, two per new user, 5000 users per new
        account (AWS's default quotas), uploaded over the past year."""
        started = time.perf_counter()
        users_needed = -(-certificates // CERTS_PER_USER)
        accounts_needed = -(-users_needed // USERS_PER_FILLER_ACCOUNT)
        now = datetime.now(UTC).replace(microsecond=0)
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        not_after = (now + timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%SZ")
        times = [
            (now - timedelta(seconds=37 * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
            for step in range(8192)
        ]
        body = _placeholder_body(body_bytes)
        account_ids = [self.account_id() for _ in range(accounts_needed)]
        self.accounts(account_ids, stamp)
        owners: list[tuple[str, str]] = []  # (account_id, user_id)
        for number, account_id in enumerate(account_ids):
            first = number * USERS_PER_FILLER_ACCOUNT
            last = min(users_needed, first + USERS_PER_FILLER_ACCOUNT)
            names = [f"filler-{index:08d}" for index in range(first, last)]
            owners.extend((account_id, user_id) for user_id in self.users(account_id, names, stamp))
        rows = (
            (
                owners[index // CERTS_PER_USER][0],
                self.certificate_id(),
                owners[index // CERTS_PER_USER][1],
                body,
                "Active",
                times[index % len(times)],
                not_after,
            )
            for index in range(certificates)
        )
        inserted = self._insert(
            "signing_certificates",
            (
                "account_id",
                "certificate_id",
                "owner_id",
                "body",
                "status",
                "uploaded_at",
                "not_after",
            ),
            rows,
        )
        if self._pg is not None:
            with self._pg.cursor() as cursor:
                cursor.execute("ANALYZE")
            self._pg.commit()
        return SeedReport(inserted + users_needed + accounts_needed, time.perf_counter() - started)


def _placeholder_body(size: int) -> str:
    """PEM-looking placeholder text of about ``size`` characters."""
    head, tail = "-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n"
    filler = max(4, size - len(head) - len(tail))
    lines = ["A" * min(64, filler - start) for start in range(0, filler, 65)]
    return head + "\n".join(lines) + "\n" + tail


def seed_users(
    data_dir: Path, database_url: str | None, account_id: str, names: Sequence[str]
) -> SeedReport:
    """Insert users with these names into ``account_id``."""
    started = time.perf_counter()
    seeder = Seeder(data_dir, database_url)
    try:
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        seeder.users(account_id, names, stamp)
    finally:
        seeder.close()
    return SeedReport(len(names), time.perf_counter() - started)
