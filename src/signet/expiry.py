"""Signing certificates by expiry, for ``signet cert report``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from signet.clock import iso
from signet.store.base import Store


@dataclass(frozen=True, slots=True)
class Entry:
    account_id: str
    user_name: str
    certificate_id: str
    status: str
    not_after: datetime
    days_left: int

    def as_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "user_name": self.user_name,
            "certificate_id": self.certificate_id,
            "status": self.status,
            "not_after": iso(self.not_after),
            "days_left": self.days_left,
        }


def report(store: Store, now: datetime, account_id: str | None = None) -> list[Entry]:
    """Every certificate (of one account, or all), soonest to expire first."""
    with store.read() as tx:
        found = tx.certificates_by_expiry(account_id)
    entries = []
    for certificate, user_name in found:
        days = (certificate.not_after - now).total_seconds() / 86400
        expired = certificate.not_after < now
        entries.append(
            Entry(
                account_id=certificate.account_id,
                user_name=user_name,
                certificate_id=certificate.certificate_id,
                status="Expired" if expired else certificate.status,
                not_after=certificate.not_after,
                days_left=int(days // 1),
            )
        )
    return entries


def table(entries: list[Entry]) -> list[str]:
    """The report as aligned text lines, grouped by account."""
    lines: list[str] = []
    account = None
    for entry in sorted(entries, key=lambda e: (e.account_id, e.not_after)):
        if entry.account_id != account:
            account = entry.account_id
            lines.append(f"account {account}")
        lines.append(
            f"  {entry.days_left:>6} days  {iso(entry.not_after)}  {entry.status:8}"
            f"  {entry.certificate_id}  {entry.user_name}"
        )
    return lines
