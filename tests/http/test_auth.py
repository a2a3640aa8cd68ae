"""SigV4 verification over HTTP: every AWS authentication error, and what passes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import make_client
from tests.signing import FORM, presigned_url, signed

LIST_USERS = "Action=ListUsers&Version=2010-05-08"


def code_of(response: httpx.Response) -> str:
    return response.text.split("<Code>")[1].split("</Code>")[0]


def test_unsigned_request_is_missing_authentication_token(server: Any) -> None:
    response = httpx.post(server.url, content=LIST_USERS, headers=FORM)

    assert response.status_code == 403
    assert code_of(response) == "MissingAuthenticationToken"
    assert "<Message>Request is missing Authentication Token</Message>" in response.text


def test_incomplete_authorization_header(server: Any) -> None:
    headers = {**FORM, "Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7SIGNET1/x"}

    response = httpx.post(server.url, content=LIST_USERS, headers=headers)

    assert response.status_code == 400
    assert code_of(response) == "IncompleteSignature"


def test_wrong_secret_is_signature_does_not_match(server: Any) -> None:
    response = signed(
        server.url,
        body=LIST_USERS,
        headers=FORM,
        key=("AKIAIOSFODNN7SIGNET1", "x" * 40),
    )

    assert response.status_code == 403
    assert code_of(response) == "SignatureDoesNotMatch"


def test_unknown_key_is_invalid_client_token_id(server: Any) -> None:
    response = signed(
        server.url, body=LIST_USERS, headers=FORM, key=("AKIAAAAAAAAAAAAAAAAA", "x" * 40)
    )

    assert response.status_code == 403
    assert code_of(response) == "InvalidClientTokenId"


def test_tampered_body_is_signature_does_not_match(server: Any) -> None:
    request = signed(server.url, body=LIST_USERS, headers=FORM).request
    tampered = httpx.post(
        server.url,
        content=LIST_USERS.replace("ListUsers", "ListUserz"),
        headers={k: v for k, v in request.headers.items() if k.lower() != "content-length"},
    )

    assert tampered.status_code == 403
    assert code_of(tampered) == "SignatureDoesNotMatch"


@pytest.mark.parametrize("skew", [timedelta(minutes=-20), timedelta(minutes=20)])
def test_clock_skew_beyond_fifteen_minutes(server: Any, skew: timedelta) -> None:
    response = signed(server.url, body=LIST_USERS, headers=FORM, at=datetime.now(UTC) + skew)

    assert response.status_code == 403
    assert code_of(response) == "SignatureDoesNotMatch"
    assert "Signature expired" in response.text or "not yet current" in response.text


def test_clock_skew_within_fifteen_minutes_passes(server: Any) -> None:
    at = datetime.now(UTC) - timedelta(minutes=10)

    response = signed(server.url, body=LIST_USERS, headers=FORM, at=at)

    assert response.status_code == 200


def test_presigned_get_url(server: Any) -> None:
    url = presigned_url(server.url + "/", {"Action": "ListUsers", "Version": "2010-05-08"})

    response = httpx.get(url)

    assert response.status_code == 200
    assert "<ListUsersResponse" in response.text


def test_any_region_and_both_services_are_accepted(server: Any) -> None:
    for service, region in [("iam", "eu-central-1"), ("sts", "ap-southeast-2")]:
        client = make_client(server, service, region=region)
        if service == "iam":
            assert "Users" in client.list_users()
        else:
            assert client.get_caller_identity()["Arn"].endswith(":root")


def test_other_service_scope_is_refused(server: Any) -> None:
    response = signed(server.url, body=LIST_USERS, headers=FORM, service="s3")

    assert response.status_code == 403
    assert code_of(response) == "SignatureDoesNotMatch"


def test_boto3_with_wrong_secret_raises(server: Any) -> None:
    client = make_client(server, key=("AKIAIOSFODNN7SIGNET1", "y" * 40))

    with pytest.raises(ClientError) as info:
        client.list_users()

    assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
