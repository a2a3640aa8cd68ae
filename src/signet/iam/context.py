"""What every IAM operation receives besides its parameters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from signet.auth.principals import Caller
from signet.store.base import Store


@dataclass(frozen=True, slots=True)
class Context:
    """The store, the authenticated caller, and the time the request arrived."""

    store: Store
    caller: Caller
    now: datetime
