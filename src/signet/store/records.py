"""The records the store keeps, as plain frozen dataclasses.

An *owner* is whoever holds access keys and signing certificates: an IAM user (its
``user_id``, ``AIDA…``) or an account's root (the twelve-digit account id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Account:
    account_id: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class User:
    user_id: str
    account_id: str
    user_name: str
    path: str
    created_at: datetime
    permissions_boundary: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:user{self.path}{self.user_name}"


@dataclass(frozen=True, slots=True)
class AccessKey:
    access_key_id: str
    account_id: str
    owner_id: str
    secret: str
    status: str
    created_at: datetime
    last_used_at: datetime | None = None
    last_used_service: str | None = None
    last_used_region: str | None = None


@dataclass(frozen=True, slots=True)
class SigningCertificate:
    certificate_id: str
    account_id: str
    owner_id: str
    body: str
    status: str
    uploaded_at: datetime
    not_after: datetime


@dataclass(frozen=True, slots=True)
class ManagedPolicy:
    """A managed policy; ``account_id`` is ``aws`` for the AWS managed ones."""

    policy_id: str
    account_id: str
    policy_name: str
    path: str
    default_version: str
    next_version: int
    created_at: datetime
    updated_at: datetime
    description: str | None = None
    tags: tuple[tuple[str, str], ...] = ()

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:policy{self.path}{self.policy_name}"


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    policy_id: str
    version_id: str
    document: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Group:
    group_id: str
    account_id: str
    group_name: str
    path: str
    created_at: datetime

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::{self.account_id}:group{self.path}{self.group_name}"


@dataclass(frozen=True, slots=True)
class PrincipalPolicy:
    """One policy that applies to a user: where it comes from, and its document."""

    source: str
    document: str


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """One entry of the audit trail: who did what to which resource, from where, and how it
    ended. ``outcome`` is ``success`` or ``failure``; a failure carries the AWS error code."""

    event_id: str
    event_time: datetime
    service: str
    action: str
    request_id: str
    outcome: str
    read_only: bool
    account_id: str | None = None
    principal_arn: str | None = None
    principal_id: str | None = None
    principal_type: str | None = None
    access_key_id: str | None = None
    target: str | None = None
    source_ip: str | None = None
    user_agent: str | None = None
    region: str | None = None
    error_code: str | None = None
    error_message: str | None = None
