"""Access keys: CreateAccessKey, ListAccessKeys, UpdateAccessKey, DeleteAccessKey,
GetAccessKeyLastUsed. Root and every user may hold two keys, Inactive ones counting."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from signet import ids
from signet.clock import iso
from signet.errors import InvalidInput, LimitExceeded, NoSuchEntity
from signet.iam import owners, pagination
from signet.iam.context import Context
from signet.store.base import Transaction
from signet.store.records import AccessKey

LOG = logging.getLogger(__name__)

ACCESS_KEYS_PER_USER = 2
SETTABLE_STATUSES = ("Active", "Inactive")


def create_access_key(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
        if tx.count_access_keys(owner.owner_id) >= ACCESS_KEYS_PER_USER:
            raise LimitExceeded(
                f"Cannot exceed quota for AccessKeysPerUser: {ACCESS_KEYS_PER_USER}"
            )
        key = AccessKey(
            access_key_id=ids.access_key_id(),
            account_id=ctx.caller.account_id,
            owner_id=owner.owner_id,
            secret=ids.secret_access_key(),
            status="Active",
            created_at=ctx.now,
        )
        tx.insert_access_key(key)

    LOG.debug("access key created", extra={"access_key_id": key.access_key_id})
    member = _member(key, owner.display_name)
    member["SecretAccessKey"] = key.secret
    return {"AccessKey": member}


def list_access_keys(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
        keys, page = pagination.page(
            params,
            2,
            lambda after, limit: tx.list_access_keys(
                owner.owner_id, (after[0], after[1]) if after else None, limit
            ),
            lambda key: (iso(key.created_at), key.access_key_id),
        )
    return {"AccessKeyMetadata": [_member(key, owner.display_name) for key in keys], **page}


def update_access_key(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    status = params["Status"]
    if status not in SETTABLE_STATUSES:
        raise InvalidInput("Status must be Active or Inactive.")

    with ctx.write() as tx:
        key = _owned_key(tx, ctx, params)
        tx.update_access_key_status(key.access_key_id, status)
    return {}


def delete_access_key(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        key = _owned_key(tx, ctx, params)
        tx.delete_access_key(key.access_key_id)
    return {}


def get_access_key_last_used(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    key_id = params["AccessKeyId"]

    with ctx.store.read() as tx:
        key = tx.get_access_key(key_id)
        if key is None or key.account_id != ctx.caller.account_id:
            raise _no_such_key(key_id)
        user_name = owners.display_name(tx, key.account_id, key.owner_id)

    last_used: dict[str, Any] = {"ServiceName": "N/A", "Region": "N/A"}
    if key.last_used_at is not None:
        last_used = {
            "LastUsedDate": key.last_used_at,
            "ServiceName": key.last_used_service or "N/A",
            "Region": key.last_used_region or "N/A",
        }
    return {"UserName": user_name, "AccessKeyLastUsed": last_used}


def _owned_key(tx: Transaction, ctx: Context, params: Mapping[str, Any]) -> AccessKey:
    owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
    key = tx.get_access_key(params["AccessKeyId"])
    if key is None or key.owner_id != owner.owner_id or key.account_id != ctx.caller.account_id:
        raise _no_such_key(params["AccessKeyId"])
    return key


def _member(key: AccessKey, user_name: str) -> dict[str, Any]:
    return {
        "UserName": user_name,
        "AccessKeyId": key.access_key_id,
        "Status": key.status,
        "CreateDate": key.created_at,
    }


def _no_such_key(key_id: str) -> NoSuchEntity:
    return NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")
