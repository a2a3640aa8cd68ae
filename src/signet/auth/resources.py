"""The resource each IAM action is authorized against, as AWS's authorization reference names it.

User-scoped actions target the user named by ``UserName`` (the caller when omitted), with
its path; group actions the group; policy actions the policy. An action whose reference
lists no resource type is authorized against ``*``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from signet.auth.principals import Caller
from signet.store.base import Transaction

USER_ACTIONS = frozenset(
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
        "iam:PutUserPolicy",
        "iam:GetUserPolicy",
        "iam:ListUserPolicies",
        "iam:DeleteUserPolicy",
        "iam:AttachUserPolicy",
        "iam:DetachUserPolicy",
        "iam:ListAttachedUserPolicies",
        "iam:ListGroupsForUser",
        "iam:PutUserPermissionsBoundary",
        "iam:DeleteUserPermissionsBoundary",
    }
)

GROUP_ACTIONS = frozenset(
    {
        "iam:GetGroup",
        "iam:UpdateGroup",
        "iam:DeleteGroup",
        "iam:AddUserToGroup",
        "iam:RemoveUserFromGroup",
        "iam:PutGroupPolicy",
        "iam:GetGroupPolicy",
        "iam:ListGroupPolicies",
        "iam:DeleteGroupPolicy",
        "iam:AttachGroupPolicy",
        "iam:DetachGroupPolicy",
        "iam:ListAttachedGroupPolicies",
    }
)

POLICY_ACTIONS = frozenset(
    {
        "iam:GetPolicy",
        "iam:GetPolicyVersion",
        "iam:ListPolicyVersions",
        "iam:CreatePolicyVersion",
        "iam:SetDefaultPolicyVersion",
        "iam:DeletePolicyVersion",
        "iam:DeletePolicy",
    }
)


def resource_arn(tx: Transaction, caller: Caller, action: str, params: Mapping[str, Any]) -> str:
    """The ARN ``action`` with ``params`` is evaluated against, for ``caller``'s account."""
    account = caller.account_id
    if action in USER_ACTIONS:
        return user_arn(tx, caller, params.get("UserName"))
    if action in GROUP_ACTIONS:
        group = tx.get_group(account, params["GroupName"])
        return group.arn if group else f"arn:aws:iam::{account}:group/{params['GroupName']}"
    if action in POLICY_ACTIONS:
        return str(params["PolicyArn"])
    return _named_resource(tx, caller, action, params)


def user_arn(tx: Transaction, caller: Caller, user_name: str | None) -> str:
    """The ARN of a user of the caller's account, with its path; the caller's when unnamed."""
    if user_name is None:
        return caller.arn
    user = tx.get_user(caller.account_id, user_name)
    return user.arn if user else f"arn:aws:iam::{caller.account_id}:user/{user_name}"


def _named_resource(tx: Transaction, caller: Caller, action: str, params: Mapping[str, Any]) -> str:
    account = caller.account_id
    path = params.get("Path") or "/"
    if action == "iam:CreateUser":
        return f"arn:aws:iam::{account}:user{path}{params['UserName']}"
    if action == "iam:CreateGroup":
        return f"arn:aws:iam::{account}:group{path}{params['GroupName']}"
    if action == "iam:CreatePolicy":
        return f"arn:aws:iam::{account}:policy{path}{params['PolicyName']}"
    if action == "iam:ListUsers":
        return f"arn:aws:iam::{account}:user/"
    if action == "iam:ListGroups":
        return f"arn:aws:iam::{account}:group/"
    if action == "iam:SimulatePrincipalPolicy":
        return str(params["PolicySourceArn"])
    if action == "iam:GetAccessKeyLastUsed":
        key = tx.get_access_key(params["AccessKeyId"])
        user = tx.get_user_by_id(key.owner_id) if key is not None else None
        if user is not None and user.account_id == account:
            return user.arn
    return "*"
