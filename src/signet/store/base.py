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

from signet.store.records import (
    AccessKey,
    Account,
    AuditEvent,
    Group,
    ManagedPolicy,
    PolicyVersion,
    PrincipalPolicy,
    SigningCertificate,
    User,
)


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

    def set_permissions_boundary(self, user_id: str, policy_arn: str | None) -> None: ...

    def count_boundary_users(self, account_id: str, policy_arn: str) -> int: ...

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

    def list_sealed_secrets(self) -> Sequence[tuple[str, str]]:
        """Every access key's id and its secret as stored: sealed, or the plain text an
        older release wrote. For sealing and re-encryption only (:mod:`signet.secrets`)."""
        ...

    def update_sealed_secret(self, access_key_id: str, sealed: str) -> None:
        """Replace an access key's stored secret with an already sealed one."""
        ...

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

    def certificates_by_expiry(
        self, account_id: str | None
    ) -> Sequence[tuple[SigningCertificate, str]]:
        """Every certificate (of one account, or all) with its owner's user name (the
        account id for root), soonest to expire first."""
        ...

    # Managed policies and their versions

    def insert_policy(self, policy: ManagedPolicy, version: PolicyVersion) -> None: ...

    def get_policy(self, account_id: str, policy_name: str) -> ManagedPolicy | None: ...

    def list_policies(
        self,
        account_ids: Sequence[str],
        path_prefix: str,
        attached_in: str | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> Sequence[ManagedPolicy]: ...

    def count_policies(self, account_id: str) -> int: ...

    def attachment_count(self, account_id: str, policy_id: str) -> int: ...

    def set_default_version(self, policy_id: str, version_id: str, at: datetime) -> None: ...

    def delete_policy(self, policy_id: str) -> None: ...

    def insert_version(self, version: PolicyVersion, next_version: int) -> None: ...

    def get_version(self, policy_id: str, version_id: str) -> PolicyVersion | None: ...

    def list_versions(self, policy_id: str) -> Sequence[PolicyVersion]: ...

    def delete_version(self, policy_id: str, version_id: str) -> None: ...

    # Inline policies of users and groups

    def put_inline_policy(self, principal_id: str, policy_name: str, document: str) -> None: ...

    def get_inline_policy(self, principal_id: str, policy_name: str) -> str | None: ...

    def list_inline_policies(
        self, principal_id: str, after: str | None, limit: int
    ) -> Sequence[str]: ...

    def count_inline_policies(self, principal_id: str) -> int: ...

    def delete_inline_policy(self, principal_id: str, policy_name: str) -> bool: ...

    # Attachments of managed policies to users and groups

    def attach_policy(
        self, principal_id: str, policy_id: str, account_id: str, at: datetime
    ) -> None: ...

    def detach_policy(self, principal_id: str, policy_id: str) -> bool: ...

    def list_attached_policies(
        self, principal_id: str, after: str | None, limit: int
    ) -> Sequence[ManagedPolicy]: ...

    def count_attached_policies(self, principal_id: str) -> int: ...

    # Groups and their members

    def insert_group(self, group: Group) -> None: ...

    def get_group(self, account_id: str, group_name: str) -> Group | None: ...

    def list_groups(
        self, account_id: str, path_prefix: str, after: str | None, limit: int
    ) -> Sequence[Group]: ...

    def count_groups(self, account_id: str) -> int: ...

    def update_group(self, group_id: str, group_name: str, path: str) -> None: ...

    def delete_group(self, group_id: str) -> None: ...

    def add_member(self, group_id: str, user_id: str, at: datetime) -> None: ...

    def remove_member(self, group_id: str, user_id: str) -> bool: ...

    def list_members(self, group_id: str, after: str | None, limit: int) -> Sequence[User]: ...

    def count_members(self, group_id: str) -> int: ...

    def list_groups_for_user(
        self, user_id: str, after: str | None, limit: int
    ) -> Sequence[Group]: ...

    def count_groups_for_user(self, user_id: str) -> int: ...

    # The audit trail

    def insert_audit_event(self, event: AuditEvent) -> None: ...

    def list_audit_events(
        self,
        account_id: str | None,
        principal_arn: str | None,
        action: str | None,
        since: datetime | None,
        limit: int,
    ) -> Sequence[AuditEvent]:
        """The newest ``limit`` events matching every filter given, oldest first."""
        ...

    # Evaluation

    def policies_for_user(self, user_id: str) -> Sequence[PrincipalPolicy]:
        """Every policy that applies to a user: its own and its groups', inline and attached."""
        ...


class Store(Protocol):
    """A durable store: transactions, and the name of its engine for logs and docs."""

    engine: str

    def session(self) -> AbstractContextManager[None]:
        """Hold what a request's several transactions share (a pooled connection) until
        the block ends."""
        ...

    def read(self) -> AbstractContextManager[Transaction]: ...

    def write(self, account_id: str | None = None) -> AbstractContextManager[Transaction]:
        """A write transaction; ``account_id`` names the account whose rules it checks, so
        that engines with finer locks than one writer can serialize just that account."""
        ...

    def close(self) -> None: ...
