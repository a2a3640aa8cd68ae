"""Server-side verification of AWS Signature Version 4 (``AWS4-HMAC-SHA256``).

Two steps, so that the caller can look the access key up in between:
:func:`parse_signature` finds the signature of a request (``Authorization`` header or
presigned query string) and checks its shape and scope; :func:`verify_signature`
recomputes it with the key's secret and enforces the clock window. Both raise only
:class:`~signet.errors.AwsError` subclasses, whatever the input. The module knows
nothing of HTTP frameworks: the ASGI layer hands it an :class:`HttpRequest`.

Choices where AWS is silent or its behaviour is unverified:

* Authorization header *and* query-string authentication together: IncompleteSignature.
* ``host`` missing from the signed headers: SignatureDoesNotMatch (the request is
  well formed, it is signed in a way we refuse).
* ``X-Amz-Expires`` missing, not a decimal integer, or outside 1..604800:
  IncompleteSignature (AWS's AuthorizationQueryParametersError is not one of ours).
* Malformed ``X-Amz-Date`` / ``Date``: IncompleteSignature, with AWS's ISO-8601 text.
* An access key id that cannot be an AWS one (empty, not ``[A-Za-z0-9_]{1,128}``):
  InvalidClientTokenId, as AWS answers for any unknown key.
* Query strings are read as form-encoded (``+`` is a space), which is how botocore
  sends query parameters and how the Query API reads them; ``X-Amz-Signature`` is left
  out of the canonical query of a presigned request, empty ``&&`` pairs are skipped.
* The canonical URI is the raw path with dot segments and repeated slashes removed,
  then percent-encoded once more (the wire form is the first encoding), as botocore
  signs for every service but S3.
* Payload hash: SHA-256 of the raw body, unless ``x-amz-content-sha256:
  UNSIGNED-PAYLOAD`` is a signed header or (presigned) the query carries
  ``X-Amz-Content-Sha256=UNSIGNED-PAYLOAD``; botocore presigns IAM/STS URLs with the
  hash of the (empty) body.
* The signature is compared as sent, so it must be lower-case hex like every SDK sends.
* Presigned auth parameters given twice: IncompleteSignature.
* Error messages never echo a signature: in the ``Authorization=`` echo of an
  IncompleteSignature, every parameter but ``Credential`` and ``SignedHeaders`` is
  redacted.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from urllib.parse import quote, unquote_to_bytes

from signet.errors import (
    IncompleteSignature,
    InvalidClientTokenId,
    MissingAuthenticationToken,
    RequestExpired,
    SignatureDoesNotMatch,
)

__all__ = [
    "ALGORITHM",
    "MAX_EXPIRES",
    "SERVICES",
    "UNSIGNED_PAYLOAD",
    "HttpRequest",
    "Signature",
    "parse_signature",
    "verify_signature",
]

LOG = logging.getLogger(__name__)

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
SERVICES: tuple[str, ...] = ("iam", "sts")
MAX_EXPIRES = 604800  # one week, in seconds
CLOCK_SKEW = timedelta(minutes=15)

MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
MISSING_MESSAGE = "Request is missing Authentication Token"
_INVALID_KEY_MESSAGE = "The security token included in the request is invalid."

_AMZ_DATE = re.compile(r"[0-9]{8}T[0-9]{6}Z")
_HTTP_DATE = re.compile(
    r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), ([0-9]{1,2}) "
    r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) ([0-9]{4}) "
    r"([0-9]{2}):([0-9]{2}):([0-9]{2}) (?:GMT|UTC|[+-]0000)"
)
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
        start=1,
    )
}
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9_]{1,128}")
_REGION = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_EXPIRES = re.compile(r"[0-9]{1,7}")
_SCHEME = re.compile(r"[A-Za-z0-9-]{1,40}")
_WHITESPACE = re.compile(r"\s+")
# A query component already in canonical form: unreserved characters, and upper-case
# escapes of bytes that are not unreserved (so decoding and re-encoding is a no-op).
_CANONICAL_COMPONENT = re.compile(
    r"(?:[A-Za-z0-9_.~-]++"
    r"|%(?:[01][0-9A-F]|2[0-9A-CF]|3[A-F]|40|5[B-E]|60|7[B-DF]|[89A-F][0-9A-F]))*+"
)

# Query parameters whose presence means "this request is presigned".
_QUERY_MARKERS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature")
_QUERY_REQUIRED = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)
_ECHOED_PARAMETERS = frozenset({"Credential", "SignedHeaders"})
_EMPTY_QUERY: dict[str, list[str]] = {}


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """A request as the server received it, before any decoding of path, query or body.

    Text is decoded from the wire as latin-1: path and query are percent-encoded ASCII,
    and Python clients send header text as latin-1, so the str is what they signed
    (the canonical request is the UTF-8 of these strings).
    """

    method: str
    path: str
    query_string: str
    headers: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Signature:
    """The parts of a SigV4 signature, however it was sent."""

    access_key_id: str
    date: str
    region: str
    service: str
    amz_date: str
    signed_headers: tuple[str, ...]
    signature: str
    presigned: bool
    expires: int | None
    security_token: str | None


# Parsing


def parse_signature(request: HttpRequest, *, services: Collection[str] = SERVICES) -> Signature:
    """Find and parse the SigV4 signature of a request (header or presigned query).

    Raises MissingAuthenticationToken when there is none, IncompleteSignature when
    pieces are missing or malformed, SignatureDoesNotMatch for a scope we do not
    serve (service not in ``services``, bad region, date or terminator, unsigned
    ``host``) and InvalidClientTokenId for an access key id no key can have.
    """
    headers = request.headers
    authorization = headers.get("authorization")
    query = _auth_query_parameters(request.query_string)
    presigned = bool(query) and any(name in query for name in _QUERY_MARKERS)
    if authorization is not None and authorization.strip():
        if presigned:
            raise IncompleteSignature(
                "Only one authentication mechanism is allowed: sign with either the "
                "Authorization header or the X-Amz-* query parameters, not both."
            )
        return _parse_header(authorization, headers, services)
    if presigned:
        return _parse_query(query, services)
    raise MissingAuthenticationToken(MISSING_MESSAGE)


def _parse_header(
    authorization: str, headers: Mapping[str, str], services: Collection[str]
) -> Signature:
    """Parse the ``Authorization: AWS4-HMAC-SHA256 ...`` form."""
    parts = _WHITESPACE.split(authorization.strip(), maxsplit=1)
    scheme = parts[0]
    if scheme != ALGORITHM:
        shown = f" '{scheme}'" if _SCHEME.fullmatch(scheme) else ""
        raise IncompleteSignature(
            f"Unsupported authorization scheme{shown}: only {ALGORITHM} (Signature Version 4) "
            "is accepted in the Authorization header."
        )
    params: dict[str, str] = {}
    if len(parts) == 2:
        for item in parts[1].split(","):
            key, _, value = item.strip().partition("=")
            params.setdefault(key.strip(), value.strip())
    credential = params.get("Credential", "")
    signed_headers = params.get("SignedHeaders", "")
    signature = params.get("Signature", "")
    x_amz_date = headers.get("x-amz-date") or None
    http_date = None if x_amz_date else (headers.get("date") or None)

    if not (credential and signature and signed_headers and (x_amz_date or http_date)):
        problems = [
            f"Authorization header requires '{name}' parameter."
            for name, value in (
                ("Credential", credential),
                ("Signature", signature),
                ("SignedHeaders", signed_headers),
            )
            if not value
        ]
        if x_amz_date is None and http_date is None:
            problems.append(
                "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
                "header."
            )
        problems.append(f"Authorization={_redacted(authorization)}")
        raise IncompleteSignature(" ".join(problems))

    amz_date = _amz_date_from_header(x_amz_date) if x_amz_date else _amz_date_from_http(http_date)
    token = headers.get("x-amz-security-token") or None
    return _build(credential, amz_date, signed_headers, signature, services, False, None, token)


def _parse_query(query: Mapping[str, list[str]], services: Collection[str]) -> Signature:
    """Parse the presigned form, whose parameters are in the query string."""
    missing = [
        f"Query-string authentication requires the '{name}' parameter."
        for name in _QUERY_REQUIRED
        if not query.get(name, [""])[0]
    ]
    if missing:
        raise IncompleteSignature(" ".join(missing))
    repeated = [name for name, values in query.items() if len(values) > 1]
    if repeated:
        raise IncompleteSignature(
            f"Query-string authentication parameter '{repeated[0]}' must appear only once."
        )
    algorithm = query["X-Amz-Algorithm"][0]
    if algorithm != ALGORITHM:
        shown = f" '{algorithm}'" if _SCHEME.fullmatch(algorithm) else ""
        raise IncompleteSignature(
            f"Unsupported X-Amz-Algorithm{shown}: only {ALGORITHM} (Signature Version 4) "
            "is accepted."
        )
    raw_expires = query["X-Amz-Expires"][0]
    expires = int(raw_expires) if _EXPIRES.fullmatch(raw_expires) else 0
    if not 1 <= expires <= MAX_EXPIRES:
        raise IncompleteSignature(
            f"X-Amz-Expires must be a whole number of seconds from 1 to {MAX_EXPIRES} "
            f"(one week); got '{raw_expires}'."
        )
    amz_date = _amz_date_from_header(query["X-Amz-Date"][0])
    token = query.get("X-Amz-Security-Token", [""])[0] or None
    return _build(
        query["X-Amz-Credential"][0],
        amz_date,
        query["X-Amz-SignedHeaders"][0],
        query["X-Amz-Signature"][0],
        services,
        True,
        expires,
        token,
    )


def _build(
    credential: str,
    amz_date: str,
    signed_headers: str,
    signature: str,
    services: Collection[str],
    presigned: bool,
    expires: int | None,
    token: str | None,
) -> Signature:
    """Check the credential scope and the signed-header list, shared by both forms."""
    scope = credential.split("/")
    if len(scope) != 5:
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key_id, date, region, service, terminator = scope
    if terminator != "aws4_request":
        raise SignatureDoesNotMatch(
            "Credential should be scoped with a valid terminator: 'aws4_request', "
            f"not '{terminator}'. "
        )
    if service not in services:
        expected = next(iter(services), "iam")
        raise SignatureDoesNotMatch(
            f"Credential should be scoped to correct service: '{expected}'. "
        )
    if not _REGION.fullmatch(region):
        raise SignatureDoesNotMatch(
            f"Credential should be scoped to a valid region, not '{region}'. "
        )
    if date != amz_date[:8]:
        raise SignatureDoesNotMatch(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{date}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    names = tuple(signed_headers.split(";"))
    if "host" not in names:
        raise SignatureDoesNotMatch(
            "The 'host' header must be signed: SignedHeaders must include 'host'."
        )
    if not _ACCESS_KEY_ID.fullmatch(access_key_id):
        raise InvalidClientTokenId(_INVALID_KEY_MESSAGE)
    return Signature(
        access_key_id=access_key_id,
        date=date,
        region=region,
        service=service,
        amz_date=amz_date,
        signed_headers=names,
        signature=signature,
        presigned=presigned,
        expires=expires,
        security_token=token,
    )


def _auth_query_parameters(query_string: str) -> dict[str, list[str]]:
    """The decoded ``X-Amz-*`` parameters of a raw query string, each with all its values."""
    if not query_string or ("X-Amz-" not in query_string and "%" not in query_string):
        return _EMPTY_QUERY
    found: dict[str, list[str]] = {}
    for item in query_string.split("&"):
        raw_name, _, raw_value = item.partition("=")
        name = _decode(raw_name)
        if name.startswith("X-Amz-"):
            found.setdefault(name, []).append(_decode(raw_value))
    return found


def _decode(component: str) -> str:
    """Decode one form-encoded query component; never raises."""
    if "%" not in component and "+" not in component:
        return component
    raw = unquote_to_bytes(component.replace("+", " ").encode("utf-8", "surrogatepass"))
    return raw.decode("utf-8", "surrogateescape")


def _amz_date_from_header(value: str) -> str:
    """Validate an ISO-8601 basic timestamp (``20220127T015928Z``) and return it."""
    if _parse_amz_date(value) is None:
        raise IncompleteSignature(
            f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )
    return value


def _amz_date_from_http(value: str | None) -> str:
    """Convert an RFC 7231 ``Date`` header to the ISO-8601 basic form SigV4 signs."""
    match = _HTTP_DATE.fullmatch(value.strip()) if value else None
    if match is not None:
        day, month, year, hour, minute, second = match.groups()
        try:
            moment = datetime(
                int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second)
            )
        except ValueError:
            pass
        else:
            return _format(moment)
    raise IncompleteSignature(
        "Date header must be an RFC 7231 date such as 'Thu, 27 Jan 2022 01:59:28 GMT'; "
        f"got '{value}'."
    )


def _parse_amz_date(value: str) -> datetime | None:
    """The UTC moment of an ISO-8601 basic timestamp, or None when it is not one."""
    if _AMZ_DATE.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)  # reads the basic format since Python 3.11
    except ValueError:
        return None


def _format(moment: datetime) -> str:
    """``yyyymmddThhmmssZ``, zero-padded whatever the year."""
    return (
        f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
        f"T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"
    )


def _redacted(authorization: str) -> str:
    """The Authorization value with every parameter but the credential and header list hidden."""
    parts = _WHITESPACE.split(authorization.strip(), maxsplit=1)
    if len(parts) == 1:
        return parts[0]
    shown = []
    for item in parts[1].split(","):
        key, sep, _ = item.strip().partition("=")
        if key.strip() in _ECHOED_PARAMETERS:
            shown.append(item.strip())
        elif sep:
            shown.append(f"{key.strip()}=[redacted]")
        elif item.strip():
            shown.append("[redacted]")
    return f"{parts[0]} {', '.join(shown)}"


# Verification


def verify_signature(
    request: HttpRequest, signature: Signature, secret_access_key: str, now: datetime
) -> None:
    """Recompute the signature with the secret and compare in constant time.

    Enforces the clock first: 15 minutes either way for the header form; for a
    presigned URL, no more than 15 minutes early and no later than ``X-Amz-Expires``.
    Raises SignatureDoesNotMatch, or RequestExpired for an expired presigned URL.
    ``now`` is taken as UTC when naive.
    """
    _check_clock(signature, now)
    if "host" not in signature.signed_headers:
        raise SignatureDoesNotMatch(MISMATCH_MESSAGE)
    try:
        canonical = _canonical_request(request, signature)
        scope = f"{signature.date}/{signature.region}/{signature.service}/aws4_request"
        string_to_sign = (
            f"{ALGORITHM}\n{signature.amz_date}\n{scope}\n{hashlib.sha256(canonical).hexdigest()}"
        ).encode("utf-8", "surrogateescape")
        signer = _signer(secret_access_key, signature.date, signature.region, signature.service)
        provided = signature.signature.encode("utf-8", "surrogatepass")
    except UnicodeError:
        raise SignatureDoesNotMatch(MISMATCH_MESSAGE) from None
    mac = signer.copy()
    mac.update(string_to_sign)
    expected = mac.hexdigest().encode("ascii")
    if not hmac.compare_digest(expected, provided):
        if LOG.isEnabledFor(logging.DEBUG):
            LOG.debug(
                "SigV4 mismatch for access key %s, scope %s, canonical request sha256 %s",
                signature.access_key_id,
                scope,
                hashlib.sha256(canonical).hexdigest(),
            )
        raise SignatureDoesNotMatch(MISMATCH_MESSAGE)


def _check_clock(signature: Signature, now: datetime) -> None:
    """Reject a request signed too long ago or too far ahead of ``now``."""
    moment = _parse_amz_date(signature.amz_date)
    if moment is None:
        raise SignatureDoesNotMatch(
            f"Date must be in ISO-8601 'basic format'. Got '{signature.amz_date}'. "
            "See http://en.wikipedia.org/wiki/ISO_8601"
        )
    now = now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
    age = now - moment
    if age < -CLOCK_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature not yet current: {signature.amz_date} is still later than "
            f"{_format(now + CLOCK_SKEW)} ({_format(now)} + 15 min.)"
        )
    expires = signature.expires
    if signature.presigned and expires is not None:
        if not 1 <= expires <= MAX_EXPIRES:
            raise SignatureDoesNotMatch(MISMATCH_MESSAGE)
        if age > timedelta(seconds=expires):
            raise RequestExpired(
                f"Request has expired. The URL was valid until "
                f"{_format(moment + timedelta(seconds=expires))} ({signature.amz_date} + "
                f"{expires} s); it is now {_format(now)}."
            )
    elif age > CLOCK_SKEW:
        raise SignatureDoesNotMatch(
            f"Signature expired: {signature.amz_date} is now earlier than "
            f"{_format(now - CLOCK_SKEW)} ({_format(now)} - 15 min.)"
        )


def _canonical_request(request: HttpRequest, signature: Signature) -> bytes:
    """The SigV4 canonical request, UTF-8 encoded; raises UnicodeError on unencodable input."""
    query, unsigned_query = _canonical_query(request.query_string, signature.presigned)
    headers = request.headers
    lines = []
    for name in signature.signed_headers:
        value = headers.get(name)
        if value is None:
            raise SignatureDoesNotMatch(MISMATCH_MESSAGE)
        lines.append(f"{name}:{' '.join(value.split())}\n")
    content_sha256 = headers.get("x-amz-content-sha256")
    if unsigned_query or (
        content_sha256 is not None
        and content_sha256.strip() == UNSIGNED_PAYLOAD
        and "x-amz-content-sha256" in signature.signed_headers
    ):
        payload = UNSIGNED_PAYLOAD
    else:
        payload = hashlib.sha256(request.body).hexdigest()
    text = (
        f"{request.method}\n{_canonical_uri(request.path)}\n{query}\n{''.join(lines)}\n"
        f"{';'.join(signature.signed_headers)}\n{payload}"
    )
    return text.encode("utf-8", "surrogateescape")


def _canonical_uri(path: str) -> str:
    """The path without dot segments or empty segments, percent-encoded once more."""
    if path == "/":
        return path
    segments: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment and segment != ".":
            segments.append(segment)
    if not segments:
        return "/"
    normalized = "/".join(segments)
    if path.endswith("/"):
        normalized += "/"
    if path.startswith("/"):
        normalized = "/" + normalized
    return quote(normalized.encode("utf-8", "surrogateescape"), safe="/~")


def _canonical_query(query_string: str, presigned: bool) -> tuple[str, bool]:
    """The canonical query string, and whether it declares ``X-Amz-Content-Sha256``
    ``UNSIGNED-PAYLOAD`` (presigned form only)."""
    if not query_string:
        return "", False
    pairs = []
    unsigned = False
    for item in query_string.split("&"):
        if not item:
            continue
        raw_name, _, raw_value = item.partition("=")
        name = _canonical_component(raw_name)
        if presigned:
            if name == "X-Amz-Signature":
                continue
            if name == "X-Amz-Content-Sha256":
                unsigned = _canonical_component(raw_value) == UNSIGNED_PAYLOAD
        pairs.append((name, _canonical_component(raw_value)))
    pairs.sort()
    return "&".join([f"{name}={value}" for name, value in pairs]), unsigned


def _canonical_component(component: str) -> str:
    """Decode a form-encoded query component and re-encode it per RFC 3986."""
    if _CANONICAL_COMPONENT.fullmatch(component):
        return component
    raw = unquote_to_bytes(component.replace("+", " ").encode("utf-8", "surrogateescape"))
    return quote(raw, safe="-_.~")


def _signing_key(secret_access_key: str, date: str, region: str, service: str) -> bytes:
    """The SigV4 signing key: the secret HMAC-chained through the credential scope."""
    key = hmac.digest(("AWS4" + secret_access_key).encode("utf-8"), date.encode("utf-8"), "sha256")
    key = hmac.digest(key, region.encode("utf-8"), "sha256")
    key = hmac.digest(key, service.encode("utf-8"), "sha256")
    return hmac.digest(key, b"aws4_request", "sha256")


@lru_cache(maxsize=1024)
def _signer(secret_access_key: str, date: str, region: str, service: str) -> hmac.HMAC:
    """An HMAC keyed with the signing key, to be copied per request, never updated in place.

    Cached (bounded) because the key changes once a day per access key and scope, and
    copying a keyed HMAC costs half of keying a new one.
    """
    return hmac.new(_signing_key(secret_access_key, date, region, service), None, hashlib.sha256)
