"""Tests for signet.x509: PEM extraction, acceptance rules and the inspect report."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509 as cx509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signet import ids
from signet.errors import InvalidCertificate, MalformedCertificate
from signet.x509 import Certificate, describe, parse_certificate
from tests import certs
from tests.fuzzing import examples

Factory = Callable[[], tuple[str, str]]


def _now() -> datetime:
    return datetime.now(UTC)


def _cert(factory: Factory) -> str:
    return factory()[0]


def _malformed(body: str, now: datetime | None = None) -> MalformedCertificate:
    with pytest.raises(MalformedCertificate) as info:
        parse_certificate(body, now or _now())
    return info.value


def _invalid(body: str) -> InvalidCertificate:
    with pytest.raises(InvalidCertificate) as info:
        parse_certificate(body, _now())
    return info.value


def _assert_no_key_material(text: str, key_pem: str) -> None:
    for line in key_pem.splitlines():
        if line.strip():
            assert line.strip() not in text


# Accepted certificates


@pytest.mark.parametrize(
    ("factory", "key_type", "key_size", "curve", "signature"),
    [
        pytest.param(
            lambda: certs.make_rsa_cert(2048),
            "RSA",
            2048,
            None,
            "sha256WithRSAEncryption",
            id="rsa2048",
        ),
        pytest.param(
            lambda: certs.make_rsa_cert(4096),
            "RSA",
            4096,
            None,
            "sha256WithRSAEncryption",
            id="rsa4096",
        ),
        pytest.param(
            lambda: certs.make_ec_cert(ec.SECP256R1()),
            "EC",
            256,
            "secp256r1",
            "ecdsa-with-SHA256",
            id="p256",
        ),
        pytest.param(
            lambda: certs.make_ec_cert(ec.SECP384R1()),
            "EC",
            384,
            "secp384r1",
            "ecdsa-with-SHA256",
            id="p384",
        ),
        pytest.param(
            lambda: certs.make_ec_cert(ec.SECP521R1()),
            "EC",
            521,
            "secp521r1",
            "ecdsa-with-SHA256",
            id="p521",
        ),
    ],
)
def test_parse_certificate_accepts_supported_key(
    factory: Factory, key_type: str, key_size: int, curve: str | None, signature: str
) -> None:
    result = parse_certificate(_cert(factory), _now())
    assert (result.key_type, result.key_size, result.curve) == (key_type, key_size, curve)
    assert result.signature_algorithm == signature


def test_parse_certificate_fills_every_fact() -> None:
    pem, _ = certs.make_rsa_cert(common_name="facts")
    der = certs.pem_to_der(pem)
    parsed = cx509.load_der_x509_certificate(der)
    result = parse_certificate(pem, _now())
    assert isinstance(result, Certificate)
    assert result.der == der
    assert result.certificate_id == ids.certificate_id(der)
    assert result.fingerprint_sha256 == parsed.fingerprint(hashes.SHA256()).hex()
    assert result.subject == result.issuer == "CN=facts"
    assert result.serial_number == parsed.serial_number
    assert result.not_before == parsed.not_valid_before_utc
    assert result.not_after == parsed.not_valid_after_utc
    assert result.not_before.utcoffset() == timedelta(0)


def test_parse_certificate_accepts_ca_signed_leaf() -> None:
    leaf, _, _ = certs.make_ca_signed_cert("leaf")
    result = parse_certificate(leaf, _now())
    assert result.subject == "CN=leaf"
    assert result.issuer == "CN=signet-test-ca"
    assert result.signature_algorithm == "ecdsa-with-SHA256"


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda pem: pem.replace("\n", "\r\n"), id="crlf"),
        pytest.param(lambda pem: pem.rstrip("\n"), id="no-final-newline"),
        pytest.param(lambda pem: "\n\n  \t" + pem + "\n \r\n\n", id="surrounding-whitespace"),
        pytest.param(lambda pem: " " + pem.replace("\n", "\r\n").rstrip(), id="crlf-stripped"),
    ],
)
def test_parse_certificate_accepts_formatting_variant(variant: Callable[[str], str]) -> None:
    pem, _ = certs.make_rsa_cert()
    original = parse_certificate(pem, _now())
    result = parse_certificate(variant(pem), _now())
    assert result.certificate_id == original.certificate_id
    assert result.der == original.der


def test_parse_certificate_accepts_validity_bounds() -> None:
    pem, _ = certs.make_rsa_cert()
    parsed = cx509.load_der_x509_certificate(certs.pem_to_der(pem))
    parse_certificate(pem, parsed.not_valid_before_utc)
    parse_certificate(pem, parsed.not_valid_after_utc)


def test_distinct_rsa_certs_have_distinct_ids() -> None:
    bodies = certs.distinct_rsa_certs(20)
    assert len({parse_certificate(body, _now()).certificate_id for body in bodies}) == 20


# Refused keys and signatures


def _p192() -> tuple[str, str]:
    try:
        return certs.make_ec_cert(ec.SECP192R1())
    except UnsupportedAlgorithm:
        pytest.skip("this OpenSSL cannot make P-192 keys")


@pytest.mark.parametrize(
    ("factory", "expected"),
    [
        pytest.param(lambda: certs.make_rsa_cert(1024), "1024 bits", id="rsa1024"),
        pytest.param(certs.make_ed25519_cert, "(Ed25519) is not accepted", id="ed25519"),
        pytest.param(_p192, "secp192r1", id="p192"),
        pytest.param(lambda: certs.make_ec_cert(ec.SECP256K1()), "secp256k1", id="secp256k1"),
    ],
)
def test_parse_certificate_refuses_unaccepted_key(factory: Factory, expected: str) -> None:
    error = _invalid(_cert(factory))
    assert expected in error.message


def test_parse_certificate_refuses_self_signed_with_broken_signature() -> None:
    pem, _ = certs.make_broken_signature_cert()
    error = _invalid(pem)
    assert "self-issued" in error.message


# Private keys


@pytest.fixture(scope="module")
def private_keys() -> dict[str, str]:
    return certs.private_key_pems()


_PRIVATE_LABELS = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "ENCRYPTED PRIVATE KEY",
    "OPENSSH PRIVATE KEY",
]


@pytest.mark.parametrize("label", _PRIVATE_LABELS)
@pytest.mark.parametrize(
    "arrangement",
    [
        pytest.param(lambda key, cert: key, id="alone"),
        pytest.param(lambda key, cert: cert + key, id="after-cert"),
        pytest.param(lambda key, cert: key + "\n" + cert, id="before-cert"),
        pytest.param(lambda key, cert: key.replace("\n", "\r\n"), id="crlf"),
    ],
)
def test_parse_certificate_refuses_private_key_label(
    private_keys: dict[str, str], label: str, arrangement: Callable[[str, str], str]
) -> None:
    key_pem = private_keys[label]
    assert f"-----BEGIN {label}-----" in key_pem
    body = arrangement(key_pem, certs.make_rsa_cert()[0])
    error = _malformed(body)
    assert "private key" in error.message
    assert "not stored" in error.message
    assert "only the certificate" in error.message
    for text in (error.message, str(error), repr(error), repr(error.args)):
        _assert_no_key_material(text, key_pem)
    assert error.__cause__ is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "-----BEGIN DSA PRIVATE KEY-----\nMIIBuwIBAAKBgQ==\n-----END DSA PRIVATE KEY-----",
            id="dsa",
        ),
        pytest.param(
            "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n", id="unterminated"
        ),
        pytest.param(
            "-----BEGIN ANY PRIVATE KEY-----\n!!!\n-----END ANY PRIVATE KEY-----", id="any"
        ),
        pytest.param(
            "-----BEGIN private key-----\nAAAA\n-----END private key-----", id="lower-case"
        ),
    ],
)
def test_parse_certificate_refuses_private_key_variant(body: str) -> None:
    error = _malformed(body)
    assert "private key" in error.message
    _assert_no_key_material(error.message, body)


# Malformed bodies


def _with_label(label: str, content: str = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8A") -> str:
    return f"-----BEGIN {label}-----\n{content}\n-----END {label}-----\n"


def _csr() -> str:
    key = certs.rsa_key(2048)
    name = cx509.Name([cx509.NameAttribute(NameOID.COMMON_NAME, "csr")])
    csr = cx509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _public_key() -> str:
    key = certs.rsa_key(2048).public_key()
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def _rsa_pem() -> str:
    return certs.make_rsa_cert()[0]


def _rsa_der() -> bytes:
    return certs.pem_to_der(_rsa_pem())


@pytest.mark.parametrize(
    ("make_body", "expected"),
    [
        pytest.param(lambda: "", "empty", id="empty"),
        pytest.param(lambda: " \r\n\t \n", "empty", id="whitespace"),
        pytest.param(lambda: "hello, this is my certificate", "no PEM block", id="free-text"),
        pytest.param(_public_key, "PUBLIC KEY block", id="public-key"),
        pytest.param(_csr, "CERTIFICATE REQUEST block", id="csr"),
        pytest.param(lambda: _with_label("FOO BAR"), "another kind", id="unknown-label"),
        pytest.param(
            lambda: _with_label("CERTIFICATE", "MIIB$%^&*"), "base64", id="bad-base64-chars"
        ),
        pytest.param(
            lambda: _with_label("CERTIFICATE", "MIIBI"), "base64", id="bad-base64-padding"
        ),
        pytest.param(lambda: _with_label("CERTIFICATE", "AA==AA=="), "base64", id="inner-padding"),
        pytest.param(
            lambda: _with_label("CERTIFICATE", "aGVsbG8gd29ybGQ="), "DER X.509", id="not-der"
        ),
        pytest.param(lambda: _with_label("CERTIFICATE", ""), "empty", id="empty-block"),
        pytest.param(lambda: _rsa_der().decode("latin-1"), "PEM-encoded", id="der"),
        pytest.param(
            lambda: _rsa_der().decode("utf-8", errors="replace"), "PEM-encoded", id="der-utf8"
        ),
        pytest.param(lambda: base64.b64encode(_rsa_der()).decode(), "PEM-encoded", id="raw-base64"),
        pytest.param(
            lambda: base64.encodebytes(_rsa_der()).decode(), "PEM-encoded", id="raw-base64-lines"
        ),
        pytest.param(lambda: _rsa_pem() + "garbage\n", "after", id="trailing-garbage"),
        pytest.param(lambda: _rsa_pem() + "-----", "after", id="trailing-dashes"),
        pytest.param(lambda: "Certificate:\n" + _rsa_pem(), "before", id="leading-garbage"),
        pytest.param(
            lambda: _rsa_pem().replace("END CERTIFICATE", "END X509 CRL"),
            "does not match",
            id="mismatched-end",
        ),
        pytest.param(
            lambda: _rsa_pem().replace("-----END CERTIFICATE-----", ""), "without", id="no-end"
        ),
        pytest.param(
            lambda: _rsa_pem().replace("-----BEGIN CERTIFICATE-----", ""), "without", id="no-begin"
        ),
        pytest.param(
            lambda: "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n",
            "out of order",
            id="reversed",
        ),
        pytest.param(lambda: _rsa_pem() + _rsa_pem(), "found 2", id="two-certs"),
        pytest.param(lambda: "".join(certs.distinct_rsa_certs(3)), "found 3", id="three-certs"),
        pytest.param(lambda: _rsa_pem() + _public_key(), "PUBLIC KEY block", id="cert-and-key"),
    ],
)
def test_parse_certificate_refuses_malformed_body(
    make_body: Callable[[], str], expected: str
) -> None:
    body = make_body()
    error = _malformed(body)
    assert expected in error.message
    if body.strip():
        assert body.strip() not in error.message


def test_parse_certificate_refuses_not_yet_valid() -> None:
    pem, _ = certs.make_not_yet_valid_cert()
    not_before = cx509.load_der_x509_certificate(certs.pem_to_der(pem)).not_valid_before_utc
    error = _malformed(pem)
    assert "not yet valid" in error.message
    assert not_before.strftime("%Y-%m-%dT%H:%M:%SZ") in error.message


def test_parse_certificate_refuses_expired() -> None:
    pem, _ = certs.make_expired_cert()
    not_after = cx509.load_der_x509_certificate(certs.pem_to_der(pem)).not_valid_after_utc
    error = _malformed(pem)
    assert "expired" in error.message
    assert not_after.strftime("%Y-%m-%dT%H:%M:%SZ") in error.message


def test_parse_certificate_refuses_one_second_after_not_after() -> None:
    pem, _ = certs.make_rsa_cert()
    not_after = cx509.load_der_x509_certificate(certs.pem_to_der(pem)).not_valid_after_utc
    _malformed(pem, not_after + timedelta(seconds=1))


def test_parse_certificate_refuses_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        parse_certificate(certs.make_rsa_cert()[0], datetime.now())


# describe


def test_describe_reports_accepted_certificate() -> None:
    pem, _ = certs.make_ec_cert(common_name="inspect")
    now = _now()
    report = describe(pem, now)
    facts = parse_certificate(pem, now)
    assert report["decision"] == {"accepted": True}
    assert report["subject"] == "CN=inspect"
    assert report["serial_number"] == format(facts.serial_number, "x")
    assert report["certificate_id"] == facts.certificate_id
    assert report["curve"] == "secp256r1"
    assert report["not_after"] == facts.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert report["days_left"] in (364, 365)
    json.dumps(report)


def test_describe_keeps_facts_when_expired() -> None:
    pem, _ = certs.make_expired_cert("old")
    report = describe(pem, _now())
    assert report["subject"] == "CN=old"
    assert report["days_left"] == -20 or report["days_left"] == -21
    decision = report["decision"]
    assert isinstance(decision, dict)
    assert decision["accepted"] is False
    assert decision["error"]["code"] == "MalformedCertificate"
    assert "expired" in decision["error"]["message"]


def test_describe_keeps_facts_when_key_refused() -> None:
    report = describe(certs.make_ed25519_cert()[0], _now())
    assert report["key_type"] == "Ed25519"
    assert report["decision"]["error"]["code"] == "InvalidCertificate"  # type: ignore[index]


def test_describe_nulls_facts_when_unparseable() -> None:
    report = describe("not a certificate", _now())
    assert report["subject"] is None
    assert report["certificate_id"] is None
    assert report["decision"]["error"]["code"] == "MalformedCertificate"  # type: ignore[index]
    json.dumps(report)


def test_describe_omits_private_key_material(private_keys: dict[str, str]) -> None:
    key_pem = private_keys["RSA PRIVATE KEY"]
    dumped = json.dumps(describe(certs.make_rsa_cert()[0] + key_pem, _now()))
    _assert_no_key_material(dumped, key_pem)
    assert "private key" in dumped


# Arbitrary input


_ALLOWED = (MalformedCertificate, InvalidCertificate)
_FIXED_NOW = datetime(2030, 1, 1, tzinfo=UTC)
_B64 = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n ")


def _only_refusals(body: str) -> None:
    with contextlib.suppress(*_ALLOWED):
        parse_certificate(body, _FIXED_NOW)
    describe(body, _FIXED_NOW)


@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.one_of(
        st.text(),
        st.builds(lambda s: f"-----BEGIN CERTIFICATE-----\n{s}\n-----END CERTIFICATE-----", _B64),
        st.builds(
            lambda a, label, b: f"{a}-----BEGIN {label}-----{b}-----END {label}-----",
            st.text(max_size=5),
            st.sampled_from(["CERTIFICATE", "PRIVATE KEY", "X", ""]),
            _B64,
        ),
        st.binary().map(lambda b: b.decode("latin-1")),
    )
)
def test_parse_certificate_arbitrary_text_raises_only_refusals(body: str) -> None:
    _only_refusals(body)


@pytest.fixture(scope="module")
def valid_pem() -> str:
    return certs.make_ec_cert()[0]


@settings(
    max_examples=examples(200),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(position=st.integers(min_value=0), replacement=st.characters(), delete=st.booleans())
def test_parse_certificate_mutated_pem_raises_only_refusals(
    valid_pem: str, position: int, replacement: str, delete: bool
) -> None:
    index = position % len(valid_pem)
    body = valid_pem[:index] + ("" if delete else replacement) + valid_pem[index + 1 :]
    with contextlib.suppress(*_ALLOWED):
        parse_certificate(body, _now())


def test_certs_helpers_follow_fixed_clock() -> None:
    frozen = datetime(2031, 6, 1, 12, 0, tzinfo=UTC)
    assert parse_certificate(certs.make_rsa_cert(now=frozen)[0], frozen).not_after > frozen
    assert parse_certificate(certs.make_ec_cert(now=frozen)[0], frozen).curve == "secp256r1"
    _malformed(certs.make_expired_cert(now=frozen)[0], frozen)
    _malformed(certs.make_not_yet_valid_cert(now=frozen)[0], frozen)
