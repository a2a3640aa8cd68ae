"""The wire: AWS's XML envelopes, GET and POST Query, and the JSON dialect."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from tests import certs
from tests.signing import FORM, signed

JSON_HEADERS = {"Content-Type": "application/json", "Accept": "application/json"}
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def test_success_envelope_and_request_id(server: Any) -> None:
    response = signed(server.url, body="Action=ListUsers&Version=2010-05-08", headers=FORM)

    request_id = response.headers["x-amzn-RequestId"]
    assert UUID.fullmatch(request_id)
    assert response.headers["content-type"].startswith("text/xml")
    assert response.text.startswith(
        '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>'
    )
    assert f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>" in (
        response.text
    )
    assert "<IsTruncated>false</IsTruncated>" in response.text


def test_error_envelope(server: Any) -> None:
    response = signed(
        server.url,
        body="Action=GetUser&Version=2010-05-08&UserName=nobody-here",
        headers=FORM,
    )

    request_id = response.headers["x-amzn-RequestId"]
    assert response.status_code == 404
    assert response.text == (
        '<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error>'
        "<Type>Sender</Type><Code>NoSuchEntity</Code>"
        "<Message>The user with name nobody-here cannot be found.</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )


def test_sts_uses_its_namespace(server: Any) -> None:
    response = signed(
        server.url,
        body="Action=GetCallerIdentity&Version=2011-06-15",
        headers=FORM,
        service="sts",
    )

    assert response.status_code == 200
    assert response.text.startswith(
        '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
    )


def test_get_with_query_parameters(server: Any) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    query = {"Action": "UploadSigningCertificate", "Version": "2010-05-08", "CertificateBody": body}

    response = signed(server.url + "/", method="GET", params=query)

    assert response.status_code == 200, response.text
    cert_id = response.text.split("<CertificateId>")[1].split("</CertificateId>")[0]
    deleted = signed(
        server.url,
        body=urlencode(
            {
                "Action": "DeleteSigningCertificate",
                "Version": "2010-05-08",
                "CertificateId": cert_id,
            }
        ),
        headers=FORM,
    )
    assert deleted.status_code == 200


def test_unknown_action_is_invalid_action(server: Any) -> None:
    for action in ("NoSuchThing", "CreateRole"):
        response = signed(server.url, body=f"Action={action}&Version=2010-05-08", headers=FORM)

        assert response.status_code == 400
        assert "<Code>InvalidAction</Code>" in response.text


def test_json_dialect_upload(server: Any, iam: Any, user: str) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    payload = json.dumps({"UserName": user, "CertificateBody": body})

    response = signed(
        server.url + "/?Action=UploadSigningCertificate", body=payload, headers=JSON_HEADERS
    )

    assert response.status_code == 200, response.text
    document = response.json()
    assert document["success"] is True
    certificate = document["data"]["certificate"]
    assert set(certificate) == {"id", "user_name", "status", "certificate_body", "created_at"}
    assert certificate["user_name"] == user
    assert certificate["status"] == "Active"
    assert certificate["certificate_body"] == body
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", certificate["created_at"])
    assert (
        iam.list_signing_certificates(UserName=user)["Certificates"][0]["CertificateId"]
        == (certificate["id"])
    )


def test_json_dialect_action_in_body_and_snake_case_names(server: Any, user: str) -> None:
    payload = json.dumps({"Action": "GetUser", "user_name": user})

    response = signed(server.url, body=payload, headers=JSON_HEADERS)

    data = response.json()["data"]["user"]
    assert data["user_name"] == user
    assert data["id"].startswith("AIDA")
    assert "created_at" in data


@pytest.mark.parametrize(
    ("payload", "status", "code"),
    [
        ({"Action": "GetUser", "UserName": "nobody-here"}, 404, "NO_SUCH_ENTITY"),
        ({"Action": "CreateUser", "UserName": "bad name"}, 400, "VALIDATION_ERROR"),
        (
            {"Action": "UploadSigningCertificate", "CertificateBody": "junk"},
            400,
            "MALFORMED_CERTIFICATE",
        ),
        ({"Action": "Nope"}, 400, "INVALID_ACTION"),
    ],
)
def test_json_dialect_errors(server: Any, payload: dict[str, str], status: int, code: str) -> None:
    response = signed(server.url, body=json.dumps(payload), headers=JSON_HEADERS)

    assert response.status_code == status
    document = response.json()
    assert document["success"] is False
    assert document["error"]["code"] == code
    assert document["error"]["message"]


def test_json_dialect_signature_error(server: Any) -> None:
    response = signed(
        server.url,
        body=json.dumps({"Action": "ListUsers"}),
        headers=JSON_HEADERS,
        key=("AKIAIOSFODNN7SIGNET1", "z" * 40),
    )

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "SIGNATURE_DOES_NOT_MATCH"


def test_accept_json_with_form_body(server: Any) -> None:
    response = signed(
        server.url,
        body="Action=ListUsers&Version=2010-05-08",
        headers={**FORM, "Accept": "application/json"},
    )

    document = response.json()
    assert document["success"] is True
    assert document["data"]["is_truncated"] is False


def test_openapi_document_is_served(server: Any) -> None:
    import httpx

    document = httpx.get(server.url + "/openapi.json").json()

    assert document["openapi"].startswith("3.")
