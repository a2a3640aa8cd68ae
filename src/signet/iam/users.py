"""IAM users: CreateUser, GetUser, ListUsers, UpdateUser, DeleteUser."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from signet import ids
from signet.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    LimitExceeded,
    NoSuchEntity,
)
from signet.iam import pagination, policies
from signet.iam.context import Context
from signet.iam.owners import find_user, no_such_user
from signet.iam.tags import tag_pairs
from signet.store.base import UniqueViolation
from signet.store.records import User

LOG = logging.getLogger(__name__)

USERS_PER_ACCOUNT = 5000


def user_member(user: User, *, full: bool) -> dict[str, Any]:
    """A user as the ``User`` shape; ListUsers leaves out the boundary and tags."""
    member: dict[str, Any] = {
        "Path": user.path,
        "UserName": user.user_name,
        "UserId": user.user_id,
        "Arn": user.arn,
        "CreateDate": user.created_at,
    }
    if full and user.permissions_boundary is not None:
        member["PermissionsBoundary"] = {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": user.permissions_boundary,
        }
    if full and user.tags:
        member["Tags"] = [{"Key": key, "Value": value} for key, value in user.tags]
    return member


def create_user(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params["UserName"]
    tags = tag_pairs(params.get("Tags") or [])
    boundary = params.get("PermissionsBoundary")

    user = User(
        user_id=ids.user_id(),
        account_id=ctx.caller.account_id,
        user_name=name,
        path=params.get("Path") or "/",
        created_at=ctx.now,
        permissions_boundary=boundary,
        tags=tags,
    )
    with ctx.write() as tx:
        if boundary is not None:
            policies.find_policy(tx, user.account_id, boundary)
        if tx.get_user(user.account_id, name) is not None:
            raise _already_exists(name)
        if tx.count_users(user.account_id) >= USERS_PER_ACCOUNT:
            raise LimitExceeded(f"Cannot exceed quota for UsersPerAccount: {USERS_PER_ACCOUNT}")
        try:
            tx.insert_user(user)
        except UniqueViolation:
            raise _already_exists(name) from None

    LOG.debug("user created", extra={"account": user.account_id, "user_id": user.user_id})
    return {"User": user_member(user, full=True)}


def get_user(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params.get("UserName")
    caller = ctx.caller

    with ctx.store.read() as tx:
        if name is None and caller.user is None:
            account = tx.get_account(caller.account_id)
            root: dict[str, Any] = {"UserId": caller.account_id, "Arn": caller.arn}
            if account is not None:
                root["CreateDate"] = account.created_at
            return {"User": root}
        if name is not None:
            user = tx.get_user(caller.account_id, name)
        else:
            assert caller.user is not None
            user = tx.get_user_by_id(caller.user.user_id)
    if user is None:
        raise no_such_user(name or "")
    return {"User": user_member(user, full=True)}


def list_users(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    prefix = params.get("PathPrefix") or "/"
    account_id = ctx.caller.account_id

    with ctx.store.read() as tx:
        users, page = pagination.page(
            params,
            1,
            lambda after, limit: tx.list_users(
                account_id, prefix, after[0] if after else None, limit
            ),
            lambda user: (user.user_name.lower(),),
        )
    return {"Users": [user_member(user, full=False) for user in users], **page}


def update_user(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params["UserName"]

    with ctx.write() as tx:
        user = find_user(tx, ctx.caller.account_id, name)
        new_name = params.get("NewUserName") or user.user_name
        new_path = params.get("NewPath") or user.path
        clash = tx.get_user(user.account_id, new_name)
        if clash is not None and clash.user_id != user.user_id:
            raise _already_exists(new_name)
        try:
            tx.update_user(user.user_id, new_name, new_path)
        except UniqueViolation:
            raise _already_exists(new_name) from None
    return {}


def delete_user(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    name = params["UserName"]

    with ctx.write() as tx:
        user = find_user(tx, ctx.caller.account_id, name)
        if tx.count_access_keys(user.user_id):
            raise DeleteConflict("Cannot delete entity, must delete access keys first.")
        if tx.count_certificates(user.user_id):
            raise DeleteConflict("Cannot delete entity, must delete signing certificates first.")
        if tx.count_inline_policies(user.user_id):
            raise DeleteConflict("Cannot delete entity, must delete policies first.")
        if tx.count_attached_policies(user.user_id):
            raise DeleteConflict("Cannot delete entity, must detach all policies first.")
        if tx.count_groups_for_user(user.user_id):
            raise DeleteConflict("Cannot delete entity, must remove user from all groups first.")
        tx.delete_user(user.user_id)
    return {}


def put_user_permissions_boundary(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        user = find_user(tx, ctx.caller.account_id, params["UserName"])
        policy = policies.find_policy(tx, user.account_id, params["PermissionsBoundary"])
        tx.set_permissions_boundary(user.user_id, policy.arn)
    return {}


def delete_user_permissions_boundary(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        user = find_user(tx, ctx.caller.account_id, params["UserName"])
        if user.permissions_boundary is None:
            raise NoSuchEntity(f"The user {user.user_name} has no permissions boundary.")
        tx.set_permissions_boundary(user.user_id, None)
    return {}


def _already_exists(name: str) -> EntityAlreadyExists:
    return EntityAlreadyExists(f"User with name {name} already exists.")
