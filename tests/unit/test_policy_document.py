"""Policy documents: what IAM accepts, what it refuses and with which message."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signet.auth.policy import PolicyDocument, parse_policy, policy_size
from signet.auth.policy.document import ECHO_LIMIT
from signet.errors import MalformedPolicyDocument
from tests.fuzzing import examples

ALLOW_ALL = {"Effect": "Allow", "Action": "*", "Resource": "*"}
VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."


def document(*statements: Any, **fields: Any) -> str:
    return json.dumps({"Version": "2012-10-17", **fields, "Statement": list(statements)})


def statement(**fields: Any) -> dict[str, Any]:
    return {**ALLOW_ALL, **fields}


def without(name: str, **fields: Any) -> dict[str, Any]:
    result = statement(**fields)
    del result[name]
    return result


def refused(text: str) -> str:
    with pytest.raises(MalformedPolicyDocument) as caught:
        parse_policy(text)
    assert caught.value.code == "MalformedPolicyDocument"
    assert caught.value.status == 400
    return caught.value.message


# What IAM accepts


def test_a_full_document_compiles_every_element() -> None:
    text = json.dumps(
        {
            "Version": "2012-10-17",
            "Id": "ExamplePolicy",
            "Statement": [
                {
                    "Sid": "OwnCertificates",
                    "Effect": "Allow",
                    "Action": ["iam:*SigningCertificate*", "iam:GetUser"],
                    "Resource": "arn:aws:iam::*:user/${aws:username}",
                },
                {
                    "Effect": "Deny",
                    "NotAction": "iam:Get*",
                    "NotResource": ["arn:aws:iam::123456789012:user/admins/*"],
                    "Condition": {
                        "Bool": {"aws:SecureTransport": False},
                        "NumericLessThan": {"aws:MultiFactorAuthAge": 3600},
                        "StringEquals": {"aws:RequestedRegion": ["us-east-1", "eu-west-1"]},
                    },
                },
            ],
        }
    )
    policy = parse_policy(text)
    assert isinstance(policy, PolicyDocument)
    assert policy.version == "2012-10-17"
    assert policy.text == text
    first, second = policy.statements
    assert (first.sid, first.effect) == ("OwnCertificates", "Allow")
    assert first.actions is not None and len(first.actions) == 2
    assert first.not_actions is None and first.not_resources is None
    assert first.resources is not None
    assert [r.text for r in first.resources] == ["arn:aws:iam::*:user/${aws:username}"]
    assert (second.sid, second.effect, second.actions, second.resources) == (
        None,
        "Deny",
        None,
        None,
    )
    assert [(c.operator.name, c.key, c.values) for c in second.conditions] == [
        ("Bool", "aws:securetransport", ("false",)),
        ("NumericLessThan", "aws:multifactorauthage", ("3600",)),
        ("StringEquals", "aws:requestedregion", ("us-east-1", "eu-west-1")),
    ]


@pytest.mark.parametrize(
    "text",
    [
        '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}}',
        ' \n{"Version": "2008-10-17", "Statement": [{"Effect": "Deny", "Action": "s3:*",'
        ' "Resource": "arn:aws:s3:::bucket/*"}]}\n',
        document(statement(Sid="")),
        document(statement(Sid="A1"), statement(Sid="B2"), statement()),
        document(statement(Action="*:*"), statement(Action="s?:Get*"), statement(Action="a-b:c")),
        document(statement(Resource="arn:aws:iam::123456789012:user/a:b/c")),
        document(statement(Condition={})),
        document(statement(Condition={"StringEquals": {}})),
        document(statement(Condition={"StringLike": {"aws:PrincipalTag/team name": "a*"}})),
        document(statement(Condition={"NumericLessThan": {"s3:max-keys": "ten"}})),
        document(statement(Condition={"ForAnyValue:StringEqualsIfExists": {"aws:TagKeys": "a"}})),
        document(statement(Condition={"ForAllValues:Null": {"aws:TagKeys": "true"}})),
    ],
)
def test_iam_accepts(text: str) -> None:
    parse_policy(text)


def test_a_missing_version_means_2008_10_17() -> None:
    policy = parse_policy(json.dumps({"Statement": ALLOW_ALL}))
    assert policy.version == "2008-10-17"
    assert len(policy.statements) == 1


def test_a_single_statement_object_is_one_statement() -> None:
    policy = parse_policy(json.dumps({"Version": "2012-10-17", "Statement": ALLOW_ALL}))
    assert len(policy.statements) == 1


def test_condition_values_become_strings_as_written() -> None:
    text = (
        '{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition":'
        ' {"NumericEquals": {"aws:a": [1, 2.50, -3e2, "4"], "aws:b": true}}}}'
    )
    policy = parse_policy(text)
    assert [c.values for c in policy.statements[0].conditions] == [
        ("1", "2.50", "-3e2", "4"),
        ("true",),
    ]


# What IAM refuses, and how it says so

MALFORMED = [
    ("not json", "Syntax errors in policy."),
    ("", "Syntax errors in policy."),
    ("[]", "Syntax errors in policy."),
    ('"policy"', "Syntax errors in policy."),
    ('{"Statement": {}, "Statement": {}}', "Syntax errors in policy."),
    (document(statement(Condition={"NumericEquals": {"aws:a": float("nan")}})), "Syntax errors"),
    ("[" * 100_000 + "]" * 100_000, "Syntax errors in policy."),
    (document(ALLOW_ALL, Version="2012-10-18"), "The policy failed legacy parsing"),
    (document(ALLOW_ALL, Version=20121017), "The policy failed legacy parsing"),
    (document(ALLOW_ALL, Version=["2012-10-17"]), "The policy failed legacy parsing"),
    (document(ALLOW_ALL, Id=7), "Policy document field Id must be a string."),
    (json.dumps({"Version": "2012-10-17"}), "Missing required field Statement"),
    (document(), "Policy document must contain at least one statement."),
    (document(ALLOW_ALL, Foo=1), "Policy document contains unknown field Foo."),
    (document("statement"), "Each statement must be a JSON object."),
    (document(statement(Actions="*")), "Statement contains unknown field Actions."),
    (document(statement(Principal="*")), "Policy document should not specify a principal."),
    (
        document(statement(NotPrincipal={"AWS": "*"})),
        "Policy document should not specify a principal.",
    ),
    (document(statement(Sid="has space")), "Statement IDs (SID) must be alpha-numeric."),
    (document(statement(Sid="naïve")), "Statement IDs (SID) must be alpha-numeric."),
    (document(statement(Sid=1)), "Statement field Sid must be a string."),
    (
        document(statement(Sid="Same"), statement(Sid="Same")),
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (document(without("Effect")), "Missing required field Effect"),
    (document(statement(Effect="allow")), "Invalid effect: allow"),
    (document(statement(Effect=True)), "Invalid effect: true"),
    (document(statement(Effect=["Allow"])), "Invalid effect: [...]"),
    (document(without("Action")), "Policy statement must contain actions."),
    (document(statement(Action=[])), "Policy statement must contain actions."),
    (
        document(statement(NotAction="iam:GetUser")),
        "Statement must not contain both Action and NotAction.",
    ),
    (document(statement(Action="GetUser")), VENDOR),
    (document(statement(Action=":GetUser")), VENDOR),
    (document(statement(Action="i@m:GetUser")), "Vendor i@m is not valid"),
    (document(statement(Action=5)), "Statement field Action must be a string or list of strings."),
    (document(statement(Action=["iam:GetUser", None])), "must be a string or list of strings."),
    (document(without("Resource")), "Policy statement must contain resources."),
    (document(statement(NotResource=[])), "Statement must not contain both Resource and"),
    (document(without("Resource", NotResource=[])), "Policy statement must contain resources."),
    (document(statement(Resource="bucket")), 'Resource bucket must be in ARN format or "*".'),
    (document(statement(Resource="arn:aws:iam")), "must be in ARN format or"),
    (document(statement(Resource="ARN:aws:s3:::b")), "must be in ARN format or"),
    (document(statement(Resource="arn:aws::us-east-1:1:x")), "must name a service (vendor)"),
    (document(statement(Resource={"arn": 1})), "must be a string or list of strings."),
    (
        document(statement(Condition={"StringEqualz": {"aws:username": "a"}})),
        "Invalid Condition type : StringEqualz",
    ),
    (
        document(statement(Condition={"stringequals": {"aws:username": "a"}})),
        "Invalid Condition type : stringequals",
    ),
    (
        document(statement(Condition={"NullIfExists": {"aws:username": "true"}})),
        "Invalid Condition type : NullIfExists",
    ),
    (
        document(statement(Condition={"ForSomeValues:StringEquals": {"aws:username": "a"}})),
        "Invalid Condition type : ForSomeValues:StringEquals",
    ),
    (
        document(statement(Condition={"StringEquals": {"aws:username": "a"}, "Foo": {}})),
        "Invalid Condition type : Foo",
    ),
    (document(statement(Condition=["StringEquals"])), "Condition must be a JSON object"),
    (
        document(statement(Condition={"StringEquals": "aws:username"})),
        "Condition operator StringEquals must map keys to values.",
    ),
    (document(statement(Condition={"StringEquals": {"username": "a"}})), VENDOR),
    (document(statement(Condition={"StringEquals": {"aws:": "a"}})), VENDOR),
    (
        document(statement(Condition={"StringEquals": {"aws:username": []}})),
        "Condition key aws:username must have a value.",
    ),
    (
        document(statement(Condition={"StringEquals": {"aws:username": None}})),
        "Condition key aws:username values must be strings, numbers or booleans.",
    ),
    (
        document(statement(Condition={"StringEquals": {"aws:username": [{"a": 1}]}})),
        "values must be strings, numbers or booleans.",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_iam_refuses(text: str, message: str) -> None:
    assert message in refused(text)


def test_statements_are_checked_in_order_and_the_first_fault_is_reported() -> None:
    text = document(statement(Effect="Maybe"), statement(Action="nope"))
    assert refused(text) == "Invalid effect: Maybe"


def test_messages_echo_short_printable_fragments() -> None:
    huge = "x" * 100_000
    message = refused(document(statement(Effect=huge)))
    assert message == f"Invalid effect: {'x' * ECHO_LIMIT}..."
    message = refused(document(statement(Resource="bucket\x00\n\u2028" + huge)))
    assert message.startswith(f"Resource bucket???{'x' * (ECHO_LIMIT - 9)}... must be in ARN")
    assert len(message) < 2 * ECHO_LIMIT
    operator = "Str\x07ing" + huge
    message = refused(document(statement(Condition={operator: {"aws:username": "a"}})))
    assert message == f"Invalid Condition type : Str?ing{'x' * (ECHO_LIMIT - 7)}..."


# Size


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("", 0),
        ("{}", 2),
        ('{ "Version" : "2012-10-17" }', 24),
        ('{\n\t"a": "b c"\r\n}', 10),
        ("\u00a0x\u3000", 1),
    ],
)
def test_policy_size_does_not_count_whitespace(text: str, size: int) -> None:
    assert policy_size(text) == size


def test_policy_size_is_unchanged_by_reformatting() -> None:
    value = {"Version": "2012-10-17", "Statement": [ALLOW_ALL, statement(Sid="Two")]}
    compact = json.dumps(value, separators=(",", ":"))
    assert policy_size(json.dumps(value, indent=4)) == policy_size(compact) == len(compact)


# Robustness: nothing but MalformedPolicyDocument ever escapes


def parses_or_refuses(text: str) -> None:
    try:
        parse_policy(text)
    except MalformedPolicyDocument as error:
        assert error.message
        assert len(error.message) < 300


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)

WORDS = [
    "*",
    "iam:*",
    "iam:Get?ser",
    "GetUser",
    "arn:aws:iam::*:user/${aws:username}",
    "arn:aws",
    "Allow",
    "Deny",
    "2012-10-17",
    "2008-10-17",
    "aws:username",
    "${aws:username, 'x'}",
    "${*}",
    "10.0.0.0/8",
    "2026-01-01T00:00:00Z",
]
OPERATORS = [
    "StringEquals",
    "StringNotLike",
    "ForAllValues:StringLike",
    "ForAnyValue:ArnLikeIfExists",
    "NumericLessThan",
    "DateGreaterThan",
    "IpAddress",
    "Null",
    "Bool",
    "BinaryEquals",
    "Nope",
]
scalars = st.sampled_from(WORDS) | st.integers() | st.booleans() | st.none() | st.text(max_size=8)
values = scalars | st.lists(scalars, max_size=3)
conditions = st.dictionaries(
    st.sampled_from(OPERATORS),
    st.dictionaries(st.sampled_from(["aws:username", "aws:SourceIp", "nokey"]), values),
    max_size=3,
)
statements = st.fixed_dictionaries(
    {},
    optional={
        "Sid": st.sampled_from(["", "A", "B", "bad sid"]) | st.integers(),
        "Effect": st.sampled_from(["Allow", "Deny", "allow"]),
        "Action": values,
        "NotAction": values,
        "Resource": values,
        "NotResource": values,
        "Condition": conditions | values,
        "Principal": values,
        "Other": values,
    },
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "Version": st.sampled_from(["2012-10-17", "2008-10-17", "2012"]) | st.integers(),
        "Id": st.text(max_size=5) | st.integers(),
        "Statement": statements | st.lists(statements, max_size=3) | values,
        "Extra": values,
    },
)


@settings(max_examples=examples(300))
@given(st.text())
def test_arbitrary_text_parses_or_is_malformed(text: str) -> None:
    parses_or_refuses(text)


@settings(max_examples=examples(300))
@given(json_values)
def test_arbitrary_json_parses_or_is_malformed(value: object) -> None:
    parses_or_refuses(json.dumps(value))


@settings(max_examples=examples(500))
@given(documents)
def test_policy_shaped_json_parses_or_is_malformed(value: object) -> None:
    parses_or_refuses(json.dumps(value))


def test_documents_compare_by_version_and_text() -> None:
    text = document(statement(Sid="A", Resource="arn:aws:iam::*:user/${aws:username}"))
    first, second = parse_policy(text), parse_policy(text)
    assert first == second
    assert first.statements == second.statements
    assert hash(first.statements) == hash(second.statements)
    assert parse_policy(document(statement(Sid="B"))) != first
    assert (
        parse_policy(document(statement(Action="iam:GetUser"))).statements
        != parse_policy(document(statement(Action="iam:Get*"))).statements
    )
