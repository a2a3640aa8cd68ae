"""UploadSigningCertificate and its neighbours, through boto3 against a running server."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client


def error_of(info: pytest.ExceptionInfo[ClientError]) -> tuple[str, str, int]:
    response = info.value.response
    return (
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["ResponseMetadata"]["HTTPStatusCode"],
    )


def test_upload_signing_certificate_returns_active_certificate(iam: Any, user: str) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    before = datetime.now(UTC) - timedelta(seconds=2)

    certificate = iam.upload_signing_certificate(UserName=user, CertificateBody=body)["Certificate"]

    assert certificate["UserName"] == user
    assert certificate["Status"] == "Active"
    assert certificate["CertificateBody"] == body
    assert len(certificate["CertificateId"]) == 32
    assert certificate["CertificateId"].isalnum() and certificate["CertificateId"].isupper()
    assert before <= certificate["UploadDate"] <= datetime.now(UTC) + timedelta(seconds=2)


def test_upload_signing_certificate_accepts_ec_certificates(iam: Any, user: str) -> None:
    body, _ = certs.make_ec_cert()

    certificate = iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    assert certificate["Certificate"]["Status"] == "Active"


def test_upload_signing_certificate_keeps_crlf_body_exactly(iam: Any, user: str) -> None:
    body = certs.distinct_rsa_certs(1)[0].replace("\n", "\r\n")

    uploaded = iam.upload_signing_certificate(UserName=user, CertificateBody=body)
    listed = iam.list_signing_certificates(UserName=user)["Certificates"]

    assert uploaded["Certificate"]["CertificateBody"] == body
    assert listed[0]["CertificateBody"] == body


def test_upload_signing_certificate_without_user_name_goes_to_root(iam: Any, sts: Any) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    account = sts.get_caller_identity()["Account"]

    certificate = iam.upload_signing_certificate(CertificateBody=body)["Certificate"]
    try:
        listed = iam.list_signing_certificates()["Certificates"]
        assert certificate["UserName"] == account
        assert certificate["CertificateId"] in [c["CertificateId"] for c in listed]
    finally:
        iam.delete_signing_certificate(CertificateId=certificate["CertificateId"])

    assert certificate["CertificateId"] not in [
        c["CertificateId"] for c in iam.list_signing_certificates()["Certificates"]
    ]


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ("hello, this is not a certificate", "PEM"),
        ("-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n", "base64"),
        ("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "certificate"),
    ],
)
def test_upload_signing_certificate_malformed_body(
    iam: Any, user: str, body: str, fragment: str
) -> None:
    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    code, message, status = error_of(info)
    assert (code, status) == ("MalformedCertificate", 400)
    assert fragment.lower() in message.lower()
    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []


def test_upload_signing_certificate_private_key_is_refused_and_not_echoed(
    iam: Any, user: str, server: Any
) -> None:
    for label, key_pem in certs.private_key_pems().items():
        with pytest.raises(ClientError) as info:
            iam.upload_signing_certificate(UserName=user, CertificateBody=key_pem)

        code, message, status = error_of(info)
        assert (code, status) == ("MalformedCertificate", 400), label
        assert "private key" in message.lower()
        secret_lines = [line for line in key_pem.splitlines() if not line.startswith("-----")]
        for line in secret_lines:
            assert line not in message
            assert line not in server.log()

    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []


def test_upload_signing_certificate_certificate_with_key_is_refused(iam: Any, user: str) -> None:
    cert_pem, key_pem = certs.make_rsa_cert(common_name="with-key")

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=cert_pem + key_pem)

    assert error_of(info)[0] == "MalformedCertificate"


def test_upload_signing_certificate_der_is_refused(iam: Any, user: str) -> None:
    der = certs.pem_to_der(certs.distinct_rsa_certs(1)[0])

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=der.decode("latin-1"))

    code, _, status = error_of(info)
    assert code in ("MalformedCertificate", "ValidationError")
    assert status == 400


def test_upload_signing_certificate_two_certificates_in_one_body(iam: Any, user: str) -> None:
    first, second = certs.distinct_rsa_certs(2)

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=first + second)

    code, message, _ = error_of(info)
    assert code == "MalformedCertificate"
    assert "2" in message


@pytest.mark.parametrize(
    "make", [certs.make_expired_cert, certs.make_not_yet_valid_cert], ids=["expired", "future"]
)
def test_upload_signing_certificate_outside_validity_window(iam: Any, user: str, make: Any) -> None:
    body, _ = make()

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    assert error_of(info)[:1] == ("MalformedCertificate",)


@pytest.mark.parametrize(
    "make",
    [
        lambda: certs.make_rsa_cert(bits=1024, fresh_key=True),
        certs.make_ed25519_cert,
        certs.make_broken_signature_cert,
    ],
    ids=["rsa-1024", "ed25519", "broken-signature"],
)
def test_upload_signing_certificate_unacceptable_certificate(
    iam: Any, user: str, make: Any
) -> None:
    body, _ = make()

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    code, _, status = error_of(info)
    assert (code, status) == ("InvalidCertificate", 400)


def test_upload_signing_certificate_duplicate_in_account(
    iam: Any, user: str, unique_name: Any
) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    other = unique_name("other")
    iam.create_user(UserName=other)
    iam.upload_signing_certificate(UserName=user, CertificateBody=body)

    try:
        for target, variant in [(user, body), (other, body.replace("\n", "\r\n") + "\n\n")]:
            with pytest.raises(ClientError) as info:
                iam.upload_signing_certificate(UserName=target, CertificateBody=variant)
            assert error_of(info)[0::2] == ("DuplicateCertificate", 409)
        assert iam.list_signing_certificates(UserName=other)["Certificates"] == []
    finally:
        iam.delete_user(UserName=other)


def test_upload_signing_certificate_limit_counts_inactive(iam: Any, user: str) -> None:
    first, second, third = certs.distinct_rsa_certs(3)
    uploaded = iam.upload_signing_certificate(UserName=user, CertificateBody=first)
    iam.update_signing_certificate(
        UserName=user,
        CertificateId=uploaded["Certificate"]["CertificateId"],
        Status="Inactive",
    )
    iam.upload_signing_certificate(UserName=user, CertificateBody=second)

    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody=third)

    code, message, status = error_of(info)
    assert (code, status) == ("LimitExceeded", 409)
    assert message == "Cannot exceed quota for CertificatesPerUser: 2"


def test_upload_signing_certificate_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(
            UserName="nobody-here", CertificateBody=certs.distinct_rsa_certs(1)[0]
        )

    assert error_of(info) == (
        "NoSuchEntity",
        "The user with name nobody-here cannot be found.",
        404,
    )


def test_upload_signing_certificate_body_too_long_is_validation_error(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.upload_signing_certificate(UserName=user, CertificateBody="A" * 16385)

    code, message, status = error_of(info)
    assert (code, status) == ("ValidationError", 400)
    assert "certificateBody" in message
    assert "AAAA" not in message


def test_list_signing_certificates_paginates(iam: Any, user: str) -> None:
    ids = [
        iam.upload_signing_certificate(UserName=user, CertificateBody=body)["Certificate"][
            "CertificateId"
        ]
        for body in certs.distinct_rsa_certs(2)
    ]

    first = iam.list_signing_certificates(UserName=user, MaxItems=1)
    second = iam.list_signing_certificates(UserName=user, MaxItems=1, Marker=first["Marker"])
    paginated = [
        c["CertificateId"]
        for page in iam.get_paginator("list_signing_certificates").paginate(
            UserName=user, PaginationConfig={"PageSize": 1}
        )
        for c in page["Certificates"]
    ]

    assert first["IsTruncated"] is True
    assert second["IsTruncated"] is False and "Marker" not in second
    assert [first["Certificates"][0]["CertificateId"], second["Certificates"][0]["CertificateId"]]
    assert sorted(paginated) == sorted(ids)


def test_list_signing_certificates_unknown_user(iam: Any) -> None:
    with pytest.raises(ClientError) as info:
        iam.list_signing_certificates(UserName="nobody-here")

    assert error_of(info)[0] == "NoSuchEntity"


def test_update_signing_certificate_changes_status(iam: Any, user: str) -> None:
    body = certs.distinct_rsa_certs(1)[0]
    cert_id = iam.upload_signing_certificate(UserName=user, CertificateBody=body)["Certificate"][
        "CertificateId"
    ]

    iam.update_signing_certificate(UserName=user, CertificateId=cert_id, Status="Inactive")
    inactive = iam.list_signing_certificates(UserName=user)["Certificates"][0]["Status"]
    iam.update_signing_certificate(UserName=user, CertificateId=cert_id, Status="Active")
    active = iam.list_signing_certificates(UserName=user)["Certificates"][0]["Status"]

    assert (inactive, active) == ("Inactive", "Active")


def test_update_signing_certificate_bad_status_is_validation_error(iam: Any, user: str) -> None:
    with pytest.raises(ClientError) as info:
        iam.update_signing_certificate(UserName=user, CertificateId="A" * 32, Status="Disabled")

    code, message, _ = error_of(info)
    assert code == "ValidationError"
    assert "Member must satisfy enum value set: [Active, Inactive, Expired]" in message


def test_update_signing_certificate_of_other_user_is_not_found(
    iam: Any, user: str, unique_name: Any
) -> None:
    other = unique_name("other")
    iam.create_user(UserName=other)
    cert_id = iam.upload_signing_certificate(
        UserName=user, CertificateBody=certs.distinct_rsa_certs(1)[0]
    )["Certificate"]["CertificateId"]

    try:
        with pytest.raises(ClientError) as info:
            iam.update_signing_certificate(UserName=other, CertificateId=cert_id, Status="Active")
        assert error_of(info) == (
            "NoSuchEntity",
            f"The Certificate with id {cert_id} cannot be found.",
            404,
        )
    finally:
        iam.delete_user(UserName=other)


def test_delete_signing_certificate_removes_it(iam: Any, user: str) -> None:
    cert_id = iam.upload_signing_certificate(
        UserName=user, CertificateBody=certs.distinct_rsa_certs(1)[0]
    )["Certificate"]["CertificateId"]

    iam.delete_signing_certificate(UserName=user, CertificateId=cert_id)

    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []
    with pytest.raises(ClientError) as info:
        iam.delete_signing_certificate(UserName=user, CertificateId=cert_id)
    assert error_of(info)[0] == "NoSuchEntity"


def test_user_uploads_own_certificate_without_user_name_once_allowed(
    iam: Any, user: str, server: Any
) -> None:
    key = iam.create_access_key(UserName=user)["AccessKey"]
    as_user = make_client(server, key=(key["AccessKeyId"], key["SecretAccessKey"]))

    with pytest.raises(ClientError) as info:
        as_user.upload_signing_certificate(CertificateBody=certs.distinct_rsa_certs(1)[0])

    code, message, status = error_of(info)
    assert (code, status) == ("AccessDenied", 403)
    assert message.startswith("User: arn:aws:iam::")
    assert f"user/{user} is not authorized to perform: iam:UploadSigningCertificate" in message
    assert iam.list_signing_certificates(UserName=user)["Certificates"] == []
