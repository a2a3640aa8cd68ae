"""Policy documents: validated as IAM validates identity-based policies, then compiled.

:func:`parse_policy` reads the JSON text, checks its grammar and turns every action,
resource and condition into a precompiled matcher, so evaluating a request does no parsing.
Rules are IAM's for identity-based policies (those attached to users, groups and roles);
the checks that differ for resource-based policies (``Principal`` required, ``Resource``
optional) are kept in :func:`_statement` so another kind can be added beside it.

Choices where IAM's behaviour is not documented:

* A JSON object with a repeated key, and the JSON extensions ``NaN``/``Infinity``, are
  syntax errors; an ambiguous document is refused rather than read one way.
* A missing ``Version`` means ``2008-10-17``, as in IAM: ``${...}`` is then plain text.
  :attr:`PolicyDocument.version` holds that effective version.
* Unknown fields, at the top or in a statement, are refused.
* An action is ``*`` or ``vendor:name``, the vendor made of letters, digits, hyphens and
  wildcards; the name is not checked against any catalogue of actions.
* A resource is ``*`` or an ARN of at least six colon-separated fields naming a service;
  wildcards and variables may appear in any field.
* Condition operator names are case-sensitive (``StringEquals``, not ``stringequals``);
  condition keys need a vendor prefix and are folded to lower case.
* An empty list of condition values is refused; it could never be satisfied.
* An empty ``Sid`` is allowed and exempt from the uniqueness rule.
* Messages echo at most :data:`ECHO_LIMIT` characters of what the document said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar, cast

from signet.auth.policy.conditions import Condition, parse_operator
from signet.auth.policy.patterns import Glob, Template, compile_pattern
from signet.errors import MalformedPolicyDocument

VERSION_2012 = "2012-10-17"
VERSION_2008 = "2008-10-17"
VERSIONS = frozenset({VERSION_2012, VERSION_2008})
ECHO_LIMIT = 60
ACTION_CACHE_LIMIT = 1024

SYNTAX_ERRORS = "Syntax errors in policy."
FAILED_LEGACY_PARSING = "The policy failed legacy parsing"
NO_PRINCIPAL = "Policy document should not specify a principal."
NEEDS_ACTIONS = "Policy statement must contain actions."
NEEDS_RESOURCES = "Policy statement must contain resources."
NEEDS_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
UNIQUE_SIDS = "Statement IDs (SID) in a single policy must be unique."
ALPHANUMERIC_SID = (
    "Statement IDs (SID) must be alpha-numeric. "
    "Check that your input satisfies the regular expression [0-9A-Za-z]*"
)

_DOCUMENT_FIELDS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_FIELDS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)
_EFFECTS = frozenset({"Allow", "Deny"})
_SID = re.compile(r"[0-9A-Za-z]*")
_VENDOR = re.compile(r"[A-Za-z0-9*?-]+")

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Statement:
    """One compiled statement. Exactly one of each Action/NotAction and Resource/NotResource
    pair is set; action patterns are folded to lower case (actions match case-blind)."""

    sid: str | None
    effect: str
    actions: tuple[Glob, ...] | None
    not_actions: tuple[Glob, ...] | None
    resources: tuple[Glob | Template, ...] | None
    not_resources: tuple[Glob | Template, ...] | None
    conditions: tuple[Condition, ...]


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A validated policy: its effective version, compiled statements and original text.

    Two documents are equal when their version and text are.
    """

    version: str
    statements: tuple[Statement, ...] = field(compare=False)
    text: str
    _by_action: dict[str, tuple[Statement, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def statements_for(self, action: str) -> tuple[Statement, ...]:
        """The statements whose Action or NotAction covers ``action`` (lower-cased).

        Requests name few distinct actions, so the answer is kept per action; this index
        is what makes evaluating many statements cheap.
        """
        found = self._by_action.get(action)
        if found is None:
            found = tuple(
                statement for statement in self.statements if covers_action(statement, action)
            )
            if len(self._by_action) >= ACTION_CACHE_LIMIT:
                self._by_action.clear()
            self._by_action[action] = found
        return found


def covers_action(statement: Statement, action: str) -> bool:
    """Whether the statement's Action or NotAction covers ``action`` (lower-cased)."""
    if statement.actions is not None:
        return any(pattern.matches(action) for pattern in statement.actions)
    return not any(pattern.matches(action) for pattern in statement.not_actions or ())


def policy_size(text: str) -> int:
    """The length IAM counts against policy size quotas: characters other than whitespace.

    IAM documents that it does not count white space. This counts characters (not bytes)
    and skips every Unicode whitespace character wherever it appears, inside strings too.
    """
    return len("".join(text.split()))


def parse_policy(text: str) -> PolicyDocument:
    """Validate an identity-based policy document as IAM does and compile it.

    Raises :class:`MalformedPolicyDocument` saying what is wrong. Size quotas are the
    caller's to enforce, with :func:`policy_size`.
    """
    document = _object(_load(text), SYNTAX_ERRORS)
    _known_fields(document, _DOCUMENT_FIELDS, "Policy document")
    version = document.get("Version", VERSION_2008)
    if not isinstance(version, str) or version not in VERSIONS:
        raise MalformedPolicyDocument(FAILED_LEGACY_PARSING)
    if "Id" in document and not isinstance(document["Id"], str):
        raise MalformedPolicyDocument("Policy document field Id must be a string.")
    if "Statement" not in document:
        raise MalformedPolicyDocument("Missing required field Statement")
    raw = document["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicyDocument("Policy document must contain at least one statement.")
    variables = version == VERSION_2012
    statements = tuple(_statement(item, variables) for item in items)
    sids = [statement.sid for statement in statements if statement.sid]
    if len(sids) != len(set(sids)):
        raise MalformedPolicyDocument(UNIQUE_SIDS)
    return PolicyDocument(version, statements, text)


# JSON


class _Number:
    """A JSON number kept as written, so condition values compare as the author wrote them."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _load(text: str) -> object:
    try:
        return json.loads(
            text,
            parse_int=_Number,
            parse_float=_Number,
            parse_constant=_reject_constant,
            object_pairs_hook=_unique_keys,
        )
    except (ValueError, RecursionError):
        raise MalformedPolicyDocument(SYNTAX_ERRORS) from None


def _reject_constant(name: str) -> object:
    raise ValueError(name)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate key")
    return result


# Grammar


def _statement(raw: object, variables: bool) -> Statement:
    statement = _object(raw, "Each statement must be a JSON object.")
    _known_fields(statement, _STATEMENT_FIELDS, "Statement")
    if "Principal" in statement or "NotPrincipal" in statement:
        raise MalformedPolicyDocument(NO_PRINCIPAL)
    sid = statement.get("Sid")
    if sid is not None and not isinstance(sid, str):
        raise MalformedPolicyDocument("Statement field Sid must be a string.")
    if sid is not None and not _SID.fullmatch(sid):
        raise MalformedPolicyDocument(ALPHANUMERIC_SID)
    if "Effect" not in statement:
        raise MalformedPolicyDocument("Missing required field Effect")
    effect = statement["Effect"]
    if not isinstance(effect, str) or effect not in _EFFECTS:
        raise MalformedPolicyDocument(f"Invalid effect: {_echo(effect)}")
    actions, not_actions = _pair(statement, "Action", NEEDS_ACTIONS, _action)
    resources, not_resources = _pair(
        statement, "Resource", NEEDS_RESOURCES, lambda text: _resource(text, variables)
    )
    conditions = _conditions(statement.get("Condition", {}), variables)
    return Statement(sid, effect, actions, not_actions, resources, not_resources, conditions)


def _pair(
    statement: dict[str, object], name: str, missing: str, compile_one: Callable[[str], T]
) -> tuple[tuple[T, ...] | None, tuple[T, ...] | None]:
    """Read ``name`` or ``Not<name>`` (exactly one, a string or non-empty list of them)."""
    negated = f"Not{name}"
    if name in statement and negated in statement:
        raise MalformedPolicyDocument(f"Statement must not contain both {name} and {negated}.")
    key = negated if negated in statement else name
    if key not in statement:
        raise MalformedPolicyDocument(missing)
    raw = statement[key]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicyDocument(missing)
    if not all(isinstance(item, str) for item in items):
        raise MalformedPolicyDocument(f"Statement field {key} must be a string or list of strings.")
    compiled = tuple(compile_one(cast(str, item)) for item in items)
    return (None, compiled) if key == negated else (compiled, None)


def _action(text: str) -> Glob:
    if text != "*":
        vendor, colon, _ = text.partition(":")
        if not colon or not vendor:
            raise MalformedPolicyDocument(NEEDS_VENDOR)
        if _VENDOR.fullmatch(vendor) is None:
            raise MalformedPolicyDocument(f"Vendor {_echo(vendor)} is not valid")
    pattern = compile_pattern(text, variables=False, lower=True)
    assert isinstance(pattern, Glob)
    return pattern


def _resource(text: str, variables: bool) -> Glob | Template:
    if text != "*":
        fields = text.split(":", 5)
        if fields[0] != "arn" or len(fields) < 6:
            raise MalformedPolicyDocument(f'Resource {_echo(text)} must be in ARN format or "*".')
        if not fields[2]:
            raise MalformedPolicyDocument(
                f"Resource {_echo(text)} must name a service (vendor) in its ARN."
            )
    return compile_pattern(text, variables=variables)


def _conditions(raw: object, variables: bool) -> tuple[Condition, ...]:
    block = _object(raw, "Condition must be a JSON object of operators.")
    conditions: list[Condition] = []
    for name, keys in block.items():
        op = parse_operator(name)
        if op is None:
            raise MalformedPolicyDocument(f"Invalid Condition type : {_echo(name)}")
        entries = _object(keys, f"Condition operator {_echo(name)} must map keys to values.")
        for key, value in entries.items():
            vendor, colon, rest = key.partition(":")
            if not (colon and rest) or _VENDOR.fullmatch(vendor) is None:
                raise MalformedPolicyDocument(NEEDS_VENDOR)
            values = _condition_values(value, key)
            conditions.append(Condition.compile(op, key, values, variables=variables))
    return tuple(conditions)


def _condition_values(raw: object, key: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise MalformedPolicyDocument(f"Condition key {_echo(key)} must have a value.")
    values: list[str] = []
    for item in items:
        if isinstance(item, bool):
            values.append("true" if item else "false")
        elif isinstance(item, str):
            values.append(item)
        elif isinstance(item, _Number):
            values.append(item.text)
        else:
            raise MalformedPolicyDocument(
                f"Condition key {_echo(key)} values must be strings, numbers or booleans."
            )
    return tuple(values)


# Helpers


def _object(raw: object, message: str) -> dict[str, object]:
    if not isinstance(raw, dict):
        raise MalformedPolicyDocument(message)
    return cast(dict[str, object], raw)


def _known_fields(raw: dict[str, object], known: frozenset[str], where: str) -> None:
    for name in raw:
        if name not in known:
            raise MalformedPolicyDocument(f"{where} contains unknown field {_echo(name)}.")


def _echo(value: object) -> str:
    """A fragment of the document fit for a message: short and printable."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, _Number):
        text = value.text
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, list):
        text = "[...]"
    else:
        text = "{...}" if isinstance(value, dict) else "null"
    clipped = text[:ECHO_LIMIT] + ("..." if len(text) > ECHO_LIMIT else "")
    return "".join(character if character.isprintable() else "?" for character in clipped)
