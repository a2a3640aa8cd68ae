"""Who may do what: identity policies, evaluated for every call.

The root of an account may do anything in it, and every authenticated caller may ask
``sts:GetCallerIdentity``, as in AWS. Any other call by an IAM user is decided by the
policies that apply to that user — its inline and attached policies and those of its
groups — with AWS's evaluation logic: an explicit deny wins, then an allow, and
otherwise the call is denied. A user's permissions boundary caps what its policies can
grant: both must allow. IAM has no resource-based policies, so nothing in one account
can grant access to another account's entities.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NoReturn

from signet.arns import parse_policy_arn
from signet.auth.policy import (
    Decision,
    Evaluation,
    PolicyDocument,
    RequestContext,
    evaluate,
    parse_policy,
)
from signet.auth.principals import Caller
from signet.auth.resources import resource_arn
from signet.errors import AccessDenied
from signet.store.base import Store, Transaction
from signet.store.records import PrincipalPolicy, User

LOG = logging.getLogger(__name__)

ALWAYS_ALLOWED = frozenset({"sts:GetCallerIdentity"})


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a request came from, for the ``aws:`` condition keys that describe it."""

    source_ip: str = "127.0.0.1"
    secure: bool = False
    region: str = "us-east-1"


@functools.lru_cache(maxsize=4096)
def compiled(document: str) -> PolicyDocument:
    """A stored policy document, parsed once per process."""
    return parse_policy(document)


def authorize(
    store: Store,
    caller: Caller,
    action: str,
    params: Mapping[str, Any],
    now: datetime,
    origin: Origin,
) -> str | None:
    """Return when the caller may perform the action, with the resource it was judged on
    (None when no judgement was needed); raise AccessDenied otherwise."""
    if caller.user is None or action in ALWAYS_ALLOWED:
        return None

    with store.read() as tx:
        resource = resource_arn(tx, caller, action, params)
        sources = tx.policies_for_user(caller.user.user_id)
        boundary = boundary_policies(tx, caller.user)
    if _other_account(resource, caller.account_id):
        _deny(
            caller, action, resource, f"because no resource-based policy allows the {action} action"
        )

    keys = request_keys(caller.user, caller.account_id, now, origin)
    identity = decide(sources, action, resource, keys).decision
    bounded = None if boundary is None else decide(boundary, action, resource, keys).decision
    if combined(identity, bounded) is Decision.ALLOW:
        return resource
    if identity is Decision.EXPLICIT_DENY:
        reason = "with an explicit deny in an identity-based policy"
    elif bounded is Decision.EXPLICIT_DENY:
        reason = "with an explicit deny in a permissions boundary"
    elif identity is not Decision.ALLOW:
        reason = f"because no identity-based policy allows the {action} action"
    else:
        reason = f"because no permissions boundary allows the {action} action"
    _deny(caller, action, resource, reason)


def combined(identity: Decision, boundary: Decision | None) -> Decision:
    """The decision of identity policies capped by a permissions boundary (if any): an
    explicit deny in either wins, and both must allow."""
    if Decision.EXPLICIT_DENY in (identity, boundary):
        return Decision.EXPLICIT_DENY
    if identity is Decision.ALLOW and boundary in (None, Decision.ALLOW):
        return Decision.ALLOW
    return Decision.IMPLICIT_DENY


def resource_for(store: Store, caller: Caller, action: str, params: Mapping[str, Any]) -> str:
    """The resource an action is judged on, for callers whose calls are not judged (root)."""
    with store.read() as tx:
        return resource_arn(tx, caller, action, params)


def decide(
    sources: Sequence[PrincipalPolicy],
    action: str,
    resource: str,
    keys: Mapping[str, Sequence[str]],
) -> Evaluation:
    """Evaluate the given stored policies for one action on one resource."""
    policies = [(source.source, compiled(source.document)) for source in sources]
    return evaluate(policies, RequestContext(action=action, resource=resource, keys=keys))


def request_keys(
    user: User, account_id: str, now: datetime, origin: Origin
) -> dict[str, Sequence[str]]:
    """The global condition keys of a request by an IAM user, by lower-cased name."""
    return {
        "aws:username": [user.user_name],
        "aws:userid": [user.user_id],
        "aws:principalarn": [user.arn],
        "aws:principalaccount": [account_id],
        "aws:principaltype": ["User"],
        "aws:sourceip": [origin.source_ip],
        "aws:currenttime": [now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(now.timestamp()))],
        "aws:securetransport": ["true" if origin.secure else "false"],
        "aws:requestedregion": [origin.region],
    }


def boundary_policies(tx: Transaction, user: User) -> list[PrincipalPolicy] | None:
    """The user's permissions boundary as a policy list, or None when it has none.

    A boundary that cannot be found allows nothing, so a broken reference fails closed.
    """
    if user.permissions_boundary is None:
        return None
    parts = parse_policy_arn(user.permissions_boundary)
    policy = tx.get_policy(parts.account, parts.name) if parts else None
    version = tx.get_version(policy.policy_id, policy.default_version) if policy else None
    return [] if version is None else [PrincipalPolicy(user.permissions_boundary, version.document)]


def _other_account(resource: str, account_id: str) -> bool:
    """Whether a resource lies in another account; IAM has no resource-based policies,
    so no identity policy can reach it. AWS managed policies belong to every account."""
    parts = resource.split(":", 5)
    return len(parts) == 6 and parts[4] not in ("", account_id, "aws")


def _deny(caller: Caller, action: str, resource: str, reason: str) -> NoReturn:
    LOG.info(
        "access denied", extra={"principal": caller.arn, "action": action, "resource": resource}
    )
    raise AccessDenied(
        f"User: {caller.arn} is not authorized to perform: {action} on resource: {resource}"
        f" {reason}",
        resource,
    )
