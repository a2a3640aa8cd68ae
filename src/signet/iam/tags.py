"""Tags given to users and policies."""

from __future__ import annotations

from collections.abc import Mapping

from signet.errors import InvalidInput


def tag_pairs(tags: list[Mapping[str, str]]) -> tuple[tuple[str, str], ...]:
    """Tags as (key, value) pairs, refusing keys that differ only in case, as IAM does."""
    seen: set[str] = set()
    for tag in tags:
        key = tag["Key"].lower()
        if key in seen:
            raise InvalidInput(
                "Duplicate tag keys found. Please note that Tag keys are case insensitive."
            )
        seen.add(key)
    return tuple((tag["Key"], tag.get("Value", "")) for tag in tags)
