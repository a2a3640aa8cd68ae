"""The operations Signet serves, by ``service:Action``; anything else is InvalidAction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any

from signet.iam import (
    access_keys,
    groups,
    identity,
    policies,
    signing_certificates,
    simulator,
    users,
)
from signet.iam import principal_policies as principal
from signet.iam.context import Context

Handler = Callable[[Context, Mapping[str, Any]], dict[str, Any]]

_USERS, _GROUPS = principal.USERS, principal.GROUPS

HANDLERS: dict[str, Handler] = {
    "sts:GetCallerIdentity": identity.get_caller_identity,
    # Users
    "iam:CreateUser": users.create_user,
    "iam:GetUser": users.get_user,
    "iam:ListUsers": users.list_users,
    "iam:UpdateUser": users.update_user,
    "iam:DeleteUser": users.delete_user,
    "iam:PutUserPermissionsBoundary": users.put_user_permissions_boundary,
    "iam:DeleteUserPermissionsBoundary": users.delete_user_permissions_boundary,
    # Access keys
    "iam:CreateAccessKey": access_keys.create_access_key,
    "iam:ListAccessKeys": access_keys.list_access_keys,
    "iam:UpdateAccessKey": access_keys.update_access_key,
    "iam:DeleteAccessKey": access_keys.delete_access_key,
    "iam:GetAccessKeyLastUsed": access_keys.get_access_key_last_used,
    # Signing certificates
    "iam:UploadSigningCertificate": signing_certificates.upload_signing_certificate,
    "iam:ListSigningCertificates": signing_certificates.list_signing_certificates,
    "iam:UpdateSigningCertificate": signing_certificates.update_signing_certificate,
    "iam:DeleteSigningCertificate": signing_certificates.delete_signing_certificate,
    # Managed policies
    "iam:CreatePolicy": policies.create_policy,
    "iam:GetPolicy": policies.get_policy,
    "iam:ListPolicies": policies.list_policies,
    "iam:DeletePolicy": policies.delete_policy,
    "iam:CreatePolicyVersion": policies.create_policy_version,
    "iam:GetPolicyVersion": policies.get_policy_version,
    "iam:ListPolicyVersions": policies.list_policy_versions,
    "iam:SetDefaultPolicyVersion": policies.set_default_policy_version,
    "iam:DeletePolicyVersion": policies.delete_policy_version,
    # Policies of users
    "iam:PutUserPolicy": partial(principal.put_policy, _USERS),
    "iam:GetUserPolicy": partial(principal.get_policy, _USERS),
    "iam:ListUserPolicies": partial(principal.list_policies, _USERS),
    "iam:DeleteUserPolicy": partial(principal.delete_policy, _USERS),
    "iam:AttachUserPolicy": partial(principal.attach_policy, _USERS),
    "iam:DetachUserPolicy": partial(principal.detach_policy, _USERS),
    "iam:ListAttachedUserPolicies": partial(principal.list_attached_policies, _USERS),
    # Groups and their policies
    "iam:CreateGroup": groups.create_group,
    "iam:GetGroup": groups.get_group,
    "iam:ListGroups": groups.list_groups,
    "iam:UpdateGroup": groups.update_group,
    "iam:DeleteGroup": groups.delete_group,
    "iam:AddUserToGroup": groups.add_user_to_group,
    "iam:RemoveUserFromGroup": groups.remove_user_from_group,
    "iam:ListGroupsForUser": groups.list_groups_for_user,
    "iam:PutGroupPolicy": partial(principal.put_policy, _GROUPS),
    "iam:GetGroupPolicy": partial(principal.get_policy, _GROUPS),
    "iam:ListGroupPolicies": partial(principal.list_policies, _GROUPS),
    "iam:DeleteGroupPolicy": partial(principal.delete_policy, _GROUPS),
    "iam:AttachGroupPolicy": partial(principal.attach_policy, _GROUPS),
    "iam:DetachGroupPolicy": partial(principal.detach_policy, _GROUPS),
    "iam:ListAttachedGroupPolicies": partial(principal.list_attached_policies, _GROUPS),
    # The policy simulator
    "iam:SimulatePrincipalPolicy": simulator.simulate_principal_policy,
    "iam:SimulateCustomPolicy": simulator.simulate_custom_policy,
}
