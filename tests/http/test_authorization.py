"""Identity policies decide every call by an IAM user, over HTTP with boto3."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client, remove_user
from tests.http.test_signing_certificates import error_of
from tests.server import RunningServer

SELF_SERVICE = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Action": "iam:*SigningCertificate*",
            "Resource": "arn:aws:iam::*:user/${aws:username}",
        }
    ],
}


def document(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **extra}


def deny(action: str | list[str], resource: str = "*", **extra: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **extra}


@pytest.fixture
def make_user(iam: Any, server: RunningServer, unique_name: Any) -> Iterator[Callable[..., Any]]:
    """Create users with a key each; return a client signed as the user."""
    created: list[str] = []

    def make(prefix: str = "caller", region: str = "us-east-1") -> tuple[str, Any]:
        name = unique_name(prefix)
        iam.create_user(UserName=name)
        created.append(name)
        key = iam.create_access_key(UserName=name)["AccessKey"]
        client = make_client(
            server, key=(key["AccessKeyId"], key["SecretAccessKey"]), region=region
        )
        return name, client

    yield make
    for name in created:
        for policy in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy)
        for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            iam.remove_user_from_group(GroupName=group["GroupName"], UserName=name)
        remove_user(iam, name)


def denied(call: Callable[[], Any]) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call()
    code, message, status = error_of(info)
    assert (code, status) == ("AccessDenied", 403), message
    return code, message


def test_user_without_policies_is_denied_with_aws_message(iam: Any, make_user: Any) -> None:
    name, client = make_user()
    arn = iam.get_user(UserName=name)["User"]["Arn"]

    _, message = denied(lambda: client.get_user(UserName=name))

    assert message == (
        f"User: {arn} is not authorized to perform: iam:GetUser on resource: {arn}"
        " because no identity-based policy allows the iam:GetUser action"
    )


def test_self_service_user_manages_own_certificates_only(iam: Any, make_user: Any) -> None:
    name, client = make_user("self")
    other, _ = make_user("other")
    iam.put_user_policy(
        UserName=name, PolicyName="self-service", PolicyDocument=json.dumps(SELF_SERVICE)
    )
    body, other_body = certs.distinct_rsa_certs(2)

    uploaded = client.upload_signing_certificate(CertificateBody=body)["Certificate"]
    listed = client.list_signing_certificates()["Certificates"]
    client.update_signing_certificate(CertificateId=uploaded["CertificateId"], Status="Inactive")
    _, message = denied(
        lambda: client.upload_signing_certificate(UserName=other, CertificateBody=other_body)
    )
    denied(lambda: client.list_signing_certificates(UserName=other))
    client.delete_signing_certificate(CertificateId=uploaded["CertificateId"])

    assert uploaded["UserName"] == name
    assert [c["CertificateId"] for c in listed] == [uploaded["CertificateId"]]
    assert "on resource: arn:aws:iam::" in message and f":user/{other} " in message
    assert iam.list_signing_certificates(UserName=other)["Certificates"] == []


def test_explicit_deny_wins_and_says_so(iam: Any, make_user: Any) -> None:
    name, client = make_user()
    iam.put_user_policy(
        UserName=name,
        PolicyName="mixed",
        PolicyDocument=document(allow("iam:*"), deny("iam:ListUsers")),
    )

    client.list_groups()
    _, message = denied(client.list_users)

    assert message.endswith("with an explicit deny in an identity-based policy")


def test_group_policies_apply_until_the_user_leaves(
    iam: Any, make_user: Any, unique_name: Any
) -> None:
    name, client = make_user()
    group = unique_name("readers")
    iam.create_group(GroupName=group)
    iam.put_group_policy(
        GroupName=group, PolicyName="list", PolicyDocument=document(allow("iam:ListUsers"))
    )
    try:
        denied(client.list_users)
        iam.add_user_to_group(GroupName=group, UserName=name)
        client.list_users()
        iam.remove_user_from_group(GroupName=group, UserName=name)
        denied(client.list_users)
    finally:
        iam.delete_group_policy(GroupName=group, PolicyName="list")
        iam.delete_group(GroupName=group)


def test_managed_policies_apply_until_detached(iam: Any, make_user: Any, unique_name: Any) -> None:
    name, client = make_user()
    arn = iam.create_policy(
        PolicyName=unique_name("policy"), PolicyDocument=document(allow("iam:List*"))
    )["Policy"]["Arn"]
    try:
        iam.attach_user_policy(UserName=name, PolicyArn=arn)
        client.list_users()
        iam.detach_user_policy(UserName=name, PolicyArn=arn)
        denied(client.list_users)
    finally:
        iam.delete_policy(PolicyArn=arn)


def test_managed_policy_default_version_decides(iam: Any, make_user: Any, unique_name: Any) -> None:
    name, client = make_user()
    arn = iam.create_policy(
        PolicyName=unique_name("policy"), PolicyDocument=document(allow("iam:ListUsers"))
    )["Policy"]["Arn"]
    iam.attach_user_policy(UserName=name, PolicyArn=arn)
    try:
        client.list_users()
        iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=document(allow("iam:ListGroups")), SetAsDefault=True
        )
        denied(client.list_users)
        client.list_groups()
    finally:
        iam.detach_user_policy(UserName=name, PolicyArn=arn)
        iam.delete_policy_version(PolicyArn=arn, VersionId="v1")
        iam.delete_policy(PolicyArn=arn)


def test_aws_managed_policies_grant_what_they_say(iam: Any, make_user: Any) -> None:
    admin, admin_client = make_user("admin")
    reader, reader_client = make_user("reader")
    iam.attach_user_policy(UserName=admin, PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    iam.attach_user_policy(UserName=reader, PolicyArn="arn:aws:iam::aws:policy/IAMReadOnlyAccess")

    reader_client.list_users()
    reader_client.get_user(UserName=admin)
    denied(lambda: reader_client.create_group(GroupName="never-created"))
    admin_client.create_group(GroupName="admin-made-group")
    admin_client.delete_group(GroupName="admin-made-group")


@pytest.mark.parametrize(
    ("condition", "region", "allowed"),
    [
        ({"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}}, "us-east-1", True),
        ({"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, "us-east-1", False),
        ({"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}, "us-east-1", True),
        ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, "eu-west-1", True),
        ({"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}, "us-east-1", False),
        ({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "us-east-1", True),
        ({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, "us-east-1", False),
        ({"Bool": {"aws:SecureTransport": "true"}}, "us-east-1", False),
        ({"StringLike": {"aws:username": "cond-*"}}, "us-east-1", True),
        ({"Null": {"aws:TokenIssueTime": "true"}}, "us-east-1", True),
        ({"StringEqualsIfExists": {"aws:NoSuchKey": "x"}}, "us-east-1", True),
    ],
)
def test_conditions_are_honoured(
    iam: Any, make_user: Any, condition: dict[str, Any], region: str, allowed: bool
) -> None:
    name, client = make_user("cond", region=region)
    iam.put_user_policy(
        UserName=name,
        PolicyName="conditional",
        PolicyDocument=document(allow("iam:ListUsers", Condition=condition)),
    )

    if allowed:
        client.list_users()
    else:
        denied(client.list_users)


def test_policy_variables_in_resources(iam: Any, make_user: Any) -> None:
    name, client = make_user("vars")
    other, _ = make_user("vars-other")
    iam.put_user_policy(
        UserName=name,
        PolicyName="own-keys",
        PolicyDocument=document(allow("iam:ListAccessKeys", "arn:aws:iam::*:user/${aws:username}")),
    )

    client.list_access_keys()
    client.list_access_keys(UserName=name)
    denied(lambda: client.list_access_keys(UserName=other))


def create_account(server: RunningServer) -> dict[str, str]:
    completed = subprocess.run(
        [sys.executable, "-m", "signet", "account", "create", *server.store_args],
        check=True,
        capture_output=True,
        text=True,
    )
    created: dict[str, str] = json.loads(completed.stdout)
    return created


@pytest.fixture(scope="module")
def other_account(server: RunningServer) -> dict[str, Any]:
    created = create_account(server)
    created["iam"] = make_client(
        server, key=(created["access_key_id"], created["secret_access_key"])
    )
    return created


def test_accounts_are_isolated(iam: Any, sts: Any, user: str, other_account: Any) -> None:
    theirs = other_account["iam"]
    body = certs.distinct_rsa_certs(1)[0]
    iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    listed = [u["UserName"] for u in theirs.list_users()["Users"]]
    with pytest.raises(ClientError) as info:
        theirs.get_user(UserName=user)
    theirs.create_user(UserName=user)
    try:
        same_cert = theirs.upload_signing_certificate(UserName=user, CertificateBody=body)
        mine = iam.list_signing_certificates(UserName=user)["Certificates"]
    finally:
        remove_user(theirs, user)

    assert user not in listed
    assert error_of(info)[0] == "NoSuchEntity"
    assert same_cert["Certificate"]["Status"] == "Active"
    assert len(mine) == 1
    assert other_account["account_id"] != sts.get_caller_identity()["Account"]


def test_cross_account_policy_grants_nothing(
    iam: Any, sts: Any, server: RunningServer, other_account: Any
) -> None:
    mine = sts.get_caller_identity()["Account"]
    theirs = other_account["iam"]
    theirs.create_user(UserName="reacher")
    theirs.put_user_policy(
        UserName="reacher",
        PolicyName="reach",
        PolicyDocument=document(allow("iam:*", f"arn:aws:iam::{mine}:*")),
    )
    key = theirs.create_access_key(UserName="reacher")["AccessKey"]
    reacher = make_client(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    try:
        denied(lambda: reacher.get_user(UserName="reacher"))
        denied(reacher.list_users)
    finally:
        theirs.delete_user_policy(UserName="reacher", PolicyName="reach")
        remove_user(theirs, "reacher")
    assert mine != other_account["account_id"]


def test_simulate_principal_policy_matches_real_calls(iam: Any, make_user: Any) -> None:
    name, _client = make_user("sim")
    iam.put_user_policy(
        UserName=name, PolicyName="self-service", PolicyDocument=json.dumps(SELF_SERVICE)
    )
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    other_arn = arn.rsplit("/", 1)[0] + "/someone-else"

    results = iam.simulate_principal_policy(
        PolicySourceArn=arn,
        ActionNames=["iam:UploadSigningCertificate", "iam:ListUsers"],
        ResourceArns=[arn, other_arn],
    )["EvaluationResults"]

    decisions = {(r["EvalActionName"], r["EvalResourceName"]): r["EvalDecision"] for r in results}
    assert decisions == {
        ("iam:UploadSigningCertificate", arn): "allowed",
        ("iam:UploadSigningCertificate", other_arn): "implicitDeny",
        ("iam:ListUsers", arn): "implicitDeny",
        ("iam:ListUsers", other_arn): "implicitDeny",
    }
    matched = next(r for r in results if r["EvalDecision"] == "allowed")["MatchedStatements"]
    assert matched and matched[0]["SourcePolicyType"] == "user"


def test_simulate_custom_policy_with_context(iam: Any) -> None:
    policy = document(
        allow("iam:GetUser", Condition={"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}),
        deny("iam:DeleteUser"),
    )

    results = iam.simulate_custom_policy(
        PolicyInputList=[policy],
        ActionNames=["iam:GetUser", "iam:DeleteUser", "iam:ListUsers"],
        ContextEntries=[
            {
                "ContextKeyName": "aws:RequestedRegion",
                "ContextKeyValues": ["eu-west-1"],
                "ContextKeyType": "string",
            }
        ],
    )["EvaluationResults"]

    assert [r["EvalDecision"] for r in results] == ["allowed", "explicitDeny", "implicitDeny"]


def test_simulate_custom_policy_malformed_document(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.simulate_custom_policy(PolicyInputList=["{not json"], ActionNames=["iam:GetUser"])

    assert error_of(info)[0::2] == ("MalformedPolicyDocument", 400)


def test_permissions_boundary_caps_what_policies_grant(
    iam: Any, make_user: Any, unique_name: Any
) -> None:
    name, client = make_user("bounded")
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=document(allow("iam:*")))
    boundary = iam.create_policy(
        PolicyName=unique_name("boundary"), PolicyDocument=document(allow("iam:List*"))
    )["Policy"]["Arn"]
    try:
        iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
        shown = iam.get_user(UserName=name)["User"]["PermissionsBoundary"]
        client.list_users()
        _, message = denied(lambda: client.get_user(UserName=name))
        with pytest.raises(ClientError) as in_use:
            iam.delete_policy(PolicyArn=boundary)
        iam.delete_user_permissions_boundary(UserName=name)
        client.get_user(UserName=name)
    finally:
        iam.delete_policy(PolicyArn=boundary)

    assert shown == {
        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
        "PermissionsBoundaryArn": boundary,
    }
    assert message.endswith("because no permissions boundary allows the iam:GetUser action")
    assert error_of(in_use)[0] == "DeleteConflict"


def test_create_user_with_permissions_boundary(iam: Any, unique_name: Any) -> None:
    name = unique_name("born-bounded")
    arn = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"

    created = iam.create_user(UserName=name, PermissionsBoundary=arn)["User"]
    iam.delete_user_permissions_boundary(UserName=name)
    iam.delete_user(UserName=name)

    assert created["PermissionsBoundary"]["PermissionsBoundaryArn"] == arn


def test_simulator_applies_the_permissions_boundary(
    iam: Any, make_user: Any, unique_name: Any
) -> None:
    name, client = make_user("sim-bounded")
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=document(allow("iam:*")))
    boundary = iam.create_policy(
        PolicyName=unique_name("sim-boundary"), PolicyDocument=document(allow("iam:List*"))
    )["Policy"]["Arn"]
    arn = iam.get_user(UserName=name)["User"]["Arn"]
    iam.put_user_permissions_boundary(UserName=name, PermissionsBoundary=boundary)
    try:
        results = iam.simulate_principal_policy(
            PolicySourceArn=arn, ActionNames=["iam:ListUsers", "iam:GetUser"]
        )["EvaluationResults"]
        replaced = iam.simulate_principal_policy(
            PolicySourceArn=arn,
            ActionNames=["iam:GetUser"],
            PermissionsBoundaryPolicyInputList=[document(allow("iam:Get*"))],
        )["EvaluationResults"]
        client.list_users()
        denied(lambda: client.get_user(UserName=name))
    finally:
        iam.delete_user_permissions_boundary(UserName=name)
        iam.delete_policy(PolicyArn=boundary)

    assert [r["EvalDecision"] for r in results] == ["allowed", "implicitDeny"]
    assert [r["PermissionsBoundaryDecisionDetail"] for r in results] == [
        {"AllowedByPermissionsBoundary": True},
        {"AllowedByPermissionsBoundary": False},
    ]
    assert replaced[0]["EvalDecision"] == "allowed"
