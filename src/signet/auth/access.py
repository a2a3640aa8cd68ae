"""Who may do what.

The root of an account may do anything in it. Every authenticated caller may ask
``sts:GetCallerIdentity``, as in AWS. Other callers are refused with AWS's AccessDenied
text until identity policies are evaluated for them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signet.auth.principals import Caller
from signet.errors import AccessDenied
from signet.store.base import Store

ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})

# Actions whose resource is the user named by UserName (the caller when omitted).
USER_RESOURCE_ACTIONS = frozenset(
    {
        "iam:GetUser",
        "iam:UpdateUser",
        "iam:DeleteUser",
        "iam:CreateAccessKey",
        "iam:ListAccessKeys",
        "iam:UpdateAccessKey",
        "iam:DeleteAccessKey",
        "iam:UploadSigningCertificate",
        "iam:ListSigningCertificates",
        "iam:UpdateSigningCertificate",
        "iam:DeleteSigningCertificate",
    }
)


def authorize(store: Store, caller: Caller, action: str, params: Mapping[str, Any]) -> None:
    """Return when the caller may perform the action; raise AccessDenied otherwise."""
    if caller.is_root or action in ALWAYS_ALLOWED:
        return

    resource = resource_arn(store, caller, action, params)
    raise AccessDenied(
        f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}"
        f" because no identity-based policy allows the {action} action"
    )


def resource_arn(store: Store, caller: Caller, action: str, params: Mapping[str, Any]) -> str:
    """The ARN an action is evaluated against, as AWS's authorization reference names it."""
    account = caller.account_id
    if action == "iam:CreateUser":
        return f"arn:aws:iam::{account}:user{params.get('Path') or '/'}{params['UserName']}"
    if action == "iam:ListUsers":
        return f"arn:aws:iam::{account}:user/"
    if action in USER_RESOURCE_ACTIONS:
        name = params.get("UserName")
        if name is None:
            return caller.arn
        with store.read() as tx:
            user = tx.get_user(account, name)
        return user.arn if user is not None else f"arn:aws:iam::{account}:user/{name}"
    if action == "iam:GetAccessKeyLastUsed":
        with store.read() as tx:
            key = tx.get_access_key(params["AccessKeyId"])
            user = tx.get_user_by_id(key.owner_id) if key is not None else None
        if user is not None and user.account_id == account:
            return user.arn
    return "*"
