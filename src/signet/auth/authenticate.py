"""Authentication: from a SigV4-signed request to the :class:`Caller` who signed it."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from signet.auth import sigv4
from signet.auth.principals import Caller
from signet.errors import InvalidClientTokenId
from signet.store.base import Store

LOG = logging.getLogger(__name__)

# Last-used information is refreshed at most this often per key, so that signing a
# request does not cost a write each time; AWS also reports it with some delay.
LAST_USED_RESOLUTION = timedelta(seconds=60)

INVALID_TOKEN = "The security token included in the request is invalid."


def authenticate(
    store: Store, request: sigv4.HttpRequest, now: datetime
) -> tuple[Caller, sigv4.Signature]:
    """Verify the request's signature against the stored key; say who signed it, and how."""
    signature = sigv4.parse_signature(request)

    with store.read() as tx:
        key = tx.get_access_key(signature.access_key_id)
        user = None
        if key is not None and key.owner_id != key.account_id:
            user = tx.get_user_by_id(key.owner_id)
    if key is None or key.status != "Active" or signature.security_token is not None:
        raise InvalidClientTokenId(INVALID_TOKEN)

    sigv4.verify_signature(request, signature, key.secret, now)

    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_RESOLUTION:
        with store.write() as tx:
            tx.record_access_key_use(key.access_key_id, now, signature.service, signature.region)
    caller = Caller(account_id=key.account_id, access_key_id=key.access_key_id, user=user)
    return caller, signature
