"""What every store engine offers the service layer.

A store hands out transactions. A write transaction holds the engine's write lock (or
its row locks) from its first statement, so a rule checked inside one — a count before
an insert — still holds when the transaction commits, across threads and processes.
Uniqueness is enforced by the database itself: a lost race surfaces as
:class:`UniqueViolation` naming the constraint, which the service layer turns into the
AWS error for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Protocol

from signet.store.records import AccessKey, Account, SigningCertificate, User


class StoreError(Exception):
    """Base of the errors a store raises for the service layer to interpret."""


class UniqueViolation(StoreError):
    """An insert or update broke a uniqueness constraint; ``constraint`` names which."""

    def __init__(self, constraint: str) -> None:
        super().__init__(constraint)
        self.constraint = constraint


class SchemaTooOld(StoreError):
    """The database holds an older schema than this version of Signet needs."""


class Transaction(Protocol):
    """The reads and writes of one transaction."""

    # Accounts

    def insert_account(self, account: Account) -> None: ...

    def get_account(self, account_id: str) -> Account | None: ...

    def list_accounts(self) -> Sequence[Account]: ...

    # Users

    def insert_user(self, user: User) -> None: ...

    def get_user(self, account_id: str, user_name: str) -> User | None: ...

    def get_user_by_id(self, user_id: str) -> User | None: ...

    def list_users(
        self, account_id: str, path_prefix: str, after: str | None, limit: int
    ) -> Sequence[User]: ...

    def count_users(self, account_id: str) -> int: ...

    def update_user(self, user_id: str, user_name: str, path: str) -> None: ...

    def delete_user(self, user_id: str) -> None: ...

    # Access keys

    def insert_access_key(self, key: AccessKey) -> None: ...

    def get_access_key(self, access_key_id: str) -> AccessKey | None: ...

    def list_access_keys(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[AccessKey]: ...

    def count_access_keys(self, owner_id: str) -> int: ...

    def update_access_key_status(self, access_key_id: str, status: str) -> None: ...

    def record_access_key_use(
        self, access_key_id: str, at: datetime, service: str, region: str
    ) -> None: ...

    def delete_access_key(self, access_key_id: str) -> None: ...

    # Signing certificates

    def insert_certificate(self, certificate: SigningCertificate) -> None: ...

    def get_certificate(
        self, account_id: str, certificate_id: str
    ) -> SigningCertificate | None: ...

    def list_certificates(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[SigningCertificate]: ...

    def count_certificates(self, owner_id: str) -> int: ...

    def update_certificate_status(
        self, account_id: str, certificate_id: str, status: str
    ) -> None: ...

    def delete_certificate(self, account_id: str, certificate_id: str) -> None: ...


class Store(Protocol):
    """A durable store: transactions, and the name of its engine for logs and docs."""

    engine: str

    def read(self) -> AbstractContextManager[Transaction]: ...

    def write(self) -> AbstractContextManager[Transaction]: ...

    def close(self) -> None: ...
