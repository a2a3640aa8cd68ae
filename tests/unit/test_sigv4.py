"""SigV4 verification, with botocore as the oracle that signs the requests."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from unittest import mock
from urllib.parse import quote, urlsplit

import boto3
import botocore.auth
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signet.auth.sigv4 import (
    MAX_EXPIRES,
    HttpRequest,
    Signature,
    parse_signature,
    verify_signature,
)
from signet.errors import (
    AwsError,
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureDoesNotMatch,
)
from tests.fuzzing import examples

AKID = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SIGNED_AT = datetime(2022, 1, 27, 1, 59, 28)  # naive UTC, as botocore keeps its clock
NOW = SIGNED_AT.replace(tzinfo=UTC)
ENDPOINT = "http://localhost:8080/"
FORM = "application/x-www-form-urlencoded; charset=utf-8"
MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
CERTIFICATE_BODY = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBszCCAVmgAwIBAgIUQ+/9x= Zm9v YmFy\n"
    "  indented line with  double  spaces +/=\n"
    "-----END CERTIFICATE-----\n"
)


# Helpers


@contextmanager
def botocore_clock(moment: datetime) -> Iterator[None]:
    """Make botocore sign as if it were ``moment`` (naive UTC)."""
    with mock.patch.object(botocore.auth, "get_current_datetime", lambda *a, **k: moment):
        yield


def to_http(request: AWSRequest) -> HttpRequest:
    """The request as an ASGI server sees it: raw path and query, lower-cased headers."""
    return from_prepared(request.prepare())


def from_prepared(prepared: Any) -> HttpRequest:
    """Convert botocore's prepared request as it would go on the wire."""
    url = urlsplit(prepared.url)
    headers = {
        name.lower(): value.decode("utf-8") if isinstance(value, bytes) else str(value)
        for name, value in prepared.headers.items()
    }
    headers.setdefault("host", url.netloc)  # urllib3 sends Host from the URL
    body = prepared.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    return HttpRequest(prepared.method, url.path or "/", url.query, headers, body)


def signed(
    request: AWSRequest,
    *,
    service: str = "iam",
    region: str = "us-east-1",
    secret: str = SECRET,
    token: str | None = None,
    at: datetime = SIGNED_AT,
) -> HttpRequest:
    """Sign with botocore's header signer and convert."""
    with botocore_clock(at):
        SigV4Auth(Credentials(AKID, secret, token), service, region).add_auth(request)
    return to_http(request)


def presigned(
    request: AWSRequest,
    *,
    service: str = "iam",
    region: str = "us-east-1",
    expires: int = 3600,
    token: str | None = None,
    at: datetime = SIGNED_AT,
) -> HttpRequest:
    """Sign with botocore's query-string signer and convert."""
    with botocore_clock(at):
        SigV4QueryAuth(Credentials(AKID, SECRET, token), service, region, expires).add_auth(request)
    return to_http(request)


def form_post(url: str = ENDPOINT, **params: str) -> AWSRequest:
    data = params or {
        "Action": "UploadSigningCertificate",
        "Version": "2010-05-08",
        "UserName": "alice",
        "CertificateBody": CERTIFICATE_BODY,
    }
    return AWSRequest("POST", url, data=data, headers={"Content-Type": FORM})


def query_get() -> AWSRequest:
    params = {"Action": "ListUsers", "Version": "2010-05-08", "PathPrefix": "/a b+c/é~"}
    return AWSRequest("GET", ENDPOINT, params=params)


def json_post() -> AWSRequest:
    body = json.dumps({"UserName": "alice", "Tags": [{"Key": "k", "Value": "v w"}]})
    headers = {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "IAM.ListUsers"}
    return AWSRequest("POST", ENDPOINT, data=body.encode(), headers=headers)


def verify(request: HttpRequest, secret: str = SECRET, now: datetime = NOW) -> Signature:
    signature = parse_signature(request)
    verify_signature(request, signature, secret, now)
    return signature


def with_headers(request: HttpRequest, **changes: str | None) -> HttpRequest:
    headers = dict(request.headers)
    for name, value in changes.items():
        key = name.replace("_", "-")
        if value is None:
            headers.pop(key, None)
        else:
            headers[key] = value
    return dataclasses.replace(request, headers=headers)


def with_authorization(request: HttpRequest, old: str, new: str) -> HttpRequest:
    authorization = request.headers["authorization"]
    assert old in authorization
    return with_headers(request, authorization=authorization.replace(old, new))


def signature_hex(request: HttpRequest) -> str:
    return request.headers["authorization"].rsplit("Signature=", 1)[1]


# Botocore-signed requests verify


def test_verify_form_post_passes() -> None:
    request = signed(form_post())
    assert b"%0A" in request.body and b"%2B" in request.body and b"+" in request.body
    signature = verify(request)
    assert signature == Signature(
        access_key_id=AKID,
        date="20220127",
        region="us-east-1",
        service="iam",
        amz_date="20220127T015928Z",
        signed_headers=("content-type", "host", "x-amz-date"),
        signature=signature_hex(request),
        presigned=False,
        expires=None,
        security_token=None,
    )


def test_verify_get_with_query_passes() -> None:
    request = signed(query_get())
    assert "+" in request.query_string  # botocore sends spaces as '+' and signs them as %20
    verify(request)


def test_verify_json_post_passes() -> None:
    request = signed(json_post())
    assert "x-amz-target" in parse_signature(request).signed_headers
    verify(request)


@pytest.mark.parametrize("service", ["iam", "sts"])
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3", "cn-north-1", "us-gov-west-1"])
def test_verify_any_region_passes(service: str, region: str) -> None:
    signature = verify(signed(form_post(), service=service, region=region))
    assert (signature.service, signature.region) == (service, region)


def test_verify_session_token_passes() -> None:
    request = signed(form_post(), token="FwoGZXIvYXdzE+/token==")
    signature = verify(request)
    assert signature.security_token == "FwoGZXIvYXdzE+/token=="
    assert "x-amz-security-token" in signature.signed_headers


def test_verify_date_header_passes() -> None:
    request = form_post()
    request.headers["Date"] = "placeholder"  # botocore then signs with Date, not X-Amz-Date
    http = signed(request)
    assert "x-amz-date" not in http.headers
    assert http.headers["date"] == "Thu, 27 Jan 2022 01:59:28 -0000"
    assert verify(http).amz_date == "20220127T015928Z"


def test_parse_date_header_gmt_form() -> None:
    request = with_headers(
        signed(form_post()), x_amz_date=None, date="Thu, 27 Jan 2022 01:59:28 GMT"
    )
    assert parse_signature(request).amz_date == "20220127T015928Z"


def test_verify_default_port_host_passes() -> None:
    verify(signed(form_post("https://iam.amazonaws.com/")))


def test_verify_encoded_path_passes() -> None:
    request = signed(form_post("http://localhost:8080/some%20dir/./x~y/../z/"))
    assert request.path == "/some%20dir/./x~y/../z/"
    verify(request)


def test_verify_repeated_query_names_pass() -> None:
    request = AWSRequest("GET", ENDPOINT, params=[("b", "2"), ("a", "z"), ("a", "y"), ("c", "")])
    verify(signed(request))


def test_verify_unsigned_payload_header_passes() -> None:
    request = form_post()
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    http = signed(request)
    verify(dataclasses.replace(http, body=b"anything at all"))


def test_verify_unsigned_payload_header_unsigned_is_ignored() -> None:
    http = signed(form_post())
    tampered = with_headers(http, x_amz_content_sha256="UNSIGNED-PAYLOAD")
    verify(tampered)  # not signed, so the body is still hashed
    with pytest.raises(SignatureDoesNotMatch):
        verify(dataclasses.replace(tampered, body=b"Action=DeleteUser"))


def test_verify_presigned_get_passes() -> None:
    request = presigned(query_get(), expires=60)
    signature = verify(request)
    assert signature.presigned
    assert signature.expires == 60
    assert signature.signed_headers == ("host",)


def test_verify_presigned_form_params_pass() -> None:
    request = AWSRequest("GET", ENDPOINT, data={"Action": "GetUser", "UserName": "a b"})
    http = presigned(request)
    assert "Action=GetUser" in http.query_string
    verify(http)


def test_verify_presigned_with_token_passes() -> None:
    signature = verify(presigned(query_get(), token="session/token+=="))
    assert signature.security_token == "session/token+=="


def test_verify_presigned_sts_passes() -> None:
    verify(presigned(query_get(), service="sts", region="eu-west-3"))


def test_verify_naive_now_passes() -> None:
    request = signed(form_post())
    verify_signature(request, parse_signature(request), SECRET, SIGNED_AT)  # naive: UTC


def test_verify_aware_non_utc_now_passes() -> None:
    request = signed(form_post())
    paris = NOW.astimezone(timezone(timedelta(hours=1)))
    verify_signature(request, parse_signature(request), SECRET, paris + timedelta(minutes=14))


# Tampering


def _tamper_body(r: HttpRequest) -> HttpRequest:
    body = bytearray(r.body)
    body[-1] ^= 1
    return dataclasses.replace(r, body=bytes(body))


TAMPERINGS: dict[str, Callable[[HttpRequest], HttpRequest]] = {
    "body byte": _tamper_body,
    "body appended": lambda r: dataclasses.replace(r, body=r.body + b"&UserName=bob"),
    "content-type": lambda r: with_headers(r, content_type="text/plain"),
    "host": lambda r: with_headers(r, host="evil.example:8080"),
    "x-amz-date same day": lambda r: with_headers(r, x_amz_date="20220127T015929Z"),
    "signed header removed": lambda r: with_headers(r, content_type=None),
    "query added": lambda r: dataclasses.replace(r, query_string="Action=DeleteUser"),
    "method": lambda r: dataclasses.replace(r, method="PUT"),
    "path": lambda r: dataclasses.replace(r, path="/other"),
    "region": lambda r: with_authorization(r, "/us-east-1/", "/us-west-2/"),
    "service": lambda r: with_authorization(r, "/iam/", "/sts/"),
    "signed header list": lambda r: with_authorization(r, "content-type;host", "host"),
    "signature": lambda r: with_authorization(r, signature_hex(r), "0" * 64),
    "signature uppercase": lambda r: with_authorization(
        r, signature_hex(r), signature_hex(r).upper()
    ),
    "signature truncated": lambda r: with_authorization(r, signature_hex(r), signature_hex(r)[:-1]),
}


@pytest.mark.parametrize("tamper", TAMPERINGS.values(), ids=TAMPERINGS.keys())
def test_verify_tampered_request_mismatch(tamper: Callable[[HttpRequest], HttpRequest]) -> None:
    request = signed(form_post())
    verify(request)
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(tamper(request))
    assert caught.value.message == MISMATCH


def test_verify_wrong_secret_mismatch() -> None:
    request = signed(form_post())
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(request, secret=SECRET[:-1] + "X")
    assert caught.value.message == MISMATCH


def test_verify_tampered_query_mismatch() -> None:
    request = signed(query_get())
    tampered = dataclasses.replace(
        request, query_string=request.query_string.replace("ListUsers", "ListRoles")
    )
    with pytest.raises(SignatureDoesNotMatch):
        verify(tampered)


def test_verify_tampered_presigned_query_mismatch() -> None:
    request = presigned(query_get())
    for old, new in [("ListUsers", "ListRoles"), ("X-Amz-Expires=3600", "X-Amz-Expires=3601")]:
        tampered = dataclasses.replace(request, query_string=request.query_string.replace(old, new))
        with pytest.raises(SignatureDoesNotMatch):
            verify(tampered)


def test_verify_presigned_body_is_hashed() -> None:
    request = presigned(query_get())
    with pytest.raises(SignatureDoesNotMatch):
        verify(dataclasses.replace(request, body=b"Action=DeleteUser"))


def test_parse_scope_date_mismatch() -> None:
    request = with_authorization(signed(form_post()), "/20220127/", "/20220126/")
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request)
    assert caught.value.message == (
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: '20220126' != '20220127', from '20220127T015928Z'."
    )


def test_parse_scope_wrong_service() -> None:
    request = with_authorization(signed(form_post()), "/iam/", "/s3/")
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request)
    assert caught.value.message == "Credential should be scoped to correct service: 'iam'. "


def test_parse_scope_service_restricted() -> None:
    request = signed(form_post())
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request, services=("sts",))
    assert caught.value.message == "Credential should be scoped to correct service: 'sts'. "


@pytest.mark.parametrize("region", ["", "us east", "-us-east-1", "x" * 64, "é"])
def test_parse_scope_invalid_region(region: str) -> None:
    request = with_authorization(signed(form_post()), "/us-east-1/", f"/{region}/")
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request)
    assert (
        caught.value.message == f"Credential should be scoped to a valid region, not '{region}'. "
    )


def test_parse_scope_wrong_terminator() -> None:
    request = with_authorization(signed(form_post()), "/aws4_request", "/aws4_requests")
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request)
    assert caught.value.message == (
        "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws4_requests'. "
    )


@pytest.mark.parametrize(
    "credential",
    [
        f"{AKID}/20220127/us-east-1/iam",
        f"{AKID}/20220127/us-east-1/iam/aws4_request/extra",
        AKID,
    ],
)
def test_parse_credential_wrong_parts(credential: str) -> None:
    request = with_authorization(
        signed(form_post()), f"{AKID}/20220127/us-east-1/iam/aws4_request", credential
    )
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert caught.value.message == (
        "Credential must have exactly 5 slash-delimited elements, "
        f"e.g. keyid/date/region/service/term, got '{credential}'"
    )


@pytest.mark.parametrize("akid", ["", "AKIA IOSFODNN7", "AKIAé", "A" * 129])
def test_parse_invalid_access_key_id(akid: str) -> None:
    request = with_authorization(signed(form_post()), f"{AKID}/", f"{akid}/")
    with pytest.raises(InvalidClientTokenId):
        parse_signature(request)


def test_parse_host_not_signed() -> None:
    request = with_authorization(signed(form_post()), "content-type;host;x-amz-date", "x-amz-date")
    with pytest.raises(SignatureDoesNotMatch) as caught:
        parse_signature(request)
    assert "host" in caught.value.message


def test_verify_host_not_signed_hand_built() -> None:
    request = signed(form_post())
    signature = dataclasses.replace(parse_signature(request), signed_headers=("x-amz-date",))
    with pytest.raises(SignatureDoesNotMatch):
        verify_signature(request, signature, SECRET, NOW)


# Clock


@pytest.mark.parametrize("skew", [timedelta(0), timedelta(minutes=15), -timedelta(minutes=15)])
def test_verify_clock_within_window_passes(skew: timedelta) -> None:
    verify(signed(form_post()), now=NOW + skew)


def test_verify_clock_past_expired() -> None:
    request = signed(form_post(), at=datetime(2022, 1, 27, 0, 14, 27))
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(request, now=datetime(2022, 1, 27, 1, 59, 28, tzinfo=UTC))
    assert caught.value.message == (
        "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z "
        "(20220127T015928Z - 15 min.)"
    )


def test_verify_clock_future_not_yet_current() -> None:
    request = signed(form_post(), at=datetime(2022, 1, 27, 3, 14, 27))
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(request, now=datetime(2022, 1, 27, 1, 59, 28, tzinfo=UTC))
    assert caught.value.message == (
        "Signature not yet current: 20220127T031427Z is still later than 20220127T021428Z "
        "(20220127T015928Z + 15 min.)"
    )


@pytest.mark.parametrize(
    "skew", [timedelta(minutes=15, seconds=1), -timedelta(minutes=15, seconds=1)]
)
def test_verify_clock_just_outside_window(skew: timedelta) -> None:
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(signed(form_post()), now=NOW + skew)
    assert caught.value.message.startswith(
        "Signature expired:" if skew > timedelta(0) else "Signature not yet current:"
    )


def test_verify_presigned_within_expiry_passes() -> None:
    request = presigned(query_get(), expires=60)
    verify(request, now=NOW + timedelta(seconds=60))
    verify(request, now=NOW - timedelta(minutes=15))


def test_verify_presigned_long_expiry_passes() -> None:
    request = presigned(query_get(), expires=MAX_EXPIRES)
    verify(request, now=NOW + timedelta(days=6))


def test_verify_presigned_expired() -> None:
    request = presigned(query_get(), expires=60)
    with pytest.raises(RequestExpired) as caught:
        verify(request, now=NOW + timedelta(seconds=61))
    assert caught.value.message.startswith("Request has expired.")


def test_verify_presigned_future_not_yet_current() -> None:
    request = presigned(query_get(), expires=60)
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify(request, now=NOW - timedelta(minutes=15, seconds=1))
    assert caught.value.message.startswith("Signature not yet current:")


@pytest.mark.parametrize("expires", ["0", "604801", "-1", "abc", "1.5", " 60", "١٢", "9" * 5000])
def test_parse_presigned_bad_expires(expires: str) -> None:
    request = presigned(query_get(), expires=60)
    tampered = dataclasses.replace(
        request,
        query_string=request.query_string.replace("X-Amz-Expires=60", f"X-Amz-Expires={expires}"),
    )
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(tampered)
    assert "X-Amz-Expires" in caught.value.message


# Missing and malformed pieces


def test_parse_no_auth_missing_token() -> None:
    request = to_http(form_post())
    with pytest.raises(MissingAuthenticationToken) as caught:
        parse_signature(request)
    assert caught.value.message == "Request is missing Authentication Token"


def test_parse_empty_authorization_missing_token() -> None:
    request = with_headers(to_http(form_post()), authorization="  ")
    with pytest.raises(MissingAuthenticationToken):
        parse_signature(request)


def test_parse_missing_signature_incomplete() -> None:
    request = signed(form_post())
    hex_value = signature_hex(request)
    broken = with_authorization(request, f", Signature={hex_value}", "")
    broken = with_headers(broken, x_amz_date=None)
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(broken)
    assert caught.value.message == (
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        f"Authorization=AWS4-HMAC-SHA256 Credential={AKID}/20220127/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date"
    )


def test_parse_missing_credential_redacts_signature() -> None:
    request = signed(form_post())
    hex_value = signature_hex(request)
    broken = with_authorization(
        request, f"Credential={AKID}/20220127/us-east-1/iam/aws4_request, ", ""
    )
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(broken)
    message = caught.value.message
    assert hex_value not in message
    assert message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization=AWS4-HMAC-SHA256 SignedHeaders=content-type;host;x-amz-date, "
        "Signature=[redacted]"
    )


def test_parse_all_pieces_missing() -> None:
    request = with_headers(to_http(form_post()), authorization="AWS4-HMAC-SHA256")
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert caught.value.message == (
        "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. "
        "Authorization header requires 'SignedHeaders' parameter. "
        "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
        "Authorization=AWS4-HMAC-SHA256"
    )


@pytest.mark.parametrize(
    "authorization",
    [
        "AWS AKIAIOSFODNN7EXAMPLE:frJIUN8DYpKDtOLCwo//yllqDzg=",
        "AWS4-ECDSA-P256-SHA256 Credential=x, SignedHeaders=host, Signature=ab",
        "Bearer abc",
        "aws4-hmac-sha256 Credential=x",
    ],
)
def test_parse_other_scheme_incomplete(authorization: str) -> None:
    request = with_headers(signed(form_post()), authorization=authorization)
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert "only AWS4-HMAC-SHA256" in caught.value.message
    assert "frJIUN8" not in caught.value.message


def test_parse_header_and_query_incomplete() -> None:
    query = presigned(query_get()).query_string
    request = dataclasses.replace(signed(form_post()), query_string=query)
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert "not both" in caught.value.message


@pytest.mark.parametrize(
    "value", ["2022-01-27T01:59:28Z", "20221327T015928Z", "20220127T015928", "x"]
)
def test_parse_malformed_amz_date_incomplete(value: str) -> None:
    request = with_headers(signed(form_post()), x_amz_date=value)
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert caught.value.message.startswith("Date must be in ISO-8601 'basic format'.")


@pytest.mark.parametrize(
    "value", ["yesterday", "Thu, 32 Jan 2022 01:59:28 GMT", "Thu, 27 Jan 2022"]
)
def test_parse_malformed_date_header_incomplete(value: str) -> None:
    request = with_headers(signed(form_post()), x_amz_date=None, date=value)
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(request)
    assert "RFC 7231" in caught.value.message


@pytest.mark.parametrize(
    "name", ["X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature", "X-Amz-Expires"]
)
def test_parse_presigned_missing_parameter(name: str) -> None:
    request = presigned(query_get())
    query = "&".join(p for p in request.query_string.split("&") if not p.startswith(name + "="))
    with pytest.raises(IncompleteSignature) as caught:
        parse_signature(dataclasses.replace(request, query_string=query))
    assert f"'{name}'" in caught.value.message


def test_parse_presigned_other_algorithm() -> None:
    request = presigned(query_get())
    query = request.query_string.replace("AWS4-HMAC-SHA256", "AWS4-ECDSA-P256-SHA256")
    with pytest.raises(IncompleteSignature):
        parse_signature(dataclasses.replace(request, query_string=query))


def test_parse_presigned_repeated_parameter() -> None:
    request = presigned(query_get())
    query = request.query_string + "&X-Amz-Date=20220127T015928Z"
    with pytest.raises(IncompleteSignature):
        parse_signature(dataclasses.replace(request, query_string=query))


def test_verify_signing_key_cache_is_consistent() -> None:
    first = signed(form_post())
    second = signed(form_post(), secret="another secret")
    for _ in range(2):
        verify(first)
        verify(second, secret="another secret")
        with pytest.raises(SignatureDoesNotMatch):
            verify(first, secret="another secret")


# Robustness: malformed input raises only AwsError


def _parse_and_verify(request: HttpRequest) -> None:
    with suppress(AwsError):
        verify_signature(request, parse_signature(request), SECRET, NOW)


BASE = signed(form_post())
FUZZ = settings(
    max_examples=examples(200), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@FUZZ
@given(st.text())
def test_fuzz_authorization_header_only_aws_errors(authorization: str) -> None:
    _parse_and_verify(with_headers(BASE, authorization=authorization))


component = st.text(alphabet=st.characters(blacklist_characters=",", blacklist_categories=["Cs"]))


@FUZZ
@given(
    credential=st.one_of(
        component,
        st.builds(
            "/".join,
            st.lists(
                st.sampled_from([AKID, "20220127", "us-east-1", "iam", "aws4_request", ""])
                | component,
                max_size=6,
            ),
        ),
    ),
    signed_headers=st.one_of(
        component, st.sampled_from(["host", "host;x-amz-date", ";", "host;nope"])
    ),
    signature=component,
    amz_date=st.one_of(
        st.none(), st.text(), st.sampled_from(["20220127T015928Z", "20220127T256161Z"])
    ),
)
def test_fuzz_structured_authorization_only_aws_errors(
    credential: str, signed_headers: str, signature: str, amz_date: str | None
) -> None:
    authorization = (
        f"AWS4-HMAC-SHA256 Credential={credential}, SignedHeaders={signed_headers}, "
        f"Signature={signature}"
    )
    _parse_and_verify(with_headers(BASE, authorization=authorization, x_amz_date=amz_date))


@FUZZ
@given(st.text())
def test_fuzz_query_string_only_aws_errors(query: str) -> None:
    _parse_and_verify(dataclasses.replace(BASE, query_string=query))
    _parse_and_verify(dataclasses.replace(BASE, query_string=query, headers={"host": "h"}))


PRESIGNED = presigned(query_get())
query_value = st.text() | st.sampled_from(["", "%", "%zz", "%FF", "+", "%2F", "60", "604800"])


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "X-Amz-Algorithm",
                "X-Amz-Credential",
                "X-Amz-Date",
                "X-Amz-Expires",
                "X-Amz-SignedHeaders",
                "X-Amz-Signature",
                "X-Amz-Security-Token",
                "X-Amz-Content-Sha256",
            ]
        ),
        query_value,
    )
)
def test_fuzz_presigned_parameters_only_aws_errors(overrides: dict[str, str]) -> None:
    params = dict(p.partition("=")[::2] for p in PRESIGNED.query_string.split("&"))
    params.update(overrides)
    query = "&".join(f"{name}={value}" for name, value in params.items())
    _parse_and_verify(dataclasses.replace(PRESIGNED, query_string=query))


@FUZZ
@given(
    method=st.text(),
    path=st.text(),
    headers=st.dictionaries(st.text(), st.text()),
    body=st.binary(),
)
def test_fuzz_request_parts_only_aws_errors(
    method: str, path: str, headers: dict[str, str], body: bytes
) -> None:
    merged = {**BASE.headers, **headers}
    _parse_and_verify(HttpRequest(method, path, BASE.query_string, merged, body))


@FUZZ
@given(
    st.builds(
        Signature,
        access_key_id=st.text(),
        date=st.text(),
        region=st.text(),
        service=st.text(),
        amz_date=st.text() | st.just("20220127T015928Z"),
        signed_headers=st.lists(st.text() | st.just("host")).map(tuple),
        signature=st.text(),
        presigned=st.booleans(),
        expires=st.none() | st.integers(),
        security_token=st.none() | st.text(),
    ),
    st.text(),
)
def test_fuzz_hand_built_signature_only_aws_errors(signature: Signature, secret: str) -> None:
    with suppress(AwsError):
        verify_signature(BASE, signature, secret, NOW)


@FUZZ
@given(st.sets(st.sampled_from(["Credential", "SignedHeaders", "Signature", "date"])))
def test_fuzz_incomplete_message_never_echoes_signature(dropped: set[str]) -> None:
    hex_value = signature_hex(BASE)
    parts = {
        "Credential": f"Credential={AKID}/20220127/us-east-1/iam/aws4_request",
        "SignedHeaders": "SignedHeaders=content-type;host;x-amz-date",
        "Signature": f"Signature={hex_value}",
    }
    kept = [value for name, value in parts.items() if name not in dropped]
    authorization = "AWS4-HMAC-SHA256 " + ", ".join(kept) + f", Signatur={hex_value}, {hex_value}"
    request = with_headers(BASE, authorization=authorization)
    if "date" in dropped:
        request = with_headers(request, x_amz_date=None)
    try:
        verify(request)
    except AwsError as error:
        assert hex_value not in error.message


# Canonicalisation agrees with botocore on arbitrary input

text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=12)
ORACLE = settings(FUZZ, max_examples=examples(100))


@ORACLE
@given(st.lists(st.tuples(text, text), max_size=5))
def test_fuzz_query_parameters_verify(params: list[tuple[str, str]]) -> None:
    request = signed(AWSRequest("GET", ENDPOINT, params=params))
    verify(request)


@ORACLE
@given(st.dictionaries(text.filter(lambda n: not n.startswith("X-Amz-")), text, max_size=5))
def test_fuzz_presigned_parameters_verify(params: dict[str, str]) -> None:
    verify(presigned(AWSRequest("GET", ENDPOINT, params=params)))


@ORACLE
@given(st.lists(text | st.sampled_from([".", "..", ""]), max_size=6), st.booleans())
def test_fuzz_path_verify(segments: list[str], trailing: bool) -> None:
    path = "/" + "/".join(quote(segment, safe="") for segment in segments)
    if trailing:
        path += "/"
    request = signed(form_post("http://localhost:8080" + path))
    assert request.path == path
    verify(request)


# Real boto3 clients


class _Captured(Exception):
    """Raised from botocore's before-send hook to stop a request once signed."""


def boto3_request(service: str, region: str, call: Callable[[Any], object]) -> HttpRequest:
    """Run a boto3 client call up to the wire, and return what the server would see."""
    client = boto3.client(
        service,
        endpoint_url="http://localhost:8080",
        region_name=region,
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
        aws_session_token="session-token",
    )
    captured: list[Any] = []

    def before_send(request: Any, **_: object) -> None:
        captured.append(request)
        raise _Captured

    client.meta.events.register("before-send", before_send)
    with botocore_clock(SIGNED_AT), pytest.raises(_Captured):
        call(client)
    return from_prepared(captured[0])


def test_verify_boto3_iam_client_passes() -> None:
    request = boto3_request(
        "iam",
        "us-east-1",
        lambda c: c.upload_signing_certificate(UserName="alice", CertificateBody=CERTIFICATE_BODY),
    )
    assert "user-agent" in request.headers
    signature = verify(request)
    assert signature.security_token == "session-token"


def test_verify_boto3_sts_client_passes() -> None:
    request = boto3_request("sts", "eu-west-3", lambda c: c.get_caller_identity())
    assert verify(request).service == "sts"


def test_verify_boto3_presigned_url_passes() -> None:
    client = boto3.client(
        "iam",
        endpoint_url="http://localhost:8080",
        region_name="us-east-1",
        aws_access_key_id=AKID,
        aws_secret_access_key=SECRET,
    )
    with botocore_clock(SIGNED_AT):
        url = urlsplit(
            client.generate_presigned_url(
                "get_user", Params={"UserName": "a b"}, HttpMethod="GET", ExpiresIn=300
            )
        )
    request = HttpRequest("GET", url.path or "/", url.query, {"host": url.netloc}, b"")
    verify(request)
    with pytest.raises(SignatureDoesNotMatch):  # the method is signed
        verify(dataclasses.replace(request, method="POST"))
