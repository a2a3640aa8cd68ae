"""Every supported action, called by each kind of caller, allowed or denied as AWS would.

Calls that change things name entities that do not exist where they can (an allowed
caller then gets NoSuchEntity, a denied one AccessDenied), so the matrix leaves nothing
behind; what it must create, it deletes.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client, remove_user
from tests.http.test_authorization import SELF_SERVICE, create_account, document
from tests.server import RunningServer

GHOST = "persona-ghost"
GHOST_GROUP = "persona-ghost-group"
POLICY = document({"Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"})

Call = Callable[[Any, dict[str, Any]], Any]

CALLS: list[tuple[str, Call]] = [
    ("sts:GetCallerIdentity", lambda c, e: e["sts"].get_caller_identity()),
    ("iam:CreateUser", lambda c, e: c.create_user(UserName=e["new_user"])),
    ("iam:GetUser", lambda c, e: c.get_user(UserName=e["target"])),
    ("iam:ListUsers", lambda c, e: c.list_users()),
    ("iam:UpdateUser", lambda c, e: c.update_user(UserName=GHOST, NewPath="/x/")),
    ("iam:DeleteUser", lambda c, e: c.delete_user(UserName=GHOST)),
    ("iam:CreateAccessKey", lambda c, e: c.create_access_key(UserName=GHOST)),
    ("iam:ListAccessKeys", lambda c, e: c.list_access_keys(UserName=e["target"])),
    (
        "iam:UpdateAccessKey",
        lambda c, e: c.update_access_key(
            UserName=GHOST, AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Active"
        ),
    ),
    (
        "iam:DeleteAccessKey",
        lambda c, e: c.delete_access_key(UserName=GHOST, AccessKeyId="AKIAAAAAAAAAAAAAAAAA"),
    ),
    (
        "iam:GetAccessKeyLastUsed",
        lambda c, e: c.get_access_key_last_used(AccessKeyId=e["target_key"]),
    ),
    (
        "iam:UploadSigningCertificate",
        lambda c, e: e.update(
            cert_id=c.upload_signing_certificate(CertificateBody=e["cert"])["Certificate"][
                "CertificateId"
            ]
        ),
    ),
    ("iam:ListSigningCertificates", lambda c, e: c.list_signing_certificates()),
    (
        "iam:UpdateSigningCertificate",
        lambda c, e: c.update_signing_certificate(CertificateId=e["cert_id"], Status="Inactive"),
    ),
    (
        "iam:DeleteSigningCertificate",
        lambda c, e: c.delete_signing_certificate(CertificateId=e["cert_id"]),
    ),
    (
        "iam:CreatePolicy",
        lambda c, e: c.create_policy(PolicyName=e["new_policy"], PolicyDocument=POLICY),
    ),
    ("iam:GetPolicy", lambda c, e: c.get_policy(PolicyArn=e["ghost_policy"])),
    ("iam:ListPolicies", lambda c, e: c.list_policies(Scope="AWS")),
    (
        "iam:CreatePolicyVersion",
        lambda c, e: c.create_policy_version(PolicyArn=e["ghost_policy"], PolicyDocument=POLICY),
    ),
    (
        "iam:GetPolicyVersion",
        lambda c, e: c.get_policy_version(PolicyArn=e["ghost_policy"], VersionId="v1"),
    ),
    ("iam:ListPolicyVersions", lambda c, e: c.list_policy_versions(PolicyArn=e["ghost_policy"])),
    (
        "iam:SetDefaultPolicyVersion",
        lambda c, e: c.set_default_policy_version(PolicyArn=e["ghost_policy"], VersionId="v1"),
    ),
    (
        "iam:DeletePolicyVersion",
        lambda c, e: c.delete_policy_version(PolicyArn=e["ghost_policy"], VersionId="v2"),
    ),
    ("iam:DeletePolicy", lambda c, e: c.delete_policy(PolicyArn=e["ghost_policy"])),
    (
        "iam:PutUserPolicy",
        lambda c, e: c.put_user_policy(UserName=GHOST, PolicyName="p", PolicyDocument=POLICY),
    ),
    ("iam:GetUserPolicy", lambda c, e: c.get_user_policy(UserName=GHOST, PolicyName="p")),
    ("iam:ListUserPolicies", lambda c, e: c.list_user_policies(UserName=e["target"])),
    ("iam:DeleteUserPolicy", lambda c, e: c.delete_user_policy(UserName=GHOST, PolicyName="p")),
    (
        "iam:AttachUserPolicy",
        lambda c, e: c.attach_user_policy(UserName=GHOST, PolicyArn=e["ghost_policy"]),
    ),
    (
        "iam:DetachUserPolicy",
        lambda c, e: c.detach_user_policy(UserName=GHOST, PolicyArn=e["ghost_policy"]),
    ),
    (
        "iam:ListAttachedUserPolicies",
        lambda c, e: c.list_attached_user_policies(UserName=e["target"]),
    ),
    ("iam:CreateGroup", lambda c, e: c.create_group(GroupName=e["new_group"])),
    ("iam:GetGroup", lambda c, e: c.get_group(GroupName=GHOST_GROUP)),
    ("iam:ListGroups", lambda c, e: c.list_groups()),
    ("iam:UpdateGroup", lambda c, e: c.update_group(GroupName=GHOST_GROUP, NewPath="/x/")),
    ("iam:DeleteGroup", lambda c, e: c.delete_group(GroupName=GHOST_GROUP)),
    (
        "iam:AddUserToGroup",
        lambda c, e: c.add_user_to_group(GroupName=GHOST_GROUP, UserName=GHOST),
    ),
    (
        "iam:RemoveUserFromGroup",
        lambda c, e: c.remove_user_from_group(GroupName=GHOST_GROUP, UserName=GHOST),
    ),
    ("iam:ListGroupsForUser", lambda c, e: c.list_groups_for_user(UserName=e["target"])),
    (
        "iam:PutGroupPolicy",
        lambda c, e: c.put_group_policy(
            GroupName=GHOST_GROUP, PolicyName="p", PolicyDocument=POLICY
        ),
    ),
    ("iam:GetGroupPolicy", lambda c, e: c.get_group_policy(GroupName=GHOST_GROUP, PolicyName="p")),
    ("iam:ListGroupPolicies", lambda c, e: c.list_group_policies(GroupName=GHOST_GROUP)),
    (
        "iam:DeleteGroupPolicy",
        lambda c, e: c.delete_group_policy(GroupName=GHOST_GROUP, PolicyName="p"),
    ),
    (
        "iam:AttachGroupPolicy",
        lambda c, e: c.attach_group_policy(GroupName=GHOST_GROUP, PolicyArn=e["ghost_policy"]),
    ),
    (
        "iam:DetachGroupPolicy",
        lambda c, e: c.detach_group_policy(GroupName=GHOST_GROUP, PolicyArn=e["ghost_policy"]),
    ),
    (
        "iam:ListAttachedGroupPolicies",
        lambda c, e: c.list_attached_group_policies(GroupName=GHOST_GROUP),
    ),
    (
        "iam:SimulatePrincipalPolicy",
        lambda c, e: c.simulate_principal_policy(
            PolicySourceArn=e["target_arn"], ActionNames=["iam:GetUser"]
        ),
    ),
    (
        "iam:SimulateCustomPolicy",
        lambda c, e: c.simulate_custom_policy(
            PolicyInputList=[POLICY], ActionNames=["iam:GetUser"]
        ),
    ),
]

READ_ONLY = {"Get", "List", "Simulate"}


def expected(persona: str, action: str) -> str:
    verb = action.split(":")[1]
    if action == "sts:GetCallerIdentity" or persona in ("root", "admin"):
        return "allow"
    if persona == "read-only":
        return "allow" if any(verb.startswith(v) for v in READ_ONLY) else "deny"
    if persona == "self-service":
        return "allow" if "SigningCertificate" in verb else "deny"
    return "deny"


def outcome(call: Call, client: Any, env: dict[str, Any]) -> str:
    try:
        call(client, env)
    except ClientError as error:
        if error.response["Error"]["Code"] == "AccessDenied":
            return "deny"
    return "allow"


@pytest.mark.parametrize("persona", ["root", "admin", "self-service", "read-only", "other-account"])
def test_persona_matrix(iam: Any, server: RunningServer, persona: str) -> None:
    target = f"persona-target-{persona}"
    iam.create_user(UserName=target)
    target_key = iam.create_access_key(UserName=target)["AccessKey"]["AccessKeyId"]
    client, sts, cleanup = _persona(iam, server, persona)
    account = make_client(server, "sts").get_caller_identity()["Account"]
    env = {
        "sts": sts,
        "target": target,
        "target_arn": iam.get_user(UserName=target)["User"]["Arn"],
        "target_key": target_key,
        "new_user": f"persona-new-{persona}",
        "new_group": f"persona-group-{persona}",
        "new_policy": f"persona-policy-{persona}",
        "ghost_policy": f"arn:aws:iam::{account}:policy/{GHOST}",
        "cert": certs.distinct_rsa_certs(1)[0],
        "cert_id": "A" * 32,
    }

    try:
        results = {action: outcome(call, client, env) for action, call in CALLS}
    finally:
        _clean(iam, persona, target, env)
        cleanup()

    wanted = {action: expected(persona, action) for action, _ in CALLS}
    assert results == wanted


def _persona(iam: Any, server: RunningServer, persona: str) -> tuple[Any, Any, Callable[[], None]]:
    if persona == "root":
        return iam, make_client(server, "sts"), lambda: None

    owner = iam
    if persona == "other-account":
        created = create_account(server)
        owner = make_client(server, key=(created["access_key_id"], created["secret_access_key"]))
    name = f"persona-{persona}"
    owner.create_user(UserName=name)
    if persona == "admin":
        owner.attach_user_policy(
            UserName=name, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess"
        )
    elif persona == "read-only":
        owner.attach_user_policy(
            UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess"
        )
    elif persona == "self-service":
        owner.put_user_policy(
            UserName=name, PolicyName="self", PolicyDocument=json.dumps(SELF_SERVICE)
        )
    else:
        mine = make_client(server, "sts").get_caller_identity()["Account"]
        reach = document(
            {"Effect": "Allow", "Action": "iam:*", "Resource": f"arn:aws:iam::{mine}:*"}
        )
        owner.put_user_policy(UserName=name, PolicyName="reach", PolicyDocument=reach)
    key = owner.create_access_key(UserName=name)["AccessKey"]
    pair = (key["AccessKeyId"], key["SecretAccessKey"])

    def cleanup() -> None:
        for policy in owner.list_user_policies(UserName=name)["PolicyNames"]:
            owner.delete_user_policy(UserName=name, PolicyName=policy)
        for attached in owner.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            owner.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
        remove_user(owner, name)

    return make_client(server, key=pair), make_client(server, "sts", key=pair), cleanup


def _clean(iam: Any, persona: str, target: str, env: dict[str, Any]) -> None:
    for call in (
        lambda: iam.delete_user(UserName=env["new_user"]),
        lambda: iam.delete_group(GroupName=env["new_group"]),
        lambda: iam.delete_policy(PolicyArn=env["ghost_policy"].replace(GHOST, env["new_policy"])),
        lambda: (
            iam.delete_signing_certificate(CertificateId=env["cert_id"])
            if persona == "root"
            else None
        ),
    ):
        with contextlib.suppress(ClientError):
            call()
    remove_user(iam, target)
