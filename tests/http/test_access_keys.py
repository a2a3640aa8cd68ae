"""Access keys through boto3 against a running server."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import make_client
from tests.http.test_signing_certificates import error_of


def test_create_access_key_returns_secret_once(iam: Any, user: str) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    listed = iam.list_access_keys(UserName=user)["AccessKeyMetadata"]

    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active" and key["UserName"] == user
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]


def test_create_access_key_limit_is_two(iam: Any, user: str) -> None:
    iam.create_access_key(UserName=user)
    iam.create_access_key(UserName=user)

    with pytest.raises(ClientError) as info:
        iam.create_access_key(UserName=user)

    assert error_of(info) == (
        "LimitExceeded",
        "Cannot exceed quota for AccessKeysPerUser: 2",
        409,
    )


def test_new_access_key_signs_requests(iam: Any, user: str, server: Any) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sts = make_client(server, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"]))

    identity = sts.get_caller_identity()

    assert identity["Arn"].endswith(f":user/{user}")
    assert identity["UserId"].startswith("AIDA")


def test_inactive_and_deleted_keys_stop_working(iam: Any, user: str, server: Any) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    sts = make_client(server, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"]))

    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Inactive")
    with pytest.raises(ClientError) as inactive:
        sts.get_caller_identity()
    iam.update_access_key(UserName=user, AccessKeyId=key["AccessKeyId"], Status="Active")
    sts.get_caller_identity()
    iam.delete_access_key(UserName=user, AccessKeyId=key["AccessKeyId"])
    with pytest.raises(ClientError) as deleted:
        sts.get_caller_identity()

    for info in (inactive, deleted):
        assert error_of(info) == (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            403,
        )


def test_access_keys_of_root_without_user_name(iam: Any, server: Any, sts: Any) -> None:
    listed = iam.list_access_keys()["AccessKeyMetadata"]
    account = sts.get_caller_identity()["Account"]

    assert server.url and len(listed) >= 1
    assert all(k["UserName"] == account for k in listed)


def test_update_access_key_unknown(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.update_access_key(UserName=user, AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Active")

    assert error_of(info) == (
        "NoSuchEntity",
        "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.",
        404,
    )


def test_get_access_key_last_used(iam: Any, user: str, server: Any) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    never = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])
    make_client(
        server, "sts", key=(key["AccessKeyId"], key["SecretAccessKey"]), region="eu-west-3"
    ).get_caller_identity()

    used = iam.get_access_key_last_used(AccessKeyId=key["AccessKeyId"])

    assert never["UserName"] == user
    assert never["AccessKeyLastUsed"] == {"ServiceName": "N/A", "Region": "N/A"}
    assert used["AccessKeyLastUsed"]["ServiceName"] == "sts"
    assert used["AccessKeyLastUsed"]["Region"] == "eu-west-3"
    assert "LastUsedDate" in used["AccessKeyLastUsed"]


def test_user_without_policy_is_denied_with_aws_message(iam: Any, user: str, server: Any) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = make_client(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))
    arn = iam.get_user(UserName=user)["User"]["Arn"]

    with pytest.raises(ClientError) as info:
        as_user.list_access_keys()

    assert error_of(info) == (
        "AccessDenied",
        f"User: {arn} is not authorized to perform: iam:ListAccessKeys on resource: {arn}"
        " because no identity-based policy allows the iam:ListAccessKeys action",
        403,
    )
