"""Opaque pagination markers for the List operations.

A marker encodes the sort key of the last item returned; the next page starts after
it. Markers are base64 so clients treat them as opaque, as AWS asks them to.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from signet.errors import ValidationError

T = TypeVar("T")

DEFAULT_MAX_ITEMS = 100


def encode(key: Sequence[str]) -> str:
    raw = json.dumps(list(key), separators=(",", ":")).encode("utf-8")
    return base64.urlsafe_b64encode(raw).decode("ascii")


def decode(marker: str | None, arity: int) -> tuple[str, ...] | None:
    """The sort key a marker carries, or None for the first page."""
    if marker is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(marker.encode("ascii")))
    except (binascii.Error, UnicodeError, ValueError):
        key = None
    if not isinstance(key, list) or len(key) != arity or not all(isinstance(k, str) for k in key):
        raise ValidationError("Invalid Marker: pass the Marker value of an earlier response.")
    return tuple(key)


def page(
    params: Mapping[str, Any],
    arity: int,
    fetch: Callable[[tuple[str, ...] | None, int], Sequence[T]],
    key_of: Callable[[T], Sequence[str]],
) -> tuple[Sequence[T], dict[str, Any]]:
    """Fetch one page and the ``IsTruncated``/``Marker`` members that describe it."""
    limit = int(params.get("MaxItems") or DEFAULT_MAX_ITEMS)
    items = fetch(decode(params.get("Marker"), arity), limit + 1)

    if len(items) <= limit:
        return items, {"IsTruncated": False}
    items = items[:limit]
    return items, {"IsTruncated": True, "Marker": encode(key_of(items[-1]))}


def page_in_memory(
    params: Mapping[str, Any], items: Sequence[T], key_of: Callable[[T], tuple[str, str]]
) -> tuple[Sequence[T], dict[str, Any]]:
    """Page through a short list already in hand, in the order of its unique ``key_of``."""
    ordered = sorted(items, key=key_of)

    def fetch(after: tuple[str, ...] | None, limit: int) -> Sequence[T]:
        start = [item for item in ordered if after is None or key_of(item) > after]
        return start[:limit]

    return page(params, 2, fetch, key_of)
