"""Parsing and acceptance of uploaded signing certificates (``UploadSigningCertificate``).

A ``CertificateBody`` must be exactly one PEM ``CERTIFICATE`` block holding one DER
X.509 certificate, with nothing but whitespace around it. LF and CRLF line endings,
surrounding whitespace and a missing final newline are all fine. Anything else is a
``MalformedCertificate``: an empty body, text with no PEM block, binary DER or bare
base64 without PEM armour, a block of another kind, broken base64, bytes that are not a
certificate, several certificates (a chain), text around the block, or a certificate
outside its validity period at upload time.

A private key in the body, in any PEM flavour (``PRIVATE KEY``, ``RSA PRIVATE KEY``,
``ENCRYPTED PRIVATE KEY``, ``OPENSSH PRIVATE KEY``...), is refused before anything else
is looked at, even when a certificate block sits next to it, and nothing is stored.

A certificate that parses is then held to these rules, or refused as
``InvalidCertificate``:

* The public key must be RSA or ECDSA. AWS documents signing certificates as X.509
  certificates with RSA keys; ECDSA is accepted too because modern tooling issues it.
  Ed25519, DSA and every other algorithm are refused.
* RSA keys must have at least 2048 bits, the size AWS recommends. Signet is a security
  service and does not take weak keys.
* ECDSA keys must be on a NIST curve: P-256, P-384 or P-521.
* A self-issued certificate (issuer equal to subject) must carry a signature that
  verifies against its own public key. A certificate issued by someone else is not
  chain-checked: IAM stores signing certificates, it does not validate them to a root.

Checks run cheapest first and the first failure is reported. Every message is built from
constants and from facts derived from the certificate (dates, sizes, counts, curve
names); no message, exception or log line ever quotes the body, so a private key pasted
by mistake cannot leak through an error.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.x509.oid import PublicKeyAlgorithmOID, SignatureAlgorithmOID

from signet import ids
from signet.errors import AwsError, InvalidCertificate, MalformedCertificate

__all__ = ["Certificate", "describe", "parse_certificate"]

_CERTIFICATE_LABEL = "CERTIFICATE"
_MIN_RSA_BITS = 2048
_ACCEPTED_CURVES = frozenset({"secp256r1", "secp384r1", "secp521r1"})

# One PEM encapsulation boundary, BEGIN or END, with its label (RFC 7468).
_MARKER = re.compile(r"-----(BEGIN|END) ([^\r\n-]*)-----")
# Text that is only base64 and whitespace and opens like a DER SEQUENCE ("MI...").
_BARE_BASE64 = re.compile(r"\s*MI[A-Za-z0-9+/=\s]*")
# Control characters other than whitespace, or U+FFFD: a binary body.
_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffd]")

# Labels that may be named in a message: Signet's own constants, never body text.
_KNOWN_LABELS = frozenset(
    {
        "PUBLIC KEY",
        "RSA PUBLIC KEY",
        "CERTIFICATE REQUEST",
        "NEW CERTIFICATE REQUEST",
        "TRUSTED CERTIFICATE",
        "X509 CERTIFICATE",
        "X509 CRL",
        "PKCS7",
        "CMS",
        "EC PARAMETERS",
        "DH PARAMETERS",
        "DSA PARAMETERS",
        "ATTRIBUTE CERTIFICATE",
        "SSH2 PUBLIC KEY",
        "PGP PUBLIC KEY BLOCK",
        "PGP SIGNATURE",
        "PGP MESSAGE",
    }
)

_KEY_NAMES_BY_OID = {
    PublicKeyAlgorithmOID.RSAES_PKCS1_v1_5: "RSA",
    PublicKeyAlgorithmOID.RSASSA_PSS: "RSA",
    PublicKeyAlgorithmOID.EC_PUBLIC_KEY: "EC",
    PublicKeyAlgorithmOID.DSA: "DSA",
    PublicKeyAlgorithmOID.ED25519: "Ed25519",
    PublicKeyAlgorithmOID.ED448: "Ed448",
    PublicKeyAlgorithmOID.X25519: "X25519",
    PublicKeyAlgorithmOID.X448: "X448",
    PublicKeyAlgorithmOID.ML_DSA_44: "ML-DSA-44",
    PublicKeyAlgorithmOID.ML_DSA_65: "ML-DSA-65",
    PublicKeyAlgorithmOID.ML_DSA_87: "ML-DSA-87",
    PublicKeyAlgorithmOID.ML_KEM_768: "ML-KEM-768",
    PublicKeyAlgorithmOID.ML_KEM_1024: "ML-KEM-1024",
}

_SIGNATURE_NAMES_BY_OID = {
    SignatureAlgorithmOID.RSA_WITH_MD5: "md5WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA1: "sha1WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA224: "sha224WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA256: "sha256WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA384: "sha384WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA512: "sha512WithRSAEncryption",
    SignatureAlgorithmOID.RSA_WITH_SHA3_224: "id-rsassa-pkcs1-v1_5-with-sha3-224",
    SignatureAlgorithmOID.RSA_WITH_SHA3_256: "id-rsassa-pkcs1-v1_5-with-sha3-256",
    SignatureAlgorithmOID.RSA_WITH_SHA3_384: "id-rsassa-pkcs1-v1_5-with-sha3-384",
    SignatureAlgorithmOID.RSA_WITH_SHA3_512: "id-rsassa-pkcs1-v1_5-with-sha3-512",
    SignatureAlgorithmOID.RSASSA_PSS: "RSASSA-PSS",
    SignatureAlgorithmOID.ECDSA_WITH_SHA1: "ecdsa-with-SHA1",
    SignatureAlgorithmOID.ECDSA_WITH_SHA224: "ecdsa-with-SHA224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA256: "ecdsa-with-SHA256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA384: "ecdsa-with-SHA384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA512: "ecdsa-with-SHA512",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_224: "id-ecdsa-with-sha3-224",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_256: "id-ecdsa-with-sha3-256",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_384: "id-ecdsa-with-sha3-384",
    SignatureAlgorithmOID.ECDSA_WITH_SHA3_512: "id-ecdsa-with-sha3-512",
    SignatureAlgorithmOID.DSA_WITH_SHA1: "dsa-with-sha1",
    SignatureAlgorithmOID.DSA_WITH_SHA224: "dsa-with-sha224",
    SignatureAlgorithmOID.DSA_WITH_SHA256: "dsa-with-sha256",
    SignatureAlgorithmOID.DSA_WITH_SHA384: "dsa-with-sha384",
    SignatureAlgorithmOID.DSA_WITH_SHA512: "dsa-with-sha512",
    SignatureAlgorithmOID.ED25519: "Ed25519",
    SignatureAlgorithmOID.ED448: "Ed448",
}

# Key sizes of the fixed-size algorithms: the length of the encoded public key in bits.
_FIXED_KEY_BITS: tuple[tuple[type[object], int], ...] = (
    (ed25519.Ed25519PublicKey, 256),
    (ed448.Ed448PublicKey, 456),
    (x25519.X25519PublicKey, 256),
    (x448.X448PublicKey, 448),
)


@dataclass(frozen=True, slots=True)
class Certificate:
    """One accepted signing certificate and the facts Signet stores and shows about it."""

    der: bytes
    certificate_id: str
    fingerprint_sha256: str
    serial_number: int
    key_type: str
    key_size: int
    curve: str | None
    signature_algorithm: str
    not_before: datetime
    not_after: datetime

    @property
    def subject(self) -> str:
        """The subject as an RFC 4514 string (built on demand: uploads never show it)."""
        return _name(x509.load_der_x509_certificate(self.der), "subject")

    @property
    def issuer(self) -> str:
        """The issuer as an RFC 4514 string."""
        return _name(x509.load_der_x509_certificate(self.der), "issuer")


def parse_certificate(body: str, now: datetime) -> Certificate:
    """Parse an uploaded CertificateBody and apply every acceptance rule, or raise.

    Raises :class:`MalformedCertificate` when the body is not one well-formed PEM
    certificate valid at ``now``, and :class:`InvalidCertificate` when the certificate is
    well formed but its key or self-signature is not accepted.
    """
    _require_aware(now)
    der = _extract_der(body)
    cert = _load(der)
    try:
        facts = _facts(der, cert)
        _check(facts, cert, now)
    except (ValueError, UnsupportedAlgorithm):
        # cryptography parses some fields lazily; one that fails here is malformed DER.
        raise MalformedCertificate(
            "The CERTIFICATE block does not hold a valid DER X.509 certificate."
        ) from None
    return facts


def describe(body: str, now: datetime) -> dict[str, object]:
    """A JSON-able report on a certificate body, for ``signet cert inspect``.

    Every field that could be read is filled in, even when the certificate is refused
    (an expired certificate still has a subject); the rest are ``None``. ``decision`` is
    ``{"accepted": True}`` or ``{"accepted": False, "error": {"code", "message"}}``.
    """
    _require_aware(now)
    facts: Certificate | None = None
    try:
        der = _extract_der(body)
        cert = _load(der)
        facts = _facts(der, cert)
        _check(facts, cert, now)
    except AwsError as error:
        decision: dict[str, object] = {
            "accepted": False,
            "error": {"code": error.code, "message": error.message},
        }
    else:
        decision = {"accepted": True}
    return {**_report(facts, now), "decision": decision}


# PEM extraction


def _extract_der(body: str) -> bytes:
    """The DER bytes of the one CERTIFICATE block in ``body``, or MalformedCertificate."""
    if not body.strip():
        raise MalformedCertificate("The certificate body is empty.")
    markers = list(_MARKER.finditer(body))
    if any("PRIVATE KEY" in marker.group(2).upper() for marker in markers):
        raise MalformedCertificate(
            "The certificate body contains a private key. It was not stored. Upload only "
            "the certificate (the -----BEGIN CERTIFICATE----- block) and keep the private "
            "key secret; consider it exposed if it was sent anywhere else."
        )
    if not markers:
        raise MalformedCertificate(_no_pem_message(body))
    start, end, content = _single_block(body, markers)
    if body[:start].strip():
        raise MalformedCertificate(
            "The certificate body has text before the -----BEGIN CERTIFICATE----- line; "
            "it must contain only the PEM block."
        )
    if body[end:].strip():
        raise MalformedCertificate(
            "The certificate body has text after the -----END CERTIFICATE----- line; "
            "it must contain only the PEM block."
        )
    return _decode_base64(content)


def _no_pem_message(body: str) -> str:
    """Why a body without any PEM boundary is refused, naming the likely mistake."""
    if _BINARY.search(body):
        return (
            "The certificate body is binary (DER?); it must be PEM-encoded text between "
            "-----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines."
        )
    if _BARE_BASE64.fullmatch(body):
        return (
            "The certificate body is base64 without PEM armour; it must be PEM-encoded, "
            "between -----BEGIN CERTIFICATE----- and -----END CERTIFICATE----- lines."
        )
    return (
        "The certificate body contains no PEM block; expected one "
        "-----BEGIN CERTIFICATE----- ... -----END CERTIFICATE----- block."
    )


def _single_block(body: str, markers: list[re.Match[str]]) -> tuple[int, int, str]:
    """Pair BEGIN/END boundaries and return (start, end, content) of the only block."""
    blocks = _pair(markers)
    for label, _, _, _ in blocks:
        if label != _CERTIFICATE_LABEL:
            raise MalformedCertificate(
                f"The certificate body holds {_label_phrase(label)}; expected a CERTIFICATE block."
            )
    if len(blocks) != 1:
        raise MalformedCertificate(
            f"Exactly one certificate is expected, found {len(blocks)}. Upload the "
            "signing certificate alone, without its chain."
        )
    _, start, end, content = blocks[0]
    return start, end, content


def _pair(markers: list[re.Match[str]]) -> list[tuple[str, int, int, str]]:
    """Match each BEGIN with the END that follows it: (label, start, end, content)."""
    if len(markers) % 2:
        raise MalformedCertificate(
            "The certificate body has a PEM BEGIN line without its END line, or the reverse."
        )
    blocks = []
    for begin, end in zip(markers[::2], markers[1::2], strict=True):
        if begin.group(1) != "BEGIN" or end.group(1) != "END":
            raise MalformedCertificate(
                "The certificate body has PEM BEGIN and END lines out of order."
            )
        if begin.group(2) != end.group(2):
            raise MalformedCertificate(
                "The certificate body has a PEM block whose END label does not match "
                "its BEGIN label."
            )
        blocks.append((begin.group(2), begin.start(), end.end(), _between(begin, end)))
    return blocks


def _between(begin: re.Match[str], end: re.Match[str]) -> str:
    """The text between two boundaries."""
    return begin.string[begin.end() : end.start()]


def _label_phrase(label: str) -> str:
    """A block's label for a message, named only when it is one Signet knows."""
    if label in _KNOWN_LABELS:
        return f"a {label} block"
    return "a PEM block of another kind"


def _decode_base64(content: str) -> bytes:
    """Strictly decode a block's base64, ignoring line breaks and other whitespace."""
    compact = "".join(content.split())
    if not compact:
        raise MalformedCertificate("The CERTIFICATE block is empty.")
    try:
        # validate=True refuses characters outside the alphabet and misplaced padding;
        # a non-ASCII character raises a plain ValueError rather than binascii.Error.
        return base64.b64decode(compact, validate=True)
    except ValueError:
        raise MalformedCertificate("The CERTIFICATE block is not valid base64.") from None


def _load(der: bytes) -> x509.Certificate:
    """Parse DER into a certificate, or MalformedCertificate."""
    try:
        return x509.load_der_x509_certificate(der)
    except (ValueError, x509.InvalidVersion):
        raise MalformedCertificate(
            "The CERTIFICATE block does not hold a valid DER X.509 certificate."
        ) from None


# Facts


def _facts(der: bytes, cert: x509.Certificate) -> Certificate:
    """Everything Signet records about a parsed certificate (``der`` is exactly its DER)."""
    key_type, key_size, curve = _key_facts(cert)
    return Certificate(
        der=der,
        certificate_id=ids.certificate_id(der),
        fingerprint_sha256=hashlib.sha256(der).hexdigest(),
        serial_number=cert.serial_number,
        key_type=key_type,
        key_size=key_size,
        curve=curve,
        signature_algorithm=_signature_name(cert.signature_algorithm_oid),
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
    )


def _name(cert: x509.Certificate, which: str) -> str:
    """The subject or issuer as an RFC 4514 string; undecodable names are malformed."""
    try:
        name = cert.subject if which == "subject" else cert.issuer
        return name.rfc4514_string()
    except ValueError:
        raise MalformedCertificate(f"The certificate's {which} name cannot be decoded.") from None


def _key_facts(cert: x509.Certificate) -> tuple[str, int, str | None]:
    """The key's type, size in bits and curve; size 0 when the key cannot be loaded."""
    oid = cert.public_key_algorithm_oid
    fallback = _KEY_NAMES_BY_OID.get(oid, oid.dotted_string)
    try:
        key = cert.public_key()
    except (UnsupportedAlgorithm, ValueError):
        return fallback, 0, None
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size, None
    if isinstance(key, ec.EllipticCurvePublicKey):
        return "EC", key.curve.key_size, key.curve.name
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size, None
    for kind, bits in _FIXED_KEY_BITS:
        if isinstance(key, kind):
            return fallback, bits, None
    return fallback, 0, None


def _signature_name(oid: x509.ObjectIdentifier) -> str:
    """A signature algorithm's common name, or its dotted OID when Signet has no name."""
    return _SIGNATURE_NAMES_BY_OID.get(oid, oid.dotted_string)


# Acceptance rules


def _check(facts: Certificate, cert: x509.Certificate, now: datetime) -> None:
    """Apply the acceptance rules, cheapest first; raise on the first that fails."""
    _check_validity(facts, now)
    _check_key(facts)
    _check_self_signature(cert)


def _check_validity(facts: Certificate, now: datetime) -> None:
    """A certificate must be inside its validity period (bounds inclusive) at upload."""
    if facts.not_before > now:
        raise MalformedCertificate(
            f"The certificate is not yet valid: it becomes valid at {_iso(facts.not_before)}."
        )
    if facts.not_after < now:
        raise MalformedCertificate(
            f"The certificate has expired: it was valid until {_iso(facts.not_after)}."
        )


def _check_key(facts: Certificate) -> None:
    """Only RSA of 2048 bits or more and ECDSA on P-256, P-384 or P-521 are accepted."""
    if facts.key_type == "RSA":
        if facts.key_size < _MIN_RSA_BITS:
            raise InvalidCertificate(
                f"The certificate's RSA key has {facts.key_size} bits; "
                f"at least {_MIN_RSA_BITS} are required."
            )
        return
    if facts.key_type == "EC":
        if facts.curve not in _ACCEPTED_CURVES:
            curve = facts.curve or "an unsupported curve"
            raise InvalidCertificate(
                f"The certificate's EC key is on {curve}; only P-256 (secp256r1), "
                "P-384 (secp384r1) and P-521 (secp521r1) are accepted."
            )
        return
    raise InvalidCertificate(
        f"The certificate's public key algorithm ({facts.key_type}) is not accepted; "
        "use an RSA key of at least 2048 bits or an ECDSA key on P-256, P-384 or P-521."
    )


def _check_self_signature(cert: x509.Certificate) -> None:
    """A self-issued certificate must verify against its own key; others are not checked."""
    if cert.issuer != cert.subject:
        return
    try:
        cert.verify_directly_issued_by(cert)
    except (InvalidSignature, ValueError, TypeError, UnsupportedAlgorithm):
        raise InvalidCertificate(
            "The certificate is self-issued but its signature does not verify against "
            "its own public key."
        ) from None


# Helpers


def _require_aware(now: datetime) -> None:
    """Refuse a naive ``now``: comparing it with certificate dates would be wrong."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be a timezone-aware datetime")


def _iso(moment: datetime) -> str:
    """An aware datetime as ISO 8601 in UTC with a ``Z``, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _report(facts: Certificate | None, now: datetime) -> dict[str, object]:
    """The descriptive fields of :func:`describe`, all ``None`` when nothing was parsed."""
    if facts is None:
        return dict.fromkeys(_REPORT_FIELDS)
    return {
        "subject": facts.subject,
        "issuer": facts.issuer,
        "serial_number": format(facts.serial_number, "x"),
        "key_type": facts.key_type,
        "key_size": facts.key_size,
        "curve": facts.curve,
        "signature_algorithm": facts.signature_algorithm,
        "fingerprint_sha256": facts.fingerprint_sha256,
        "certificate_id": facts.certificate_id,
        "not_before": _iso(facts.not_before),
        "not_after": _iso(facts.not_after),
        "days_left": (facts.not_after - now).days,
    }


_REPORT_FIELDS = (
    "subject",
    "issuer",
    "serial_number",
    "key_type",
    "key_size",
    "curve",
    "signature_algorithm",
    "fingerprint_sha256",
    "certificate_id",
    "not_before",
    "not_after",
    "days_left",
)
