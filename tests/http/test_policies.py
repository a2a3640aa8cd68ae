"""Managed policies, their versions and the policies of users, through boto3 over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import remove_user
from tests.http.test_signing_certificates import error_of

ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"
READ_ONLY_ARN = "arn:aws:iam::aws:policy/IAMReadOnlyAccess"


def document(action: str = "s3:GetObject", resource: str = "*", **extra: Any) -> str:
    """A small identity-based policy allowing one action."""
    statement = {"Effect": "Allow", "Action": action, "Resource": resource, **extra}
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]})


def sized_document(size: int) -> str:
    """A valid policy of exactly ``size`` non-whitespace characters."""
    base = document(resource="arn:aws:s3:::b/")
    padded = document(resource="arn:aws:s3:::b/" + "x" * (size - len(base.replace(" ", ""))))
    assert len("".join(padded.split())) == size
    return padded


def remove_policy(iam: Any, arn: str) -> None:
    """Delete a customer managed policy and its extra versions; it must not be attached."""
    try:
        for version in iam.list_policy_versions(PolicyArn=arn)["Versions"]:
            if not version["IsDefaultVersion"]:
                iam.delete_policy_version(PolicyArn=arn, VersionId=version["VersionId"])
        iam.delete_policy(PolicyArn=arn)
    except iam.exceptions.NoSuchEntityException:
        pass


def purge_user(iam: Any, name: str) -> None:
    """Delete a user with whatever policies and groups it still has."""
    try:
        for policy_name in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=policy_name)
        for attached in iam.list_attached_user_policies(UserName=name)["AttachedPolicies"]:
            iam.detach_user_policy(UserName=name, PolicyArn=attached["PolicyArn"])
        for group in iam.list_groups_for_user(UserName=name)["Groups"]:
            iam.remove_user_from_group(GroupName=group["GroupName"], UserName=name)
    except iam.exceptions.NoSuchEntityException:
        return
    remove_user(iam, name)


@pytest.fixture(scope="module")
def account(sts: Any) -> str:
    return str(sts.get_caller_identity()["Account"])


@pytest.fixture
def policy_user(iam: Any, unique_name: Any) -> Iterator[str]:
    """A user whose policies and groups are removed with it afterwards."""
    name = unique_name("holder")
    iam.create_user(UserName=name)
    yield name
    purge_user(iam, name)


@pytest.fixture
def policy_arn(iam: Any, unique_name: Any) -> Iterator[str]:
    """A customer managed policy, deleted afterwards (detaching it is the test's job)."""
    arn = iam.create_policy(PolicyName=unique_name("Policy"), PolicyDocument=document())
    yield arn["Policy"]["Arn"]
    remove_policy(iam, arn["Policy"]["Arn"])


# CreatePolicy and GetPolicy


def test_create_policy_returns_policy_shape(iam: Any, account: str, unique_name: Any) -> None:
    name = unique_name("Shape")

    created = iam.create_policy(
        PolicyName=name, Path="/team/a/", PolicyDocument=document(), Description="for tests"
    )["Policy"]
    try:
        fetched = iam.get_policy(PolicyArn=created["Arn"])["Policy"]
    finally:
        remove_policy(iam, created["Arn"])

    assert created["PolicyName"] == name
    assert created["PolicyId"].startswith("ANPA") and len(created["PolicyId"]) == 21
    assert created["Arn"] == f"arn:aws:iam::{account}:policy/team/a/{name}"
    assert created["Path"] == "/team/a/"
    assert created["DefaultVersionId"] == "v1"
    assert created["AttachmentCount"] == 0
    assert created["IsAttachable"] is True
    assert created["CreateDate"] == created["UpdateDate"]
    for key in ("PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId", "CreateDate"):
        assert fetched[key] == created[key]
    assert fetched["AttachmentCount"] == 0
    assert fetched["Description"] == "for tests"


def test_create_policy_names_are_unique_regardless_of_case(iam: Any, policy_arn: str) -> None:
    name = policy_arn.rsplit("/", 1)[1]

    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName=name.upper(), PolicyDocument=document())

    assert error_of(info) == (
        "EntityAlreadyExists",
        f"A policy called {name.upper()} already exists. Duplicate names are not allowed.",
        409,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("this is not JSON", "Syntax errors in policy."),
        (
            '{"Version": "2012-10-17", "Statement": [{"Action": "s3:*", "Resource": "*"}]}',
            "Missing required field Effect",
        ),
        (document(Effect="Perhaps"), "Invalid effect: Perhaps"),
        (document(Principal="*"), "Policy document should not specify a principal."),
        (document(action="GetObject"), "Actions/Conditions must be prefaced by a vendor"),
        (
            document(Condition={"StringEqualz": {"aws:username": "bob"}}),
            "Invalid Condition type : StringEqualz",
        ),
    ],
    ids=["not-json", "no-effect", "bad-effect", "principal", "no-vendor", "bad-operator"],
)
def test_create_policy_malformed_document(
    iam: Any, unique_name: Any, text: str, fragment: str
) -> None:
    name = unique_name("Malformed")

    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName=name, PolicyDocument=text)

    code, message, status = error_of(info)
    assert (code, status) == ("MalformedPolicyDocument", 400)
    assert fragment in message
    assert name not in [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]]


def test_create_policy_too_large(iam: Any, unique_name: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_policy(PolicyName=unique_name("Big"), PolicyDocument=sized_document(6145))

    assert error_of(info) == ("LimitExceeded", "Cannot exceed quota for PolicySize: 6144", 409)


def test_create_policy_size_does_not_count_whitespace(iam: Any, unique_name: Any) -> None:
    exact = json.dumps(json.loads(sized_document(6144)), indent=8)
    assert len(exact) > 6144

    arn = iam.create_policy(PolicyName=unique_name("Roomy"), PolicyDocument=exact)["Policy"]["Arn"]
    remove_policy(iam, arn)


def test_get_policy_unknown(iam: Any, account: str) -> None:
    for arn in (
        f"arn:aws:iam::{account}:policy/NoSuchPolicy",
        "arn:aws:iam::123456789012:policy/SomeoneElses",
        "arn:aws:iam::aws:policy/NoSuchAwsPolicy",
        "arn:aws:s3:::not-a-policy-at-all",
    ):
        with pytest.raises(ClientError) as info:
            iam.get_policy(PolicyArn=arn)
        assert error_of(info) == (
            "NoSuchEntity",
            f"Policy {arn} does not exist or is not attachable.",
            404,
        ), arn


def test_get_policy_aws_managed(iam: Any) -> None:
    policy = iam.get_policy(PolicyArn=ADMIN_ARN)["Policy"]

    assert policy["PolicyName"] == "AdministratorAccess"
    assert policy["Arn"] == ADMIN_ARN
    assert policy["PolicyId"].startswith("ANPA")
    assert policy["Description"]
    document_of = iam.get_policy_version(PolicyArn=ADMIN_ARN, VersionId="v1")["PolicyVersion"]
    assert document_of["Document"]["Statement"][0]["Action"] == "*"


# Versions


def test_get_policy_version_document_is_url_decoded_by_boto3(iam: Any, unique_name: Any) -> None:
    # "%41" survives only if the server URL-encodes the document, as AWS does: botocore
    # unquotes it; without the server's encoding the client would read "A".
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "Odd",
                    "Effect": "Allow",
                    "Action": ["s3:GetObject", "s3:PutObject"],
                    "Resource": 'arn:aws:s3:::bucket/100%41 a+b & <c> "d" é/*',
                }
            ],
        },
        indent=2,
        ensure_ascii=False,
    )
    arn = iam.create_policy(PolicyName=unique_name("Encoded"), PolicyDocument=text)["Policy"]["Arn"]
    try:
        version = iam.get_policy_version(PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    finally:
        remove_policy(iam, arn)

    assert version["Document"] == json.loads(text)
    assert version["VersionId"] == "v1"
    assert version["IsDefaultVersion"] is True


def test_create_policy_version_with_and_without_set_as_default(iam: Any, policy_arn: str) -> None:
    second = iam.create_policy_version(
        PolicyArn=policy_arn, PolicyDocument=document("s3:PutObject"), SetAsDefault=False
    )["PolicyVersion"]
    third = iam.create_policy_version(
        PolicyArn=policy_arn, PolicyDocument=document("s3:ListBucket"), SetAsDefault=True
    )["PolicyVersion"]

    versions = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    policy = iam.get_policy(PolicyArn=policy_arn)["Policy"]
    fetched = iam.get_policy_version(PolicyArn=policy_arn, VersionId="v2")["PolicyVersion"]

    assert (second["VersionId"], second["IsDefaultVersion"]) == ("v2", False)
    assert (third["VersionId"], third["IsDefaultVersion"]) == ("v3", True)
    assert "Document" not in second
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [
        ("v3", True),
        ("v2", False),
        ("v1", False),
    ]
    assert policy["DefaultVersionId"] == "v3"
    assert fetched["Document"] == json.loads(document("s3:PutObject"))
    assert fetched["IsDefaultVersion"] is False


def test_set_default_policy_version_switches_default(iam: Any, policy_arn: str) -> None:
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:PutObject"))

    iam.set_default_policy_version(PolicyArn=policy_arn, VersionId="v2")
    after_v2 = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    iam.set_default_policy_version(PolicyArn=policy_arn, VersionId="v1")

    assert [v["IsDefaultVersion"] for v in after_v2] == [True, False]
    assert iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"] == "v1"
    assert iam.get_policy_version(PolicyArn=policy_arn, VersionId="v1")["PolicyVersion"][
        "IsDefaultVersion"
    ]


def test_delete_policy_version_of_default_conflicts(iam: Any, policy_arn: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v1")

    assert error_of(info) == (
        "DeleteConflict",
        "Cannot delete the default version of a policy.",
        409,
    )


def test_delete_policy_version_removes_it(iam: Any, policy_arn: str) -> None:
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:PutObject"))

    iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")

    versions = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v1"]
    with pytest.raises(ClientError) as info:
        iam.get_policy_version(PolicyArn=policy_arn, VersionId="v2")
    assert error_of(info)[0::2] == ("NoSuchEntity", 404)


def test_create_policy_version_limit_is_five(iam: Any, policy_arn: str) -> None:
    for number in range(2, 6):
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document(f"s3:Get{number}"))

    with pytest.raises(ClientError) as info:
        iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:Get6"))
    iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")
    sixth = iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:Get6"))

    code, message, status = error_of(info)
    assert (code, status) == ("LimitExceeded", 409)
    assert "up to 5 versions" in message
    assert sixth["PolicyVersion"]["VersionId"] == "v6"
    versions = iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
    assert [v["VersionId"] for v in versions] == ["v6", "v5", "v4", "v3", "v1"]


@pytest.mark.parametrize(
    "operation", ["get_policy_version", "set_default_policy_version", "delete_policy_version"]
)
def test_policy_version_unknown(iam: Any, policy_arn: str, operation: str) -> None:
    with pytest.raises(ClientError) as info:
        getattr(iam, operation)(PolicyArn=policy_arn, VersionId="v9")

    assert error_of(info) == (
        "NoSuchEntity",
        f"Policy {policy_arn} version v9 does not exist.",
        404,
    )


# ListPolicies


def test_list_policies_scope_aws_shows_managed_policies(iam: Any) -> None:
    policies = iam.list_policies(Scope="AWS")["Policies"]

    arns = {p["PolicyName"]: p["Arn"] for p in policies}
    assert arns["AdministratorAccess"] == ADMIN_ARN
    assert arns["IAMReadOnlyAccess"] == READ_ONLY_ARN
    assert all(arn.startswith("arn:aws:iam::aws:policy/") for arn in arns.values())
    assert all("Description" not in p for p in policies)


def test_list_policies_scope_local_shows_only_the_accounts(
    iam: Any, account: str, policy_arn: str
) -> None:
    local = iam.list_policies(Scope="Local")["Policies"]
    everything = iam.list_policies()["Policies"]

    local_arns = [p["Arn"] for p in local]
    assert policy_arn in local_arns
    assert all(arn.startswith(f"arn:aws:iam::{account}:policy/") for arn in local_arns)
    assert {policy_arn, ADMIN_ARN, READ_ONLY_ARN} <= {p["Arn"] for p in everything}


def test_list_policies_only_attached(iam: Any, unique_name: Any, policy_user: str) -> None:
    prefix = f"/{unique_name('attached')}/"
    arns = [
        iam.create_policy(PolicyName=unique_name("Att"), Path=prefix, PolicyDocument=document())[
            "Policy"
        ]["Arn"]
        for _ in range(2)
    ]
    try:
        iam.attach_user_policy(UserName=policy_user, PolicyArn=arns[1])
        try:
            only = iam.list_policies(PathPrefix=prefix, OnlyAttached=True)["Policies"]
            every = iam.list_policies(PathPrefix=prefix, OnlyAttached=False)["Policies"]
        finally:
            iam.detach_user_policy(UserName=policy_user, PolicyArn=arns[1])
        afterwards = iam.list_policies(PathPrefix=prefix, OnlyAttached=True)["Policies"]
    finally:
        for arn in arns:
            remove_policy(iam, arn)

    assert [(p["Arn"], p["AttachmentCount"]) for p in only] == [(arns[1], 1)]
    assert sorted(p["Arn"] for p in every) == sorted(arns)
    assert afterwards == []


def test_list_policies_path_prefix_and_pagination(iam: Any, unique_name: Any) -> None:
    prefix = f"/{unique_name('paged')}/"
    names = [unique_name("Paged") for _ in range(3)]
    arns = [
        iam.create_policy(PolicyName=name, Path=prefix + "sub/", PolicyDocument=document())[
            "Policy"
        ]["Arn"]
        for name in names
    ]
    try:
        pages = list(
            iam.get_paginator("list_policies").paginate(
                Scope="Local", PathPrefix=prefix, PaginationConfig={"PageSize": 2}
            )
        )
        first = iam.list_policies(PathPrefix=prefix, MaxItems=2)
        rest = iam.list_policies(PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
        elsewhere = iam.list_policies(PathPrefix=prefix + "other/")["Policies"]
    finally:
        for arn in arns:
            remove_policy(iam, arn)

    assert len(pages) == 2
    assert [p["PolicyName"] for page in pages for p in page["Policies"]] == sorted(
        names, key=str.lower
    )
    assert first["IsTruncated"] is True and len(first["Policies"]) == 2
    assert rest["IsTruncated"] is False and len(rest["Policies"]) == 1
    assert {p["Arn"] for p in first["Policies"] + rest["Policies"]} == set(arns)
    assert elsewhere == []


# AWS managed policies


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("create_policy_version", {"PolicyDocument": document()}),
        ("delete_policy", {}),
        ("set_default_policy_version", {"VersionId": "v1"}),
        ("delete_policy_version", {"VersionId": "v1"}),
    ],
)
def test_aws_managed_policies_cannot_be_changed(iam: Any, operation: str, extra: Any) -> None:
    with pytest.raises(ClientError) as info:
        getattr(iam, operation)(PolicyArn=ADMIN_ARN, **extra)

    code, message, status = error_of(info)
    assert code == "InvalidInput"
    assert 400 <= status < 500
    assert ADMIN_ARN in message
    versions = iam.list_policy_versions(PolicyArn=ADMIN_ARN)["Versions"]
    assert [(v["VersionId"], v["IsDefaultVersion"]) for v in versions] == [("v1", True)]


# DeletePolicy


def test_delete_policy_attached_conflicts_until_detached(
    iam: Any, policy_arn: str, policy_user: str
) -> None:
    iam.attach_user_policy(UserName=policy_user, PolicyArn=policy_arn)
    try:
        with pytest.raises(ClientError) as info:
            iam.delete_policy(PolicyArn=policy_arn)
    finally:
        iam.detach_user_policy(UserName=policy_user, PolicyArn=policy_arn)

    iam.delete_policy(PolicyArn=policy_arn)

    assert error_of(info) == ("DeleteConflict", "Cannot delete a policy attached to entities.", 409)
    with pytest.raises(ClientError) as gone:
        iam.get_policy(PolicyArn=policy_arn)
    assert error_of(gone) == (
        "NoSuchEntity",
        f"Policy {policy_arn} does not exist or is not attachable.",
        404,
    )


def test_delete_policy_with_versions_conflicts_until_they_are_deleted(
    iam: Any, policy_arn: str
) -> None:
    iam.create_policy_version(PolicyArn=policy_arn, PolicyDocument=document("s3:PutObject"))

    with pytest.raises(ClientError) as info:
        iam.delete_policy(PolicyArn=policy_arn)
    iam.delete_policy_version(PolicyArn=policy_arn, VersionId="v2")
    iam.delete_policy(PolicyArn=policy_arn)

    code, message, status = error_of(info)
    assert (code, status) == ("DeleteConflict", 409)
    assert "more than one version" in message
    with pytest.raises(ClientError) as gone:
        iam.get_policy(PolicyArn=policy_arn)
    assert error_of(gone)[0] == "NoSuchEntity"
    with pytest.raises(ClientError) as versions_gone:
        iam.list_policy_versions(PolicyArn=policy_arn)
    assert error_of(versions_gone)[0] == "NoSuchEntity"


def test_delete_policy_name_can_be_reused(iam: Any, unique_name: Any) -> None:
    name = unique_name("Reused")
    first = iam.create_policy(PolicyName=name, PolicyDocument=document())["Policy"]
    iam.delete_policy(PolicyArn=first["Arn"])

    second = iam.create_policy(PolicyName=name, PolicyDocument=document())["Policy"]
    remove_policy(iam, second["Arn"])

    assert second["Arn"] == first["Arn"]
    assert second["PolicyId"] != first["PolicyId"]


# Inline policies of users


def test_put_user_policy_get_list_and_delete(iam: Any, policy_user: str) -> None:
    text = json.dumps(json.loads(document("iam:GetUser", Sid="One")), indent=4)
    iam.put_user_policy(UserName=policy_user, PolicyName="Second", PolicyDocument=document())
    iam.put_user_policy(UserName=policy_user, PolicyName="First", PolicyDocument=text)

    fetched = iam.get_user_policy(UserName=policy_user, PolicyName="First")
    listed = iam.list_user_policies(UserName=policy_user)
    iam.delete_user_policy(UserName=policy_user, PolicyName="First")
    remaining = iam.list_user_policies(UserName=policy_user)["PolicyNames"]

    assert fetched["UserName"] == policy_user
    assert fetched["PolicyName"] == "First"
    assert fetched["PolicyDocument"] == json.loads(text)
    assert listed["PolicyNames"] == ["First", "Second"]
    assert listed["IsTruncated"] is False
    assert remaining == ["Second"]


def test_list_user_policies_paginates(iam: Any, policy_user: str) -> None:
    for name in ("A", "B", "C"):
        iam.put_user_policy(UserName=policy_user, PolicyName=name, PolicyDocument=document())

    pages = list(
        iam.get_paginator("list_user_policies").paginate(
            UserName=policy_user, PaginationConfig={"PageSize": 2}
        )
    )

    assert [page["PolicyNames"] for page in pages] == [["A", "B"], ["C"]]


def test_put_user_policy_twice_replaces(iam: Any, policy_user: str) -> None:
    iam.put_user_policy(UserName=policy_user, PolicyName="P", PolicyDocument=document())
    iam.put_user_policy(UserName=policy_user, PolicyName="P", PolicyDocument=document("s3:*"))

    fetched = iam.get_user_policy(UserName=policy_user, PolicyName="P")["PolicyDocument"]

    assert fetched == json.loads(document("s3:*"))
    assert iam.list_user_policies(UserName=policy_user)["PolicyNames"] == ["P"]


@pytest.mark.parametrize("operation", ["get_user_policy", "delete_user_policy"])
def test_user_policy_unknown_policy(iam: Any, user: str, operation: str) -> None:
    with pytest.raises(ClientError) as info:
        getattr(iam, operation)(UserName=user, PolicyName="Missing")

    assert error_of(info) == (
        "NoSuchEntity",
        "The user policy with name Missing cannot be found.",
        404,
    )


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("put_user_policy", {"PolicyName": "P", "PolicyDocument": document()}),
        ("get_user_policy", {"PolicyName": "P"}),
        ("list_user_policies", {}),
        ("delete_user_policy", {"PolicyName": "P"}),
        ("attach_user_policy", {"PolicyArn": ADMIN_ARN}),
        ("detach_user_policy", {"PolicyArn": ADMIN_ARN}),
        ("list_attached_user_policies", {}),
    ],
)
def test_user_policies_of_unknown_user(
    iam: Any, unique_name: Any, operation: str, extra: Any
) -> None:
    name = unique_name("nobody")

    with pytest.raises(ClientError) as info:
        getattr(iam, operation)(UserName=name, **extra)

    assert error_of(info) == ("NoSuchEntity", f"The user with name {name} cannot be found.", 404)


def test_put_user_policy_malformed_document(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.put_user_policy(UserName=user, PolicyName="P", PolicyDocument=document(Effect="Nope"))

    assert error_of(info)[0::2] == ("MalformedPolicyDocument", 400)
    assert iam.list_user_policies(UserName=user)["PolicyNames"] == []


def test_put_user_policy_aggregate_size_limit(iam: Any, policy_user: str) -> None:
    too_large = (
        "LimitExceeded",
        f"Maximum policy size of 2048 bytes exceeded for user {policy_user}",
        409,
    )
    with pytest.raises(ClientError) as alone:
        iam.put_user_policy(
            UserName=policy_user, PolicyName="Huge", PolicyDocument=sized_document(2049)
        )
    iam.put_user_policy(UserName=policy_user, PolicyName="A", PolicyDocument=sized_document(1000))
    iam.put_user_policy(UserName=policy_user, PolicyName="B", PolicyDocument=sized_document(1048))

    with pytest.raises(ClientError) as together:
        iam.put_user_policy(UserName=policy_user, PolicyName="C", PolicyDocument=document())
    # Replacing a policy counts only its new size.
    iam.put_user_policy(UserName=policy_user, PolicyName="B", PolicyDocument=sized_document(900))
    iam.put_user_policy(UserName=policy_user, PolicyName="C", PolicyDocument=sized_document(148))

    assert error_of(alone) == too_large
    assert error_of(together) == too_large
    assert iam.list_user_policies(UserName=policy_user)["PolicyNames"] == ["A", "B", "C"]


# Attached policies of users


def test_attach_user_policy_aws_managed_and_customer(
    iam: Any, policy_arn: str, policy_user: str
) -> None:
    counts = [iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"]]
    iam.attach_user_policy(UserName=policy_user, PolicyArn=policy_arn)
    iam.attach_user_policy(UserName=policy_user, PolicyArn=ADMIN_ARN)
    iam.attach_user_policy(UserName=policy_user, PolicyArn=policy_arn)
    counts.append(iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"])
    attached = iam.list_attached_user_policies(UserName=policy_user)

    iam.detach_user_policy(UserName=policy_user, PolicyArn=policy_arn)
    iam.detach_user_policy(UserName=policy_user, PolicyArn=ADMIN_ARN)
    counts.append(iam.get_policy(PolicyArn=policy_arn)["Policy"]["AttachmentCount"])

    name = policy_arn.rsplit("/", 1)[1]
    assert sorted((p["PolicyName"], p["PolicyArn"]) for p in attached["AttachedPolicies"]) == [
        ("AdministratorAccess", ADMIN_ARN),
        (name, policy_arn),
    ]
    assert attached["IsTruncated"] is False
    assert counts == [0, 1, 0]
    assert iam.list_attached_user_policies(UserName=policy_user)["AttachedPolicies"] == []


def test_list_attached_user_policies_path_prefix_and_pages(
    iam: Any, unique_name: Any, policy_user: str
) -> None:
    prefix = f"/{unique_name('listed')}/"
    arns = [
        iam.create_policy(PolicyName=unique_name("L"), Path=prefix, PolicyDocument=document())[
            "Policy"
        ]["Arn"]
        for _ in range(3)
    ]
    try:
        for arn in [*arns, READ_ONLY_ARN]:
            iam.attach_user_policy(UserName=policy_user, PolicyArn=arn)
        filtered = iam.list_attached_user_policies(UserName=policy_user, PathPrefix=prefix)
        pages = list(
            iam.get_paginator("list_attached_user_policies").paginate(
                UserName=policy_user, PaginationConfig={"PageSize": 3}
            )
        )
    finally:
        purge_user(iam, policy_user)
        for arn in arns:
            remove_policy(iam, arn)

    assert sorted(p["PolicyArn"] for p in filtered["AttachedPolicies"]) == sorted(arns)
    assert [len(page["AttachedPolicies"]) for page in pages] == [3, 1]
    assert {p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]} == {
        *arns,
        READ_ONLY_ARN,
    }


def test_list_attached_user_policies_pages_through_policies_of_the_same_name(
    iam: Any, policy_user: str
) -> None:
    try:
        own = iam.create_policy(PolicyName="AdministratorAccess", PolicyDocument=document())
    except iam.exceptions.EntityAlreadyExistsException:
        pytest.skip("an AdministratorAccess customer policy already exists")
    arn = own["Policy"]["Arn"]
    try:
        iam.attach_user_policy(UserName=policy_user, PolicyArn=arn)
        iam.attach_user_policy(UserName=policy_user, PolicyArn=ADMIN_ARN)
        pages = list(
            iam.get_paginator("list_attached_user_policies").paginate(
                UserName=policy_user, PaginationConfig={"PageSize": 1}
            )
        )
    finally:
        purge_user(iam, policy_user)
        remove_policy(iam, arn)

    assert sorted(p["PolicyArn"] for page in pages for p in page["AttachedPolicies"]) == sorted(
        [arn, ADMIN_ARN]
    )


def test_detach_user_policy_not_attached(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.detach_user_policy(UserName=user, PolicyArn=ADMIN_ARN)

    assert error_of(info) == ("NoSuchEntity", f"Policy {ADMIN_ARN} was not found.", 404)


def test_attach_user_policy_unknown_arn(iam: Any, account: str, user: str) -> None:
    arn = f"arn:aws:iam::{account}:policy/NotThere"

    with pytest.raises(ClientError) as info:
        iam.attach_user_policy(UserName=user, PolicyArn=arn)

    assert error_of(info) == (
        "NoSuchEntity",
        f"Policy {arn} does not exist or is not attachable.",
        404,
    )
    assert iam.list_attached_user_policies(UserName=user)["AttachedPolicies"] == []


def test_attach_user_policy_limit_is_ten(iam: Any, unique_name: Any, policy_user: str) -> None:
    prefix = f"/{unique_name('many')}/"
    arns: list[str] = []
    try:
        for _ in range(11):
            created = iam.create_policy(
                PolicyName=unique_name("Many"), Path=prefix, PolicyDocument=document()
            )
            arns.append(created["Policy"]["Arn"])
        for arn in arns[:10]:
            iam.attach_user_policy(UserName=policy_user, PolicyArn=arn)
        iam.attach_user_policy(UserName=policy_user, PolicyArn=arns[0])
        with pytest.raises(ClientError) as info:
            iam.attach_user_policy(UserName=policy_user, PolicyArn=arns[10])
        attached = iam.list_attached_user_policies(UserName=policy_user)["AttachedPolicies"]
    finally:
        purge_user(iam, policy_user)
        for arn in arns:
            remove_policy(iam, arn)

    assert error_of(info) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerUser: 10", 409)
    assert len(attached) == 10


# DeleteUser while policies or groups remain


def test_delete_user_conflicts_while_policies_or_groups_remain(iam: Any, unique_name: Any) -> None:
    name, group = unique_name("busy"), unique_name("busy-group")
    iam.create_user(UserName=name)
    iam.create_group(GroupName=group)
    try:
        iam.put_user_policy(UserName=name, PolicyName="Inline", PolicyDocument=document())
        with pytest.raises(ClientError) as inline:
            iam.delete_user(UserName=name)
        iam.delete_user_policy(UserName=name, PolicyName="Inline")

        iam.attach_user_policy(UserName=name, PolicyArn=READ_ONLY_ARN)
        with pytest.raises(ClientError) as attached:
            iam.delete_user(UserName=name)
        iam.detach_user_policy(UserName=name, PolicyArn=READ_ONLY_ARN)

        iam.add_user_to_group(GroupName=group, UserName=name)
        with pytest.raises(ClientError) as grouped:
            iam.delete_user(UserName=name)
        iam.remove_user_from_group(GroupName=group, UserName=name)

        iam.delete_user(UserName=name)
    finally:
        purge_user(iam, name)
        iam.delete_group(GroupName=group)

    assert error_of(inline) == (
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        409,
    )
    assert error_of(attached) == (
        "DeleteConflict",
        "Cannot delete entity, must detach all policies first.",
        409,
    )
    assert error_of(grouped) == (
        "DeleteConflict",
        "Cannot delete entity, must remove user from all groups first.",
        409,
    )
    with pytest.raises(ClientError) as gone:
        iam.get_user(UserName=name)
    assert error_of(gone)[0] == "NoSuchEntity"


# Permissions boundaries


def test_create_user_with_unknown_permissions_boundary(
    iam: Any, account: str, unique_name: Any
) -> None:
    name, arn = unique_name("bounded"), f"arn:aws:iam::{account}:policy/NoSuchBoundary"

    with pytest.raises(ClientError) as info:
        iam.create_user(UserName=name, PermissionsBoundary=arn)

    assert error_of(info) == (
        "NoSuchEntity",
        f"Policy {arn} does not exist or is not attachable.",
        404,
    )
    with pytest.raises(ClientError) as missing:
        iam.get_user(UserName=name)
    assert error_of(missing)[0] == "NoSuchEntity"
