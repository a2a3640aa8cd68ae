"""Accounts and their root credentials.

Each account has a root principal that may do anything in it. The first account of a
fresh store is created at start-up; ``SIGNET_ROOT_ACCESS_KEY_ID`` and
``SIGNET_ROOT_SECRET_ACCESS_KEY`` fix its key pair so scripts can start Signet
deterministically.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime

from signet import ids
from signet.store.base import Store, Transaction, UniqueViolation
from signet.store.records import AccessKey, Account

LOG = logging.getLogger(__name__)

ACCESS_KEY_ID = re.compile(r"AKIA[A-Z0-9]{16}")
BOOTSTRAP_LOCK = "signet:bootstrap"
SECRET_ACCESS_KEY = re.compile(r"[A-Za-z0-9+/]{40}")


class InvalidRootKey(ValueError):
    """A fixed root key pair that is not in AWS's format."""


@dataclass(frozen=True, slots=True)
class RootCredentials:
    account_id: str
    access_key_id: str
    secret_access_key: str


def check_root_key(access_key_id: str, secret_access_key: str) -> None:
    """Refuse a fixed root key pair unless it looks like one AWS would issue."""
    if not ACCESS_KEY_ID.fullmatch(access_key_id):
        raise InvalidRootKey(
            "the root access key id must be 20 characters: AKIA and 16 of A-Z or 0-9"
        )
    if not SECRET_ACCESS_KEY.fullmatch(secret_access_key):
        raise InvalidRootKey("the root secret access key must be 40 characters of A-Z a-z 0-9 + /")


def create_account(
    store: Store,
    now: datetime,
    access_key_id: str | None = None,
    secret_access_key: str | None = None,
) -> RootCredentials:
    """Create an account and one root access key; return the key, secret included."""
    with store.write() as tx:
        return _insert_account(tx, now, access_key_id, secret_access_key)


def bootstrap(
    store: Store, now: datetime, fixed_key: tuple[str, str] | None
) -> RootCredentials | None:
    """Create the first account when the store has none; None when it already has one.

    The check and the insert share one transaction under a lock of their own, so servers
    starting together on an empty database create one account between them.
    """
    if fixed_key is not None:
        check_root_key(*fixed_key)
    try:
        with store.write(BOOTSTRAP_LOCK) as tx:
            if tx.list_accounts():
                return None
            return _insert_account(tx, now, *(fixed_key or (None, None)))
    except UniqueViolation:
        return None


def _insert_account(
    tx: Transaction, now: datetime, access_key_id: str | None, secret_access_key: str | None
) -> RootCredentials:
    account = Account(account_id=ids.account_id(), created_at=now)
    key = AccessKey(
        access_key_id=access_key_id or ids.access_key_id(),
        account_id=account.account_id,
        owner_id=account.account_id,
        secret=secret_access_key or ids.secret_access_key(),
        status="Active",
        created_at=now,
    )
    tx.insert_account(account)
    tx.insert_access_key(key)
    LOG.info("account created", extra={"account": account.account_id})
    return RootCredentials(account.account_id, key.access_key_id, key.secret)


def list_accounts(store: Store) -> list[Account]:
    with store.read() as tx:
        return list(tx.list_accounts())
