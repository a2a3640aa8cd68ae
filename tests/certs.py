"""Real X.509 certificates for tests, generated with ``cryptography``.

Every ``make_*`` helper returns ``(cert_pem, key_pem)`` as text. RSA key generation is
slow, so RSA keys are generated once per process and size and reused; certificates stay
distinct because each gets a random serial number (pass ``fresh_key=True`` to get a key
of its own). EC and Ed25519 keys are cheap and always fresh.

Validity periods are anchored at ``now`` (keyword-only; the real clock by default) minus
a minute of slack, so a test that read its clock just before generating a certificate
still finds it valid. ``not_before_offset`` moves the start from there and the
certificate lasts ``days_valid`` days from its start.
"""

from __future__ import annotations

import base64
import functools
import itertools
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import (
    CertificateIssuerPrivateKeyTypes,
)
from cryptography.x509.oid import NameOID

__all__ = [
    "ca_key",
    "distinct_rsa_certs",
    "make_broken_signature_cert",
    "make_ca_signed_cert",
    "make_ec_cert",
    "make_ed25519_cert",
    "make_expired_cert",
    "make_not_yet_valid_cert",
    "make_rsa_cert",
    "pem_to_der",
    "private_key_pems",
    "rsa_key",
]

_ZERO = timedelta(0)
_SLACK = timedelta(minutes=1)
_P256 = ec.SECP256R1()
_CA_NAME = "signet-test-ca"
_COUNTER = itertools.count(1)


@functools.cache
def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    """One RSA key per size per process: generating RSA keys costs tens of milliseconds."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


@functools.cache
def ca_key() -> ec.EllipticCurvePrivateKey:
    """The key of the test CA that signs leaf certificates (P-256, cached)."""
    return ec.generate_private_key(_P256)


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _key_pem(key: CertificateIssuerPrivateKeyTypes) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def _build(
    key: CertificateIssuerPrivateKeyTypes,
    *,
    common_name: str,
    days_valid: int | float,
    not_before_offset: timedelta,
    self_signed: bool,
    now: datetime | None,
) -> x509.Certificate:
    """A certificate for ``key``, self-signed or signed by the cached test CA."""
    anchor = datetime.now(UTC) if now is None else now
    not_before = anchor.replace(microsecond=0) - _SLACK + not_before_offset
    if self_signed:
        issuer_name, issuer_key = _name(common_name), key
    else:
        issuer_name, issuer_key = _name(_CA_NAME), ca_key()
    algorithm = None if isinstance(issuer_key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    return (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_before + timedelta(days=days_valid))
        .sign(issuer_key, algorithm)
    )


def make_rsa_cert(
    bits: int = 2048,
    days_valid: int | float = 365,
    not_before_offset: timedelta = _ZERO,
    common_name: str = "signet-test",
    self_signed: bool = True,
    *,
    fresh_key: bool = False,
    now: datetime | None = None,
) -> tuple[str, str]:
    """An RSA certificate and its key; the key is the cached one unless ``fresh_key``."""
    key = rsa.generate_private_key(65537, bits) if fresh_key else rsa_key(bits)
    cert = _build(
        key,
        common_name=common_name,
        days_valid=days_valid,
        not_before_offset=not_before_offset,
        self_signed=self_signed,
        now=now,
    )
    return _cert_pem(cert), _key_pem(key)


def make_ec_cert(
    curve: ec.EllipticCurve = _P256,
    days_valid: int | float = 365,
    not_before_offset: timedelta = _ZERO,
    common_name: str = "signet-test",
    self_signed: bool = True,
    *,
    now: datetime | None = None,
) -> tuple[str, str]:
    """An ECDSA certificate on ``curve`` (P-256 by default) and its fresh key."""
    key = ec.generate_private_key(curve)
    cert = _build(
        key,
        common_name=common_name,
        days_valid=days_valid,
        not_before_offset=not_before_offset,
        self_signed=self_signed,
        now=now,
    )
    return _cert_pem(cert), _key_pem(key)


def make_ed25519_cert(
    days_valid: int | float = 365,
    not_before_offset: timedelta = _ZERO,
    common_name: str = "signet-test",
    self_signed: bool = True,
    *,
    now: datetime | None = None,
) -> tuple[str, str]:
    """An Ed25519 certificate and its fresh key (Signet refuses these)."""
    key = ed25519.Ed25519PrivateKey.generate()
    cert = _build(
        key,
        common_name=common_name,
        days_valid=days_valid,
        not_before_offset=not_before_offset,
        self_signed=self_signed,
        now=now,
    )
    return _cert_pem(cert), _key_pem(key)


def make_expired_cert(
    common_name: str = "signet-expired", *, now: datetime | None = None
) -> tuple[str, str]:
    """An RSA certificate valid from 30 days ago until 20 days ago."""
    return make_rsa_cert(
        days_valid=10, not_before_offset=-timedelta(days=30), common_name=common_name, now=now
    )


def make_not_yet_valid_cert(
    common_name: str = "signet-future", *, now: datetime | None = None
) -> tuple[str, str]:
    """An RSA certificate that becomes valid in 10 days."""
    return make_rsa_cert(not_before_offset=timedelta(days=10), common_name=common_name, now=now)


def make_ca_signed_cert(
    common_name: str = "signet-leaf", *, now: datetime | None = None
) -> tuple[str, str, str]:
    """A leaf RSA certificate signed by the test CA: ``(leaf_pem, leaf_key_pem, ca_pem)``."""
    leaf_pem, leaf_key_pem = make_rsa_cert(common_name=common_name, self_signed=False, now=now)
    ca = _build(
        ca_key(),
        common_name=_CA_NAME,
        days_valid=3650,
        not_before_offset=-timedelta(days=1),
        self_signed=True,
        now=now,
    )
    return leaf_pem, leaf_key_pem, _cert_pem(ca)


def make_broken_signature_cert(
    common_name: str = "signet-broken", *, now: datetime | None = None
) -> tuple[str, str]:
    """A self-signed RSA certificate whose signature has one byte flipped.

    The signature is the last thing in the DER, so flipping the final byte leaves the
    structure intact: the certificate still parses but no longer verifies.
    """
    pem, key_pem = make_rsa_cert(common_name=common_name, now=now)
    der = bytearray(pem_to_der(pem))
    der[-1] ^= 0x01
    broken = x509.load_der_x509_certificate(bytes(der))
    return _cert_pem(broken), key_pem


def distinct_rsa_certs(
    n: int, days_valid: int | float = 365, *, now: datetime | None = None
) -> list[str]:
    """``n`` distinct self-signed RSA-2048 certificates sharing the cached key, fast."""
    return [
        make_rsa_cert(days_valid=days_valid, common_name=f"signet-test-{next(_COUNTER)}", now=now)[
            0
        ]
        for _ in range(n)
    ]


def pem_to_der(pem: str) -> bytes:
    """The DER inside a single-block PEM text."""
    lines = [line for line in pem.strip().splitlines() if not line.startswith("-----")]
    return base64.b64decode("".join(lines))


def private_key_pems() -> dict[str, str]:
    """Private keys in each common PEM flavour, keyed by the PEM label they use."""
    rsa_k = rsa_key(2048)
    ec_k = ec.generate_private_key(_P256)
    enc = serialization.Encoding.PEM
    fmt = serialization.PrivateFormat
    plain = serialization.NoEncryption()
    return {
        "PRIVATE KEY": rsa_k.private_bytes(enc, fmt.PKCS8, plain).decode("ascii"),
        "RSA PRIVATE KEY": rsa_k.private_bytes(enc, fmt.TraditionalOpenSSL, plain).decode("ascii"),
        "EC PRIVATE KEY": ec_k.private_bytes(enc, fmt.TraditionalOpenSSL, plain).decode("ascii"),
        "ENCRYPTED PRIVATE KEY": ec_k.private_bytes(
            enc, fmt.PKCS8, serialization.BestAvailableEncryption(b"signet-test")
        ).decode("ascii"),
        "OPENSSH PRIVATE KEY": ec_k.private_bytes(enc, fmt.OpenSSH, plain).decode("ascii"),
    }
