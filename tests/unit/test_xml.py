"""XML responses, read back with botocore's own Query response parser."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import botocore.session
import pytest
from botocore.parsers import create_parser

from signet.wire.model import Operation, load_models
from signet.wire.xml import escape_attribute, escape_text, format_timestamp, render_error_xml

IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
REQUEST_ID = "7a62c49f-347e-4fc4-9331-6e8eEXAMPLE"
WHEN = datetime(2013, 6, 6, 21, 40, 8, tzinfo=UTC)
PEM_CRLF = "-----BEGIN CERTIFICATE-----\r\nMIIBszCCAVmgAwIBAgIU\r\n-----END CERTIFICATE-----\r\n"


@functools.cache
def _botocore_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _op(action: str) -> Operation:
    found = load_models().operation(action, None)
    assert found is not None
    return found


def _certificate(number: int) -> dict[str, Any]:
    return {
        "UserName": "bob",
        "CertificateId": f"TA7SMP42TDN5Z26OBPJE7EXAMPLE{number}",
        "CertificateBody": PEM_CRLF,
        "Status": "Active",
        "UploadDate": WHEN + timedelta(days=number),
    }


def _parse(operation: Operation, body: bytes, status: int = 200) -> dict[str, Any]:
    model = _botocore_model(operation.service).operation_model(operation.name)
    response = {"body": body, "headers": {}, "status_code": status}
    parsed: dict[str, Any] = create_parser("query").parse(response, model.output_shape)
    return parsed


def _round_trip(action: str, result: dict[str, Any] | None) -> dict[str, Any]:
    operation = _op(action)
    parsed = _parse(operation, operation.render_xml(result, REQUEST_ID))
    assert parsed.pop("ResponseMetadata")["RequestId"] == REQUEST_ID
    return parsed


# Success bodies, botocore's parser as the oracle


@pytest.mark.parametrize(
    ("action", "result"),
    [
        ("UploadSigningCertificate", {"Certificate": _certificate(1)}),
        ("ListSigningCertificates", {"Certificates": [], "IsTruncated": False}),
        ("ListSigningCertificates", {"Certificates": [_certificate(1)], "IsTruncated": False}),
        (
            "ListSigningCertificates",
            {"Certificates": [_certificate(1), _certificate(2)], "IsTruncated": False},
        ),
        (
            "ListSigningCertificates",
            {"Certificates": [_certificate(3)], "IsTruncated": True, "Marker": "b3BhcXVl+/="},
        ),
        (
            "GetUser",
            {
                "User": {
                    "Path": "/",
                    "UserName": "bob",
                    "UserId": "AIDACKCEVSQ6C2EXAMPLE",
                    "Arn": "arn:aws:iam::123456789012:user/bob",
                    "CreateDate": WHEN,
                    "PasswordLastUsed": WHEN + timedelta(hours=1),
                    "PermissionsBoundary": {
                        "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                        "PermissionsBoundaryArn": "arn:aws:iam::aws:policy/PowerUserAccess",
                    },
                    "Tags": [{"Key": "team", "Value": "a < b & c > d"}, {"Key": "e", "Value": ""}],
                }
            },
        ),
        (
            "ListAccessKeys",
            {
                "AccessKeyMetadata": [
                    {
                        "UserName": "bob",
                        "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                        "Status": "Inactive",
                        "CreateDate": WHEN,
                    }
                ],
                "IsTruncated": False,
            },
        ),
        (
            "CreateAccessKey",
            {
                "AccessKey": {
                    "UserName": "bob",
                    "AccessKeyId": "AKIAIOSFODNN7EXAMPLE",
                    "Status": "Active",
                    "SecretAccessKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY",
                    "CreateDate": WHEN,
                }
            },
        ),
        (
            "GetCallerIdentity",
            {
                "UserId": "AIDACKCEVSQ6C2EXAMPLE",
                "Account": "123456789012",
                "Arn": "arn:aws:iam::123456789012:user/bob",
            },
        ),
        ("GetAccountSummary", {"SummaryMap": {"Users": 3, "SigningCertificatesPerUserQuota": 2}}),
        (
            "GetCredentialReport",
            {
                "Content": b"user,arn\r\n<root>,x\n",
                "ReportFormat": "text/csv",
                "GeneratedTime": WHEN,
            },
        ),
        ("DeleteUser", None),
    ],
)
def test_render_xml_round_trips_through_botocore(
    action: str, result: dict[str, Any] | None
) -> None:
    assert _round_trip(action, result) == (result or {})


def test_render_xml_keeps_crlf_certificate_body_exact() -> None:
    parsed = _round_trip("UploadSigningCertificate", {"Certificate": _certificate(1)})
    assert parsed["Certificate"]["CertificateBody"] == PEM_CRLF


def test_render_xml_skips_none_members() -> None:
    result = {"Certificates": [], "IsTruncated": False, "Marker": None}
    assert _round_trip("ListSigningCertificates", result) == {
        "Certificates": [],
        "IsTruncated": False,
    }


def test_render_xml_upload_signing_certificate_bytes() -> None:
    body = _op("UploadSigningCertificate").render_xml(
        {"Certificate": {**_certificate(0), "CertificateBody": "a\r\nb"}}, REQUEST_ID
    )
    assert (
        body
        == (
            f'<UploadSigningCertificateResponse xmlns="{IAM_NS}">'
            "<UploadSigningCertificateResult><Certificate>"
            "<UserName>bob</UserName><CertificateId>TA7SMP42TDN5Z26OBPJE7EXAMPLE0</CertificateId>"
            "<CertificateBody>a&#13;\nb</CertificateBody><Status>Active</Status>"
            "<UploadDate>2013-06-06T21:40:08Z</UploadDate>"
            "</Certificate></UploadSigningCertificateResult>"
            f"<ResponseMetadata><RequestId>{REQUEST_ID}</RequestId></ResponseMetadata>"
            "</UploadSigningCertificateResponse>"
        ).encode()
    )


def test_render_xml_members_follow_model_order() -> None:
    result = {"Marker": "m", "IsTruncated": True, "Certificates": []}
    body = _op("ListSigningCertificates").render_xml(result, "r")
    assert b"<Certificates/><IsTruncated>true</IsTruncated><Marker>m</Marker>" in body


def test_render_xml_without_output_has_only_metadata() -> None:
    assert (
        _op("DeleteUser").render_xml(None, "r-1")
        == (
            f'<DeleteUserResponse xmlns="{IAM_NS}">'
            "<ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DeleteUserResponse>"
        ).encode()
    )


def test_render_xml_sts_uses_sts_namespace() -> None:
    body = _op("GetCallerIdentity").render_xml({"Account": "123456789012"}, "r")
    assert body.startswith(
        b'<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
        b"<GetCallerIdentityResult><Account>123456789012</Account></GetCallerIdentityResult>"
    )


def test_render_xml_escapes_request_id() -> None:
    assert b"<RequestId>a&lt;b</RequestId>" in _op("DeleteUser").render_xml(None, "a<b")


# Errors


def test_render_error_xml_bytes() -> None:
    body = render_error_xml(
        "NoSuchEntity", "The user with name Bob cannot be found.", "Sender", "rid-1", IAM_NS
    )
    assert (
        body
        == (
            f'<ErrorResponse xmlns="{IAM_NS}"><Error><Type>Sender</Type><Code>NoSuchEntity</Code>'
            "<Message>The user with name Bob cannot be found.</Message></Error>"
            "<RequestId>rid-1</RequestId></ErrorResponse>"
        ).encode()
    )


def test_render_error_xml_parses_in_botocore() -> None:
    message = "Value 'a<b&c' at 'userName' failed"
    body = render_error_xml("ValidationError", message, "Sender", "rid-2", IAM_NS)
    parsed = _parse(_op("GetUser"), body, status=400)
    assert parsed["Error"] == {"Type": "Sender", "Code": "ValidationError", "Message": message}
    assert parsed["ResponseMetadata"]["RequestId"] == "rid-2"


# Helpers


def test_escape_text_escapes_markup_and_carriage_returns() -> None:
    assert escape_text("a&b<c>d\r\ne\"f'") == "a&amp;b&lt;c&gt;d&#13;\ne\"f'"


def test_escape_attribute_also_escapes_quotes() -> None:
    assert escape_attribute('x"&') == "x&quot;&amp;"


def test_format_timestamp_is_utc_to_the_second() -> None:
    assert format_timestamp(datetime(2015, 6, 6, 21, 40, 8, 121000, tzinfo=UTC)) == (
        "2015-06-06T21:40:08Z"
    )


def test_format_timestamp_converts_other_zones_to_utc() -> None:
    paris = timezone(timedelta(hours=2))
    assert format_timestamp(datetime(2013, 6, 6, 23, 40, 8, tzinfo=paris)) == (
        "2013-06-06T21:40:08Z"
    )


def test_format_timestamp_takes_naive_as_utc_and_passes_strings() -> None:
    assert format_timestamp(datetime(999, 1, 2, 3, 4, 5)) == "0999-01-02T03:04:05Z"
    assert format_timestamp("2013-06-06T21:40:08.121Z") == "2013-06-06T21:40:08.121Z"
