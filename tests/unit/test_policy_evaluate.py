"""Evaluation of identity-based policies, after AWS's documented policy evaluation logic."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signet.auth.policy import (
    Decision,
    Evaluation,
    PolicyDocument,
    RequestContext,
    evaluate,
    parse_policy,
)
from tests.fuzzing import examples

ALLOW = Decision.ALLOW
EXPLICIT = Decision.EXPLICIT_DENY
IMPLICIT = Decision.IMPLICIT_DENY
ACCOUNT = "123456789012"
ALICE = f"arn:aws:iam::{ACCOUNT}:user/alice"
BOB = f"arn:aws:iam::{ACCOUNT}:user/bob"
ALICE_KEYS = {"aws:username": ["alice"], "aws:principalaccount": [ACCOUNT]}


def policy(*statements: Mapping[str, Any], version: str | None = "2012-10-17") -> PolicyDocument:
    body: dict[str, Any] = {"Statement": list(statements)}
    if version is not None:
        body["Version"] = version
    return parse_policy(json.dumps(body))


def allow(action: Any = "*", resource: Any = "*", **fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **fields}


def deny(action: Any = "*", resource: Any = "*", **fields: Any) -> dict[str, Any]:
    return {"Effect": "Deny", "Action": action, "Resource": resource, **fields}


def decide(
    documents: Sequence[PolicyDocument],
    action: str,
    resource: str = "*",
    keys: Mapping[str, Sequence[str]] | None = None,
) -> Decision:
    named = [(f"policy{index}", document) for index, document in enumerate(documents)]
    request = RequestContext(action, resource, keys if keys is not None else ALICE_KEYS)
    return evaluate(named, request).decision


# AWS's evaluation logic: default deny, explicit deny wins, otherwise an allow allows

SIGNING = allow("iam:*SigningCertificate*", "arn:aws:iam::*:user/${aws:username}")

CASES: list[tuple[str, list[PolicyDocument], str, str, Decision]] = [
    ("nothing applies: implicit deny", [policy(allow("s3:*"))], "iam:GetUser", ALICE, IMPLICIT),
    ("an allow allows", [policy(allow("iam:GetUser", ALICE))], "iam:GetUser", ALICE, ALLOW),
    (
        "explicit deny beats an allow in the same policy",
        [policy(allow(), deny("iam:GetUser"))],
        "iam:GetUser",
        ALICE,
        EXPLICIT,
    ),
    (
        "explicit deny beats an allow in another policy",
        [policy(allow("iam:*")), policy(deny("iam:Get*", ALICE))],
        "iam:GetUser",
        ALICE,
        EXPLICIT,
    ),
    (
        "a deny that does not apply leaves the allow",
        [policy(allow("iam:*")), policy(deny("iam:Get*", BOB))],
        "iam:GetUser",
        ALICE,
        ALLOW,
    ),
    ("action names match case-blind", [policy(allow("IAM:getuser"))], "iam:GetUser", "*", ALLOW),
    ("the request's case is folded too", [policy(allow("iam:GetUser"))], "IAM:GETUSER", "*", ALLOW),
    ("? is one character", [policy(allow("iam:?etUser"))], "iam:GetUser", "*", ALLOW),
    ("? is exactly one character", [policy(allow("iam:?GetUser"))], "iam:GetUser", "*", IMPLICIT),
    ("* may be empty", [policy(allow("iam:Get*User"))], "iam:GetUser", "*", ALLOW),
    ("* in the vendor", [policy(allow("*:GetUser"))], "iam:GetUser", "*", ALLOW),
    ("a literal is whole", [policy(allow("iam:Get"))], "iam:GetUser", "*", IMPLICIT),
    ("a list is alternatives", [policy(allow(["s3:*", "iam:GetUser"]))], "iam:GetUser", "*", ALLOW),
    (
        "resources match case-sensitively",
        [policy(allow("*", f"arn:aws:iam::{ACCOUNT}:user/Alice"))],
        "iam:GetUser",
        ALICE,
        IMPLICIT,
    ),
    (
        "* in a resource spans colons and slashes",
        [policy(allow("*", "arn:aws:iam::*:*"))],
        "iam:GetUser",
        f"arn:aws:iam::{ACCOUNT}:user/division/team/alice",
        ALLOW,
    ),
    (
        "? in a resource is one character",
        [policy(allow("*", f"arn:aws:iam::{ACCOUNT}:user/?lice"))],
        "iam:GetUser",
        ALICE,
        ALLOW,
    ),
    (
        "a resource pattern does not match the resource-less '*'",
        [policy(allow("*", "arn:aws:iam::*:user/*"))],
        "iam:ListUsers",
        "*",
        IMPLICIT,
    ),
    (
        "NotAction with Allow allows everything else",
        [policy({"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"})],
        "s3:GetObject",
        "*",
        ALLOW,
    ),
    (
        "NotAction with Allow does not allow what it names",
        [policy({"Effect": "Allow", "NotAction": ["s3:*", "iam:*"], "Resource": "*"})],
        "iam:CreateUser",
        "*",
        IMPLICIT,
    ),
    (
        "NotResource with Deny denies everywhere else",
        [policy(allow(), {"Effect": "Deny", "Action": "*", "NotResource": ALICE})],
        "iam:GetUser",
        BOB,
        EXPLICIT,
    ),
    (
        "NotResource with Deny spares what it names",
        [policy(allow(), {"Effect": "Deny", "Action": "*", "NotResource": [BOB, ALICE]})],
        "iam:GetUser",
        ALICE,
        ALLOW,
    ),
    (
        "variables: alice on her own ARN",
        [policy(SIGNING)],
        "iam:UploadSigningCertificate",
        ALICE,
        ALLOW,
    ),
    (
        "variables: alice not on bob's",
        [policy(SIGNING)],
        "iam:ListSigningCertificates",
        BOB,
        IMPLICIT,
    ),
    ("variables: not another action", [policy(SIGNING)], "iam:CreateAccessKey", ALICE, IMPLICIT),
    (
        "variables in 2008-10-17 are literal text",
        [policy(SIGNING, version="2008-10-17")],
        "iam:UploadSigningCertificate",
        ALICE,
        IMPLICIT,
    ),
    (
        "variables without a version are literal text",
        [policy(SIGNING, version=None)],
        "iam:UploadSigningCertificate",
        ALICE,
        IMPLICIT,
    ),
    (
        "two variables in one resource",
        [policy(allow("*", "arn:aws:iam::${aws:PrincipalAccount}:user/${aws:username}"))],
        "iam:GetUser",
        ALICE,
        ALLOW,
    ),
]


@pytest.mark.parametrize(
    ("policies", "action", "resource", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_evaluation_logic(
    policies: list[PolicyDocument], action: str, resource: str, expected: Decision
) -> None:
    assert decide(policies, action, resource) is expected


def test_no_policy_allows_nothing() -> None:
    assert decide([], "sts:GetCallerIdentity") is IMPLICIT


def test_a_2008_policy_matches_its_literal_text() -> None:
    literal = "arn:aws:iam::*:user/${aws:username}"
    document = policy(allow("*", literal), version="2008-10-17")
    assert (
        decide([document], "iam:GetUser", f"arn:aws:iam::{ACCOUNT}:user/${{aws:username}}") is ALLOW
    )


@pytest.mark.parametrize(
    ("resource", "keys", "expected"),
    [
        ("arn:aws:iam::*:user/${aws:username}", {}, IMPLICIT),
        ("arn:aws:iam::*:user/${aws:username}", {"aws:username": []}, IMPLICIT),
        ("arn:aws:iam::*:user/${aws:username, 'alice'}", {}, ALLOW),
        ("arn:aws:iam::*:user/${ aws:username ,'alice' }", {}, ALLOW),
        ("arn:aws:iam::*:user/${aws:username, 'bob'}", {"aws:username": ["alice"]}, ALLOW),
        ("arn:aws:iam::*:user/${AWS:UserName}", {"aws:username": ["alice"]}, ALLOW),
        ("arn:aws:iam::*:user/${aws:username}", {"aws:username": ["bob", "alice"]}, IMPLICIT),
        ("arn:aws:iam::*:user/${aws:username, 'alice'}", {"aws:username": ["a", "b"]}, ALLOW),
        ("arn:aws:iam::*:user/al${*}", {}, IMPLICIT),
        ("arn:aws:iam::*:user/al${?}ce", {}, IMPLICIT),
        ("arn:aws:iam::*:user/${aws:username", {"aws:username": ["alice"]}, IMPLICIT),
    ],
)
def test_resource_variables(
    resource: str, keys: Mapping[str, Sequence[str]], expected: Decision
) -> None:
    assert decide([policy(allow("*", resource))], "iam:GetUser", ALICE, keys) is expected


@pytest.mark.parametrize(
    ("pattern", "resource", "expected"),
    [
        ("arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/*", ALLOW),
        ("arn:aws:s3:::bucket/${*}", "arn:aws:s3:::bucket/key", IMPLICIT),
        ("arn:aws:s3:::bucket/${?}", "arn:aws:s3:::bucket/?", ALLOW),
        ("arn:aws:s3:::bucket/${?}", "arn:aws:s3:::bucket/k", IMPLICIT),
        ("arn:aws:s3:::bucket/${$}{x}", "arn:aws:s3:::bucket/${x}", ALLOW),
    ],
)
def test_special_variables_are_literal_characters(
    pattern: str, resource: str, expected: Decision
) -> None:
    assert decide([policy(allow("*", pattern))], "s3:GetObject", resource) is expected


def test_substituted_values_are_literal_not_wildcards() -> None:
    document = policy(allow("*", "arn:aws:iam::*:user/${aws:username}"))
    assert decide([document], "iam:GetUser", BOB, {"aws:username": ["*"]}) is IMPLICIT
    assert (
        decide([document], "iam:GetUser", "arn:aws:iam::1:user/*", {"aws:username": ["*"]}) is ALLOW
    )


def test_a_missing_variable_makes_a_not_resource_entry_match_nothing() -> None:
    document = policy(
        allow(),
        {"Effect": "Deny", "Action": "*", "NotResource": "arn:aws:iam::*:user/${aws:username}"},
    )
    assert decide([document], "iam:GetUser", ALICE) is ALLOW
    assert decide([document], "iam:GetUser", ALICE, {}) is EXPLICIT


def test_the_deciding_statements_are_reported() -> None:
    first = policy(allow("iam:Get*", Sid="ReadIam"), allow("s3:*", Sid="Storage"))
    second = policy(allow("iam:GetUser"), deny("iam:DeleteUser", Sid="NoDelete"))
    named = [("arn:aws:iam::aws:policy/First", first), ("inline", second)]
    get_user = evaluate(named, RequestContext("iam:GetUser", ALICE, ALICE_KEYS))
    assert get_user == Evaluation(
        ALLOW, (("arn:aws:iam::aws:policy/First", "ReadIam"), ("inline", None))
    )
    delete_user = evaluate(named, RequestContext("iam:DeleteUser", ALICE, ALICE_KEYS))
    assert delete_user == Evaluation(EXPLICIT, (("inline", "NoDelete"),))
    create_user = evaluate(named, RequestContext("iam:CreateUser", ALICE, ALICE_KEYS))
    assert create_user == Evaluation(IMPLICIT, ())


def test_every_applicable_deny_is_reported() -> None:
    document = policy(allow(Sid="All"), deny("iam:*", Sid="One"), deny("*:Get*", Sid="Two"))
    evaluation = evaluate([("p", document)], RequestContext("iam:GetUser", ALICE, {}))
    assert evaluation == Evaluation(EXPLICIT, (("p", "One"), ("p", "Two")))


def test_decisions_carry_the_simulators_names() -> None:
    assert [decision.value for decision in Decision] == ["allowed", "explicitDeny", "implicitDeny"]


def test_one_document_serves_many_requests() -> None:
    document = policy(SIGNING, deny("iam:Delete*"))
    for _ in range(3):
        for user, resource, expected in [("alice", ALICE, ALLOW), ("bob", ALICE, IMPLICIT)]:
            keys = {"aws:username": [user]}
            decision = decide([document], "iam:UpdateSigningCertificate", resource, keys)
            assert decision is expected
    assert decide([document], "iam:DeleteSigningCertificate", ALICE) is EXPLICIT


def test_hostile_wildcards_stay_fast() -> None:
    pattern = "iam:" + "*a" * 200 + "*b"
    document = policy(allow(pattern, "arn:aws:s3:::" + "*a" * 200 + "*b"))
    assert decide([document], "iam:" + "a" * 5000, "*") is IMPLICIT
    resource = "arn:aws:s3:::" + "a" * 5000
    assert decide([policy(allow("*", "arn:aws:s3:::" + "*a" * 200 + "*b"))], "s3:x", resource) is (
        IMPLICIT
    )


# Properties

ACTIONS = ["iam:GetUser", "iam:DeleteUser", "iam:UploadSigningCertificate", "s3:GetObject"]
RESOURCES = [ALICE, BOB, "*", "arn:aws:s3:::bucket/key"]
ACTION_PATTERNS = [
    "*",
    "iam:*",
    "IAM:get*",
    "iam:?etUser",
    "iam:*SigningCertificate",
    "s3:*",
    "x:y",
]
RESOURCE_PATTERNS = [
    "*",
    ALICE,
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws:iam::*:user/*",
    "arn:aws:s3:::*",
]
CONDITIONS: list[dict[str, Any]] = [
    {"StringEquals": {"aws:username": "alice"}},
    {"StringNotEquals": {"aws:username": ["alice", "carol"]}},
    {"Bool": {"aws:SecureTransport": "true"}},
    {"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
    {"Null": {"aws:username": "true"}},
    {"ForAllValues:StringLike": {"aws:TagKeys": "team*"}},
    {"DateLessThanIfExists": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
]

names = st.lists(st.sampled_from(ACTION_PATTERNS), min_size=1, max_size=3)
targets = st.lists(st.sampled_from(RESOURCE_PATTERNS), min_size=1, max_size=3)


@st.composite
def statements(draw: st.DrawFn, effect: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "Effect": effect or draw(st.sampled_from(["Allow", "Deny"])),
        draw(st.sampled_from(["Action", "NotAction"])): draw(names),
        draw(st.sampled_from(["Resource", "NotResource"])): draw(targets),
    }
    chosen = draw(st.lists(st.sampled_from(CONDITIONS), max_size=2))
    if chosen:
        result["Condition"] = {k: v for condition in chosen for k, v in condition.items()}
    return result


def documents(effect: str | None = None) -> st.SearchStrategy[PolicyDocument]:
    return st.builds(
        lambda items, version: policy(*items, version=version),
        st.lists(statements(effect), min_size=1, max_size=4),
        st.sampled_from(["2012-10-17", "2008-10-17"]),
    )


key_sets = st.fixed_dictionaries(
    {},
    optional={
        "aws:username": st.lists(st.sampled_from(["alice", "bob"]), max_size=2),
        "aws:securetransport": st.sampled_from([["true"], ["false"]]),
        "aws:sourceip": st.sampled_from([["10.1.2.3"], ["192.0.2.1"], ["::1"]]),
        "aws:tagkeys": st.lists(st.sampled_from(["team", "teamlead", "cost"]), max_size=3),
        "aws:currenttime": st.sampled_from([["2026-12-03T17:00:00Z"], ["2031-01-01T00:00:00Z"]]),
    },
)
requests = st.builds(RequestContext, st.sampled_from(ACTIONS), st.sampled_from(RESOURCES), key_sets)
policy_sets = st.lists(documents(), max_size=4)


def named(documents: Sequence[PolicyDocument]) -> list[tuple[str, PolicyDocument]]:
    return [(f"p{index}", document) for index, document in enumerate(documents)]


@settings(max_examples=examples(200))
@given(policy_sets, st.lists(documents("Allow"), min_size=1, max_size=2), requests)
def test_an_explicit_deny_is_never_overridden(
    base: list[PolicyDocument], extra: list[PolicyDocument], request: RequestContext
) -> None:
    if evaluate(named(base), request).decision is EXPLICIT:
        assert evaluate(named(base + extra), request).decision is EXPLICIT
        assert evaluate(named(extra + base), request).decision is EXPLICIT


@settings(max_examples=examples(200))
@given(policy_sets, documents("Allow"), requests)
def test_adding_an_allow_never_removes_access(
    base: list[PolicyDocument], extra: PolicyDocument, request: RequestContext
) -> None:
    before = evaluate(named(base), request).decision
    after = evaluate(named([*base, extra]), request).decision
    if before is ALLOW:
        assert after is ALLOW
    if before is EXPLICIT:
        assert after is EXPLICIT


@settings(max_examples=examples(100))
@given(requests)
def test_an_empty_policy_set_allows_nothing(request: RequestContext) -> None:
    assert evaluate([], request) == Evaluation(IMPLICIT, ())


@settings(max_examples=examples(200))
@given(policy_sets, requests, st.randoms(use_true_random=False))
def test_the_order_of_policies_does_not_matter(
    documents: list[PolicyDocument], request: RequestContext, random: Any
) -> None:
    pairs = named(documents)
    shuffled = list(pairs)
    random.shuffle(shuffled)
    first, second = evaluate(pairs, request), evaluate(shuffled, request)
    assert first.decision is second.decision
    assert sorted(first.matched, key=repr) == sorted(second.matched, key=repr)


@settings(max_examples=examples(200))
@given(policy_sets, requests)
def test_an_allow_needs_an_allow_statement(
    documents: list[PolicyDocument], request: RequestContext
) -> None:
    evaluation = evaluate(named(documents), request)
    allows_only = [without_denies(document) for document in documents]
    if evaluation.decision is ALLOW:
        assert evaluate(named(allows_only), request) == evaluation
    else:
        assert evaluation.matched == () or evaluation.decision is EXPLICIT


def without_denies(document: PolicyDocument) -> PolicyDocument:
    body = json.loads(document.text)
    statements = [item for item in body["Statement"] if item["Effect"] == "Allow"]
    return policy(*statements, version=body.get("Version")) if statements else policy(allow("x:y"))
