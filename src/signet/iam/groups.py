"""IAM groups and their members. A user's groups lend it their policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signet import ids
from signet.errors import DeleteConflict, EntityAlreadyExists, LimitExceeded, NoSuchEntity
from signet.iam import pagination
from signet.iam.context import Context
from signet.iam.owners import find_user, no_such_user
from signet.iam.users import user_member
from signet.store.base import Transaction, UniqueViolation
from signet.store.records import Group

GROUPS_PER_ACCOUNT = 300
GROUPS_PER_USER = 10


def group_member(group: Group) -> dict[str, Any]:
    return {
        "Path": group.path,
        "GroupName": group.group_name,
        "GroupId": group.group_id,
        "Arn": group.arn,
        "CreateDate": group.created_at,
    }


def create_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    group = Group(
        group_id=ids.group_id(),
        account_id=ctx.caller.account_id,
        group_name=params["GroupName"],
        path=params.get("Path") or "/",
        created_at=ctx.now,
    )

    with ctx.write() as tx:
        if tx.get_group(group.account_id, group.group_name) is not None:
            raise _already_exists(group.group_name)
        if tx.count_groups(group.account_id) >= GROUPS_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerAccount: {GROUPS_PER_ACCOUNT}")
        try:
            tx.insert_group(group)
        except UniqueViolation:
            raise _already_exists(group.group_name) from None
    return {"Group": group_member(group)}


def get_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        group = find_group(tx, ctx.caller.account_id, params["GroupName"])
        users, page = pagination.page(
            params,
            1,
            lambda after, limit: tx.list_members(
                group.group_id, after[0] if after else None, limit
            ),
            lambda user: (user.user_name.lower(),),
        )
    members = [user_member(user, full=False) for user in users]
    return {"Group": group_member(group), "Users": members, **page}


def list_groups(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"
    account_id = ctx.caller.account_id

    with ctx.store.read() as tx:
        groups, page = pagination.page(
            params,
            1,
            lambda after, limit: tx.list_groups(
                account_id, prefix, after[0] if after else None, limit
            ),
            lambda group: (group.group_name.lower(),),
        )
    return {"Groups": [group_member(group) for group in groups], **page}


def update_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        group = find_group(tx, ctx.caller.account_id, params["GroupName"])
        new_name = params.get("NewGroupName") or group.group_name
        clash = tx.get_group(group.account_id, new_name)
        if clash is not None and clash.group_id != group.group_id:
            raise _already_exists(new_name)
        tx.update_group(group.group_id, new_name, params.get("NewPath") or group.path)
    return {}


def delete_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        group = find_group(tx, ctx.caller.account_id, params["GroupName"])
        if tx.count_members(group.group_id):
            raise DeleteConflict("Cannot delete entity, must remove users from group first.")
        if tx.count_inline_policies(group.group_id):
            raise DeleteConflict("Cannot delete entity, must delete policies first.")
        if tx.count_attached_policies(group.group_id):
            raise DeleteConflict("Cannot delete entity, must detach all policies first.")
        tx.delete_group(group.group_id)
    return {}


def add_user_to_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        group = find_group(tx, ctx.caller.account_id, params["GroupName"])
        user = find_user(tx, ctx.caller.account_id, params["UserName"])
        current = {g.group_id for g in tx.list_groups_for_user(user.user_id, None, 1000)}
        if group.group_id in current:
            return {}
        if len(current) >= GROUPS_PER_USER:
            raise LimitExceeded(f"Cannot exceed quota for GroupsPerUser: {GROUPS_PER_USER}")
        tx.add_member(group.group_id, user.user_id, ctx.now)
    return {}


def remove_user_from_group(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        group = find_group(tx, ctx.caller.account_id, params["GroupName"])
        user = find_user(tx, ctx.caller.account_id, params["UserName"])
        if not tx.remove_member(group.group_id, user.user_id):
            raise no_such_user(user.user_name)
    return {}


def list_groups_for_user(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        user = find_user(tx, ctx.caller.account_id, params["UserName"])
        groups, page = pagination.page(
            params,
            1,
            lambda after, limit: tx.list_groups_for_user(
                user.user_id, after[0] if after else None, limit
            ),
            lambda group: (group.group_name.lower(),),
        )
    return {"Groups": [group_member(group) for group in groups], **page}


def find_group(tx: Transaction, account_id: str, name: str) -> Group:
    """A group of the account by name (regardless of case), or NoSuchEntity."""
    group = tx.get_group(account_id, name)
    if group is None:
        raise NoSuchEntity(f"The group with name {name} cannot be found.")
    return group


def _already_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"Group with name {name} already exists.")
