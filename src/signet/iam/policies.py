"""Customer managed policies with versions, and the AWS managed policies every account has.

A managed policy keeps up to five versions; one is the default, the one that takes
effect. The AWS managed policies (``arn:aws:iam::aws:policy/…``) are shared by every
account and cannot be changed; an account may attach them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from signet import ids
from signet.arns import parse_policy_arn
from signet.auth.policy import parse_policy, policy_size
from signet.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from signet.iam import pagination
from signet.iam.context import Context
from signet.iam.tags import tag_pairs
from signet.store.base import Transaction, UniqueViolation
from signet.store.records import ManagedPolicy, PolicyVersion

LOG = logging.getLogger(__name__)

AWS_ACCOUNT = "aws"
POLICIES_PER_ACCOUNT = 1500
VERSIONS_PER_POLICY = 5
MANAGED_POLICY_SIZE = 6144


def policy_member(
    policy: ManagedPolicy, attachments: int, *, full: bool, boundaries: int = 0
) -> dict[str, Any]:
    """A policy as the ``Policy`` shape; ListPolicies leaves out the description and tags."""
    member: dict[str, Any] = {
        "PolicyName": policy.policy_name,
        "PolicyId": policy.policy_id,
        "Arn": policy.arn,
        "Path": policy.path,
        "DefaultVersionId": policy.default_version,
        "AttachmentCount": attachments,
        "PermissionsBoundaryUsageCount": boundaries,
        "IsAttachable": True,
        "CreateDate": policy.created_at,
        "UpdateDate": policy.updated_at,
    }
    if full and policy.description is not None:
        member["Description"] = policy.description
    if full and policy.tags:
        member["Tags"] = [{"Key": key, "Value": value} for key, value in policy.tags]
    return member


def find_policy(tx: Transaction, account_id: str, arn: str) -> ManagedPolicy:
    """The policy an ARN names, if the account may see it: its own or an AWS managed one."""
    parts = parse_policy_arn(arn)
    policy = None
    if parts is not None and parts.account in (account_id, AWS_ACCOUNT):
        policy = tx.get_policy(parts.account, parts.name)
    if policy is None or policy.arn != arn:
        raise NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")
    return policy


def check_document(text: str, limit: int, too_large: str) -> None:
    """Validate a policy document and its size, raising AWS's errors."""
    parse_policy(text)
    if policy_size(text) > limit:
        raise LimitExceeded(too_large)


def create_policy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    document = params["PolicyDocument"]
    check_document(document, MANAGED_POLICY_SIZE, _too_large())
    account_id = ctx.caller.account_id
    policy = ManagedPolicy(
        policy_id=ids.policy_id(),
        account_id=account_id,
        policy_name=params["PolicyName"],
        path=params.get("Path") or "/",
        default_version="v1",
        next_version=2,
        created_at=ctx.now,
        updated_at=ctx.now,
        description=params.get("Description"),
        tags=tag_pairs(params.get("Tags") or []),
    )
    version = PolicyVersion(policy.policy_id, "v1", document, ctx.now)

    with ctx.write() as tx:
        if tx.get_policy(account_id, policy.policy_name) is not None:
            raise _already_exists(policy.policy_name)
        if tx.count_policies(account_id) >= POLICIES_PER_ACCOUNT:
            raise LimitExceeded(
                f"Cannot exceed quota for PoliciesPerAccount: {POLICIES_PER_ACCOUNT}"
            )
        try:
            tx.insert_policy(policy, version)
        except UniqueViolation:
            raise _already_exists(policy.policy_name) from None

    LOG.debug("policy created", extra={"policy_id": policy.policy_id})
    return {"Policy": policy_member(policy, 0, full=True)}


def get_policy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        policy = find_policy(tx, ctx.caller.account_id, params["PolicyArn"])
        count = tx.attachment_count(ctx.caller.account_id, policy.policy_id)
        boundaries = tx.count_boundary_users(ctx.caller.account_id, policy.arn)
    return {"Policy": policy_member(policy, count, full=True, boundaries=boundaries)}


def list_policies(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    account_id = ctx.caller.account_id
    scope = params.get("Scope") or "All"
    owners = {"All": (account_id, AWS_ACCOUNT), "AWS": (AWS_ACCOUNT,), "Local": (account_id,)}
    prefix = params.get("PathPrefix") or "/"
    attached_in = account_id if params.get("OnlyAttached") else None

    with ctx.store.read() as tx:
        policies, page = pagination.page(
            params,
            2,
            lambda after, limit: tx.list_policies(
                owners[scope], prefix, attached_in, (after[0], after[1]) if after else None, limit
            ),
            lambda policy: (policy.policy_name.lower(), policy.policy_id),
        )
        members = [
            policy_member(p, tx.attachment_count(account_id, p.policy_id), full=False)
            for p in policies
        ]
    return {"Policies": members, **page}


def create_policy_version(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    document = params["PolicyDocument"]
    check_document(document, MANAGED_POLICY_SIZE, _too_large())

    with ctx.write() as tx:
        policy = _own_policy(tx, ctx, params["PolicyArn"])
        if len(tx.list_versions(policy.policy_id)) >= VERSIONS_PER_POLICY:
            raise LimitExceeded(
                f"A managed policy can have up to {VERSIONS_PER_POLICY} versions. Before you"
                " create a new version, you must delete an existing version."
            )
        version = PolicyVersion(policy.policy_id, f"v{policy.next_version}", document, ctx.now)
        tx.insert_version(version, policy.next_version + 1)
        default = bool(params.get("SetAsDefault"))
        if default:
            tx.set_default_version(policy.policy_id, version.version_id, ctx.now)

    return {"PolicyVersion": _version_member(version, default, with_document=False)}


def get_policy_version(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        policy = find_policy(tx, ctx.caller.account_id, params["PolicyArn"])
        version = _find_version(tx, policy, params["VersionId"])
    default = version.version_id == policy.default_version
    return {"PolicyVersion": _version_member(version, default, with_document=True)}


def list_policy_versions(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        policy = find_policy(tx, ctx.caller.account_id, params["PolicyArn"])
        versions = tx.list_versions(policy.policy_id)
    shown, page = pagination.page_in_memory(
        params, versions, lambda v: (f"{10**9 - int(v.version_id[1:]):010d}", v.version_id)
    )
    members = [
        _version_member(v, v.version_id == policy.default_version, with_document=False)
        for v in shown
    ]
    return {"Versions": members, **page}


def set_default_policy_version(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        policy = _own_policy(tx, ctx, params["PolicyArn"])
        version = _find_version(tx, policy, params["VersionId"])
        tx.set_default_version(policy.policy_id, version.version_id, ctx.now)
    return {}


def delete_policy_version(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        policy = _own_policy(tx, ctx, params["PolicyArn"])
        version = _find_version(tx, policy, params["VersionId"])
        if version.version_id == policy.default_version:
            raise DeleteConflict("Cannot delete the default version of a policy.")
        tx.delete_version(policy.policy_id, version.version_id)
    return {}


def delete_policy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        policy = _own_policy(tx, ctx, params["PolicyArn"])
        attached = tx.attachment_count(ctx.caller.account_id, policy.policy_id)
        if attached or tx.count_boundary_users(ctx.caller.account_id, policy.arn):
            raise DeleteConflict("Cannot delete a policy attached to entities.")
        if len(tx.list_versions(policy.policy_id)) > 1:
            raise DeleteConflict(
                "This policy has more than one version. Before you delete a policy, you must"
                " delete the policy's versions. The default version is deleted with the policy."
            )
        tx.delete_policy(policy.policy_id)
    return {}


def _own_policy(tx: Transaction, ctx: Context, arn: str) -> ManagedPolicy:
    """A policy the caller's account may change: its own, never an AWS managed one."""
    policy = find_policy(tx, ctx.caller.account_id, arn)
    if policy.account_id == AWS_ACCOUNT:
        raise InvalidInput(f"Policy {arn} is an AWS managed policy and cannot be changed.")
    return policy


def _find_version(tx: Transaction, policy: ManagedPolicy, version_id: str) -> PolicyVersion:
    version = tx.get_version(policy.policy_id, version_id)
    if version is None:
        raise NoSuchEntity(f"Policy {policy.arn} version {version_id} does not exist.")
    return version


def _version_member(
    version: PolicyVersion, default: bool, *, with_document: bool
) -> dict[str, Any]:
    member: dict[str, Any] = {
        "VersionId": version.version_id,
        "IsDefaultVersion": default,
        "CreateDate": version.created_at,
    }
    if with_document:
        member["Document"] = version.document
    return member


def _too_large() -> str:
    return f"Cannot exceed quota for PolicySize: {MANAGED_POLICY_SIZE}"


def _already_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(
        f"A policy called {name} already exists. Duplicate names are not allowed."
    )
