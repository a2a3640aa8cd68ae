"""The audit trail: every mutating call and every denied call, kept in the store.

A successful change is recorded in the same transaction as the change itself, so the
trail holds exactly the changes that happened; a failed or denied call is recorded in a
transaction of its own. Reads that succeed are not recorded. Secrets never enter the
trail: it keeps who, what, which resource, from where, when and how it ended, not the
parameters. :func:`cloudtrail` renders an event with CloudTrail's field names.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from signet.auth.principals import Caller
from signet.clock import iso
from signet.errors import AwsError
from signet.store.base import Store, Transaction
from signet.store.records import AuditEvent

LOG = logging.getLogger(__name__)

READ_ONLY_PREFIXES = ("Get", "List", "Simulate")

# Authentication failures worth a record: a key was presented and refused. Requests with
# no credentials at all are left to the logs and metrics.
RECORDED_AUTH_FAILURES = frozenset(
    {"InvalidClientTokenId", "SignatureDoesNotMatch", "RequestExpired"}
)


def _event_id() -> str:
    """A unique id that sorts in the order events happened (nanoseconds, then random)."""
    return f"{time.time_ns():019d}-{uuid.uuid4().hex[:12]}"


def is_read_only(action: str) -> bool:
    return action.startswith(READ_ONLY_PREFIXES)


@dataclass(slots=True)
class Recorder:
    """Carries one request's audit event and records it, once, where it belongs."""

    event: AuditEvent
    target: str | None = None
    written: bool = field(default=False)

    def record_in(self, tx: Transaction) -> None:
        """Record a successful change inside the transaction that makes it."""
        if not self.written and not self.event.read_only:
            tx.insert_audit_event(replace(self.event, target=self.target))
            self.written = True


def start(
    *,
    request_id: str,
    now: datetime,
    service: str,
    action: str,
    caller: Caller | None,
    access_key_id: str | None,
    source_ip: str,
    user_agent: str | None,
    region: str | None,
) -> Recorder:
    """A recorder for one request, with a successful outcome until told otherwise."""
    principal_type = None
    if caller is not None:
        principal_type = "Root" if caller.is_root else "IAMUser"
    event = AuditEvent(
        event_id=_event_id(),
        event_time=now,
        service=service,
        action=action,
        request_id=request_id,
        outcome="success",
        read_only=is_read_only(action),
        account_id=caller.account_id if caller else None,
        principal_arn=caller.arn if caller else None,
        principal_id=caller.user_id if caller else None,
        principal_type=principal_type,
        access_key_id=access_key_id,
        source_ip=source_ip,
        user_agent=(user_agent or "")[:256] or None,
        region=region,
    )
    return Recorder(event)


def finish(store: Store, recorder: Recorder, error: AwsError | None) -> None:
    """Record what is left to record once the request has its answer."""
    if error is None and (recorder.event.read_only or recorder.written):
        return
    denied = error is not None and (
        error.code == "AccessDenied" or error.code in RECORDED_AUTH_FAILURES
    )
    if error is not None and recorder.event.read_only and not denied:
        return

    event = replace(recorder.event, target=recorder.target)
    if error is not None:
        event = replace(
            event, outcome="failure", error_code=error.code, error_message=error.message[:1024]
        )

    with store.write(event.account_id) as tx:
        tx.insert_audit_event(event)


def cloudtrail(event: AuditEvent) -> dict[str, Any]:
    """An event with CloudTrail's field names, for export as JSON lines."""
    identity: dict[str, Any] = {
        "type": event.principal_type or "Unknown",
        "principalId": event.principal_id,
        "arn": event.principal_arn,
        "accountId": event.account_id,
        "accessKeyId": event.access_key_id,
    }
    if event.principal_type == "IAMUser" and event.principal_arn:
        identity["userName"] = event.principal_arn.rsplit("/", 1)[-1]
    record: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": {key: value for key, value in identity.items() if value is not None},
        "eventTime": iso(event.event_time),
        "eventSource": f"{event.service}.amazonaws.com",
        "eventName": event.action,
        "awsRegion": event.region or "us-east-1",
        "sourceIPAddress": event.source_ip,
        "userAgent": event.user_agent,
        "requestID": event.request_id,
        "eventID": event.event_id,
        "readOnly": event.read_only,
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": event.account_id,
    }
    if event.target:
        record["resources"] = [{"ARN": event.target}]
    if event.error_code:
        record["errorCode"] = event.error_code
        record["errorMessage"] = event.error_message
    return {key: value for key, value in record.items() if value is not None}
