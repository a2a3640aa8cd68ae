"""The IAM service functions called directly, with a Context on a real SQLite store.

What is checked here is the order of the rules and who an operation addresses: which
error wins when several apply, whose keys and certificates a call without ``UserName``
touches, delete conflicts, pagination markers and quotas.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from signet.auth.principals import Caller
from signet.errors import (
    AwsError,
    DeleteConflict,
    DuplicateCertificate,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    MalformedCertificate,
    NoSuchEntity,
    ValidationError,
)
from signet.iam import access_keys, accounts, pagination, signing_certificates, users
from signet.iam.context import Context
from signet.store.sqlite import SqliteStore
from tests import certs


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore.in_directory(tmp_path / "data", synchronous="OFF")
    yield opened
    opened.close()


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def root(store: SqliteStore) -> Context:
    """The root of a fresh account (which holds one root access key already)."""
    created = accounts.create_account(store, _now())
    return Context(store, Caller(created.account_id, created.access_key_id), _now())


def other_root(store: SqliteStore) -> Context:
    created = accounts.create_account(store, _now())
    return Context(store, Caller(created.account_id, created.access_key_id), _now())


def as_user(ctx: Context, name: str) -> Context:
    """The context of an IAM user of the same account, signing with some key of its own."""
    with ctx.store.read() as tx:
        user = tx.get_user(ctx.caller.account_id, name)
    assert user is not None
    return Context(ctx.store, Caller(ctx.caller.account_id, "AKIAUSERKEY000000000", user), ctx.now)


def create_user(ctx: Context, name: str, **params: Any) -> dict[str, Any]:
    return users.create_user(ctx, {"UserName": name, **params})["User"]


def upload(ctx: Context, body: str, user_name: str | None = None) -> dict[str, Any]:
    params = {"CertificateBody": body}
    if user_name is not None:
        params["UserName"] = user_name
    return signing_certificates.upload_signing_certificate(ctx, params)["Certificate"]


def listed_certificates(ctx: Context, user_name: str | None = None) -> list[str]:
    params = {} if user_name is None else {"UserName": user_name}
    result = signing_certificates.list_signing_certificates(ctx, params)
    return [c["CertificateId"] for c in result["Certificates"]]


def error_of(call: Any, *args: Any, **kwargs: Any) -> AwsError:
    with pytest.raises(AwsError) as caught:
        call(*args, **kwargs)
    return caught.value


# UploadSigningCertificate: which check wins


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("junk", id="junk"),
        pytest.param("", id="empty"),
        pytest.param(certs.private_key_pems()["PRIVATE KEY"], id="private-key"),
        pytest.param(certs.make_expired_cert()[0], id="expired"),
    ],
)
def test_unknown_user_wins_over_a_malformed_body(root: Context, body: str) -> None:
    error = error_of(upload, root, body, "nobody")

    assert isinstance(error, NoSuchEntity)
    assert "nobody" in error.message
    assert listed_certificates(root) == []


def test_a_malformed_body_for_a_real_user(root: Context) -> None:
    create_user(root, "alice")

    error = error_of(upload, root, "junk", "alice")

    assert isinstance(error, MalformedCertificate)
    assert listed_certificates(root, "alice") == []


def test_a_private_key_is_refused_and_not_stored(root: Context) -> None:
    create_user(root, "alice")
    cert, key = certs.make_rsa_cert(common_name="service-with-key")

    for body in (key, cert + key, key + cert):
        error = error_of(upload, root, body, "alice")
        assert isinstance(error, MalformedCertificate)
        assert "private key" in error.message
        assert "PRIVATE KEY-----" not in error.message

    assert listed_certificates(root, "alice") == []


def test_duplicate_is_reported_before_the_limit(root: Context) -> None:
    create_user(root, "alice")
    first, second, third = certs.distinct_rsa_certs(3)
    upload(root, first, "alice")
    upload(root, second, "alice")

    assert isinstance(error_of(upload, root, first, "alice"), DuplicateCertificate)
    assert isinstance(error_of(upload, root, third, "alice"), LimitExceeded)
    assert len(listed_certificates(root, "alice")) == signing_certificates.CERTIFICATES_PER_USER


def test_a_certificate_belongs_to_one_user_per_account(root: Context, store: SqliteStore) -> None:
    create_user(root, "alice")
    create_user(root, "bob")
    body = certs.distinct_rsa_certs(1)[0]
    uploaded = upload(root, body, "alice")

    assert isinstance(error_of(upload, root, body, "bob"), DuplicateCertificate)
    assert isinstance(error_of(upload, root, body), DuplicateCertificate)

    elsewhere = other_root(store)
    assert upload(elsewhere, body)["CertificateId"] == uploaded["CertificateId"]


def test_the_limit_counts_inactive_certificates(root: Context) -> None:
    create_user(root, "alice")
    first, second, third = certs.distinct_rsa_certs(3)
    for body in (first, second):
        certificate_id = upload(root, body, "alice")["CertificateId"]
        signing_certificates.update_signing_certificate(
            root, {"UserName": "alice", "CertificateId": certificate_id, "Status": "Inactive"}
        )

    assert isinstance(error_of(upload, root, third, "alice"), LimitExceeded)


# Whose keys and certificates a call addresses


def test_root_without_user_name_addresses_the_root(root: Context) -> None:
    create_user(root, "alice")
    body = certs.distinct_rsa_certs(1)[0]

    uploaded = upload(root, body)

    assert uploaded["UserName"] == root.caller.account_id
    assert listed_certificates(root) == [uploaded["CertificateId"]]
    assert listed_certificates(root, "alice") == []
    keys = access_keys.list_access_keys(root, {})["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in keys] == [root.caller.access_key_id]
    assert keys[0]["UserName"] == root.caller.account_id


def test_root_access_keys_share_the_quota_with_the_first_one(root: Context) -> None:
    created = access_keys.create_access_key(root, {})["AccessKey"]

    assert created["UserName"] == root.caller.account_id
    assert len(created["SecretAccessKey"]) == 40
    assert isinstance(error_of(access_keys.create_access_key, root, {}), LimitExceeded)
    assert access_keys.ACCESS_KEYS_PER_USER == 2


def test_a_user_without_user_name_addresses_itself(root: Context) -> None:
    create_user(root, "alice")
    alice = as_user(root, "alice")
    body = certs.distinct_rsa_certs(1)[0]

    uploaded = upload(alice, body)
    key = access_keys.create_access_key(alice, {})["AccessKey"]

    assert uploaded["UserName"] == "alice"
    assert key["UserName"] == "alice"
    assert listed_certificates(root, "alice") == [uploaded["CertificateId"]]
    assert listed_certificates(root) == []


def test_a_deleted_user_without_user_name_is_no_such_entity(root: Context) -> None:
    create_user(root, "alice")
    alice = as_user(root, "alice")
    users.delete_user(root, {"UserName": "alice"})

    assert isinstance(error_of(listed_certificates, alice), NoSuchEntity)
    assert isinstance(error_of(access_keys.create_access_key, alice, {}), NoSuchEntity)


def test_user_names_resolve_regardless_of_case(root: Context) -> None:
    create_user(root, "Alice")
    body = certs.distinct_rsa_certs(1)[0]

    uploaded = upload(root, body, "ALICE")

    assert uploaded["UserName"] == "Alice"
    assert listed_certificates(root, "alice") == [uploaded["CertificateId"]]


def test_another_accounts_user_is_not_visible(root: Context, store: SqliteStore) -> None:
    create_user(root, "alice")
    elsewhere = other_root(store)

    assert isinstance(error_of(users.get_user, elsewhere, {"UserName": "alice"}), NoSuchEntity)
    key_id = access_keys.create_access_key(root, {"UserName": "alice"})["AccessKey"]["AccessKeyId"]
    for call, params in (
        (access_keys.get_access_key_last_used, {"AccessKeyId": key_id}),
        (access_keys.delete_access_key, {"AccessKeyId": key_id}),
    ):
        assert isinstance(error_of(call, elsewhere, params), NoSuchEntity)


def test_a_key_is_found_only_through_its_owner(root: Context) -> None:
    create_user(root, "alice")
    create_user(root, "bob")
    key_id = access_keys.create_access_key(root, {"UserName": "alice"})["AccessKey"]["AccessKeyId"]

    params = {"UserName": "bob", "AccessKeyId": key_id, "Status": "Inactive"}
    assert isinstance(error_of(access_keys.update_access_key, root, params), NoSuchEntity)
    assert isinstance(
        error_of(access_keys.delete_access_key, root, {"AccessKeyId": key_id}), NoSuchEntity
    )


def test_status_is_checked_before_the_key(root: Context) -> None:
    params = {"AccessKeyId": "AKIA0000000000000000", "Status": "Expired"}

    assert isinstance(error_of(access_keys.update_access_key, root, params), InvalidInput)


# Deleting users


def test_delete_user_conflicts_with_keys_then_certificates(root: Context) -> None:
    create_user(root, "alice")
    key_id = access_keys.create_access_key(root, {"UserName": "alice"})["AccessKey"]["AccessKeyId"]
    certificate_id = upload(root, certs.distinct_rsa_certs(1)[0], "alice")["CertificateId"]

    first = error_of(users.delete_user, root, {"UserName": "alice"})
    access_keys.delete_access_key(root, {"UserName": "alice", "AccessKeyId": key_id})
    second = error_of(users.delete_user, root, {"UserName": "alice"})
    signing_certificates.delete_signing_certificate(
        root, {"UserName": "alice", "CertificateId": certificate_id}
    )
    users.delete_user(root, {"UserName": "alice"})

    assert isinstance(first, DeleteConflict) and "access keys" in first.message
    assert isinstance(second, DeleteConflict) and "signing certificates" in second.message
    assert isinstance(error_of(users.get_user, root, {"UserName": "alice"}), NoSuchEntity)


def test_delete_an_unknown_user(root: Context) -> None:
    assert isinstance(error_of(users.delete_user, root, {"UserName": "nobody"}), NoSuchEntity)


def test_a_deleted_name_can_be_used_again(root: Context) -> None:
    first = create_user(root, "alice")
    users.delete_user(root, {"UserName": "alice"})

    second = create_user(root, "ALICE")

    assert second["UserId"] != first["UserId"]
    assert second["UserName"] == "ALICE"


# Creating and renaming users


def test_user_names_clash_regardless_of_case(root: Context) -> None:
    create_user(root, "alice")

    error = error_of(create_user, root, "ALICE")

    assert isinstance(error, EntityAlreadyExists)


def test_rename_onto_another_user_clashes_but_a_case_change_does_not(root: Context) -> None:
    create_user(root, "alice")
    create_user(root, "bob")

    clash = error_of(users.update_user, root, {"UserName": "bob", "NewUserName": "Alice"})
    users.update_user(root, {"UserName": "bob", "NewUserName": "BOB", "NewPath": "/x/"})

    assert isinstance(clash, EntityAlreadyExists)
    renamed = users.get_user(root, {"UserName": "bob"})["User"]
    assert (renamed["UserName"], renamed["Path"]) == ("BOB", "/x/")


def test_duplicate_tag_keys_are_refused_before_anything_is_stored(root: Context) -> None:
    tags = [{"Key": "Env", "Value": "a"}, {"Key": "ENV", "Value": "b"}]

    assert isinstance(error_of(create_user, root, "tagged", Tags=tags), InvalidInput)
    assert isinstance(error_of(users.get_user, root, {"UserName": "tagged"}), NoSuchEntity)


def test_users_quota(root: Context, monkeypatch: pytest.MonkeyPatch) -> None:
    assert users.USERS_PER_ACCOUNT == 5000
    monkeypatch.setattr(users, "USERS_PER_ACCOUNT", 3)
    for name in ("u1", "u2", "u3"):
        create_user(root, name)

    over = error_of(create_user, root, "u4")
    existing = error_of(create_user, root, "U1")

    assert isinstance(over, LimitExceeded)
    assert over.message == "Cannot exceed quota for UsersPerAccount: 3"
    assert isinstance(existing, EntityAlreadyExists)


def test_get_user_of_root(root: Context) -> None:
    user = users.get_user(root, {})["User"]

    assert user["UserId"] == root.caller.account_id
    assert user["Arn"] == f"arn:aws:iam::{root.caller.account_id}:root"
    assert "UserName" not in user


# Pagination markers


def _names(result: dict[str, Any]) -> list[str]:
    return [user["UserName"] for user in result["Users"]]


def test_list_users_pages_with_markers(root: Context) -> None:
    for name in ("e", "B", "a", "D", "c"):
        create_user(root, name)

    first = users.list_users(root, {"MaxItems": 2})
    second = users.list_users(root, {"MaxItems": 2, "Marker": first["Marker"]})
    third = users.list_users(root, {"MaxItems": 2, "Marker": second["Marker"]})

    assert (_names(first), first["IsTruncated"]) == (["a", "B"], True)
    assert (_names(second), second["IsTruncated"]) == (["c", "D"], True)
    assert (_names(third), third["IsTruncated"]) == (["e"], False)
    assert "Marker" not in third
    assert users.list_users(root, {"MaxItems": 5})["IsTruncated"] is False


def test_certificate_pages_with_markers(root: Context) -> None:
    create_user(root, "alice")
    for body in certs.distinct_rsa_certs(2):
        upload(root, body, "alice")

    first = signing_certificates.list_signing_certificates(
        root, {"UserName": "alice", "MaxItems": 1}
    )
    second = signing_certificates.list_signing_certificates(
        root, {"UserName": "alice", "MaxItems": 1, "Marker": first["Marker"]}
    )

    assert first["IsTruncated"] is True
    assert second["IsTruncated"] is False
    ids = [c["CertificateId"] for c in first["Certificates"] + second["Certificates"]]
    assert sorted(ids) == sorted(listed_certificates(root, "alice"))
    assert len(set(ids)) == 2


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode("ascii")


@pytest.mark.parametrize(
    "marker",
    [
        pytest.param("garbage!", id="not-base64"),
        pytest.param("é", id="not-ascii"),
        pytest.param(_b64(b"not json"), id="not-json"),
        pytest.param(_b64(b"\xff\xfe"), id="not-utf8"),
        pytest.param(_b64(b'{"a": 1}'), id="object"),
        pytest.param(_b64(b'["a", "b"]'), id="wrong-arity"),
        pytest.param(_b64(b"[1]"), id="not-strings"),
        pytest.param(_b64(b"[" * 200 + b"]" * 200), id="nested"),
        pytest.param(pagination.encode(["a", "b"]), id="marker-of-another-list"),
    ],
)
def test_a_bad_marker_is_a_validation_error(root: Context, marker: str) -> None:
    error = error_of(users.list_users, root, {"Marker": marker})

    assert isinstance(error, ValidationError)
    assert error.status == 400


@pytest.mark.parametrize(
    ("call", "params"),
    [
        (signing_certificates.list_signing_certificates, {}),
        (access_keys.list_access_keys, {}),
    ],
)
def test_a_one_part_marker_is_refused_by_two_part_lists(
    root: Context, call: Any, params: dict[str, Any]
) -> None:
    error = error_of(call, root, {**params, "Marker": pagination.encode(["a"])})

    assert isinstance(error, ValidationError)


def test_marker_round_trip() -> None:
    key = ("2026-01-01T00:00:00Z", "ID/with+odd=chars é")

    assert pagination.decode(pagination.encode(key), 2) == key
    assert pagination.decode(None, 2) is None
