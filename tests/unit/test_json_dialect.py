"""The JSON dialect: result trees, envelopes and request bodies."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from signet.errors import NoSuchEntity, ValidationError
from signet.wire.json_dialect import (
    error_envelope,
    parse_json_body,
    snake_case,
    success_envelope,
)
from signet.wire.model import Operation, load_models

WHEN = datetime(2013, 6, 6, 21, 40, 8, tzinfo=UTC)
WHEN_TEXT = "2013-06-06T21:40:08Z"


def _op(action: str) -> Operation:
    found = load_models().operation(action, None)
    assert found is not None
    return found


# Keys


@pytest.mark.parametrize(
    ("name", "snake"),
    [
        ("UserName", "user_name"),
        ("IsTruncated", "is_truncated"),
        ("AccessKeyMetadata", "access_key_metadata"),
        ("CertificateBody", "certificate_body"),
        ("MaxItems", "max_items"),
        ("SAMLProviderList", "saml_provider_list"),
        ("OpenIDConnectProviderArn", "open_id_connect_provider_arn"),
        ("Arn", "arn"),
    ],
)
def test_snake_case(name: str, snake: str) -> None:
    assert snake_case(name) == snake


def test_snake_case_matches_error_json_codes() -> None:
    assert snake_case(NoSuchEntity.code).upper() == NoSuchEntity("x").json_code


# Result trees


def test_render_json_signing_certificate_is_a_resource() -> None:
    result = {
        "Certificate": {
            "UserName": "bob",
            "CertificateId": "TA7SMP42TDN5Z26OBPJE7EXAMPLE",
            "CertificateBody": "-----BEGIN CERTIFICATE-----\r\n",
            "Status": "Active",
            "UploadDate": WHEN,
        }
    }
    assert _op("UploadSigningCertificate").render_json(result) == {
        "certificate": {
            "id": "TA7SMP42TDN5Z26OBPJE7EXAMPLE",
            "user_name": "bob",
            "status": "Active",
            "certificate_body": "-----BEGIN CERTIFICATE-----\r\n",
            "created_at": "2013-06-06T21:40:08Z",
        }
    }


def test_render_json_list_keeps_paging_keys() -> None:
    result = {
        "AccessKeyMetadata": [
            {"UserName": "bob", "AccessKeyId": "AKIA1", "Status": "Active", "CreateDate": WHEN}
        ],
        "IsTruncated": True,
        "Marker": "next",
    }
    assert _op("ListAccessKeys").render_json(result) == {
        "access_key_metadata": [
            {"user_name": "bob", "id": "AKIA1", "status": "Active", "created_at": WHEN_TEXT}
        ],
        "is_truncated": True,
        "marker": "next",
    }


def test_render_json_user_renames_id_and_date_but_not_nested_members() -> None:
    paris = timezone(timedelta(hours=2))
    result = {
        "User": {
            "Path": "/",
            "UserName": "bob",
            "UserId": "AIDA1",
            "Arn": "arn:aws:iam::123456789012:user/bob",
            "CreateDate": WHEN,
            "PasswordLastUsed": datetime(2013, 6, 6, 23, 40, 8, tzinfo=paris),
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/X",
            },
            "Tags": [{"Key": "team", "Value": "id"}],
        }
    }
    assert _op("GetUser").render_json(result) == {
        "user": {
            "path": "/",
            "user_name": "bob",
            "id": "AIDA1",
            "arn": "arn:aws:iam::123456789012:user/bob",
            "created_at": WHEN_TEXT,
            "password_last_used": WHEN_TEXT,
            "permissions_boundary": {
                "permissions_boundary_type": "PermissionsBoundaryPolicy",
                "permissions_boundary_arn": "arn:aws:iam::aws:policy/X",
            },
            "tags": [{"key": "team", "value": "id"}],
        }
    }


def test_render_json_access_key_keeps_its_secret() -> None:
    result = {
        "AccessKey": {
            "UserName": "bob",
            "AccessKeyId": "AKIA1",
            "Status": "Active",
            "SecretAccessKey": "secret",
            "CreateDate": WHEN,
        }
    }
    assert _op("CreateAccessKey").render_json(result)["access_key"] == {
        "user_name": "bob",
        "id": "AKIA1",
        "status": "Active",
        "secret_access_key": "secret",
        "created_at": WHEN_TEXT,
    }


def test_render_json_caller_identity_is_unchanged() -> None:
    result = {"UserId": "AIDA1", "Account": "123456789012", "Arn": "arn:aws:iam::1:user/b"}
    assert _op("GetCallerIdentity").render_json(result) == {
        "user_id": "AIDA1",
        "account": "123456789012",
        "arn": "arn:aws:iam::1:user/b",
    }


def test_render_json_maps_keep_their_keys() -> None:
    result = {"SummaryMap": {"Users": 3, "AccessKeysPerUserQuota": 2}}
    assert _op("GetAccountSummary").render_json(result) == {
        "summary_map": {"Users": 3, "AccessKeysPerUserQuota": 2}
    }


def test_render_json_blobs_are_base64() -> None:
    result = {"Content": b"\x00\xff", "GeneratedTime": WHEN}
    assert _op("GetCredentialReport").render_json(result) == {
        "content": "AP8=",
        "generated_time": WHEN_TEXT,
    }


def test_render_json_skips_none_and_empty_results() -> None:
    listing = _op("ListSigningCertificates")
    result = {"Certificates": [], "IsTruncated": False, "Marker": None}
    assert listing.render_json(result) == {"certificates": [], "is_truncated": False}
    assert listing.render_json(None) == {}
    assert _op("DeleteUser").render_json(None) == {}


# Envelopes


def test_success_envelope() -> None:
    body = success_envelope({"user": {"id": "AIDA1", "created_at": WHEN_TEXT}})
    assert (
        body
        == b'{"success":true,"data":{"user":{"id":"AIDA1","created_at":"2013-06-06T21:40:08Z"}}}'
    )


def test_success_envelope_without_output_has_empty_data() -> None:
    assert json.loads(success_envelope(None)) == {"success": True, "data": {}}
    assert json.loads(success_envelope({})) == {"success": True, "data": {}}


def test_error_envelope() -> None:
    body = error_envelope("NO_SUCH_ENTITY", 'The user with name "Bob" cannot be found.')
    assert json.loads(body) == {
        "success": False,
        "error": {"code": "NO_SUCH_ENTITY", "message": 'The user with name "Bob" cannot be found.'},
    }


def test_envelopes_round_trip_rendered_results() -> None:
    data = _op("UploadSigningCertificate").render_json(
        {"Certificate": {"UserName": "b", "CertificateId": "C", "UploadDate": WHEN}}
    )
    assert json.loads(success_envelope(data))["data"]["certificate"] == {
        "user_name": "b",
        "id": "C",
        "created_at": WHEN_TEXT,
    }


# Request bodies


def test_parse_json_body_object() -> None:
    assert parse_json_body(b'{"user_name": "b\\u00e9b", "max_items": 5}') == {
        "user_name": "béb",
        "max_items": 5,
    }


@pytest.mark.parametrize("body", [b"", b"  \n"])
def test_parse_json_body_empty_is_an_empty_object(body: bytes) -> None:
    assert parse_json_body(body) == {}


@pytest.mark.parametrize("body", [b"{", b"{'a': 1}", b"user_name=bob", b'{"a": "\xff"}'])
def test_parse_json_body_invalid_json_fails(body: bytes) -> None:
    with pytest.raises(ValidationError, match=r"^Request body is not valid JSON: "):
        parse_json_body(body)


@pytest.mark.parametrize("body", [b"[]", b"1", b'"x"', b"null"])
def test_parse_json_body_non_object_fails(body: bytes) -> None:
    with pytest.raises(ValidationError, match=r"^Request body must be a JSON object$"):
        parse_json_body(body)


def test_parse_json_body_then_decode_json() -> None:
    body = b'{"user_name": "bob", "certificate_body": "-----BEGIN CERTIFICATE-----\\r\\n"}'
    params = _op("UploadSigningCertificate").decode_json(parse_json_body(body))
    assert params == {"UserName": "bob", "CertificateBody": "-----BEGIN CERTIFICATE-----\r\n"}
