"""The policies of users and groups: inline ones, and attached managed ones.

Users and groups keep policies the same way, with different names and limits, so each
operation here is written once and bound to a :class:`Kind` in
:mod:`signet.iam.operations`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from signet.auth.policy import policy_size
from signet.errors import LimitExceeded, NoSuchEntity
from signet.iam import pagination, policies
from signet.iam.context import Context
from signet.iam.groups import find_group
from signet.iam.owners import find_user
from signet.store.base import Transaction

ATTACHED_POLICIES_PER_PRINCIPAL = 10


@dataclass(frozen=True, slots=True)
class Kind:
    """How one kind of principal names itself and what it may hold."""

    noun: str
    name_param: str
    inline_size: int
    quota_name: str
    find: Callable[[Transaction, str, str], str]


def _user_id(tx: Transaction, account_id: str, name: str) -> str:
    return find_user(tx, account_id, name).user_id


def _group_id(tx: Transaction, account_id: str, name: str) -> str:
    return find_group(tx, account_id, name).group_id


USERS = Kind("user", "UserName", 2048, "PoliciesPerUser", _user_id)
GROUPS = Kind("group", "GroupName", 5120, "PoliciesPerGroup", _group_id)


def put_policy(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name, policy_name, document = (
        params[kind.name_param],
        params["PolicyName"],
        params["PolicyDocument"],
    )
    too_large = f"Maximum policy size of {kind.inline_size} bytes exceeded for {kind.noun} {name}"
    policies.check_document(document, kind.inline_size, too_large)

    with ctx.write() as tx:
        principal_id = kind.find(tx, ctx.caller.account_id, name)
        others = sum(
            policy_size(tx.get_inline_policy(principal_id, other) or "")
            for other in tx.list_inline_policies(principal_id, None, 1000)
            if other != policy_name
        )
        if others + policy_size(document) > kind.inline_size:
            raise LimitExceeded(too_large)
        tx.put_inline_policy(principal_id, policy_name, document)
    return {}


def get_policy(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name, policy_name = params[kind.name_param], params["PolicyName"]

    with ctx.store.read() as tx:
        principal_id = kind.find(tx, ctx.caller.account_id, name)
        document = tx.get_inline_policy(principal_id, policy_name)
    if document is None:
        raise NoSuchEntity(f"The {kind.noun} policy with name {policy_name} cannot be found.")
    return {kind.name_param: name, "PolicyName": policy_name, "PolicyDocument": document}


def list_policies(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        principal_id = kind.find(tx, ctx.caller.account_id, params[kind.name_param])
        names, page = pagination.page(
            params,
            1,
            lambda after, limit: tx.list_inline_policies(
                principal_id, after[0] if after else None, limit
            ),
            lambda policy_name: (policy_name,),
        )
    return {"PolicyNames": list(names), **page}


def delete_policy(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    policy_name = params["PolicyName"]

    with ctx.write() as tx:
        principal_id = kind.find(tx, ctx.caller.account_id, params[kind.name_param])
        if not tx.delete_inline_policy(principal_id, policy_name):
            raise NoSuchEntity(f"The {kind.noun} policy with name {policy_name} cannot be found.")
    return {}


def attach_policy(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    account_id = ctx.caller.account_id

    with ctx.write() as tx:
        principal_id = kind.find(tx, account_id, params[kind.name_param])
        policy = policies.find_policy(tx, account_id, params["PolicyArn"])
        attached = {p.policy_id for p in tx.list_attached_policies(principal_id, None, 1000)}
        if policy.policy_id in attached:
            return {}
        if len(attached) >= ATTACHED_POLICIES_PER_PRINCIPAL:
            raise LimitExceeded(
                f"Cannot exceed quota for {kind.quota_name}: {ATTACHED_POLICIES_PER_PRINCIPAL}"
            )
        tx.attach_policy(principal_id, policy.policy_id, account_id, ctx.now)
    return {}


def detach_policy(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    account_id = ctx.caller.account_id
    arn = params["PolicyArn"]

    with ctx.write() as tx:
        principal_id = kind.find(tx, account_id, params[kind.name_param])
        policy = policies.find_policy(tx, account_id, arn)
        if not tx.detach_policy(principal_id, policy.policy_id):
            raise NoSuchEntity(f"Policy {arn} was not found.")
    return {}


def list_attached_policies(kind: Kind, ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"

    with ctx.store.read() as tx:
        principal_id = kind.find(tx, ctx.caller.account_id, params[kind.name_param])
        attached = [
            p
            for p in tx.list_attached_policies(principal_id, None, 1000)
            if p.path.startswith(prefix)
        ]
    shown, page = pagination.page_in_memory(
        params, attached, lambda p: (p.policy_name.lower(), p.policy_id)
    )
    members = [{"PolicyName": p.policy_name, "PolicyArn": p.arn} for p in shown]
    return {"AttachedPolicies": members, **page}
