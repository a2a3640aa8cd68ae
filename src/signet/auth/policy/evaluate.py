"""Request-time evaluation of identity-based policies, per AWS's policy evaluation logic.

A request starts implicitly denied. Every statement of every policy is tested; one that
applies with ``Deny`` makes the decision an explicit deny, which nothing overrides;
otherwise one that applies with ``Allow`` allows; otherwise the implicit deny stands.

A statement applies when the action matches (``Action``: some pattern matches;
``NotAction``: none does), the resource matches likewise (``Resource``/``NotResource``)
and every condition holds. Actions match case-blind, resources case-sensitively; in both,
``*`` spans any characters, ``:`` and ``/`` included.

Only identity-based policies are weighed for now. Other policy types slot in beside
:func:`_scan`: AWS gathers explicit denies from every type first, then requires an allow
from each type that limits permissions (permission boundaries, session policies, SCPs)
and from the identity or resource policies.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from signet.auth.policy.document import PolicyDocument, Statement
from signet.auth.policy.patterns import Keys


class Decision(enum.Enum):
    """The outcome, valued as the IAM policy simulator spells ``EvalDecision``."""

    ALLOW = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


@dataclass(frozen=True, slots=True)
class RequestContext:
    """What is being asked: the action, the resource ARN (or ``*``) and the context keys.

    ``keys`` maps lower-cased key names (``aws:username``) to their values; a key absent
    or mapped to no value counts as not present.
    """

    action: str
    resource: str
    keys: Mapping[str, Sequence[str]]


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The decision and the (policy, Sid) of each statement that made it.

    For an explicit deny these are the applicable Deny statements; for an allow, the
    applicable Allow statements; for an implicit deny, none.
    """

    decision: Decision
    matched: tuple[tuple[str, str | None], ...]


def evaluate(policies: Sequence[tuple[str, PolicyDocument]], request: RequestContext) -> Evaluation:
    """Decide a request against named identity-based policies."""
    denies, allows = _scan(policies, request)
    if denies:
        return Evaluation(Decision.EXPLICIT_DENY, tuple(denies))
    if allows:
        return Evaluation(Decision.ALLOW, tuple(allows))
    return Evaluation(Decision.IMPLICIT_DENY, ())


Matches = list[tuple[str, str | None]]


def _scan(
    policies: Sequence[tuple[str, PolicyDocument]], request: RequestContext
) -> tuple[Matches, Matches]:
    """The applicable Deny and Allow statements; Allows are no longer tested once a Deny is
    found, since they cannot change the outcome."""
    action = request.action.lower()
    resource = request.resource
    keys = request.keys
    denies: Matches = []
    allows: Matches = []
    for name, document in policies:
        for statement in document.statements_for(action):
            deny = statement.effect == "Deny"
            if (deny or not denies) and _covers_rest(statement, resource, keys):
                (denies if deny else allows).append((name, statement.sid))
    return denies, allows


def _covers_rest(statement: Statement, resource: str, keys: Keys) -> bool:
    """Whether the statement's resources and conditions cover the request."""
    if statement.resources is not None:
        for target in statement.resources:
            if target.matches(resource, keys):
                break
        else:
            return False
    else:
        for target in statement.not_resources or ():
            if target.matches(resource, keys):
                return False
    for condition in statement.conditions:  # noqa: SIM110 - a plain loop is faster here
        if not condition.holds(keys):
            return False
    return True
