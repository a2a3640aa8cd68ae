"""What every IAM operation receives besides its parameters."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from signet.audit import Recorder
from signet.auth.principals import Caller
from signet.store.base import Store, Transaction


@dataclass(frozen=True, slots=True)
class Context:
    """The store, the authenticated caller, the time the request arrived, and where its
    audit event goes."""

    store: Store
    caller: Caller
    now: datetime
    recorder: Recorder | None = None

    @contextmanager
    def write(self) -> Iterator[Transaction]:
        """A write transaction for the caller's account that also records the change in
        the audit trail when it commits."""
        with self.store.write(self.caller.account_id) as tx:
            yield tx
            if self.recorder is not None:
                self.recorder.record_in(tx)
