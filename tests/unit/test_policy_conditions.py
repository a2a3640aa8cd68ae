"""Condition operators, after AWS's "IAM JSON policy elements: Condition operators"."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import pytest

from signet.auth.policy import Decision, RequestContext, evaluate, parse_policy
from signet.auth.policy.conditions import OPERATOR_NAMES, parse_operator

MISSING = None
NOW = "2026-12-03T17:00:00Z"
NOW_EPOCH = "1796317200"  # the same instant
USER_ARN = "arn:aws:iam::123456789012:user/division/alice"


def holds(
    condition: Mapping[str, Any],
    keys: Mapping[str, Sequence[str]],
    version: str = "2012-10-17",
) -> bool:
    """Whether an Allow statement guarded by the condition allows a request with the keys."""
    statement = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": condition}
    document = parse_policy(json.dumps({"Version": version, "Statement": statement}))
    request = RequestContext("iam:GetUser", "*", keys)
    return evaluate([("p", document)], request).decision is Decision.ALLOW


def check(operator: str, policy: Any, request: Sequence[str] | None, expected: bool) -> None:
    keys = {} if request is None else {"aws:key": list(request)}
    assert holds({operator: {"aws:Key": policy}}, keys) is expected


# Each operator: true, false and the key missing

OPERATORS: list[tuple[str, Any, Sequence[str] | None, bool]] = [
    ("StringEquals", "alice", ["alice"], True),
    ("StringEquals", "alice", ["Alice"], False),
    ("StringEquals", "alice", MISSING, False),
    ("StringEquals", ["alice", "bob"], ["bob"], True),
    ("StringEquals", "a*", ["abc"], False),
    ("StringEquals", "a*", ["a*"], True),
    ("StringEquals", 10, ["10"], True),
    ("StringEquals", True, ["true"], True),
    ("StringNotEquals", "alice", ["bob"], True),
    ("StringNotEquals", "alice", ["alice"], False),
    ("StringNotEquals", "alice", MISSING, True),
    ("StringNotEquals", ["alice", "bob"], ["bob"], False),
    ("StringNotEquals", ["alice", "bob"], ["carol"], True),
    ("StringEqualsIgnoreCase", "ALICE", ["alice"], True),
    ("StringEqualsIgnoreCase", "ALICE", ["bob"], False),
    ("StringEqualsIgnoreCase", "ALICE", MISSING, False),
    ("StringNotEqualsIgnoreCase", "ALICE", ["Alice"], False),
    ("StringNotEqualsIgnoreCase", "ALICE", ["bob"], True),
    ("StringNotEqualsIgnoreCase", "ALICE", MISSING, True),
    ("StringLike", "al*", ["alice"], True),
    ("StringLike", "al*", ["Alice"], False),
    ("StringLike", "a?ice", ["alice"], True),
    ("StringLike", "a?ice", ["aice"], False),
    ("StringLike", "*", [""], True),
    ("StringLike", "home/*/docs", ["home/a/b/docs"], True),
    ("StringLike", "al*", MISSING, False),
    ("StringNotLike", "al*", ["alice"], False),
    ("StringNotLike", "al*", ["bob"], True),
    ("StringNotLike", "al*", MISSING, True),
    ("NumericEquals", "10", ["10"], True),
    ("NumericEquals", "10", ["10.0"], True),
    ("NumericEquals", 10, ["1e1"], True),
    ("NumericEquals", "10", ["11"], False),
    ("NumericEquals", "10", ["ten"], False),
    ("NumericEquals", "10", MISSING, False),
    ("NumericNotEquals", "10", ["11"], True),
    ("NumericNotEquals", "10", ["10"], False),
    ("NumericNotEquals", "10", MISSING, True),
    ("NumericLessThan", "10", ["9"], True),
    ("NumericLessThan", "10", ["-1.5"], True),
    ("NumericLessThan", "10", ["10"], False),
    ("NumericLessThan", "10", MISSING, False),
    ("NumericLessThan", "ten", ["1"], False),
    ("NumericLessThanEquals", "10", ["10"], True),
    ("NumericLessThanEquals", "10", ["11"], False),
    ("NumericGreaterThan", "10", ["11"], True),
    ("NumericGreaterThan", "10", ["10"], False),
    ("NumericGreaterThanEquals", "10", ["10"], True),
    ("NumericGreaterThanEquals", "10", ["9.99"], False),
    ("NumericGreaterThanEquals", "10", MISSING, False),
    ("DateEquals", NOW, [NOW], True),
    ("DateEquals", NOW, ["2026-12-03T17:00:00+00:00"], True),
    ("DateEquals", NOW, ["2026-12-03T18:00:00+01:00"], True),
    ("DateEquals", NOW, [NOW_EPOCH], True),
    ("DateEquals", NOW_EPOCH, [NOW], True),
    ("DateEquals", NOW, ["2026-12-03T17:00:01Z"], False),
    ("DateEquals", NOW, MISSING, False),
    ("DateNotEquals", NOW, ["2026-12-03T17:00:01Z"], True),
    ("DateNotEquals", NOW, [NOW], False),
    ("DateNotEquals", NOW, MISSING, True),
    ("DateLessThan", "2027-01-01T00:00:00Z", [NOW], True),
    ("DateLessThan", "2027-01-01", [NOW], True),
    ("DateLessThan", "2026-12-03T16:59:59Z", [NOW], False),
    ("DateLessThan", "2027-01-01T00:00:00Z", ["tomorrow"], False),
    ("DateLessThan", "tomorrow", [NOW], False),
    ("DateLessThan", "2027-01-01T00:00:00Z", MISSING, False),
    ("DateLessThanEquals", NOW, [NOW], True),
    ("DateLessThanEquals", NOW, ["2026-12-03T17:00:01Z"], False),
    ("DateGreaterThan", "2026-01-01", [NOW], True),
    ("DateGreaterThan", NOW, [NOW], False),
    ("DateGreaterThan", "1796000000", [NOW_EPOCH], True),
    ("DateGreaterThanEquals", NOW, [NOW], True),
    ("DateGreaterThanEquals", NOW, ["2026-12-03"], False),
    ("DateGreaterThanEquals", NOW, MISSING, False),
    ("Bool", "true", ["true"], True),
    ("Bool", "true", ["TRUE"], True),
    ("Bool", "true", ["false"], False),
    ("Bool", True, ["true"], True),
    ("Bool", False, ["false"], True),
    ("Bool", "yes", ["yes"], False),
    ("Bool", "true", MISSING, False),
    ("BinaryEquals", "QmluYXJ5VmFsdWU=", ["QmluYXJ5VmFsdWU="], True),
    ("BinaryEquals", "QmluYXJ5VmFsdWU=", ["QmluYXJ5"], False),
    ("BinaryEquals", "not base64!", ["not base64!"], False),
    ("BinaryEquals", "QmluYXJ5VmFsdWU=", MISSING, False),
    ("IpAddress", "203.0.113.0/24", ["203.0.113.7"], True),
    ("IpAddress", "203.0.113.0/24", ["203.0.114.1"], False),
    ("IpAddress", "203.0.113.0/24", ["2001:db8::1"], False),
    ("IpAddress", "203.0.113.0/24", ["localhost"], False),
    ("IpAddress", "203.0.113.0/24", MISSING, False),
    ("IpAddress", "203.0.113.7", ["203.0.113.7"], True),
    ("IpAddress", "203.0.113.7/24", ["203.0.113.200"], True),
    ("IpAddress", "2001:DB8:1234:5678::/64", ["2001:db8:1234:5678::9"], True),
    ("IpAddress", "2001:DB8:1234:5678::/64", ["2001:db8:1234:5679::9"], False),
    ("IpAddress", ["10.0.0.0/8", "192.168.0.0/16"], ["192.168.1.1"], True),
    ("IpAddress", "not-a-network", ["10.0.0.1"], False),
    ("NotIpAddress", "10.0.0.0/8", ["10.1.1.1"], False),
    ("NotIpAddress", "10.0.0.0/8", ["192.0.2.1"], True),
    ("NotIpAddress", "10.0.0.0/8", MISSING, True),
    ("ArnEquals", USER_ARN, [USER_ARN], True),
    ("ArnEquals", USER_ARN, ["arn:aws:iam::123456789012:user/division/bob"], False),
    ("ArnEquals", "arn:aws:iam::*:root", ["arn:aws:iam::123456789012:root"], True),
    ("ArnEquals", USER_ARN, MISSING, False),
    ("ArnLike", "arn:aws:iam::*:user/*", [USER_ARN], True),
    ("ArnLike", "arn:aws:iam::*:user/*", ["arn:aws:iam::123456789012:role/x"], False),
    ("ArnLike", "arn:aws:iam::*:user/alice", ["arn:aws:iam::1:2:user/alice"], False),
    ("ArnLike", "arn:aws:iam::*:user/Alice", ["arn:aws:iam::1:user/alice"], False),
    ("ArnLike", "arn:aws:s3:::bucket/*", ["arn:aws:s3:::bucket/a:b"], True),
    ("ArnLike", "arn:aws:s3:::bucket/a:*", ["arn:aws:s3:::bucket/a:b"], True),
    ("ArnLike", "arn:aws:iam::?????????????:*", ["arn:aws:iam::123456789012:root"], False),
    ("ArnLike", "arn:aws:iam::????????????:*", ["arn:aws:iam::123456789012:root"], True),
    ("ArnLike", "arn:aws:iam::*", ["arn:aws:iam::123456789012:root"], False),
    ("ArnLike", "arn:aws:iam::*:*", ["alice"], False),
    ("ArnLike", "arn:aws:iam::*:user/*", MISSING, False),
    ("ArnNotEquals", USER_ARN, [USER_ARN], False),
    ("ArnNotEquals", USER_ARN, ["arn:aws:iam::123456789012:root"], True),
    ("ArnNotEquals", USER_ARN, MISSING, True),
    ("ArnNotLike", "arn:aws:iam::*:user/*", [USER_ARN], False),
    ("ArnNotLike", "arn:aws:iam::*:user/*", ["arn:aws:iam::1:role/r"], True),
    ("ArnNotLike", "arn:aws:iam::*:user/*", MISSING, True),
    ("Null", "true", MISSING, True),
    ("Null", "true", [], True),
    ("Null", "true", ["alice"], False),
    ("Null", "false", ["alice"], True),
    ("Null", "false", MISSING, False),
    ("Null", True, MISSING, True),
    ("Null", "maybe", ["alice"], False),
    ("Null", "maybe", MISSING, False),
]


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), OPERATORS)
def test_operator(operator: str, policy: Any, request_values: Any, expected: bool) -> None:
    check(operator, policy, request_values, expected)


def test_every_operator_is_covered() -> None:
    assert {case[0] for case in OPERATORS} == OPERATOR_NAMES


# ...IfExists: a missing key makes the condition true; a present one is tested as usual

IF_EXISTS = [
    (f"{name}IfExists", policy, request, expected)
    for name, policy, request, expected in OPERATORS
    if name != "Null"
]


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), IF_EXISTS)
def test_if_exists(operator: str, policy: Any, request_values: Any, expected: bool) -> None:
    check(operator, policy, request_values, True if request_values is None else expected)


def test_if_exists_with_an_empty_key_is_true() -> None:
    assert holds({"StringEqualsIfExists": {"aws:key": "a"}}, {"aws:key": []})


# Set qualifiers for multivalued keys

QUALIFIED: list[tuple[str, Any, Sequence[str] | None, bool]] = [
    ("ForAnyValue:StringEquals", ["a", "b"], ["c", "a"], True),
    ("ForAnyValue:StringEquals", ["a", "b"], ["c"], False),
    ("ForAnyValue:StringEquals", ["a", "b"], MISSING, False),
    ("ForAnyValue:StringEquals", ["a", "b"], [], False),
    ("ForAllValues:StringEquals", ["a", "b"], ["b", "a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a"], True),
    ("ForAllValues:StringEquals", ["a", "b"], ["a", "c"], False),
    ("ForAllValues:StringEquals", ["a", "b"], MISSING, True),
    ("ForAllValues:StringEquals", ["a", "b"], [], True),
    ("ForAllValues:StringLike", "team*", ["team", "teamlead"], True),
    ("ForAllValues:StringLike", "team*", ["team", "cost"], False),
    ("ForAnyValue:StringNotEquals", "a", ["a", "b"], True),
    ("ForAnyValue:StringNotEquals", "a", ["a"], False),
    ("ForAnyValue:StringNotEquals", "a", MISSING, False),
    ("ForAllValues:StringNotEquals", ["a", "b"], ["c", "d"], True),
    ("ForAllValues:StringNotEquals", ["a", "b"], ["c", "a"], False),
    ("ForAllValues:StringNotEquals", ["a", "b"], MISSING, True),
    ("ForAnyValue:NumericGreaterThan", "5", ["1", "7"], True),
    ("ForAllValues:NumericGreaterThan", "5", ["1", "7"], False),
    ("ForAnyValue:IpAddress", "10.0.0.0/8", ["192.0.2.1", "10.0.0.1"], True),
    ("ForAllValues:StringEqualsIfExists", "a", MISSING, True),
    ("ForAnyValue:StringEqualsIfExists", "a", MISSING, True),
    ("ForAnyValue:StringEqualsIfExists", "a", ["b"], False),
    ("ForAllValues:Null", "true", MISSING, True),
    ("ForAnyValue:Null", "false", ["a"], True),
    # Without a qualifier a multivalued key is tested value by value: a positive operator
    # holds when any value matches, a negated one when none does.
    ("StringEquals", "a", ["b", "a"], True),
    ("StringNotEquals", "a", ["b", "a"], False),
    ("StringNotEquals", "a", ["b", "c"], True),
]


@pytest.mark.parametrize(("operator", "policy", "request_values", "expected"), QUALIFIED)
def test_set_qualifiers(operator: str, policy: Any, request_values: Any, expected: bool) -> None:
    check(operator, policy, request_values, expected)


# How conditions combine; keys are case-blind, values are not


def test_operators_and_keys_are_anded_and_values_ored() -> None:
    condition = {
        "StringEquals": {"aws:username": ["alice", "bob"], "aws:requestedregion": "us-east-1"},
        "Bool": {"aws:SecureTransport": "true"},
    }
    keys = {"aws:username": ["bob"], "aws:requestedregion": ["us-east-1"]}
    assert holds(condition, {**keys, "aws:securetransport": ["true"]})
    assert not holds(condition, {**keys, "aws:securetransport": ["false"]})
    assert not holds(condition, {**keys, "aws:requestedregion": ["eu-west-1"]})
    assert not holds(condition, {**keys, "aws:username": ["carol"]})


def test_condition_keys_are_case_blind() -> None:
    assert holds({"StringEquals": {"AWS:UserName": "alice"}}, {"aws:username": ["alice"]})


def test_a_deny_with_a_negated_operator_applies_when_the_key_is_missing() -> None:
    statements = [
        {"Effect": "Allow", "Action": "*", "Resource": "*"},
        {
            "Effect": "Deny",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": "us-east-1"}},
        },
    ]
    document = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": statements}))
    for keys, expected in [
        ({"aws:requestedregion": ["us-east-1"]}, Decision.ALLOW),
        ({"aws:requestedregion": ["eu-west-1"]}, Decision.EXPLICIT_DENY),
        ({}, Decision.EXPLICIT_DENY),
    ]:
        request = RequestContext("iam:GetUser", "*", keys)
        assert evaluate([("p", document)], request).decision is expected


# Typical uses from AWS's documentation


def test_current_time_before_a_date() -> None:
    condition = {"DateLessThan": {"aws:CurrentTime": "2027-01-01T00:00:00Z"}}
    assert holds(condition, {"aws:currenttime": [NOW]})
    assert not holds(condition, {"aws:currenttime": ["2027-06-30T12:00:00Z"]})


def test_epoch_time_against_a_number_or_a_date() -> None:
    assert holds({"NumericLessThan": {"aws:EpochTime": 1796317201}}, {"aws:epochtime": [NOW_EPOCH]})
    assert holds({"DateLessThan": {"aws:EpochTime": "2027-01-01"}}, {"aws:epochtime": [NOW_EPOCH]})


def test_deny_without_secure_transport() -> None:
    condition = {"Bool": {"aws:SecureTransport": "false"}}
    assert holds(condition, {"aws:securetransport": ["false"]})
    assert not holds(condition, {"aws:securetransport": ["true"]})
    assert not holds(condition, {})


def test_source_ip_ranges() -> None:
    condition = {"IpAddress": {"aws:SourceIp": ["192.0.2.0/24", "2001:db8::/32", "127.0.0.1"]}}
    for address, expected in [
        ("192.0.2.44", True),
        ("2001:db8:85a3::8a2e:370:7334", True),
        ("127.0.0.1", True),
        ("127.0.0.2", False),
        ("198.51.100.1", False),
    ]:
        assert holds(condition, {"aws:sourceip": [address]}) is expected


def test_null_checks_for_temporary_credentials() -> None:
    condition = {"Null": {"aws:TokenIssueTime": "true"}}
    assert holds(condition, {})
    assert not holds(condition, {"aws:tokenissuetime": [NOW]})


# Variables in condition values


def test_variables_in_condition_values() -> None:
    condition = {"StringLike": {"s3:prefix": ["home/${aws:username}/*", "shared/${*}"]}}
    alice = {"aws:username": ["alice"]}
    assert holds(condition, {**alice, "s3:prefix": ["home/alice/docs"]})
    assert not holds(condition, {**alice, "s3:prefix": ["home/bob/docs"]})
    assert not holds(condition, {**alice, "s3:prefix": ["shared/x"]})
    assert holds(condition, {**alice, "s3:prefix": ["shared/*"]})
    assert not holds(condition, {"s3:prefix": ["home/alice/docs"]})


def test_a_missing_variable_matches_nothing() -> None:
    assert not holds({"StringEquals": {"aws:key": "${aws:username}"}}, {"aws:key": [""]})
    assert holds({"StringNotEquals": {"aws:key": "${aws:username}"}}, {"aws:key": ["x"]})
    default = {"StringEquals": {"aws:key": "${aws:username, 'nobody'}"}}
    assert holds(default, {"aws:key": ["nobody"]})


def test_variables_in_other_operators() -> None:
    arn = {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:user/*/${aws:username}"}}
    assert holds(arn, {"aws:principalarn": [USER_ARN], "aws:username": ["alice"]})
    assert not holds(arn, {"aws:principalarn": [USER_ARN], "aws:username": ["bob"]})
    number = {"NumericLessThan": {"aws:key": "${aws:limit}"}}
    assert holds(number, {"aws:key": ["3"], "aws:limit": ["5"]})
    assert not holds(number, {"aws:key": ["7"], "aws:limit": ["5"]})


def test_2008_documents_take_variables_literally() -> None:
    condition = {"StringEquals": {"aws:key": "${aws:username}"}}
    assert holds(condition, {"aws:key": ["${aws:username}"]}, version="2008-10-17")
    assert not holds(condition, {"aws:key": ["alice"], "aws:username": ["alice"]}, "2008-10-17")
    assert holds(condition, {"aws:key": ["alice"], "aws:username": ["alice"]})


# Operator names


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("StringEquals", ("StringEquals", False, False, None)),
        ("StringNotLikeIfExists", ("StringNotLike", True, True, None)),
        ("ForAllValues:NotIpAddress", ("NotIpAddress", True, False, "ForAllValues")),
        ("ForAnyValue:ArnNotEqualsIfExists", ("ArnNotEquals", True, True, "ForAnyValue")),
        ("Null", ("Null", False, False, None)),
    ],
)
def test_operator_names(name: str, parts: tuple[str, bool, bool, str | None]) -> None:
    operator = parse_operator(name)
    assert operator is not None
    qualifier = operator.qualifier.value if operator.qualifier else None
    assert (operator.base, operator.negated, operator.if_exists, qualifier) == parts


@pytest.mark.parametrize(
    "name",
    ["NullIfExists", "StringEqual", "IfExists", "ForAllValues:", ":StringEquals", "Binary"],
)
def test_unknown_operator_names(name: str) -> None:
    assert parse_operator(name) is None
