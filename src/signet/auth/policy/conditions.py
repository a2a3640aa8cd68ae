"""Condition operators: how a ``Condition`` block tests the request's context keys.

A statement's ``Condition`` is compiled into a flat tuple of :class:`Condition`, one per
(operator, key) pair; the statement applies only when every one holds. Within one
condition the policy's values are alternatives: the key matches when it matches any.

Semantics follow AWS's "IAM JSON policy elements: Condition operators" and "Single-valued
vs. multivalued context keys" pages:

* Key absent (or holding no value): the condition is false for positive operators and
  true for negated ones (``StringNotEquals``, ``StringNotLike``, ``NotIpAddress``,
  ``ArnNotLike``…), as AWS documents; ``...IfExists`` makes it true for every operator;
  ``Null`` tests the absence itself; ``ForAllValues:`` is true and ``ForAnyValue:`` false.
* Key present without a set qualifier: a positive operator holds when any request value
  matches any policy value; a negated one holds when none does. AWS warns that an
  operator without a set qualifier gives surprising results on a multivalued key and does
  not pin them down; this reading makes a positive operator act like ``ForAnyValue:``
  and a negated one the exact negation of its positive twin.
* ``ForAnyValue:`` holds when some request value passes, ``ForAllValues:`` when every one
  does; a request value passes a positive operator when it matches some policy value and a
  negated operator when it matches none.
* A policy value naming a variable that the request lacks (or holds several values for)
  matches nothing, so a negated operator treats it as "not equal".
* A policy value that cannot be read as the operator's type (``NumericLessThan`` of
  ``"ten"``) matches nothing, like a request value that cannot be read. IAM accepts such
  policies, so parsing does too.

Which operators take policy variables: all of them, in 2012-10-17 documents. Wildcards
``*`` and ``?`` apply in ``StringLike``/``StringNotLike`` and in every ``Arn`` operator,
where AWS matches each of the six colon-separated ARN fields on its own (``ArnEquals``
and ``ArnLike`` behave the same, as documented).
"""

from __future__ import annotations

import base64
import binascii
import enum
import functools
import ipaddress
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from signet.auth.policy.patterns import (
    Keys,
    Rendered,
    Token,
    as_tokens,
    has_variables,
    make_glob,
    parse_template,
)

Predicate = Callable[[str], bool]
Builder = Callable[[tuple[Token, ...]], Predicate]


def _never(value: str) -> bool:
    return False


def _text(tokens: tuple[Token, ...]) -> str:
    return "".join(token if isinstance(token, str) else token.value for token in tokens)


# Value readers: None when the text is not of the type.

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_EPOCH = re.compile(r"[+-]?\d+(?:\.\d+)?")
_EPOCH_START = datetime(1970, 1, 1, tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def read_number(text: str) -> Decimal | None:
    """A decimal number as IAM's Numeric operators take it (integers and decimals)."""
    if _NUMBER.fullmatch(text) is None:
        return None
    return Decimal(text)


@functools.lru_cache(maxsize=1024)
def read_date(text: str) -> datetime | None:
    """An ISO 8601 date or date-time (UTC unless it says otherwise), or epoch seconds."""
    try:
        if _EPOCH.fullmatch(text) is not None:
            return _EPOCH_START + timedelta(seconds=float(text))
        moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@functools.lru_cache(maxsize=1024)
def read_address(text: str) -> tuple[int, int] | None:
    """An IPv4 or IPv6 address as (version, integer value)."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    return address.version, int(address)


def read_binary(text: str) -> bytes | None:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None


# Builders: from one policy value (already rendered) to a test of one request value.


def _string_equals(tokens: tuple[Token, ...]) -> Predicate:
    expected = _text(tokens)
    return lambda value: value == expected


def _string_equals_ignore_case(tokens: tuple[Token, ...]) -> Predicate:
    expected = _text(tokens).lower()
    return lambda value: value.lower() == expected


def _string_like(tokens: tuple[Token, ...]) -> Predicate:
    return make_glob(tokens).matches


def _numeric(compare: Callable[[Decimal, Decimal], bool]) -> Builder:
    def build(tokens: tuple[Token, ...]) -> Predicate:
        expected = read_number(_text(tokens))
        if expected is None:
            return _never

        def test(value: str) -> bool:
            number = read_number(value)
            return number is not None and compare(number, expected)

        return test

    return build


def _date(compare: Callable[[datetime, datetime], bool]) -> Builder:
    def build(tokens: tuple[Token, ...]) -> Predicate:
        expected = read_date(_text(tokens))
        if expected is None:
            return _never

        def test(value: str) -> bool:
            moment = read_date(value)
            return moment is not None and compare(moment, expected)

        return test

    return build


def _bool(tokens: tuple[Token, ...]) -> Predicate:
    expected = _text(tokens).lower()
    if expected not in ("true", "false"):
        return _never
    return lambda value: value.lower() == expected


def _binary(tokens: tuple[Token, ...]) -> Predicate:
    expected = read_binary(_text(tokens))
    if expected is None:
        return _never
    return lambda value: read_binary(value) == expected


def _ip(tokens: tuple[Token, ...]) -> Predicate:
    try:
        network = ipaddress.ip_network(_text(tokens), strict=False)
    except ValueError:
        return _never
    version, base, mask = network.version, int(network.network_address), int(network.netmask)

    def test(value: str) -> bool:
        address = read_address(value)
        return address is not None and address[0] == version and address[1] & mask == base

    return test


def _arn(tokens: tuple[Token, ...]) -> Predicate:
    fields: list[list[Token]] = [[]]
    for token in tokens:
        if isinstance(token, str) and ":" in token and len(fields) < 6:
            pieces = token.split(":", 6 - len(fields))
            fields[-1].append(pieces[0])
            fields.extend([piece] for piece in pieces[1:])
        else:
            fields[-1].append(token)
    if len(fields) != 6:
        return _never
    globs = tuple(make_glob([token for token in tokens if token != ""]) for tokens in fields)

    def test(value: str) -> bool:
        parts = value.split(":", 5)
        return len(parts) == 6 and all(
            pattern.matches(part) for pattern, part in zip(globs, parts, strict=True)
        )

    return test


@dataclass(frozen=True, slots=True)
class _Family:
    build: Builder
    wildcards: bool = False


_STRING = _Family(_string_equals)
_STRING_IGNORE_CASE = _Family(_string_equals_ignore_case)
_LIKE = _Family(_string_like, wildcards=True)
_ARN = _Family(_arn, wildcards=True)

# Each operator's name -> (family, negated).
_OPERATORS: dict[str, tuple[_Family, bool]] = {
    "StringEquals": (_STRING, False),
    "StringNotEquals": (_STRING, True),
    "StringEqualsIgnoreCase": (_STRING_IGNORE_CASE, False),
    "StringNotEqualsIgnoreCase": (_STRING_IGNORE_CASE, True),
    "StringLike": (_LIKE, False),
    "StringNotLike": (_LIKE, True),
    "Bool": (_Family(_bool), False),
    "BinaryEquals": (_Family(_binary), False),
    "IpAddress": (_Family(_ip), False),
    "NotIpAddress": (_Family(_ip), True),
    "ArnEquals": (_ARN, False),
    "ArnLike": (_ARN, False),
    "ArnNotEquals": (_ARN, True),
    "ArnNotLike": (_ARN, True),
}
_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "Equals": operator.eq,
    "LessThan": operator.lt,
    "LessThanEquals": operator.le,
    "GreaterThan": operator.gt,
    "GreaterThanEquals": operator.ge,
}
_OPERATORS.update(
    (f"Numeric{suffix}", (_Family(_numeric(compare)), False))
    for suffix, compare in _COMPARISONS.items()
)
_OPERATORS.update(
    (f"Date{suffix}", (_Family(_date(compare)), False)) for suffix, compare in _COMPARISONS.items()
)
_OPERATORS["NumericNotEquals"] = (_OPERATORS["NumericEquals"][0], True)
_OPERATORS["DateNotEquals"] = (_OPERATORS["DateEquals"][0], True)

NULL = "Null"
OPERATOR_NAMES = frozenset([*_OPERATORS, NULL])
"""Every base operator IAM knows, without ``IfExists`` or a set qualifier."""


class Qualifier(enum.Enum):
    """A set operator for multivalued keys."""

    FOR_ANY_VALUE = "ForAnyValue"
    FOR_ALL_VALUES = "ForAllValues"


@dataclass(frozen=True, slots=True)
class Operator:
    """A condition operator as written, e.g. ``ForAllValues:StringNotLikeIfExists``.

    ``base`` is the name without qualifier and ``IfExists`` (``StringNotLike``); ``negated``
    says it is the negation of a positive operator (here ``StringLike``).
    """

    name: str
    base: str
    negated: bool = False
    if_exists: bool = False
    qualifier: Qualifier | None = None
    family: _Family | None = field(default=None, repr=False, compare=False)


def parse_operator(name: str) -> Operator | None:
    """Read an operator name (case as AWS spells it), or None when IAM does not know it.

    ``Null`` takes no ``IfExists``; with a set qualifier it still tests presence only.
    """
    base, qualifier = name, None
    prefix, colon, rest = name.partition(":")
    if colon:
        try:
            qualifier = Qualifier(prefix)
        except ValueError:
            return None
        base = rest
    if base == NULL:
        return Operator(name, NULL, qualifier=qualifier)
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base.removesuffix("IfExists")
    known = _OPERATORS.get(base)
    if known is None:
        return None
    family, negated = known
    return Operator(name, base, negated, if_exists, qualifier, family)


class _Value:
    """One policy value of a condition, compiled; rendered per request if it has variables."""

    __slots__ = ("_rendered", "static")

    def __init__(self, family: _Family, text: str, variables: bool) -> None:
        parts = parse_template(text, wildcards=family.wildcards, variables=variables)
        self._rendered: Rendered[Predicate] | None = None
        self.static: Predicate | None = None
        if has_variables(parts):
            self._rendered = Rendered(parts, family.build)
        else:
            self.static = family.build(as_tokens(parts))

    def tests(self, keys: Keys) -> Sequence[Predicate]:
        """The tests this value stands for in a request (none if a variable is missing)."""
        if self._rendered is None:
            return (self.static or _never,)
        test = self._rendered.get(keys)
        return () if test is None else (test,)


@dataclass(frozen=True, slots=True)
class Condition:
    """One key under one operator, with the policy's values for it (as strings).

    Build with :meth:`compile`; the private fields hold what :meth:`holds` needs ready.
    """

    operator: Operator
    key: str
    values: tuple[str, ...]
    _when_absent: bool = field(repr=False, compare=False)
    _when_present: bool | None = field(repr=False, compare=False)
    _static: tuple[Predicate, ...] | None = field(repr=False, compare=False)
    _templated: tuple[_Value, ...] = field(repr=False, compare=False)
    _negated: bool = field(repr=False, compare=False)
    _qualifier: Qualifier | None = field(repr=False, compare=False)

    @classmethod
    def compile(
        cls, op: Operator, key: str, values: tuple[str, ...], *, variables: bool
    ) -> Condition:
        """Compile a condition; ``key`` is folded to lower case (keys are case-blind)."""
        key = key.lower()
        if op.family is None:
            flags = {value.lower() for value in values}
            return cls(op, key, values, "true" in flags, "false" in flags, (), (), False, None)
        if op.if_exists or op.qualifier is Qualifier.FOR_ALL_VALUES:
            when_absent = True
        elif op.qualifier is Qualifier.FOR_ANY_VALUE:
            when_absent = False
        else:
            when_absent = op.negated
        compiled = tuple(_Value(op.family, value, variables) for value in values)
        static = [value.static for value in compiled if value.static is not None]
        if len(static) == len(compiled):
            compiled, tests = (), tuple(static)
        else:
            tests = None
        return cls(op, key, values, when_absent, None, tests, compiled, op.negated, op.qualifier)

    def holds(self, keys: Keys) -> bool:
        """Whether the request's context satisfies this condition."""
        present = keys.get(self.key)
        if not present:
            return self._when_absent
        if self._when_present is not None:
            return self._when_present
        tests = self._static if self._static is not None else self._tests(keys)
        negated = self._negated
        qualifier = self._qualifier
        if qualifier is None:
            for value in present:
                for test in tests:
                    if test(value):
                        return not negated
            return negated
        for value in present:
            passed = negated
            for test in tests:
                if test(value):
                    passed = not negated
                    break
            if passed and qualifier is Qualifier.FOR_ANY_VALUE:
                return True
            if not passed and qualifier is Qualifier.FOR_ALL_VALUES:
                return False
        return qualifier is Qualifier.FOR_ALL_VALUES

    def _tests(self, keys: Keys) -> Sequence[Predicate]:
        if len(self._templated) == 1:
            return self._templated[0].tests(keys)
        return [test for value in self._templated for test in value.tests(keys)]
