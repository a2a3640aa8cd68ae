"""The one clock Signet reads, so that tests can move time."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, in UTC, to the second: AWS shows entity dates at second precision."""
    return datetime.now(UTC).replace(microsecond=0)
