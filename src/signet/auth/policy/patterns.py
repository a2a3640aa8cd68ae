"""Wildcard patterns and policy variables, compiled once and matched without backtracking.

IAM matches actions, resources and some condition values against patterns in which ``*``
stands for any run of characters (``:`` and ``/`` included) and ``?`` for exactly one.
A pattern is split at its stars into fixed-length segments; matching anchors the first and
last segments and finds each middle one at its leftmost place after the previous one. That
is exact for globs and never backtracks, so a hostile pattern such as ``*a*a*a*a*b`` cannot
make a request slow the way a backtracking regular expression could.

Policies of version 2012-10-17 may embed variables such as ``${aws:username}`` or
``${aws:PrincipalTag/team, 'none'}``; ``${*}``, ``${?}`` and ``${$}`` stand for the
literal characters. A pattern holding variables is kept as a template and rendered per
request: substituted text is always literal (a ``*`` in a user's tag is no wildcard), and a
variable whose key the request lacks, with no default, leaves nothing to match. Only
single-valued keys substitute, as AWS documents for policy variables; a key holding several
values counts as missing, which also keeps renderings from multiplying.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeAlias, TypeVar, cast

Keys: TypeAlias = Mapping[str, Sequence[str]]
"""Request context keys: lower-cased names to their values (a key may hold several)."""


class Wild(enum.Enum):
    """A wildcard in a pattern."""

    STAR = "*"
    ONE = "?"


@dataclass(frozen=True, slots=True)
class Variable:
    """``${key}`` or ``${key, 'default'}`` in a policy string; ``key`` is lower-cased."""

    key: str
    default: str | None = None


Token: TypeAlias = "str | Wild"
Part: TypeAlias = "str | Wild | Variable"

_SPECIALS = frozenset("*?$")
_REFERENCE = re.compile(r"\$\{(\$|[^${}]*)\}")
_VARIABLE = re.compile(r"\s*([^\s,'][^,']*?)\s*(?:,\s*'([^']*)'\s*)?")
_WILDCARD = re.compile(r"([*?])")


def parse_template(text: str, *, wildcards: bool, variables: bool) -> tuple[Part, ...]:
    """Split a policy string into literal text, wildcards and variables.

    With ``wildcards`` false, ``*`` and ``?`` are ordinary characters (as in StringEquals).
    With ``variables`` false (2008-10-17 documents), ``${...}`` is ordinary text too. A
    ``${...}`` that is not a well-formed reference stays as text.
    """
    parts: list[Part] = []
    position = 0
    if variables and "${" in text:
        for found in _REFERENCE.finditer(text):
            inner = found.group(1)
            if inner in _SPECIALS:
                part: Part = inner
            else:
                reference = _VARIABLE.fullmatch(inner)
                if reference is None:
                    continue
                part = Variable(reference.group(1).lower(), reference.group(2))
            parts.extend(_tokens(text[position : found.start()], wildcards))
            parts.append(part)
            position = found.end()
    parts.extend(_tokens(text[position:], wildcards))
    return _merge(parts)


def _tokens(text: str, wildcards: bool) -> list[Token]:
    if not wildcards:
        return [text] if text else []
    return [
        Wild(piece) if piece in ("*", "?") else piece for piece in _WILDCARD.split(text) if piece
    ]


def _merge(parts: Iterable[Part]) -> tuple[Part, ...]:
    """Join adjacent literal runs so equal patterns have equal (hashable) tokens."""
    merged: list[Part] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] = merged[-1] + part
        elif part != "":
            merged.append(part)
    return tuple(merged)


def has_variables(parts: Sequence[Part]) -> bool:
    return any(isinstance(part, Variable) for part in parts)


def render(parts: Sequence[Part], keys: Keys) -> tuple[Token, ...] | None:
    """Substitute the request's values for the variables in a template.

    None when a variable's key is missing (absent, empty or multivalued) and the variable
    has no default.
    """
    rendered: list[Token] = []
    for part in parts:
        if isinstance(part, Variable):
            values = keys.get(part.key)
            if values is not None and len(values) == 1:
                rendered.append(values[0])
            elif part.default is not None:
                rendered.append(part.default)
            else:
                return None
        else:
            rendered.append(part)
    return as_tokens(_merge(rendered))


def as_tokens(parts: tuple[Part, ...]) -> tuple[Token, ...]:
    """The parts of a template known to hold no variable, typed as plain tokens."""
    assert not has_variables(parts)
    return cast("tuple[Token, ...]", parts)


class _Segment:
    """A fixed-length run of literal characters and ``?`` between two stars."""

    __slots__ = ("length", "literal", "regex")

    def __init__(self, tokens: Sequence[Token]) -> None:
        pieces = [token if isinstance(token, str) else None for token in tokens]
        self.length = sum(1 if piece is None else len(piece) for piece in pieces)
        self.literal: str | None = None
        self.regex: re.Pattern[str] | None = None
        if None in pieces:
            source = "".join("." if piece is None else re.escape(piece) for piece in pieces)
            self.regex = re.compile(source, re.DOTALL)
        else:
            self.literal = "".join(piece or "" for piece in pieces)

    def at(self, value: str, position: int) -> bool:
        """Whether the segment matches ``value`` starting exactly at ``position``."""
        if self.regex is None:
            return value.startswith(self.literal or "", position)
        return self.regex.match(value, position) is not None

    def find(self, value: str, start: int, end: int) -> int:
        """The leftmost place in ``value[start:end]`` where the segment fits, or -1."""
        if self.regex is None:
            return value.find(self.literal or "", start, end)
        found = self.regex.search(value, start, end)
        return -1 if found is None else found.start()


class Glob:
    """A pattern without variables, compiled for fast matching; build with :func:`make_glob`.

    ``text`` is the pattern as written and ``tokens`` what it compiled from (globs with equal
    tokens match alike). Matching is case-sensitive; callers that need otherwise (actions)
    lower-case both the pattern and the value. Subclasses specialise the common shapes
    (``*``, a literal, ``prefix*``), which is most of what policies say.
    """

    __slots__ = ("text", "tokens")

    def __init__(self, text: str, tokens: tuple[Token, ...]) -> None:
        self.text = text
        self.tokens = tokens

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        """Whether ``value`` matches; ``keys`` is accepted for the :class:`Pattern` protocol."""
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Glob) and other.tokens == self.tokens

    def __hash__(self) -> int:
        return hash(self.tokens)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.text!r})"


class _Anything(Glob):
    __slots__ = ()

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        return True


class _Exact(Glob):
    __slots__ = ("_literal",)

    def __init__(self, text: str, tokens: tuple[Token, ...], literal: str) -> None:
        super().__init__(text, tokens)
        self._literal = literal

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        return value == self._literal


class _Prefix(Glob):
    __slots__ = ("_prefix",)

    def __init__(self, text: str, tokens: tuple[Token, ...], prefix: str) -> None:
        super().__init__(text, tokens)
        self._prefix = prefix

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        return value.startswith(self._prefix)


class _Literals(Glob):
    """Literal runs separated by stars: ``head*middle*...*tail``."""

    __slots__ = ("_head", "_middle", "_minimum", "_tail")

    def __init__(self, text: str, tokens: tuple[Token, ...], runs: Sequence[str]) -> None:
        super().__init__(text, tokens)
        self._head = runs[0]
        self._tail = runs[-1]
        self._middle = tuple(run for run in runs[1:-1] if run)
        self._minimum = sum(len(run) for run in runs)

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        if (
            len(value) < self._minimum
            or not value.startswith(self._head)
            or not value.endswith(self._tail)
        ):
            return False
        position = len(self._head)
        end = len(value) - len(self._tail)
        for run in self._middle:
            found = value.find(run, position, end)
            if found < 0:
                return False
            position = found + len(run)
        return True


class _Segments(Glob):
    """The general case: fixed-length segments holding ``?``, separated by stars (or not)."""

    __slots__ = ("_first", "_last", "_middle", "_minimum", "_starred")

    def __init__(self, text: str, tokens: tuple[Token, ...], segments: Sequence[_Segment]) -> None:
        super().__init__(text, tokens)
        self._first = segments[0]
        self._last = segments[-1]
        self._middle = tuple(segment for segment in segments[1:-1] if segment.length)
        self._minimum = sum(segment.length for segment in segments)
        self._starred = len(segments) > 1

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        if not self._starred:
            return len(value) == self._minimum and self._first.at(value, 0)
        if len(value) < self._minimum or not self._first.at(value, 0):
            return False
        end = len(value) - self._last.length
        if not self._last.at(value, end):
            return False
        position = self._first.length
        for segment in self._middle:
            found = segment.find(value, position, end)
            if found < 0:
                return False
            position = found + segment.length
        return True


def make_glob(tokens: Sequence[Token], text: str | None = None) -> Glob:
    """Compile wildcard tokens; ``text`` (the pattern as written) defaults to the tokens."""
    tokens = tuple(tokens)
    if text is None:
        text = "".join(token.value if isinstance(token, Wild) else token for token in tokens)
    runs: list[list[Token]] = [[]]
    for token in tokens:
        if token is Wild.STAR:
            runs.append([])
        else:
            runs[-1].append(token)
    if any(Wild.ONE in run for run in runs):
        return _Segments(text, tokens, [_Segment(run) for run in runs])
    literals = ["".join(token for token in run if isinstance(token, str)) for run in runs]
    if len(literals) == 1:
        return _Exact(text, tokens, literals[0])
    if not any(literals):
        return _Anything(text, tokens)
    if len(literals) == 2 and not literals[1]:
        return _Prefix(text, tokens, literals[0])
    return _Literals(text, tokens, literals)


class Pattern(Protocol):
    """Anything a policy matches a request string against."""

    @property
    def text(self) -> str: ...

    def matches(self, value: str, keys: Keys | None = None) -> bool: ...


T = TypeVar("T")


class Rendered(Generic[T]):
    """A template and what is built from its rendering, cached per request values.

    Requests from one user render a template the same way every time, so what is built
    (a matcher) is kept, keyed by the variables' values; the cache is bounded by clearing.
    """

    __slots__ = ("_build", "_cache", "_variables", "parts")

    LIMIT = 256

    def __init__(self, parts: tuple[Part, ...], build: Callable[[tuple[Token, ...]], T]) -> None:
        self.parts = parts
        self._variables = tuple(part.key for part in parts if isinstance(part, Variable))
        self._build = build
        self._cache: dict[object, T | None] = {}

    def get(self, keys: Keys) -> T | None:
        """What the template rendered for these keys builds to; None when it cannot render."""
        variables = self._variables
        if len(variables) == 1:
            lookup: object = _single(keys.get(variables[0]))
        else:
            lookup = tuple(_single(keys.get(key)) for key in variables)
        try:
            return self._cache[lookup]
        except KeyError:
            pass
        tokens = render(self.parts, keys)
        built = None if tokens is None else self._build(tokens)
        if len(self._cache) >= self.LIMIT:
            self._cache.clear()
        self._cache[lookup] = built
        return built


def _single(values: Sequence[str] | None) -> str | None:
    """The value a variable takes from a key: its only value, or None (missing)."""
    return values[0] if values is not None and len(values) == 1 else None


class Template:
    """A wildcard pattern holding variables, rendered per request."""

    __slots__ = ("_rendered", "text")

    def __init__(self, text: str, parts: tuple[Part, ...]) -> None:
        self.text = text
        self._rendered = Rendered(parts, make_glob)

    def matches(self, value: str, keys: Keys | None = None) -> bool:
        pattern = self._rendered.get(keys or {})
        return pattern is not None and pattern.matches(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Template) and other._rendered.parts == self._rendered.parts

    def __hash__(self) -> int:
        return hash(self._rendered.parts)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def compile_pattern(text: str, *, variables: bool, lower: bool = False) -> Glob | Template:
    """Compile a pattern as written in a policy; ``lower`` folds it for case-blind matching."""
    parts = parse_template(text.lower() if lower else text, wildcards=True, variables=variables)
    if has_variables(parts):
        return Template(text, parts)
    return make_glob(as_tokens(parts), text)
