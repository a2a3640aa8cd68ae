"""Secret access keys at rest: the sealing box, the master key's sources, rotation, and
the sealing of the plaintext secrets an older store holds."""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import stat
import threading
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from signet import ids, secrets
from signet.secrets import MasterKeyError, SecretBox, SecretUnreadable
from signet.store.records import AccessKey, Account
from signet.store.sqlite import DATABASE_FILE, SqliteStore

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
FIXTURE = Path(__file__).parent.parent / "fixtures" / "store-v1" / "signet.sqlite3"
LEGACY_KEY = ("AKIAXCPD7CCU5VMNPQDJ", "7oGK8ySwQhUKHh+yjdPKNcLmJLKUTpK6r45kpLF5")


@pytest.fixture(autouse=True)
def no_master_key_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(secrets.ENV_VAR, raising=False)


@pytest.fixture
def box() -> SecretBox:
    return SecretBox(secrets.generate_key())


def stored_secrets(data_dir: Path) -> dict[str, str]:
    with closing(sqlite3.connect(data_dir / DATABASE_FILE)) as db:
        return dict(db.execute("SELECT access_key_id, secret FROM access_keys").fetchall())


def add_keys(store: SqliteStore, count: int) -> dict[str, str]:
    """An account with ``count`` root access keys; their ids and secrets."""
    account_id = ids.account_id()
    keys = [
        AccessKey(
            ids.access_key_id(), account_id, account_id, ids.secret_access_key(), "Active", NOW
        )
        for _ in range(count)
    ]
    with store.write() as tx:
        tx.insert_account(Account(account_id, NOW))
        for key in keys:
            tx.insert_access_key(key)
    return {key.access_key_id: key.secret for key in keys}


def read_secrets(store: SqliteStore, key_ids: list[str]) -> dict[str, str]:
    found = {}
    with store.read() as tx:
        for key_id in key_ids:
            key = tx.get_access_key(key_id)
            assert key is not None
            found[key_id] = key.secret
    return found


# The box


def test_seal_and_open_round_trip(box: SecretBox) -> None:
    secret = ids.secret_access_key()

    sealed = box.seal(secret, "AKIAEXAMPLE")

    assert secrets.is_sealed(sealed)
    assert secret not in sealed
    assert box.open(sealed, "AKIAEXAMPLE") == secret
    assert box.seal(secret, "AKIAEXAMPLE") != sealed  # a fresh nonce each time


def test_a_tampered_secret_does_not_open(box: SecretBox) -> None:
    sealed = box.seal(ids.secret_access_key(), "AKIAEXAMPLE")
    raw = bytearray(base64.urlsafe_b64decode(sealed[len(secrets.PREFIX) :]))
    raw[20] ^= 1
    tampered = secrets.PREFIX + base64.urlsafe_b64encode(bytes(raw)).decode()

    for broken in (tampered, sealed[:-8], secrets.PREFIX + "not*base64", "v1:"):
        with pytest.raises(SecretUnreadable):
            box.open(broken, "AKIAEXAMPLE")


def test_a_secret_moved_to_another_key_does_not_open(box: SecretBox) -> None:
    sealed = box.seal(ids.secret_access_key(), "AKIAFIRST")

    with pytest.raises(SecretUnreadable, match="AKIASECOND"):
        box.open(sealed, "AKIASECOND")


def test_another_master_key_does_not_open(box: SecretBox) -> None:
    sealed = box.seal(ids.secret_access_key(), "AKIAEXAMPLE")

    with pytest.raises(SecretUnreadable, match="another master key"):
        SecretBox(secrets.generate_key()).open(sealed, "AKIAEXAMPLE")


def test_plain_text_is_not_sealed() -> None:
    assert not secrets.is_sealed(ids.secret_access_key())


def test_the_box_shows_no_key() -> None:
    key = secrets.generate_key()

    assert secrets.encode_key(key) not in repr(SecretBox(key))


# Where the master key comes from


def test_the_environment_key_is_used_and_no_file_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = secrets.generate_key()
    monkeypatch.setenv(secrets.ENV_VAR, secrets.encode_key(key))

    loaded = secrets.load_master_key(tmp_path)
    sealed = SecretBox(key).seal("secret", "AKIAEXAMPLE")

    assert loaded.open(sealed, "AKIAEXAMPLE") == "secret"
    assert not (tmp_path / secrets.KEY_FILE).exists()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("hunter2-is-my-master-key!", "not base64"),
        (base64.b64encode(b"sixteen byte key").decode(), "holds 16 bytes"),
        (base64.b64encode(os.urandom(33)).decode(), "holds 33 bytes"),
        (base64.urlsafe_b64encode(b"\xfb" * 32).decode(), "not base64"),
        ("wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIGNETKEY1é", "not base64"),
    ],
)
def test_a_malformed_environment_key_is_refused_without_echoing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, reason: str
) -> None:
    monkeypatch.setenv(secrets.ENV_VAR, value)

    with pytest.raises(MasterKeyError) as raised:
        secrets.load_master_key(tmp_path)

    message = str(raised.value)
    assert reason in message
    assert secrets.ENV_VAR in message
    assert value not in message
    assert value[:8] not in message
    assert not (tmp_path / secrets.KEY_FILE).exists()


def test_the_key_file_is_created_private_and_reused(tmp_path: Path) -> None:
    previous = os.umask(0o002)
    try:
        first = secrets.load_master_key(tmp_path / "data")
    finally:
        os.umask(previous)
    path = tmp_path / "data" / secrets.KEY_FILE
    sealed = first.seal("secret", "AKIAEXAMPLE")

    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(base64.b64decode(path.read_text().strip(), validate=True)) == 32
    assert secrets.load_master_key(tmp_path / "data").open(sealed, "AKIAEXAMPLE") == "secret"
    assert [p.name for p in path.parent.iterdir()] == [secrets.KEY_FILE]  # no leftovers


def test_racing_first_uses_agree_on_one_key(tmp_path: Path) -> None:
    start = threading.Barrier(8)
    boxes: list[SecretBox] = []

    def load() -> None:
        start.wait(timeout=10)
        boxes.append(secrets.load_master_key(tmp_path))

    threads = [threading.Thread(target=load) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    sealed = boxes[0].seal("secret", "AKIAEXAMPLE")
    assert len(boxes) == 8
    assert all(box.open(sealed, "AKIAEXAMPLE") == "secret" for box in boxes)
    assert [p.name for p in tmp_path.iterdir()] == [secrets.KEY_FILE]


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620])
def test_a_key_file_others_may_read_is_refused(tmp_path: Path, mode: int) -> None:
    secrets.load_master_key(tmp_path)
    path = tmp_path / secrets.KEY_FILE
    path.chmod(mode)

    with pytest.raises(MasterKeyError) as raised:
        secrets.load_master_key(tmp_path)

    assert f"chmod 600 {path}" in str(raised.value)
    assert path.read_text().strip() not in str(raised.value)


def test_a_malformed_key_file_is_refused_without_echoing_it(tmp_path: Path) -> None:
    path = tmp_path / secrets.KEY_FILE
    path.write_text("c2hvcnQ=\n")
    path.chmod(0o600)

    with pytest.raises(MasterKeyError, match="holds 5 bytes") as raised:
        secrets.load_master_key(tmp_path)

    assert "c2hvcnQ" not in str(raised.value)


def test_a_store_refuses_a_master_key_its_secrets_were_not_sealed_under(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = SqliteStore.in_directory(tmp_path / "data")
    add_keys(store, 1)
    store.close()
    monkeypatch.setenv(secrets.ENV_VAR, secrets.encode_key(secrets.generate_key()))

    with pytest.raises(MasterKeyError, match="sealed under another master key"):
        SqliteStore.in_directory(tmp_path / "data")


# The store


def test_the_store_keeps_only_sealed_secrets(tmp_path: Path, box: SecretBox) -> None:
    store = SqliteStore.in_directory(tmp_path / "data", secret_box=box)
    keys = add_keys(store, 3)

    with store.read() as tx:
        first = tx.get_access_key(next(iter(keys)))
        assert first is not None
        listed = tx.list_access_keys(first.owner_id, None, 10)
    raw = stored_secrets(tmp_path / "data")
    store.close()

    assert {key.access_key_id: key.secret for key in listed} == keys
    assert set(raw) == set(keys)
    assert all(secrets.is_sealed(sealed) for sealed in raw.values())
    assert all(box.open(raw[key_id], key_id) == secret for key_id, secret in keys.items())


def test_plaintext_secrets_of_an_old_store_are_sealed_at_open(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(FIXTURE, data_dir / DATABASE_FILE)
    assert stored_secrets(data_dir)[LEGACY_KEY[0]] == LEGACY_KEY[1]

    store = SqliteStore.in_directory(data_dir, upgrade=True)
    after_upgrade = stored_secrets(data_dir)
    found = read_secrets(store, [LEGACY_KEY[0]])
    store.close()
    SqliteStore.in_directory(data_dir).close()

    assert found == {LEGACY_KEY[0]: LEGACY_KEY[1]}
    assert all(secrets.is_sealed(sealed) for sealed in after_upgrade.values())
    assert LEGACY_KEY[1] not in (data_dir / DATABASE_FILE).read_bytes().decode("latin-1")
    assert stored_secrets(data_dir) == after_upgrade  # sealing again changes nothing


def test_a_plaintext_row_written_later_is_read_and_then_sealed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir)
    key_id = next(iter(add_keys(store, 1)))
    with closing(sqlite3.connect(data_dir / DATABASE_FILE)) as db, db:
        db.execute("UPDATE access_keys SET secret = 'plain' WHERE access_key_id = ?", (key_id,))

    before = read_secrets(store, [key_id])
    store.close()
    SqliteStore.in_directory(data_dir).close()

    assert before == {key_id: "plain"}
    assert secrets.is_sealed(stored_secrets(data_dir)[key_id])


# Rotation


def test_rotation_re_encrypts_every_secret(tmp_path: Path, box: SecretBox) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir, secret_box=box)
    keys = add_keys(store, 5)
    before = stored_secrets(data_dir)
    new = SecretBox(secrets.generate_key())

    count = secrets.rotate(store, box, new)
    again = secrets.rotate(store, box, new)  # already under the new key: nothing to do
    store.close()
    after = stored_secrets(data_dir)
    reopened = SqliteStore.in_directory(data_dir, secret_box=new)
    found = read_secrets(reopened, list(keys))
    reopened.close()

    assert (count, again) == (5, 0)
    assert found == keys
    assert all(after[key_id] != before[key_id] for key_id in keys)
    for key_id in keys:
        with pytest.raises(SecretUnreadable):
            box.open(after[key_id], key_id)
    with pytest.raises(MasterKeyError):
        SqliteStore.in_directory(data_dir, secret_box=box)


def test_rotating_the_key_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir)
    keys = add_keys(store, 3)
    store.close()
    path = data_dir / secrets.KEY_FILE
    old = SecretBox(secrets.parse_key(path.read_text(), "old"))

    rotation = secrets.rotate_master_key(data_dir, None, None)
    reopened = SqliteStore.in_directory(data_dir)
    found = read_secrets(reopened, list(keys))
    reopened.close()

    assert rotation == secrets.Rotation(count=3, key_file=path, new_key=None)
    assert found == keys
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert sorted(p.name for p in data_dir.iterdir() if "master" in p.name) == ["master.key"]
    key_id = next(iter(keys))
    with pytest.raises(SecretUnreadable):
        old.open(stored_secrets(data_dir)[key_id], key_id)


def test_rotating_to_a_given_key(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir)
    keys = add_keys(store, 2)
    store.close()
    new_key = secrets.generate_key()

    secrets.rotate_master_key(data_dir, None, new_key)
    reopened = SqliteStore.in_directory(data_dir, secret_box=SecretBox(new_key))
    found = read_secrets(reopened, list(keys))
    reopened.close()

    assert found == keys
    assert (data_dir / secrets.KEY_FILE).read_text().strip() == secrets.encode_key(new_key)


def test_rotating_the_environment_key_returns_the_new_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data_dir = tmp_path / "data"
    monkeypatch.setenv(secrets.ENV_VAR, secrets.encode_key(secrets.generate_key()))
    store = SqliteStore.in_directory(data_dir)
    keys = add_keys(store, 2)
    store.close()

    rotation = secrets.rotate_master_key(data_dir, None, None)
    assert rotation.new_key is not None
    monkeypatch.setenv(secrets.ENV_VAR, rotation.new_key)
    reopened = SqliteStore.in_directory(data_dir)
    found = read_secrets(reopened, list(keys))
    reopened.close()

    assert rotation.count == 2
    assert rotation.key_file is None
    assert rotation.new_key not in repr(rotation)
    assert found == keys
    assert not (data_dir / secrets.KEY_FILE).exists()


def test_an_interrupted_rotation_is_refused_until_it_is_finished(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir)
    keys = add_keys(store, 2)
    path = data_dir / secrets.KEY_FILE
    old = SecretBox(secrets.parse_key(path.read_text(), "old"))
    # Interrupted after the re-encryption committed, before the key file was replaced:
    pending_key = secrets.generate_key()
    secrets._write_private(path.with_name("master.key.new"), pending_key)
    secrets.rotate(store, old, SecretBox(pending_key))
    store.close()

    with pytest.raises(MasterKeyError, match="rotate-master-key"):
        SqliteStore.in_directory(data_dir)
    with pytest.raises(MasterKeyError, match="interrupted"):
        secrets.rotate_master_key(data_dir, None, secrets.generate_key())
    rotation = secrets.rotate_master_key(data_dir, None, None)
    reopened = SqliteStore.in_directory(data_dir)
    found = read_secrets(reopened, list(keys))
    reopened.close()

    assert rotation.count == 0
    assert found == keys
    assert path.read_text().strip() == secrets.encode_key(pending_key)
    assert not path.with_name("master.key.new").exists()


def test_rotation_without_a_key_says_so(tmp_path: Path) -> None:
    with pytest.raises(MasterKeyError, match="no master key to rotate"):
        secrets.rotate_master_key(tmp_path, None, None)


def test_a_refused_rotation_changes_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    store = SqliteStore.in_directory(data_dir)
    keys = add_keys(store, 2)
    store.close()
    key_id = max(keys)  # not the one the store open checks
    with closing(sqlite3.connect(data_dir / DATABASE_FILE)) as db, db:
        sealed = SecretBox(secrets.generate_key()).seal("stray", key_id)
        db.execute("UPDATE access_keys SET secret = ? WHERE access_key_id = ?", (sealed, key_id))
    before = stored_secrets(data_dir)
    key_file = (data_dir / secrets.KEY_FILE).read_text()

    with pytest.raises(SecretUnreadable, match=key_id):
        secrets.rotate_master_key(data_dir, None, None)

    assert stored_secrets(data_dir) == before
    assert (data_dir / secrets.KEY_FILE).read_text() == key_file
    assert not (data_dir / "master.key.new").exists()
