"""Secret access keys at rest: sealed with AES-256-GCM under a master key.

A secret access key is stored as ``v1:`` followed by the base64url text of a random
12-byte nonce and the AES-GCM ciphertext of the secret, with the access key id as
associated data, so that a sealed secret copied onto another key's row does not open.
The secret itself is shown once, when the key is created, and never read back out.

The master key is 32 random bytes, in base64, taken from the first of:

* ``SIGNET_MASTER_KEY`` in the environment;
* the file ``master.key`` in the data directory, created with mode 0600 on first use.
  A key file that the group or others may read is refused.

Several servers sharing one PostgreSQL database must all use the same master key: set
the same ``SIGNET_MASTER_KEY`` on every node (without it, each node would use the key
file of its own ``--data-dir``). Keep a copy of the key with the backups of the
database: without it no stored access key can be used.

Stores written by older releases hold secrets in plain text: opening the store seals
them (once; SQLite zeroes the freed space, PostgreSQL's table is rewritten with VACUUM
FULL). Backups and database logs made before then still hold them. Older releases
cannot read sealed secrets, so every server sharing a database must be upgraded.

:func:`rotate_master_key` re-encrypts every stored secret under a new master key; stop
every server first, and start them again with the new key. Backups made before a
rotation need the old key.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from signet.store.base import Store, Transaction

LOG = logging.getLogger(__name__)

ENV_VAR = "SIGNET_MASTER_KEY"
KEY_FILE = "master.key"
KEY_BYTES = 32
PREFIX = "v1:"
_NONCE_BYTES = 12
_TAG_BYTES = 16
_MAKE_ONE = "make one with: openssl rand -base64 32"


class MasterKeyError(ValueError):
    """The master key is missing, malformed, exposed, or not the one the store needs.

    Its message never contains the key.
    """


class SecretUnreadable(Exception):
    """A sealed secret does not open: tampered with, moved, or sealed under another key."""


def is_sealed(text: str) -> bool:
    """Whether a stored secret is sealed (rather than the plain text of an older store)."""
    return text.startswith(PREFIX)


class SecretBox:
    """Seals and opens secrets with AES-256-GCM under one master key."""

    def __init__(self, key: bytes, source: str = "the master key") -> None:
        if len(key) != KEY_BYTES:
            raise MasterKeyError(f"{source} must be {KEY_BYTES} bytes, not {len(key)}")
        self._aead = AESGCM(key)
        self.source = source

    def __repr__(self) -> str:
        return f"SecretBox(source={self.source!r})"

    def seal(self, plaintext: str, associated: str) -> str:
        """The sealed text of ``plaintext``, bound to ``associated`` (the access key id)."""
        nonce = os.urandom(_NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), associated.encode("utf-8"))
        return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, sealed: str, associated: str) -> str:
        """The plaintext of a sealed text; :class:`SecretUnreadable` unless it is intact,
        sealed under this key, and bound to ``associated``."""
        if not is_sealed(sealed):
            raise SecretUnreadable(f"the secret of {associated} is not sealed")
        try:
            raw = base64.b64decode(sealed[len(PREFIX) :], altchars=b"-_", validate=True)
        except (binascii.Error, ValueError):
            raise SecretUnreadable(f"the sealed secret of {associated} is malformed") from None
        if len(raw) < _NONCE_BYTES + _TAG_BYTES:
            raise SecretUnreadable(f"the sealed secret of {associated} is truncated")
        try:
            plain = self._aead.decrypt(
                raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], associated.encode("utf-8")
            )
        except InvalidTag:
            raise SecretUnreadable(
                f"the secret of {associated} does not open under {self.source}: it was"
                " sealed under another master key, or altered"
            ) from None
        return plain.decode("utf-8")


# Where the master key comes from


def generate_key() -> bytes:
    """A new random master key."""
    return AESGCM.generate_key(bit_length=KEY_BYTES * 8)


def encode_key(key: bytes) -> str:
    """A master key as the base64 text that SIGNET_MASTER_KEY and the key file hold."""
    return base64.b64encode(key).decode("ascii")


def parse_key(text: str, source: str) -> bytes:
    """The 32 bytes of a base64 master key; a message naming ``source`` (never the value)
    when it is anything else."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise MasterKeyError(
            f"{source} is not base64 text; it must be {KEY_BYTES} random bytes in base64"
            f" ({_MAKE_ONE})"
        ) from None
    if len(key) != KEY_BYTES:
        raise MasterKeyError(
            f"{source} holds {len(key)} bytes; it must be {KEY_BYTES} random bytes in base64"
            f" ({_MAKE_ONE})"
        )
    return key


def load_master_key(data_dir: Path) -> SecretBox:
    """The box of the configured master key, creating the key file on first use."""
    key, path = _current_key(data_dir)
    if path is None:
        return SecretBox(key, ENV_VAR)
    return SecretBox(key, f"the key file {path}")


def _current_key(data_dir: Path) -> tuple[bytes, Path | None]:
    """The master key and the file it is in (None when it came from the environment)."""
    text = os.environ.get(ENV_VAR)
    if text:
        return parse_key(text, ENV_VAR), None
    path = data_dir / KEY_FILE
    pending = _pending(path)
    if pending.exists():
        raise MasterKeyError(
            f"a master key rotation was interrupted ({pending} exists); run"
            " `signet rotate-master-key` again with the same --data-dir and --database-url"
            " to finish it"
        )
    key = _read_key_file(path)
    if key is None:
        key = _create_key_file(path)
    return key, path


def _pending(path: Path) -> Path:
    return path.with_name(path.name + ".new")


def _read_key_file(path: Path) -> bytes | None:
    """The key in a key file, None when there is none; refuse one others may read."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return None
    with os.fdopen(descriptor, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise MasterKeyError(f"the master key file {path} is not a regular file")
        mode = stat.S_IMODE(status.st_mode)
        if mode & 0o077:
            raise MasterKeyError(
                f"the master key file {path} may be read by its group or others"
                f" (mode {mode:04o}); make it private with: chmod 600 {path}"
            )
        text = file.read(4096)
    try:
        decoded = text.decode("ascii")
    except UnicodeDecodeError:
        decoded = "\x00"  # not base64: parse_key says so
    return parse_key(decoded, f"the master key file {path}")


def _write_private(path: Path, key: bytes) -> None:
    """Write a key to a new file only its owner may read, durably; fail if it exists."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask
        os.write(descriptor, (encode_key(key) + "\n").encode("ascii"))
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _fsync_directory(directory: Path) -> None:
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _create_key_file(path: Path) -> bytes:
    """Create the key file with a new key; if another process got there first, use its key.

    The key is written to a private temporary file and then linked into place, so that
    nobody ever reads a half-written key file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{os.urandom(4).hex()}")
    try:
        _write_private(temporary, key)
        os.link(temporary, path)
    except FileExistsError:
        found = _read_key_file(path)
        if found is None:  # pragma: no cover - removed again at once
            raise MasterKeyError(
                f"the master key file {path} vanished while being created"
            ) from None
        return found
    except OSError as error:
        raise MasterKeyError(
            f"cannot create the master key file {path} ({error.strerror});"
            f" set {ENV_VAR} instead ({_MAKE_ONE})"
        ) from None
    finally:
        temporary.unlink(missing_ok=True)
    _fsync_directory(path.parent)
    LOG.warning(
        "created a new master key file at %s; keep a copy of it with the backups of the store,"
        " and give every server sharing a PostgreSQL database the same SIGNET_MASTER_KEY",
        path,
        extra={"path": str(path)},
    )
    return key


# Sealing the plaintext of older stores, and rotation


def seal_plaintext(tx: Transaction, box: SecretBox) -> int:
    """Seal every secret still stored in plain text; return how many there were."""
    count = 0
    for access_key_id, stored in tx.list_sealed_secrets():
        if not is_sealed(stored):
            tx.update_sealed_secret(access_key_id, box.seal(stored, access_key_id))
            count += 1
    return count


def prepare_store(store: Store, box: SecretBox) -> int:
    """At store open: refuse a master key the store's secrets were not sealed under, and
    seal the plaintext secrets an older release left (idempotent). Returns how many."""
    with store.read() as tx:
        stored = tx.list_sealed_secrets()
    _check_opens(stored, box)
    if all(is_sealed(secret) for _, secret in stored):
        return 0
    with store.write() as tx:
        count = seal_plaintext(tx, box)
    LOG.info("sealed the plaintext secrets of an older store", extra={"count": count})
    return count


def _check_opens(stored: Sequence[tuple[str, str]], box: SecretBox) -> None:
    """Open one sealed secret, so that a wrong master key is refused at once."""
    sealed = next(((key_id, text) for key_id, text in stored if is_sealed(text)), None)
    if sealed is None:
        return
    try:
        box.open(sealed[1], sealed[0])
    except SecretUnreadable:
        raise MasterKeyError(
            f"the access keys in this store were sealed under another master key than"
            f" {box.source}; set {ENV_VAR} to the store's key, or use the --data-dir whose"
            f" {KEY_FILE} sealed them"
        ) from None


def rotate(store: Store, old: SecretBox, new: SecretBox) -> int:
    """Re-encrypt every stored secret from ``old`` to ``new`` in one write transaction;
    return how many were re-encrypted. Secrets that already open under ``new`` (an
    interrupted rotation being finished) are left as they are; plaintext is sealed."""
    count = 0
    with store.write() as tx:
        for access_key_id, stored in tx.list_sealed_secrets():
            if not is_sealed(stored):
                plain = stored
            else:
                try:
                    plain = old.open(stored, access_key_id)
                except SecretUnreadable:
                    new.open(stored, access_key_id)  # already rotated, or unreadable: raise
                    continue
            tx.update_sealed_secret(access_key_id, new.seal(plain, access_key_id))
            count += 1
    return count


@dataclass(frozen=True, slots=True)
class Rotation:
    """What :func:`rotate_master_key` did, and what the operator must do next.

    ``key_file`` is the file now holding the new key, when the old one came from a file.
    ``new_key`` is the new key in base64, only when the old one came from
    ``SIGNET_MASTER_KEY``: the operator must set it there on every server before they
    start again. It is left out of ``repr`` so that it is never logged by accident.
    """

    count: int
    key_file: Path | None
    new_key: str | None = field(default=None, repr=False)


def rotate_master_key(data_dir: Path, database_url: str | None, new_key: bytes | None) -> Rotation:
    """Re-encrypt every stored secret under a new master key (``new_key``, or a random one).

    With a key file, the new key is first written next to it as ``master.key.new``, the
    secrets are re-encrypted, and the new file then replaces the old one; if this is
    interrupted, loading the key refuses until the rotation is run again, which finishes
    it with the pending key. With ``SIGNET_MASTER_KEY`` no file is written: the new key is
    returned for the operator to set.
    """
    if new_key is not None:
        SecretBox(new_key, "the new master key")  # checks its length
    env_text = os.environ.get(ENV_VAR)
    if env_text:
        old = SecretBox(parse_key(env_text, ENV_VAR), ENV_VAR)
        key = new_key or generate_key()
        count = _rotate_in(data_dir, database_url, old, SecretBox(key, "the new master key"))
        return Rotation(count, None, encode_key(key))

    path = data_dir / KEY_FILE
    pending = _pending(path)
    old_key = _read_key_file(path)
    if old_key is None:
        raise MasterKeyError(
            f"there is no master key to rotate: {ENV_VAR} is not set and {path} does not exist"
        )
    left = _read_key_file(pending)
    if left is None:
        key = new_key or generate_key()
        try:
            _write_private(pending, key)
        except FileExistsError:
            raise MasterKeyError(f"another rotation is writing {pending}") from None
        _fsync_directory(path.parent)
    elif new_key is not None and new_key != left:
        raise MasterKeyError(
            f"an interrupted rotation left {pending}; finish it first by running the"
            " rotation again without a new key"
        )
    else:
        key = left  # finish the interrupted rotation with the key it chose
    old = SecretBox(old_key, f"the key file {path}")
    from signet.store.base import SchemaTooOld

    try:
        count = _rotate_in(data_dir, database_url, old, SecretBox(key, f"the key file {pending}"))
    except (MasterKeyError, SecretUnreadable, SchemaTooOld):
        # Refused before anything was re-encrypted: the pending key is not needed.
        if left is None:
            pending.unlink(missing_ok=True)
        raise
    os.replace(pending, path)
    _fsync_directory(path.parent)
    return Rotation(count, path)


def _rotate_in(data_dir: Path, database_url: str | None, old: SecretBox, new: SecretBox) -> int:
    """Open the store and rotate; a store whose secrets are already sealed under ``new``
    (an interrupted rotation that had committed) is opened with ``new``."""
    from signet.store import open_store

    try:
        store = open_store(data_dir, database_url, secret_box=old)
    except MasterKeyError as under_old:
        try:
            store = open_store(data_dir, database_url, secret_box=new)
        except MasterKeyError:
            raise under_old from None
    try:
        return rotate(store, old, new)
    finally:
        store.close()
