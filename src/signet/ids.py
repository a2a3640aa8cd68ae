"""Identifiers in AWS's formats, generated in one place.

AWS unique ids are a four-letter prefix and sixteen or more characters of
upper-case base32; ``AIDA`` names a user, ``AKIA`` a long-term access key. Account ids
are twelve digits. Secrets are 40 characters of base64 alphabet, as AWS issues them.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import string
import uuid

_BASE32 = string.ascii_uppercase + "234567"
_SECRET_ALPHABET = string.ascii_letters + string.digits + "+/"


def _unique(prefix: str, length: int) -> str:
    return prefix + "".join(secrets.choice(_BASE32) for _ in range(length - len(prefix)))


def user_id() -> str:
    """A user's unique id, ``AIDA`` and 17 characters, 21 in all."""
    return _unique("AIDA", 21)


def policy_id() -> str:
    """A managed policy's unique id, ``ANPA`` and 17 characters."""
    return _unique("ANPA", 21)


def group_id() -> str:
    """A group's unique id, ``AGPA`` and 17 characters."""
    return _unique("AGPA", 21)


def access_key_id() -> str:
    """A long-term access key id, ``AKIA`` and 16 characters."""
    return _unique("AKIA", 20)


def secret_access_key() -> str:
    """A 40-character secret access key."""
    return "".join(secrets.choice(_SECRET_ALPHABET) for _ in range(40))


def account_id() -> str:
    """A twelve-digit account id that does not start with zero."""
    return str(secrets.randbelow(9 * 10**11) + 10**11)


def certificate_id(der: bytes) -> str:
    """A signing certificate's id: base32 of the SHA-1 of its DER, 32 characters.

    Derived from the certificate itself, so the same certificate always has the same
    id and an id can never name two different certificates.
    """
    return base64.b32encode(hashlib.sha1(der).digest()).decode("ascii")


def request_id() -> str:
    """A request id: a lower-case hyphenated UUID, as AWS returns."""
    return str(uuid.uuid4())
