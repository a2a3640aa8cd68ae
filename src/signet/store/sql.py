"""SQL shared by the store engines: every read and write of a transaction.

SQLite and PostgreSQL run the same statements, written in the subset of SQL both
accept; the engines differ only in how they connect, lock and report errors.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from signet.clock import iso, parse_iso
from signet.secrets import SecretBox, is_sealed
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


class Row(Protocol):
    """A result row, read by column name."""

    def __getitem__(self, key: str, /) -> Any: ...


def _optional_time(text: str | None) -> datetime | None:
    return None if text is None else parse_iso(text)


class SqlTransaction(ABC):
    """The reads and writes of one transaction, in SQL that SQLite and PostgreSQL share.

    Statements use ``?`` placeholders (``:name`` for named ones); an engine translates
    them if its driver wants another style. Rows are read by column name. Secret access
    keys are sealed on the way in and opened on the way out with the engine's ``_box``.
    """

    _box: SecretBox

    @abstractmethod
    def _query(self, sql: str, args: Sequence[Any] | Mapping[str, Any]) -> Iterable[Row]:
        """Run a query and return its rows."""

    @abstractmethod
    def _execute(self, sql: str, args: Sequence[Any]) -> int:
        """Run a change and return how many rows it touched; a broken uniqueness
        constraint raises :class:`UniqueViolation` naming it."""

    def _one(self, sql: str, args: Sequence[Any]) -> Row | None:
        return next(iter(self._query(sql, args)), None)

    def _count(self, sql: str, *args: Any) -> int:
        row = self._one(sql, args)
        return 0 if row is None else int(row["n"])

    # Accounts

    def insert_account(self, account: Account) -> None:
        self._execute(
            "INSERT INTO accounts (account_id, created_at) VALUES (?, ?)",
            (account.account_id, iso(account.created_at)),
        )

    def get_account(self, account_id: str) -> Account | None:
        row = self._one("SELECT * FROM accounts WHERE account_id = ?", (account_id,))
        return None if row is None else _account(row)

    def list_accounts(self) -> Sequence[Account]:
        rows = self._query("SELECT * FROM accounts ORDER BY created_at, account_id", ())
        return [_account(row) for row in rows]

    # Users

    def insert_user(self, user: User) -> None:
        self._execute(
            "INSERT INTO users (user_id, account_id, user_name, user_name_key, path, created_at,"
            " permissions_boundary, tags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                user.user_id,
                user.account_id,
                user.user_name,
                user.user_name.lower(),
                user.path,
                iso(user.created_at),
                user.permissions_boundary,
                json.dumps([list(tag) for tag in user.tags]),
            ),
        )

    def get_user(self, account_id: str, user_name: str) -> User | None:
        row = self._one(
            "SELECT * FROM users WHERE account_id = ? AND user_name_key = ?",
            (account_id, user_name.lower()),
        )
        return None if row is None else _user(row)

    def get_user_by_id(self, user_id: str) -> User | None:
        row = self._one("SELECT * FROM users WHERE user_id = ?", (user_id,))
        return None if row is None else _user(row)

    def list_users(
        self, account_id: str, path_prefix: str, after: str | None, limit: int
    ) -> Sequence[User]:
        rows = self._query(
            "SELECT * FROM users WHERE account_id = ? AND substr(path, 1, CAST(? AS INTEGER)) = ?"
            " AND user_name_key > ? ORDER BY user_name_key LIMIT ?",
            (account_id, len(path_prefix), path_prefix, after or "", limit),
        )
        return [_user(row) for row in rows]

    def count_users(self, account_id: str) -> int:
        return self._count("SELECT count(*) AS n FROM users WHERE account_id = ?", account_id)

    def update_user(self, user_id: str, user_name: str, path: str) -> None:
        self._execute(
            "UPDATE users SET user_name = ?, user_name_key = ?, path = ? WHERE user_id = ?",
            (user_name, user_name.lower(), path, user_id),
        )

    def delete_user(self, user_id: str) -> None:
        self._execute("DELETE FROM users WHERE user_id = ?", (user_id,))

    def set_permissions_boundary(self, user_id: str, policy_arn: str | None) -> None:
        self._execute(
            "UPDATE users SET permissions_boundary = ? WHERE user_id = ?", (policy_arn, user_id)
        )

    def count_boundary_users(self, account_id: str, policy_arn: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM users WHERE account_id = ? AND permissions_boundary = ?",
            account_id,
            policy_arn,
        )

    # Access keys

    def insert_access_key(self, key: AccessKey) -> None:
        self._execute(
            "INSERT INTO access_keys (access_key_id, account_id, owner_id, secret, status,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                key.access_key_id,
                key.account_id,
                key.owner_id,
                self._box.seal(key.secret, key.access_key_id),
                key.status,
                iso(key.created_at),
            ),
        )

    def get_access_key(self, access_key_id: str) -> AccessKey | None:
        row = self._one("SELECT * FROM access_keys WHERE access_key_id = ?", (access_key_id,))
        return None if row is None else _access_key(row, self._box)

    def list_access_keys(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[AccessKey]:
        created, key_id = after or ("", "")
        rows = self._query(
            "SELECT * FROM access_keys WHERE owner_id = ? AND (created_at, access_key_id) > (?, ?)"
            " ORDER BY created_at, access_key_id LIMIT ?",
            (owner_id, created, key_id, limit),
        )
        return [_access_key(row, self._box) for row in rows]

    def count_access_keys(self, owner_id: str) -> int:
        return self._count("SELECT count(*) AS n FROM access_keys WHERE owner_id = ?", owner_id)

    def update_access_key_status(self, access_key_id: str, status: str) -> None:
        self._execute(
            "UPDATE access_keys SET status = ? WHERE access_key_id = ?", (status, access_key_id)
        )

    def record_access_key_use(
        self, access_key_id: str, at: datetime, service: str, region: str
    ) -> None:
        self._execute(
            "UPDATE access_keys SET last_used_at = ?, last_used_service = ?, last_used_region = ?"
            " WHERE access_key_id = ?",
            (iso(at), service, region, access_key_id),
        )

    def delete_access_key(self, access_key_id: str) -> None:
        self._execute("DELETE FROM access_keys WHERE access_key_id = ?", (access_key_id,))

    def list_sealed_secrets(self) -> Sequence[tuple[str, str]]:
        rows = self._query(
            "SELECT access_key_id, secret FROM access_keys ORDER BY access_key_id", ()
        )
        return [(str(row["access_key_id"]), str(row["secret"])) for row in rows]

    def update_sealed_secret(self, access_key_id: str, sealed: str) -> None:
        self._execute(
            "UPDATE access_keys SET secret = ? WHERE access_key_id = ?", (sealed, access_key_id)
        )

    # Signing certificates

    def insert_certificate(self, certificate: SigningCertificate) -> None:
        self._execute(
            "INSERT INTO signing_certificates (account_id, certificate_id, owner_id, body, status,"
            " uploaded_at, not_after) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                certificate.account_id,
                certificate.certificate_id,
                certificate.owner_id,
                certificate.body,
                certificate.status,
                iso(certificate.uploaded_at),
                iso(certificate.not_after),
            ),
        )

    def get_certificate(self, account_id: str, certificate_id: str) -> SigningCertificate | None:
        row = self._one(
            "SELECT * FROM signing_certificates WHERE account_id = ? AND certificate_id = ?",
            (account_id, certificate_id),
        )
        return None if row is None else _certificate(row)

    def list_certificates(
        self, owner_id: str, after: tuple[str, str] | None, limit: int
    ) -> Sequence[SigningCertificate]:
        uploaded, certificate_id = after or ("", "")
        rows = self._query(
            "SELECT * FROM signing_certificates WHERE owner_id = ?"
            " AND (uploaded_at, certificate_id) > (?, ?)"
            " ORDER BY uploaded_at, certificate_id LIMIT ?",
            (owner_id, uploaded, certificate_id, limit),
        )
        return [_certificate(row) for row in rows]

    def count_certificates(self, owner_id: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM signing_certificates WHERE owner_id = ?", owner_id
        )

    def update_certificate_status(self, account_id: str, certificate_id: str, status: str) -> None:
        self._execute(
            "UPDATE signing_certificates SET status = ?"
            " WHERE account_id = ? AND certificate_id = ?",
            (status, account_id, certificate_id),
        )

    def delete_certificate(self, account_id: str, certificate_id: str) -> None:
        self._execute(
            "DELETE FROM signing_certificates WHERE account_id = ? AND certificate_id = ?",
            (account_id, certificate_id),
        )

    def certificates_by_expiry(
        self, account_id: str | None
    ) -> Sequence[tuple[SigningCertificate, str]]:
        rows = self._query(
            "SELECT c.*, coalesce(u.user_name, c.account_id) AS owner_name"
            " FROM signing_certificates c LEFT JOIN users u ON u.user_id = c.owner_id"
            " WHERE CAST(? AS TEXT) IS NULL OR c.account_id = ?"
            " ORDER BY c.not_after, c.certificate_id",
            (account_id, account_id),
        )
        return [(_certificate(row), str(row["owner_name"])) for row in rows]

    # Managed policies and their versions

    def insert_policy(self, policy: ManagedPolicy, version: PolicyVersion) -> None:
        self._execute(
            "INSERT INTO managed_policies (policy_id, account_id, policy_name, policy_name_key,"
            " path, description, default_version, next_version, created_at, updated_at, tags)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                policy.policy_id,
                policy.account_id,
                policy.policy_name,
                policy.policy_name.lower(),
                policy.path,
                policy.description,
                policy.default_version,
                policy.next_version,
                iso(policy.created_at),
                iso(policy.updated_at),
                json.dumps([list(tag) for tag in policy.tags]),
            ),
        )
        self._execute(
            "INSERT INTO policy_versions (policy_id, version_id, document, created_at)"
            " VALUES (?, ?, ?, ?)",
            (version.policy_id, version.version_id, version.document, iso(version.created_at)),
        )

    def get_policy(self, account_id: str, policy_name: str) -> ManagedPolicy | None:
        row = self._one(
            "SELECT * FROM managed_policies WHERE account_id = ? AND policy_name_key = ?",
            (account_id, policy_name.lower()),
        )
        return None if row is None else _policy(row)

    def list_policies(
        self,
        account_ids: Sequence[str],
        path_prefix: str,
        attached_in: str | None,
        after: tuple[str, str] | None,
        limit: int,
    ) -> Sequence[ManagedPolicy]:
        name_key, policy_id = after or ("", "")
        owners = ", ".join("?" for _ in account_ids)
        attached = ""
        args: list[Any] = [*account_ids, len(path_prefix), path_prefix, name_key, policy_id]
        if attached_in is not None:
            attached = (
                " AND EXISTS (SELECT 1 FROM policy_attachments a"
                " WHERE a.policy_id = p.policy_id AND a.account_id = ?)"
            )
            args.append(attached_in)
        rows = self._query(
            f"SELECT * FROM managed_policies p WHERE account_id IN ({owners})"
            " AND substr(path, 1, CAST(? AS INTEGER)) = ? AND (policy_name_key, policy_id) > (?, ?)"
            f"{attached} ORDER BY policy_name_key, policy_id LIMIT ?",
            (*args, limit),
        )
        return [_policy(row) for row in rows]

    def count_policies(self, account_id: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM managed_policies WHERE account_id = ?", account_id
        )

    def attachment_count(self, account_id: str, policy_id: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM policy_attachments WHERE account_id = ? AND policy_id = ?",
            account_id,
            policy_id,
        )

    def set_default_version(self, policy_id: str, version_id: str, at: datetime) -> None:
        self._execute(
            "UPDATE managed_policies SET default_version = ?, updated_at = ? WHERE policy_id = ?",
            (version_id, iso(at), policy_id),
        )

    def delete_policy(self, policy_id: str) -> None:
        self._execute("DELETE FROM policy_versions WHERE policy_id = ?", (policy_id,))
        self._execute("DELETE FROM managed_policies WHERE policy_id = ?", (policy_id,))

    def insert_version(self, version: PolicyVersion, next_version: int) -> None:
        self._execute(
            "INSERT INTO policy_versions (policy_id, version_id, document, created_at)"
            " VALUES (?, ?, ?, ?)",
            (version.policy_id, version.version_id, version.document, iso(version.created_at)),
        )
        self._execute(
            "UPDATE managed_policies SET next_version = ? WHERE policy_id = ?",
            (next_version, version.policy_id),
        )

    def get_version(self, policy_id: str, version_id: str) -> PolicyVersion | None:
        row = self._one(
            "SELECT * FROM policy_versions WHERE policy_id = ? AND version_id = ?",
            (policy_id, version_id),
        )
        return None if row is None else _version(row)

    def list_versions(self, policy_id: str) -> Sequence[PolicyVersion]:
        rows = self._query(
            "SELECT * FROM policy_versions WHERE policy_id = ?"
            " ORDER BY CAST(substr(version_id, 2) AS INTEGER) DESC",
            (policy_id,),
        )
        return [_version(row) for row in rows]

    def delete_version(self, policy_id: str, version_id: str) -> None:
        self._execute(
            "DELETE FROM policy_versions WHERE policy_id = ? AND version_id = ?",
            (policy_id, version_id),
        )

    # Inline policies of users and groups

    def put_inline_policy(self, principal_id: str, policy_name: str, document: str) -> None:
        self._execute(
            "INSERT INTO inline_policies (principal_id, policy_name, document) VALUES (?, ?, ?)"
            " ON CONFLICT (principal_id, policy_name) DO UPDATE SET document = excluded.document",
            (principal_id, policy_name, document),
        )

    def get_inline_policy(self, principal_id: str, policy_name: str) -> str | None:
        row = self._one(
            "SELECT document FROM inline_policies WHERE principal_id = ? AND policy_name = ?",
            (principal_id, policy_name),
        )
        return None if row is None else str(row["document"])

    def list_inline_policies(
        self, principal_id: str, after: str | None, limit: int
    ) -> Sequence[str]:
        rows = self._query(
            "SELECT policy_name FROM inline_policies WHERE principal_id = ? AND policy_name > ?"
            " ORDER BY policy_name LIMIT ?",
            (principal_id, after or "", limit),
        )
        return [str(row["policy_name"]) for row in rows]

    def count_inline_policies(self, principal_id: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM inline_policies WHERE principal_id = ?", principal_id
        )

    def delete_inline_policy(self, principal_id: str, policy_name: str) -> bool:
        return (
            self._execute(
                "DELETE FROM inline_policies WHERE principal_id = ? AND policy_name = ?",
                (principal_id, policy_name),
            )
            > 0
        )

    # Attachments of managed policies to users and groups

    def attach_policy(
        self, principal_id: str, policy_id: str, account_id: str, at: datetime
    ) -> None:
        self._execute(
            "INSERT INTO policy_attachments (principal_id, policy_id, account_id, attached_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (principal_id, policy_id) DO NOTHING",
            (principal_id, policy_id, account_id, iso(at)),
        )

    def detach_policy(self, principal_id: str, policy_id: str) -> bool:
        return (
            self._execute(
                "DELETE FROM policy_attachments WHERE principal_id = ? AND policy_id = ?",
                (principal_id, policy_id),
            )
            > 0
        )

    def list_attached_policies(
        self, principal_id: str, after: str | None, limit: int
    ) -> Sequence[ManagedPolicy]:
        rows = self._query(
            "SELECT p.* FROM policy_attachments a JOIN managed_policies p USING (policy_id)"
            " WHERE a.principal_id = ? AND p.policy_name_key > ?"
            " ORDER BY p.policy_name_key LIMIT ?",
            (principal_id, after or "", limit),
        )
        return [_policy(row) for row in rows]

    def count_attached_policies(self, principal_id: str) -> int:
        return self._count(
            "SELECT count(*) AS n FROM policy_attachments WHERE principal_id = ?", principal_id
        )

    # Groups and their members

    def insert_group(self, group: Group) -> None:
        self._execute(
            "INSERT INTO iam_groups (group_id, account_id, group_name, group_name_key, path,"
            " created_at) VALUES (?, ?, ?, ?, ?, ?)",
            (
                group.group_id,
                group.account_id,
                group.group_name,
                group.group_name.lower(),
                group.path,
                iso(group.created_at),
            ),
        )

    def get_group(self, account_id: str, group_name: str) -> Group | None:
        row = self._one(
            "SELECT * FROM iam_groups WHERE account_id = ? AND group_name_key = ?",
            (account_id, group_name.lower()),
        )
        return None if row is None else _group(row)

    def list_groups(
        self, account_id: str, path_prefix: str, after: str | None, limit: int
    ) -> Sequence[Group]:
        rows = self._query(
            "SELECT * FROM iam_groups WHERE account_id = ?"
            " AND substr(path, 1, CAST(? AS INTEGER)) = ? AND group_name_key > ?"
            " ORDER BY group_name_key LIMIT ?",
            (account_id, len(path_prefix), path_prefix, after or "", limit),
        )
        return [_group(row) for row in rows]

    def count_groups(self, account_id: str) -> int:
        return self._count("SELECT count(*) AS n FROM iam_groups WHERE account_id = ?", account_id)

    def update_group(self, group_id: str, group_name: str, path: str) -> None:
        self._execute(
            "UPDATE iam_groups SET group_name = ?, group_name_key = ?, path = ? WHERE group_id = ?",
            (group_name, group_name.lower(), path, group_id),
        )

    def delete_group(self, group_id: str) -> None:
        self._execute("DELETE FROM iam_groups WHERE group_id = ?", (group_id,))

    def add_member(self, group_id: str, user_id: str, at: datetime) -> None:
        self._execute(
            "INSERT INTO group_members (group_id, user_id, added_at) VALUES (?, ?, ?)"
            " ON CONFLICT (group_id, user_id) DO NOTHING",
            (group_id, user_id, iso(at)),
        )

    def remove_member(self, group_id: str, user_id: str) -> bool:
        return (
            self._execute(
                "DELETE FROM group_members WHERE group_id = ? AND user_id = ?", (group_id, user_id)
            )
            > 0
        )

    def list_members(self, group_id: str, after: str | None, limit: int) -> Sequence[User]:
        rows = self._query(
            "SELECT u.* FROM group_members m JOIN users u USING (user_id)"
            " WHERE m.group_id = ? AND u.user_name_key > ? ORDER BY u.user_name_key LIMIT ?",
            (group_id, after or "", limit),
        )
        return [_user(row) for row in rows]

    def count_members(self, group_id: str) -> int:
        return self._count("SELECT count(*) AS n FROM group_members WHERE group_id = ?", group_id)

    def list_groups_for_user(self, user_id: str, after: str | None, limit: int) -> Sequence[Group]:
        rows = self._query(
            "SELECT g.* FROM group_members m JOIN iam_groups g USING (group_id)"
            " WHERE m.user_id = ? AND g.group_name_key > ? ORDER BY g.group_name_key LIMIT ?",
            (user_id, after or "", limit),
        )
        return [_group(row) for row in rows]

    def count_groups_for_user(self, user_id: str) -> int:
        return self._count("SELECT count(*) AS n FROM group_members WHERE user_id = ?", user_id)

    # The audit trail

    def insert_audit_event(self, event: AuditEvent) -> None:
        self._execute(
            "INSERT INTO audit_events (event_id, event_time, account_id, principal_arn,"
            " principal_id, principal_type, access_key_id, service, action, target, source_ip,"
            " user_agent, region, request_id, outcome, error_code, error_message, read_only)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                event.event_id,
                iso(event.event_time),
                event.account_id,
                event.principal_arn,
                event.principal_id,
                event.principal_type,
                event.access_key_id,
                event.service,
                event.action,
                event.target,
                event.source_ip,
                event.user_agent,
                event.region,
                event.request_id,
                event.outcome,
                event.error_code,
                event.error_message,
                1 if event.read_only else 0,
            ),
        )

    def list_audit_events(
        self,
        account_id: str | None,
        principal_arn: str | None,
        action: str | None,
        since: datetime | None,
        limit: int,
    ) -> Sequence[AuditEvent]:
        filters = [
            ("account_id = ?", account_id),
            ("principal_arn = ?", principal_arn),
            ("action = ?", action),
            ("event_time >= ?", iso(since) if since else None),
        ]
        chosen = [(clause, value) for clause, value in filters if value is not None]
        where = " AND ".join(clause for clause, _ in chosen) or "1 = 1"
        rows = self._query(
            f"SELECT * FROM audit_events WHERE {where}"
            " ORDER BY event_time DESC, event_id DESC LIMIT ?",
            (*(value for _, value in chosen), limit),
        )
        return [_audit_event(row) for row in rows][::-1]

    # Evaluation

    def policies_for_user(self, user_id: str) -> Sequence[PrincipalPolicy]:
        rows = self._query(
            "SELECT 'user/' || policy_name AS source, document FROM inline_policies"
            " WHERE principal_id = :user"
            " UNION ALL"
            " SELECT 'group/' || g.group_name || '/' || i.policy_name, i.document"
            " FROM group_members m JOIN iam_groups g USING (group_id)"
            " JOIN inline_policies i ON i.principal_id = m.group_id WHERE m.user_id = :user"
            " UNION ALL"
            " SELECT p.policy_id, v.document FROM policy_attachments a"
            " JOIN managed_policies p USING (policy_id)"
            " JOIN policy_versions v ON v.policy_id = p.policy_id"
            " AND v.version_id = p.default_version"
            " WHERE a.principal_id = :user OR a.principal_id IN"
            " (SELECT group_id FROM group_members WHERE user_id = :user)",
            {"user": user_id},
        )
        return [
            PrincipalPolicy(source=str(row["source"]), document=str(row["document"]))
            for row in rows
        ]


def _account(row: Row) -> Account:
    return Account(account_id=row["account_id"], created_at=parse_iso(row["created_at"]))


def _user(row: Row) -> User:
    return User(
        user_id=row["user_id"],
        account_id=row["account_id"],
        user_name=row["user_name"],
        path=row["path"],
        created_at=parse_iso(row["created_at"]),
        permissions_boundary=row["permissions_boundary"],
        tags=tuple((key, value) for key, value in json.loads(row["tags"])),
    )


def _access_key(row: Row, box: SecretBox) -> AccessKey:
    """An access key with its secret opened; plain text (an older release's) passes as is
    until the next store open seals it."""
    stored: str = row["secret"]
    key_id: str = row["access_key_id"]
    return AccessKey(
        access_key_id=key_id,
        account_id=row["account_id"],
        owner_id=row["owner_id"],
        secret=box.open(stored, key_id) if is_sealed(stored) else stored,
        status=row["status"],
        created_at=parse_iso(row["created_at"]),
        last_used_at=_optional_time(row["last_used_at"]),
        last_used_service=row["last_used_service"],
        last_used_region=row["last_used_region"],
    )


def _certificate(row: Row) -> SigningCertificate:
    return SigningCertificate(
        certificate_id=row["certificate_id"],
        account_id=row["account_id"],
        owner_id=row["owner_id"],
        body=row["body"],
        status=row["status"],
        uploaded_at=parse_iso(row["uploaded_at"]),
        not_after=parse_iso(row["not_after"]),
    )


def _policy(row: Row) -> ManagedPolicy:
    return ManagedPolicy(
        policy_id=row["policy_id"],
        account_id=row["account_id"],
        policy_name=row["policy_name"],
        path=row["path"],
        default_version=row["default_version"],
        next_version=int(row["next_version"]),
        created_at=parse_iso(row["created_at"]),
        updated_at=parse_iso(row["updated_at"]),
        description=row["description"],
        tags=tuple((key, value) for key, value in json.loads(row["tags"])),
    )


def _version(row: Row) -> PolicyVersion:
    return PolicyVersion(
        policy_id=row["policy_id"],
        version_id=row["version_id"],
        document=row["document"],
        created_at=parse_iso(row["created_at"]),
    )


def _group(row: Row) -> Group:
    return Group(
        group_id=row["group_id"],
        account_id=row["account_id"],
        group_name=row["group_name"],
        path=row["path"],
        created_at=parse_iso(row["created_at"]),
    )


def _audit_event(row: Row) -> AuditEvent:
    return AuditEvent(
        event_id=row["event_id"],
        event_time=parse_iso(row["event_time"]),
        service=row["service"],
        action=row["action"],
        request_id=row["request_id"],
        outcome=row["outcome"],
        read_only=bool(row["read_only"]),
        account_id=row["account_id"],
        principal_arn=row["principal_arn"],
        principal_id=row["principal_id"],
        principal_type=row["principal_type"],
        access_key_id=row["access_key_id"],
        target=row["target"],
        source_ip=row["source_ip"],
        user_agent=row["user_agent"],
        region=row["region"],
        error_code=row["error_code"],
        error_message=row["error_message"],
    )
