"""The policy simulator: SimulatePrincipalPolicy and SimulateCustomPolicy.

Both answer with the same evaluator that guards real calls
(:func:`signet.auth.access.decide`), so a simulation and the call it simulates agree.
SimulatePrincipalPolicy evaluates the policies of a user (its own and its groups') or
of a group, plus any policies passed in, capped by the user's permissions boundary (or
by the boundary passed in); SimulateCustomPolicy evaluates only the policies passed in.
Context entries supply condition keys; the simulated user's own keys
(``aws:username`` and the like) are filled in from the user.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from signet.auth.access import Origin, boundary_policies, combined, decide, request_keys
from signet.auth.policy import Decision
from signet.errors import InvalidInput, NoSuchEntity
from signet.iam import pagination, policies
from signet.iam.context import Context
from signet.store.base import Transaction
from signet.store.records import Group, PrincipalPolicy

DECISIONS = {
    Decision.ALLOW: "allowed",
    Decision.EXPLICIT_DENY: "explicitDeny",
    Decision.IMPLICIT_DENY: "implicitDeny",
}

SOURCE_ARN = re.compile(
    r"arn:aws:iam::(?P<account>\d{12}):(?P<kind>user|group)(?:/.*)?/(?P<name>[^/]+)"
)


def simulate_principal_policy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    arn = params["PolicySourceArn"]
    match = SOURCE_ARN.fullmatch(arn)
    if match is None or match["account"] != ctx.caller.account_id:
        raise NoSuchEntity(f"The policy source {arn} cannot be found.")
    keys: dict[str, Sequence[str]] = {}
    boundary: list[PrincipalPolicy] | None = None

    with ctx.store.read() as tx:
        if match["kind"] == "user":
            user = tx.get_user(ctx.caller.account_id, match["name"])
            if user is None or user.arn != arn:
                raise NoSuchEntity(f"The user with name {match['name']} cannot be found.")
            sources = list(tx.policies_for_user(user.user_id))
            boundary = boundary_policies(tx, user)
            keys = {
                name: values
                for name, values in request_keys(user, user.account_id, ctx.now, Origin()).items()
                if name
                in ("aws:username", "aws:userid", "aws:principalarn", "aws:principalaccount")
            }
        else:
            group = tx.get_group(ctx.caller.account_id, match["name"])
            if group is None or group.arn != arn:
                raise NoSuchEntity(f"The group with name {match['name']} cannot be found.")
            sources = _group_policies(tx, group)

    sources += _inputs(params, "PolicyInputList")
    if params.get("PermissionsBoundaryPolicyInputList"):
        boundary = _inputs(params, "PermissionsBoundaryPolicyInputList")
    return _simulate(ctx, params, sources, keys, boundary)


def simulate_custom_policy(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    boundary = None
    if params.get("PermissionsBoundaryPolicyInputList"):
        boundary = _inputs(params, "PermissionsBoundaryPolicyInputList")
    return _simulate(ctx, params, _inputs(params, "PolicyInputList"), {}, boundary)


def _group_policies(tx: Transaction, group: Group) -> list[PrincipalPolicy]:
    """A group's policies, named as they are when a member user is evaluated."""
    group_id = group.group_id
    inline = [
        PrincipalPolicy(
            f"group/{group.group_name}/{name}", tx.get_inline_policy(group_id, name) or ""
        )
        for name in tx.list_inline_policies(group_id, None, 1000)
    ]
    attached = []
    for policy in tx.list_attached_policies(group_id, None, 1000):
        version = tx.get_version(policy.policy_id, policy.default_version)
        if version is not None:
            attached.append(PrincipalPolicy(policy.policy_id, version.document))
    return inline + attached


def _inputs(params: Mapping[str, Any], member: str) -> list[PrincipalPolicy]:
    """The policies passed in a list parameter, validated like any stored policy."""
    documents = params.get(member) or []
    for document in documents:
        policies.check_document(document, 1 << 20, "Policy is too large.")
    return [
        PrincipalPolicy(f"{member}.{index}", document)
        for index, document in enumerate(documents, start=1)
    ]


def _simulate(
    ctx: Context,
    params: Mapping[str, Any],
    sources: Sequence[PrincipalPolicy],
    principal_keys: Mapping[str, Sequence[str]],
    boundary: Sequence[PrincipalPolicy] | None,
) -> dict[str, Any]:
    keys = {
        "aws:currenttime": [ctx.now.strftime("%Y-%m-%dT%H:%M:%SZ")],
        "aws:epochtime": [str(int(ctx.now.timestamp()))],
        **principal_keys,
        **_context_entries(params.get("ContextEntries") or []),
    }
    results = []
    for action in params["ActionNames"]:
        for resource in params.get("ResourceArns") or ["*"]:
            evaluation = decide(sources, action, resource, keys)
            bounded = None if boundary is None else decide(boundary, action, resource, keys)
            decision = combined(evaluation.decision, bounded.decision if bounded else None)
            result: dict[str, Any] = {
                "EvalActionName": action,
                "EvalResourceName": resource,
                "EvalDecision": DECISIONS[decision],
                "MatchedStatements": [
                    {"SourcePolicyId": source, "SourcePolicyType": _source_type(source)}
                    for source, _sid in evaluation.matched
                ],
                "MissingContextValues": [],
            }
            if bounded is not None:
                result["PermissionsBoundaryDecisionDetail"] = {
                    "AllowedByPermissionsBoundary": bounded.decision is Decision.ALLOW
                }
            results.append(result)

    numbered = [(f"{index:08d}", result) for index, result in enumerate(results)]
    shown, page = pagination.page(
        params,
        1,
        lambda after, limit: [n for n in numbered if after is None or n[0] > after[0]][:limit],
        lambda n: (n[0],),
    )
    return {"EvaluationResults": [result for _, result in shown], **page}


def _context_entries(entries: Sequence[Mapping[str, Any]]) -> dict[str, Sequence[str]]:
    keys: dict[str, Sequence[str]] = {}
    for entry in entries:
        name = entry.get("ContextKeyName")
        if not name:
            raise InvalidInput("Each context entry must name its ContextKeyName.")
        keys[name.lower()] = [str(value) for value in entry.get("ContextKeyValues") or []]
    return keys


def _source_type(source: str) -> str:
    if source.startswith("user/"):
        return "user"
    if source.startswith("group/"):
        return "group"
    if source.startswith(("PolicyInputList.", "PermissionsBoundaryPolicyInputList.")):
        return "none"
    return "aws-managed" if source in _AWS_MANAGED_IDS else "user-managed"


_AWS_MANAGED_IDS = frozenset({"ANPAIWMBCKSKIEE64ZLYK", "ANPAJKSO7NDY4T57MWDSQ"})
