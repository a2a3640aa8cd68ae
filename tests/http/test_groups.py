"""IAM groups, their members and their policies, through boto3 over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.http.test_policies import (
    ADMIN_ARN,
    READ_ONLY_ARN,
    document,
    purge_user,
    remove_policy,
    sized_document,
)
from tests.http.test_signing_certificates import error_of


def purge_group(iam: Any, name: str) -> None:
    """Delete a group with whatever members and policies it still has."""
    try:
        for member in iam.get_group(GroupName=name)["Users"]:
            iam.remove_user_from_group(GroupName=name, UserName=member["UserName"])
        for policy_name in iam.list_group_policies(GroupName=name)["PolicyNames"]:
            iam.delete_group_policy(GroupName=name, PolicyName=policy_name)
        for attached in iam.list_attached_group_policies(GroupName=name)["AttachedPolicies"]:
            iam.detach_group_policy(GroupName=name, PolicyArn=attached["PolicyArn"])
        iam.delete_group(GroupName=name)
    except iam.exceptions.NoSuchEntityException:
        pass


@pytest.fixture
def group(iam: Any, unique_name: Any) -> Iterator[str]:
    """A fresh group, emptied and deleted afterwards."""
    name = unique_name("group")
    iam.create_group(GroupName=name)
    yield name
    purge_group(iam, name)


@pytest.fixture
def users(iam: Any, unique_name: Any) -> Iterator[list[str]]:
    """Three fresh users, deleted afterwards with their memberships."""
    names = [unique_name("member") for _ in range(3)]
    for name in names:
        iam.create_user(UserName=name)
    yield names
    for name in names:
        purge_user(iam, name)


def test_create_group_returns_group_shape(iam: Any, sts: Any, unique_name: Any) -> None:
    name = unique_name("Shape")
    account = sts.get_caller_identity()["Account"]

    created = iam.create_group(GroupName=name, Path="/division/team/")["Group"]
    try:
        fetched = iam.get_group(GroupName=name)
    finally:
        purge_group(iam, name)

    assert created["GroupName"] == name
    assert created["Path"] == "/division/team/"
    assert created["Arn"] == f"arn:aws:iam::{account}:group/division/team/{name}"
    assert created["GroupId"].startswith("AGPA") and len(created["GroupId"]) == 21
    assert fetched["Group"] == created
    assert fetched["Users"] == []
    assert fetched["IsTruncated"] is False


def test_create_group_names_are_unique_regardless_of_case(iam: Any, group: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_group(GroupName=group.upper(), Path="/elsewhere/")

    assert error_of(info) == (
        "EntityAlreadyExists",
        f"Group with name {group.upper()} already exists.",
        409,
    )


def test_get_group_lists_users_a_page_at_a_time(iam: Any, group: str, users: list[str]) -> None:
    for name in users:
        iam.add_user_to_group(GroupName=group, UserName=name)

    seen: list[str] = []
    pages = 0
    request: dict[str, Any] = {"GroupName": group, "MaxItems": 1}
    while True:
        page = iam.get_group(**request)
        pages += 1
        seen += [member["UserName"] for member in page["Users"]]
        assert page["Group"]["GroupName"] == group
        if not page["IsTruncated"]:
            break
        request["Marker"] = page["Marker"]
    paginated = list(
        iam.get_paginator("get_group").paginate(GroupName=group, PaginationConfig={"PageSize": 2})
    )

    assert seen == sorted(users, key=str.lower)
    assert pages == 3
    assert [len(page["Users"]) for page in paginated] == [2, 1]
    member = paginated[0]["Users"][0]
    assert member["Arn"].endswith(f":user/{member['UserName']}")
    assert member["UserId"].startswith("AIDA")


def test_list_groups_path_prefix_and_pagination(iam: Any, unique_name: Any) -> None:
    prefix = f"/{unique_name('listed')}/"
    names = [unique_name("Listed") for _ in range(3)]
    for name in names:
        iam.create_group(GroupName=name, Path=prefix + "deeper/")
    try:
        pages = list(
            iam.get_paginator("list_groups").paginate(
                PathPrefix=prefix, PaginationConfig={"PageSize": 2}
            )
        )
        first = iam.list_groups(PathPrefix=prefix, MaxItems=2)
        rest = iam.list_groups(PathPrefix=prefix, MaxItems=2, Marker=first["Marker"])
        elsewhere = iam.list_groups(PathPrefix=prefix + "other/")["Groups"]
        everything = iam.list_groups()["Groups"]
    finally:
        for name in names:
            purge_group(iam, name)

    assert [g["GroupName"] for page in pages for g in page["Groups"]] == sorted(
        names, key=str.lower
    )
    assert first["IsTruncated"] is True and first["Marker"]
    assert [g["GroupName"] for g in first["Groups"] + rest["Groups"]] == sorted(
        names, key=str.lower
    )
    assert rest["IsTruncated"] is False
    assert elsewhere == []
    assert set(names) <= {g["GroupName"] for g in everything}


def test_update_group_renames_and_moves(iam: Any, sts: Any, unique_name: Any, user: str) -> None:
    old, new = unique_name("old"), unique_name("new")
    account = sts.get_caller_identity()["Account"]
    iam.create_group(GroupName=old)
    iam.add_user_to_group(GroupName=old, UserName=user)
    iam.put_group_policy(GroupName=old, PolicyName="Kept", PolicyDocument=document())

    iam.update_group(GroupName=old, NewGroupName=new, NewPath="/moved/")
    try:
        moved = iam.get_group(GroupName=new)
        policies = iam.list_group_policies(GroupName=new)["PolicyNames"]
        memberships = iam.list_groups_for_user(UserName=user)["Groups"]
        with pytest.raises(ClientError) as info:
            iam.get_group(GroupName=old)
    finally:
        purge_group(iam, new)
        purge_group(iam, old)

    assert moved["Group"]["Path"] == "/moved/"
    assert moved["Group"]["Arn"] == f"arn:aws:iam::{account}:group/moved/{new}"
    assert [member["UserName"] for member in moved["Users"]] == [user]
    assert policies == ["Kept"]
    assert [g["GroupName"] for g in memberships] == [new]
    assert error_of(info) == ("NoSuchEntity", f"The group with name {old} cannot be found.", 404)


def test_update_group_path_only_keeps_name(iam: Any, group: str) -> None:
    iam.update_group(GroupName=group, NewPath="/only/path/")

    fetched = iam.get_group(GroupName=group)["Group"]
    assert (fetched["GroupName"], fetched["Path"]) == (group, "/only/path/")


def test_update_group_to_taken_name(iam: Any, group: str, unique_name: Any) -> None:
    other = unique_name("other")
    iam.create_group(GroupName=other)
    try:
        with pytest.raises(ClientError) as info:
            iam.update_group(GroupName=other, NewGroupName=group.upper())
        unchanged = iam.get_group(GroupName=other)["Group"]["GroupName"]
    finally:
        purge_group(iam, other)

    assert error_of(info) == (
        "EntityAlreadyExists",
        f"Group with name {group.upper()} already exists.",
        409,
    )
    assert unchanged == other


def test_update_group_case_only_rename(iam: Any, unique_name: Any) -> None:
    name = unique_name("lower")
    iam.create_group(GroupName=name)
    try:
        iam.update_group(GroupName=name, NewGroupName=name.upper())
        fetched = iam.get_group(GroupName=name.upper())["Group"]["GroupName"]
    finally:
        purge_group(iam, name.upper())

    assert fetched == name.upper()


def test_add_user_to_group_is_idempotent(iam: Any, group: str, user: str) -> None:
    iam.add_user_to_group(GroupName=group, UserName=user)
    iam.add_user_to_group(GroupName=group, UserName=user)

    members = iam.get_group(GroupName=group)["Users"]
    memberships = iam.list_groups_for_user(UserName=user)["Groups"]
    iam.remove_user_from_group(GroupName=group, UserName=user)

    assert [member["UserName"] for member in members] == [user]
    assert [g["GroupName"] for g in memberships] == [group]
    assert iam.get_group(GroupName=group)["Users"] == []


def test_add_user_to_group_unknown_user(iam: Any, group: str, unique_name: Any) -> None:
    name = unique_name("ghost")

    with pytest.raises(ClientError) as info:
        iam.add_user_to_group(GroupName=group, UserName=name)

    assert error_of(info) == ("NoSuchEntity", f"The user with name {name} cannot be found.", 404)


def test_remove_user_from_group_not_a_member(iam: Any, group: str, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.remove_user_from_group(GroupName=group, UserName=user)

    assert error_of(info) == ("NoSuchEntity", f"The user with name {user} cannot be found.", 404)


def test_list_groups_for_user(iam: Any, unique_name: Any, user: str) -> None:
    names = [unique_name("Belongs") for _ in range(3)]
    for name in names:
        iam.create_group(GroupName=name)
    try:
        for name in names[:2]:
            iam.add_user_to_group(GroupName=name, UserName=user)
        listed = iam.list_groups_for_user(UserName=user)
        pages = list(
            iam.get_paginator("list_groups_for_user").paginate(
                UserName=user, PaginationConfig={"PageSize": 1}
            )
        )
    finally:
        for name in names:
            purge_group(iam, name)

    assert [g["GroupName"] for g in listed["Groups"]] == sorted(names[:2], key=str.lower)
    assert all(g["GroupId"].startswith("AGPA") for g in listed["Groups"])
    assert listed["IsTruncated"] is False
    assert [[g["GroupName"] for g in page["Groups"]] for page in pages] == [
        [name] for name in sorted(names[:2], key=str.lower)
    ]


def test_list_groups_for_unknown_user(iam: Any, unique_name: Any) -> None:
    name = unique_name("ghost")

    with pytest.raises(ClientError) as info:
        iam.list_groups_for_user(UserName=name)

    assert error_of(info) == ("NoSuchEntity", f"The user with name {name} cannot be found.", 404)


def test_add_user_to_group_limit_is_ten(iam: Any, unique_name: Any, user: str) -> None:
    names = [unique_name("Limit") for _ in range(11)]
    for name in names:
        iam.create_group(GroupName=name)
    try:
        for name in names[:10]:
            iam.add_user_to_group(GroupName=name, UserName=user)
        iam.add_user_to_group(GroupName=names[0], UserName=user)
        with pytest.raises(ClientError) as info:
            iam.add_user_to_group(GroupName=names[10], UserName=user)
        count = len(iam.list_groups_for_user(UserName=user)["Groups"])
    finally:
        for name in names:
            purge_group(iam, name)

    assert error_of(info) == ("LimitExceeded", "Cannot exceed quota for GroupsPerUser: 10", 409)
    assert count == 10


def test_delete_group_conflicts_while_members_or_policies_remain(
    iam: Any, unique_name: Any, user: str
) -> None:
    name = unique_name("busy")
    iam.create_group(GroupName=name)
    try:
        iam.add_user_to_group(GroupName=name, UserName=user)
        with pytest.raises(ClientError) as members:
            iam.delete_group(GroupName=name)
        iam.remove_user_from_group(GroupName=name, UserName=user)

        iam.put_group_policy(GroupName=name, PolicyName="Inline", PolicyDocument=document())
        with pytest.raises(ClientError) as inline:
            iam.delete_group(GroupName=name)
        iam.delete_group_policy(GroupName=name, PolicyName="Inline")

        iam.attach_group_policy(GroupName=name, PolicyArn=READ_ONLY_ARN)
        with pytest.raises(ClientError) as attached:
            iam.delete_group(GroupName=name)
        iam.detach_group_policy(GroupName=name, PolicyArn=READ_ONLY_ARN)

        iam.delete_group(GroupName=name)
    finally:
        purge_group(iam, name)

    assert error_of(members) == (
        "DeleteConflict",
        "Cannot delete entity, must remove users from group first.",
        409,
    )
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
    with pytest.raises(ClientError) as gone:
        iam.get_group(GroupName=name)
    assert error_of(gone)[0] == "NoSuchEntity"
    assert iam.list_groups_for_user(UserName=user)["Groups"] == []


def test_group_inline_policies_put_get_list_delete(iam: Any, group: str) -> None:
    text = json.dumps(json.loads(document("iam:ListUsers", Sid="Read")), indent=2)
    iam.put_group_policy(GroupName=group, PolicyName="Zeta", PolicyDocument=document())
    iam.put_group_policy(GroupName=group, PolicyName="Alpha", PolicyDocument=document("s3:*"))
    iam.put_group_policy(GroupName=group, PolicyName="Alpha", PolicyDocument=text)

    fetched = iam.get_group_policy(GroupName=group, PolicyName="Alpha")
    listed = iam.list_group_policies(GroupName=group)
    iam.delete_group_policy(GroupName=group, PolicyName="Alpha")
    remaining = iam.list_group_policies(GroupName=group)["PolicyNames"]
    with pytest.raises(ClientError) as info:
        iam.get_group_policy(GroupName=group, PolicyName="Alpha")
    with pytest.raises(ClientError) as again:
        iam.delete_group_policy(GroupName=group, PolicyName="Alpha")

    assert fetched["GroupName"] == group
    assert fetched["PolicyName"] == "Alpha"
    assert fetched["PolicyDocument"] == json.loads(text)
    assert listed["PolicyNames"] == ["Alpha", "Zeta"]
    assert remaining == ["Zeta"]
    missing = ("NoSuchEntity", "The group policy with name Alpha cannot be found.", 404)
    assert error_of(info) == missing
    assert error_of(again) == missing


def test_put_group_policy_malformed_document(iam: Any, group: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.put_group_policy(GroupName=group, PolicyName="P", PolicyDocument=document("NoVendor"))

    assert error_of(info)[0::2] == ("MalformedPolicyDocument", 400)
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == []


def test_put_group_policy_aggregate_size_limit(iam: Any, group: str) -> None:
    iam.put_group_policy(GroupName=group, PolicyName="A", PolicyDocument=sized_document(3000))
    iam.put_group_policy(GroupName=group, PolicyName="B", PolicyDocument=sized_document(2120))

    with pytest.raises(ClientError) as info:
        iam.put_group_policy(GroupName=group, PolicyName="C", PolicyDocument=document())

    assert error_of(info) == (
        "LimitExceeded",
        f"Maximum policy size of 5120 bytes exceeded for group {group}",
        409,
    )
    assert iam.list_group_policies(GroupName=group)["PolicyNames"] == ["A", "B"]


def test_attach_detach_and_list_attached_group_policies(
    iam: Any, group: str, unique_name: Any
) -> None:
    name, path = unique_name("GroupPolicy"), f"/{unique_name('grp')}/"
    arn = iam.create_policy(PolicyName=name, Path=path, PolicyDocument=document())["Policy"]["Arn"]
    try:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)
        iam.attach_group_policy(GroupName=group, PolicyArn=ADMIN_ARN)
        attached = iam.list_attached_group_policies(GroupName=group)
        filtered = iam.list_attached_group_policies(GroupName=group, PathPrefix=path)
        count = iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"]
        only = iam.list_policies(Scope="Local", PathPrefix=path, OnlyAttached=True)

        iam.detach_group_policy(GroupName=group, PolicyArn=arn)
        with pytest.raises(ClientError) as info:
            iam.detach_group_policy(GroupName=group, PolicyArn=arn)
        iam.detach_group_policy(GroupName=group, PolicyArn=ADMIN_ARN)
        after = iam.list_attached_group_policies(GroupName=group)["AttachedPolicies"]
        count_after = iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"]
    finally:
        purge_group(iam, group)
        remove_policy(iam, arn)

    assert sorted((p["PolicyName"], p["PolicyArn"]) for p in attached["AttachedPolicies"]) == [
        ("AdministratorAccess", ADMIN_ARN),
        (name, arn),
    ]
    assert attached["IsTruncated"] is False
    assert filtered["AttachedPolicies"] == [{"PolicyName": name, "PolicyArn": arn}]
    assert (count, count_after) == (1, 0)
    assert [p["Arn"] for p in only["Policies"]] == [arn]
    assert error_of(info) == ("NoSuchEntity", f"Policy {arn} was not found.", 404)
    assert after == []


def test_attach_group_policy_unknown_arn(iam: Any, group: str, sts: Any) -> None:
    arn = f"arn:aws:iam::{sts.get_caller_identity()['Account']}:policy/NotThere"

    with pytest.raises(ClientError) as info:
        iam.attach_group_policy(GroupName=group, PolicyArn=arn)

    assert error_of(info) == (
        "NoSuchEntity",
        f"Policy {arn} does not exist or is not attachable.",
        404,
    )


def test_attach_group_policy_limit_is_ten(iam: Any, group: str, unique_name: Any) -> None:
    arns: list[str] = []
    try:
        for _ in range(11):
            created = iam.create_policy(PolicyName=unique_name("G"), PolicyDocument=document())
            arns.append(created["Policy"]["Arn"])
        for arn in arns[:10]:
            iam.attach_group_policy(GroupName=group, PolicyArn=arn)
        with pytest.raises(ClientError) as info:
            iam.attach_group_policy(GroupName=group, PolicyArn=arns[10])
    finally:
        purge_group(iam, group)
        for arn in arns:
            remove_policy(iam, arn)

    assert error_of(info) == ("LimitExceeded", "Cannot exceed quota for PoliciesPerGroup: 10", 409)


@pytest.mark.parametrize(
    ("operation", "extra"),
    [
        ("get_group", {}),
        ("delete_group", {}),
        ("update_group", {"NewPath": "/x/"}),
        ("add_user_to_group", {"UserName": "anyone"}),
        ("remove_user_from_group", {"UserName": "anyone"}),
        ("put_group_policy", {"PolicyName": "P", "PolicyDocument": document()}),
        ("get_group_policy", {"PolicyName": "P"}),
        ("list_group_policies", {}),
        ("delete_group_policy", {"PolicyName": "P"}),
        ("attach_group_policy", {"PolicyArn": ADMIN_ARN}),
        ("detach_group_policy", {"PolicyArn": ADMIN_ARN}),
        ("list_attached_group_policies", {}),
    ],
)
def test_unknown_group(iam: Any, unique_name: Any, operation: str, extra: Any) -> None:
    name = unique_name("NoGroup")

    with pytest.raises(ClientError) as info:
        getattr(iam, operation)(GroupName=name, **extra)

    assert error_of(info) == ("NoSuchEntity", f"The group with name {name} cannot be found.", 404)
