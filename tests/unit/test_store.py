"""The SQLite store on its own: schema migrations, constraints, transactions, paging, races."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from signet import ids
from signet.clock import iso
from signet.store import migrations
from signet.store.base import UniqueViolation
from signet.store.records import AccessKey, Account, SigningCertificate, User
from signet.store.sqlite import DATABASE_FILE, SqliteStore

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
CORE_TABLES = {"accounts", "users", "access_keys", "signing_certificates", "schema_version"}


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore.in_directory(tmp_path / "data")
    yield opened
    opened.close()


def account(store: SqliteStore, account_id: str | None = None) -> str:
    account_id = account_id or ids.account_id()
    with store.write() as tx:
        tx.insert_account(Account(account_id, NOW))
    return account_id


def user(account_id: str, name: str, path: str = "/", user_id: str | None = None) -> User:
    return User(user_id or ids.user_id(), account_id, name, path, NOW)


def certificate(
    account_id: str,
    owner_id: str,
    certificate_id: str | None = None,
    uploaded_at: datetime = NOW,
) -> SigningCertificate:
    return SigningCertificate(
        certificate_id=certificate_id or ids.certificate_id(ids.secret_access_key().encode()),
        account_id=account_id,
        owner_id=owner_id,
        body="-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n",
        status="Active",
        uploaded_at=uploaded_at,
        not_after=NOW + timedelta(days=365),
    )


def access_key(account_id: str, owner_id: str, created_at: datetime = NOW) -> AccessKey:
    return AccessKey(
        access_key_id=ids.access_key_id(),
        account_id=account_id,
        owner_id=owner_id,
        secret=ids.secret_access_key(),
        status="Active",
        created_at=created_at,
    )


def tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {row[0] for row in rows}


def schema_versions(path: Path) -> list[int]:
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT version FROM schema_version ORDER BY version").fetchall()
    return [row[0] for row in rows]


# Migrations


def test_migrations_create_the_schema(tmp_path: Path) -> None:
    SqliteStore.in_directory(tmp_path / "fresh").close()
    path = tmp_path / "fresh" / DATABASE_FILE

    assert CORE_TABLES.issubset(tables(path))
    assert schema_versions(path) == [number for number, _ in migrations.available()]
    assert schema_versions(path)[-1] == migrations.latest_version()


def test_migrations_are_idempotent_on_reopen(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = SqliteStore.in_directory(data_dir)
    account_id = account(first)
    with first.write() as tx:
        tx.insert_user(user(account_id, "kept"))
    first.close()
    path = data_dir / DATABASE_FILE
    schema_before = tables(path)

    for _ in range(3):
        SqliteStore.in_directory(data_dir).close()

    assert tables(path) == schema_before
    assert schema_versions(path) == [number for number, _ in migrations.available()]
    reopened = SqliteStore.in_directory(data_dir)
    with reopened.read() as tx:
        assert tx.get_user(account_id, "kept") is not None
    reopened.close()


def test_upgrade_reports_the_version_and_does_nothing_twice(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "direct.sqlite3", isolation_level=None)
    try:
        assert migrations.current_sqlite(db) == 0
        assert migrations.upgrade_sqlite(db) == migrations.latest_version()
        assert migrations.upgrade_sqlite(db) == migrations.latest_version()
        assert migrations.current_sqlite(db) == migrations.latest_version()
        count = db.execute("SELECT count(*) FROM schema_version").fetchone()[0]
    finally:
        db.close()
    assert count == len(migrations.available())


def test_available_migrations_are_numbered_in_order() -> None:
    numbers = [number for number, _ in migrations.available()]

    assert numbers == sorted(set(numbers))
    assert numbers[0] == 1
    assert all(sql.strip() for _, sql in migrations.available())


# Constraints


def test_user_names_are_unique_regardless_of_case(store: SqliteStore) -> None:
    account_id = account(store)
    with store.write() as tx:
        tx.insert_user(user(account_id, "Alice"))

    with pytest.raises(UniqueViolation) as caught, store.write() as tx:
        tx.insert_user(user(account_id, "aLiCe"))

    assert caught.value.constraint == "users_name_unique"
    assert str(caught.value) == "users_name_unique"
    with store.read() as tx:
        found = tx.get_user(account_id, "ALICE")
        assert found is not None and found.user_name == "Alice"
        assert tx.count_users(account_id) == 1


def test_the_same_user_name_in_another_account_is_fine(store: SqliteStore) -> None:
    first, second = account(store), account(store)

    with store.write() as tx:
        tx.insert_user(user(first, "shared"))
        tx.insert_user(user(second, "SHARED"))

    with store.read() as tx:
        assert tx.count_users(first) == tx.count_users(second) == 1


def test_renaming_onto_another_name_is_a_unique_violation(store: SqliteStore) -> None:
    account_id = account(store)
    bob = user(account_id, "bob")
    with store.write() as tx:
        tx.insert_user(user(account_id, "alice"))
        tx.insert_user(bob)

    with pytest.raises(UniqueViolation) as caught, store.write() as tx:
        tx.update_user(bob.user_id, "ALICE", "/")

    assert caught.value.constraint == "users_name_unique"
    with store.read() as tx:
        assert tx.get_user_by_id(bob.user_id) == bob


def test_a_certificate_is_unique_in_its_account(store: SqliteStore) -> None:
    account_id = account(store)
    first = certificate(account_id, account_id)
    with store.write() as tx:
        tx.insert_certificate(first)

    with pytest.raises(UniqueViolation) as caught, store.write() as tx:
        tx.insert_certificate(certificate(account_id, "AIDAOTHEROWNER", first.certificate_id))

    assert caught.value.constraint == "signing_certificates_unique"


def test_the_same_certificate_id_in_another_account_is_fine(store: SqliteStore) -> None:
    first, second = account(store), account(store)
    shared = certificate(first, first).certificate_id

    with store.write() as tx:
        tx.insert_certificate(certificate(first, first, shared))
        tx.insert_certificate(certificate(second, second, shared))

    with store.read() as tx:
        found_first = tx.get_certificate(first, shared)
        found_second = tx.get_certificate(second, shared)
    assert found_first is not None and found_first.owner_id == first
    assert found_second is not None and found_second.owner_id == second


def test_primary_keys_name_their_constraint(store: SqliteStore) -> None:
    account_id = account(store)
    key = access_key(account_id, account_id)
    with store.write() as tx:
        tx.insert_access_key(key)

    with pytest.raises(UniqueViolation) as duplicate_key, store.write() as tx:
        tx.insert_access_key(key)
    with pytest.raises(UniqueViolation) as duplicate_account, store.write() as tx:
        tx.insert_account(Account(account_id, NOW))

    assert duplicate_key.value.constraint == "access_keys_pkey"
    assert duplicate_account.value.constraint == "accounts_pkey"


# Transactions


def test_a_write_rolls_back_when_the_block_raises(store: SqliteStore) -> None:
    account_id = account(store)

    with pytest.raises(RuntimeError), store.write() as tx:
        tx.insert_user(user(account_id, "ghost"))
        tx.insert_certificate(certificate(account_id, account_id))
        raise RuntimeError("boom")

    with store.read() as tx:
        assert tx.get_user(account_id, "ghost") is None
        assert tx.count_users(account_id) == 0
        assert tx.count_certificates(account_id) == 0


def test_a_unique_violation_rolls_back_the_whole_transaction(store: SqliteStore) -> None:
    account_id = account(store)
    with store.write() as tx:
        tx.insert_user(user(account_id, "taken"))

    with pytest.raises(UniqueViolation), store.write() as tx:
        tx.insert_user(user(account_id, "first-of-two"))
        tx.insert_user(user(account_id, "TAKEN"))

    with store.read() as tx:
        assert tx.get_user(account_id, "first-of-two") is None
        assert tx.count_users(account_id) == 1


def test_the_store_is_usable_after_a_rollback(store: SqliteStore) -> None:
    account_id = account(store)
    with pytest.raises(KeyError), store.write() as tx:
        tx.insert_user(user(account_id, "never"))
        raise KeyError("x")

    with store.write() as tx:
        tx.insert_user(user(account_id, "later"))

    with store.read() as tx:
        assert [u.user_name for u in tx.list_users(account_id, "/", None, 10)] == ["later"]


def test_a_committed_write_is_visible_to_another_store(tmp_path: Path) -> None:
    data_dir = tmp_path / "shared"
    writer, reader = SqliteStore.in_directory(data_dir), SqliteStore.in_directory(data_dir)
    try:
        account_id = account(writer)
        with writer.write() as tx:
            tx.insert_user(user(account_id, "seen", path="/x/"))
        with reader.read() as tx:
            found = tx.get_user(account_id, "SEEN")
    finally:
        writer.close()
        reader.close()
    assert found is not None and found.path == "/x/"


def test_records_round_trip(store: SqliteStore) -> None:
    account_id = account(store)
    tagged = User(
        ids.user_id(), account_id, "Tagged", "/a/b/", NOW, None, (("Env", "prod"), ("k", ""))
    )
    key = access_key(account_id, tagged.user_id)
    cert = certificate(account_id, tagged.user_id)
    with store.write() as tx:
        tx.insert_user(tagged)
        tx.insert_access_key(key)
        tx.insert_certificate(cert)
        tx.record_access_key_use(key.access_key_id, NOW + timedelta(hours=1), "iam", "eu-west-1")
        tx.update_certificate_status(account_id, cert.certificate_id, "Inactive")

    with store.read() as tx:
        assert tx.get_user_by_id(tagged.user_id) == tagged
        used = tx.get_access_key(key.access_key_id)
        stored_cert = tx.get_certificate(account_id, cert.certificate_id)
        assert tx.get_account(account_id) == Account(account_id, NOW)
    assert used is not None
    assert (used.last_used_at, used.last_used_service, used.last_used_region) == (
        NOW + timedelta(hours=1),
        "iam",
        "eu-west-1",
    )
    assert used.secret == key.secret
    assert stored_cert is not None and stored_cert.status == "Inactive"
    assert stored_cert.body == cert.body and stored_cert.not_after == cert.not_after


# Paging


def test_list_users_by_path_prefix_and_after(store: SqliteStore) -> None:
    account_id, other = account(store), account(store)
    paths = {
        "carol": "/eng/",
        "Alice": "/eng/team/",
        "bob": "/engineering/",
        "dave": "/ops/",
        "Erin": "/",
        "frank": "/eng/",
    }
    with store.write() as tx:
        for name, path in paths.items():
            tx.insert_user(user(account_id, name, path))
        tx.insert_user(user(other, "aaron", "/eng/"))

    def names(prefix: str, after: str | None = None, limit: int = 100) -> list[str]:
        with store.read() as tx:
            return [u.user_name for u in tx.list_users(account_id, prefix, after, limit)]

    assert names("/") == ["Alice", "bob", "carol", "dave", "Erin", "frank"]
    assert names("/eng/") == ["Alice", "carol", "frank"]
    assert names("/eng") == ["Alice", "bob", "carol", "frank"]
    assert names("/eng/team/") == ["Alice"]
    assert names("/nothing/") == []
    assert names("/", after="carol") == ["dave", "Erin", "frank"]
    assert names("/", after="alice", limit=2) == ["bob", "carol"]
    assert names("/eng/", after="alice") == ["carol", "frank"]
    assert names("/", after="frank") == []


def test_list_users_pages_cover_everything_once(store: SqliteStore) -> None:
    account_id = account(store)
    created = [f"User{i:02d}" for i in range(23)]
    with store.write() as tx:
        for name in created:
            tx.insert_user(user(account_id, name))

    seen: list[str] = []
    after: str | None = None
    while True:
        with store.read() as tx:
            page = tx.list_users(account_id, "/", after, 5)
        if not page:
            break
        seen += [u.user_name for u in page]
        after = page[-1].user_name.lower()

    assert seen == created


def test_list_certificates_after(store: SqliteStore) -> None:
    account_id = account(store)
    owner = ids.user_id()
    earlier, later = NOW - timedelta(minutes=5), NOW
    made = [certificate(account_id, owner, uploaded_at=at) for at in (later, earlier, later)]
    made.append(certificate(account_id, ids.user_id(), uploaded_at=earlier))
    with store.write() as tx:
        for item in made:
            tx.insert_certificate(item)

    def listed(after: tuple[str, str] | None, limit: int = 10) -> list[str]:
        with store.read() as tx:
            return [c.certificate_id for c in tx.list_certificates(owner, after, limit)]

    ordered = [
        c.certificate_id
        for c in sorted(made[:3], key=lambda c: (iso(c.uploaded_at), c.certificate_id))
    ]
    assert listed(None) == ordered
    assert listed(None, 2) == ordered[:2]
    first = sorted(made[:3], key=lambda c: (iso(c.uploaded_at), c.certificate_id))[0]
    assert listed((iso(first.uploaded_at), first.certificate_id)) == ordered[1:]
    assert listed((iso(later), "~")) == []
    assert listed(("", "")) == ordered
    with store.read() as tx:
        assert tx.count_certificates(owner) == 3


def test_list_access_keys_after(store: SqliteStore) -> None:
    account_id = account(store)
    keys = [access_key(account_id, account_id, NOW + timedelta(seconds=i)) for i in (2, 0, 1)]
    with store.write() as tx:
        for key in keys:
            tx.insert_access_key(key)

    with store.read() as tx:
        everything = tx.list_access_keys(account_id, None, 10)
        after_first = tx.list_access_keys(
            account_id, (iso(everything[0].created_at), everything[0].access_key_id), 10
        )

    assert [k.created_at for k in everything] == [NOW + timedelta(seconds=i) for i in range(3)]
    assert after_first == everything[1:]


# Races


def test_count_then_insert_is_atomic_across_stores(tmp_path: Path) -> None:
    data_dir = tmp_path / "race"
    setup = SqliteStore.in_directory(data_dir)
    account_id = account(setup)
    owner = ids.user_id()
    setup.close()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        store = SqliteStore.in_directory(data_dir)
        try:
            start.wait(timeout=10)
            with store.write() as tx:
                if tx.count_certificates(owner) < 2:
                    time.sleep(0.01)  # widen the window a lost race would need
                    tx.insert_certificate(certificate(account_id, owner))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            store.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    check = SqliteStore.in_directory(data_dir)
    with check.read() as tx:
        assert tx.count_certificates(owner) == 2
        assert len(tx.list_certificates(owner, None, 10)) == 2
    check.close()
