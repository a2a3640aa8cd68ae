"""IAM users through boto3 against a running server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.http.test_signing_certificates import error_of


def test_create_user_returns_aws_shape(iam: Any, sts: Any, unique_name: Any) -> None:
    name = unique_name("Alice")
    account = sts.get_caller_identity()["Account"]

    created = iam.create_user(
        UserName=name, Path="/team/", Tags=[{"Key": "team", "Value": "blue"}]
    )["User"]
    try:
        fetched = iam.get_user(UserName=name)["User"]
    finally:
        iam.delete_user(UserName=name)

    assert created["UserName"] == name
    assert created["Path"] == "/team/"
    assert created["Arn"] == f"arn:aws:iam::{account}:user/team/{name}"
    assert created["UserId"].startswith("AIDA") and len(created["UserId"]) == 21
    assert fetched["Tags"] == [{"Key": "team", "Value": "blue"}]
    assert fetched["CreateDate"] == created["CreateDate"]


def test_create_user_names_are_unique_regardless_of_case(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName=user.upper())

    assert error_of(info) == (
        "EntityAlreadyExists",
        f"User with name {user.upper()} already exists.",
        409,
    )


def test_create_user_invalid_name_is_validation_error(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName="bad name!")

    assert error_of(info) == (
        "ValidationError",
        "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+",
        400,
    )


def test_create_user_name_too_long(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.create_user(UserName="a" * 65)

    code, message, _ = error_of(info)
    assert code == "ValidationError"
    assert "Member must have length less than or equal to 64" in message


def test_get_user_without_name_as_root(iam: Any, sts: Any) -> None:
    account = sts.get_caller_identity()["Account"]

    root = iam.get_user()["User"]

    assert root["UserId"] == account
    assert root["Arn"] == f"arn:aws:iam::{account}:root"
    assert "UserName" not in root


def test_get_user_unknown(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.get_user(UserName="a" * 100)

    assert error_of(info) == (
        "NoSuchEntity",
        f"The user with name {'a' * 100} cannot be found.",
        404,
    )


def test_list_users_filters_by_path_and_paginates(iam: Any, unique_name: Any) -> None:
    prefix = f"/{unique_name('p')}/"
    names = [unique_name("listed") for _ in range(3)]
    for name in names:
        iam.create_user(UserName=name, Path=prefix)

    try:
        pages = list(
            iam.get_paginator("list_users").paginate(
                PathPrefix=prefix, PaginationConfig={"PageSize": 2}
            )
        )
        first = iam.list_users(PathPrefix=prefix, MaxItems=2)
    finally:
        for name in names:
            iam.delete_user(UserName=name)

    listed = [user["UserName"] for page in pages for user in page["Users"]]
    assert sorted(listed) == sorted(names)
    assert first["IsTruncated"] is True and first["Marker"]
    assert "Tags" not in first["Users"][0]


def test_list_users_bad_marker(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.list_users(Marker="not-a-marker")

    assert error_of(info)[0::2] == ("ValidationError", 400)


def test_update_user_renames_and_moves(iam: Any, unique_name: Any) -> None:
    old, new = unique_name("old"), unique_name("new")
    iam.create_user(UserName=old)

    iam.update_user(UserName=old, NewUserName=new, NewPath="/moved/")
    try:
        moved = iam.get_user(UserName=new)["User"]
        with pytest.raises(ClientError) as info:
            iam.get_user(UserName=old)
    finally:
        iam.delete_user(UserName=new)

    assert moved["Path"] == "/moved/"
    assert error_of(info)[0] == "NoSuchEntity"


def test_update_user_to_taken_name(iam: Any, user: str, unique_name: Any) -> None:
    other = unique_name("other")
    iam.create_user(UserName=other)
    try:
        with pytest.raises(ClientError) as info:
            iam.update_user(UserName=other, NewUserName=user.upper())
    finally:
        iam.delete_user(UserName=other)

    assert error_of(info)[0::2] == ("EntityAlreadyExists", 409)


def test_delete_user_conflicts_while_keys_or_certificates_remain(iam: Any, user: str) -> None:
    key_id = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    with pytest.raises(ClientError) as keys_info:
        iam.delete_user(UserName=user)
    iam.delete_access_key(UserName=user, AccessKeyId=key_id)

    iam.upload_signing_certificate(UserName=user, CertificateBody=certs.distinct_rsa_certs(1)[0])
    with pytest.raises(ClientError) as certs_info:
        iam.delete_user(UserName=user)

    assert error_of(keys_info) == (
        "DeleteConflict",
        "Cannot delete entity, must delete access keys first.",
        409,
    )
    assert error_of(certs_info) == (
        "DeleteConflict",
        "Cannot delete entity, must delete signing certificates first.",
        409,
    )
    assert iam.get_user(UserName=user)["User"]["UserName"] == user


def test_delete_user_removes_it(iam: Any, unique_name: Any) -> None:
    name = unique_name("gone")
    iam.create_user(UserName=name)

    iam.delete_user(UserName=name)

    with pytest.raises(ClientError) as info:
        iam.get_user(UserName=name)
    assert error_of(info)[0] == "NoSuchEntity"
