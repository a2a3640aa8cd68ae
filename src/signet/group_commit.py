"""Group commit for the embedded store: one fsync for the requests that arrive together.

The requests the event loop handles in one turn share one SQLite transaction; a callback
scheduled for the end of the turn commits it, and only then are the requests answered,
so every answer still stands for a durable change. Under load the loop collects many
requests per turn while the previous commit syncs, and the cost of the fsync is shared
among them; an idle server commits each request on its own, as before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Protocol

LOG = logging.getLogger(__name__)


class Batching(Protocol):
    def begin_batch(self) -> None: ...

    def end_batch(self) -> None: ...


class GroupCommit:
    """Joins requests to the current turn's transaction and tells them when it is durable."""

    def __init__(self, store: Batching) -> None:
        self._store = store
        self._waiters: list[asyncio.Future[bool]] = []
        self._open = False

    def join(self) -> None:
        """Make the calling request part of this turn's transaction, opening it if needed."""
        if self._open:
            return
        self._store.begin_batch()
        self._open = True
        asyncio.get_running_loop().call_soon(self._commit)

    def durable(self) -> asyncio.Future[bool]:
        """A future that becomes True once the turn's transaction commits, False if the
        commit failed and nothing of the turn was kept."""
        waiter: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        return waiter

    def _commit(self) -> None:
        self._open = False
        waiters, self._waiters = self._waiters, []
        try:
            self._store.end_batch()
            committed = True
        except Exception:
            LOG.exception("group commit failed", extra={"requests": len(waiters)})
            committed = False
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(committed)
