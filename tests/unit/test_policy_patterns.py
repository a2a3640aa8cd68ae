"""Wildcard matching and policy variables: the engine under actions and resources."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signet.auth.policy.patterns import (
    Glob,
    Rendered,
    Template,
    Variable,
    Wild,
    compile_pattern,
    make_glob,
    parse_template,
    render,
)
from tests.fuzzing import examples

STAR, ONE = Wild.STAR, Wild.ONE


def reference(pattern: str, value: str) -> bool:
    """The meaning of a glob, by a regular expression (fine for small inputs)."""
    source = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(source, value, re.DOTALL) is not None


def pattern_of(text: str) -> Glob:
    compiled = compile_pattern(text, variables=False)
    assert isinstance(compiled, Glob)
    return compiled


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        ("*", "", True),
        ("*", "anything:at/all", True),
        ("**", "x", True),
        ("", "", True),
        ("", "x", False),
        ("abc", "abc", True),
        ("abc", "abcd", False),
        ("abc*", "abcd", True),
        ("abc*", "ab", False),
        ("*abc", "xxabc", True),
        ("*abc", "abcx", False),
        ("a*c", "ac", True),
        ("a*c", "abbbc", True),
        ("a*c", "abbbcd", False),
        ("a*b*a", "aba", True),
        ("a*b*a", "ab", False),
        ("a*aa", "aa", False),
        ("a*aa", "aaa", True),
        ("?", "", False),
        ("?", "x", True),
        ("?", "\n", True),
        ("a?c", "abc", True),
        ("a?c", "ac", False),
        ("*?", "", False),
        ("*?*", "x", True),
        ("a*?b*?c", "axbxc", True),
        ("a*?b*?c", "abc", False),
        ("a.c", "abc", False),
        ("a(b", "a(b", True),
        ("arn:aws:iam::*:user/*", "arn:aws:iam::123:user/a/b", True),
    ],
)
def test_glob(pattern: str, value: str, expected: bool) -> None:
    assert pattern_of(pattern).matches(value) is expected
    assert reference(pattern, value) is expected


alphabet = st.sampled_from("ab*?:/")


@settings(max_examples=examples(1000))
@given(st.text(alphabet, max_size=8), st.text("ab:/", max_size=10))
def test_glob_agrees_with_the_regular_expression(pattern: str, value: str) -> None:
    assert pattern_of(pattern).matches(value) is reference(pattern, value)


@settings(max_examples=examples(300))
@given(st.text(alphabet, max_size=8))
def test_a_glob_matches_its_own_literal_reading(pattern: str) -> None:
    literal = pattern.replace("*", "").replace("?", "x")
    assert pattern_of(pattern).matches(literal)


def test_hostile_patterns_match_in_linear_time() -> None:
    glob = pattern_of("*a" * 500 + "*b")
    started = time.perf_counter()
    for _ in range(10):
        assert not glob.matches("a" * 20_000)
    assert time.perf_counter() - started < 1.0
    assert pattern_of("?*a" * 300 + "*b").matches("xa" * 300 + "b")


# Templates


@pytest.mark.parametrize(
    ("text", "variables", "parts"),
    [
        ("plain", True, ("plain",)),
        ("a*b?", True, ("a", STAR, "b", ONE)),
        ("${aws:username}", True, (Variable("aws:username"),)),
        ("u/${AWS:UserName}/*", True, ("u/", Variable("aws:username"), "/", STAR)),
        ("${aws:username, 'none'}", True, (Variable("aws:username", "none"),)),
        (
            "${ aws:PrincipalTag/team name ,  'x y' }",
            True,
            (Variable("aws:principaltag/team name", "x y"),),
        ),
        ("${aws:username,''}", True, (Variable("aws:username", ""),)),
        ("${*}${?}${$}", True, ("*?$",)),
        ("a${*}b", True, ("a*b",)),
        ("${aws:username", True, ("${aws:username",)),
        ("${}", True, ("${}",)),
        ("${a, b}", True, ("${a, b}",)),
        ("$${aws:username}}", True, ("$", Variable("aws:username"), "}")),
        ("${x${aws:username}", True, ("${x", Variable("aws:username"))),
        ("${aws:username}", False, ("${aws:username}",)),
        ("${*}", False, ("${", STAR, "}")),
    ],
)
def test_parse_template(text: str, variables: bool, parts: tuple[object, ...]) -> None:
    assert parse_template(text, wildcards=True, variables=variables) == parts


def test_without_wildcards_stars_are_text() -> None:
    assert parse_template("a*${aws:username}?", wildcards=False, variables=True) == (
        "a*",
        Variable("aws:username"),
        "?",
    )


def test_render_substitutes_literal_text() -> None:
    parts = parse_template("u/${aws:username}/*", wildcards=True, variables=True)
    assert render(parts, {"aws:username": ["a*"]}) == ("u/a*/", STAR)
    assert render(parts, {}) is None
    assert render(parts, {"aws:username": []}) is None


def test_only_single_valued_keys_substitute() -> None:
    parts = parse_template("${aws:a}-${aws:b, 'z'}", wildcards=True, variables=True)
    assert render(parts, {"aws:a": ["1"], "aws:b": ["x"]}) == ("1-x",)
    assert render(parts, {"aws:a": ["1"], "aws:b": ["x", "y"]}) == ("1-z",)
    assert render(parts, {"aws:a": ["1", "2"], "aws:b": ["x"]}) is None


def test_template_matches_per_request() -> None:
    template = compile_pattern("arn:aws:iam::*:user/${aws:username}", variables=True)
    assert isinstance(template, Template)
    assert template.matches("arn:aws:iam::1:user/alice", {"aws:username": ["alice"]})
    assert not template.matches("arn:aws:iam::1:user/alice", {"aws:username": ["bob"]})
    assert not template.matches("arn:aws:iam::1:user/alice", {})
    assert not template.matches("arn:aws:iam::1:user/alice")


def test_rendered_cache_is_bounded() -> None:
    built: list[tuple[object, ...]] = []

    def build(tokens: tuple[object, ...]) -> tuple[object, ...]:
        built.append(tokens)
        return tokens

    rendered = Rendered(parse_template("${aws:k}", wildcards=True, variables=True), build)
    for _ in range(2):
        for index in range(Rendered.LIMIT * 2):
            assert rendered.get({"aws:k": [str(index)]}) == (str(index),)
        assert len(rendered._cache) <= Rendered.LIMIT
    assert rendered.get({"aws:k": ["last"]}) == rendered.get({"aws:k": ["last"]})
    assert built.count(("last",)) == 1


def test_make_glob_keeps_the_text() -> None:
    assert make_glob(("a", STAR, "b", ONE)).text == "a*b?"
    assert pattern_of("IAM:Get*").text == "IAM:Get*"
    assert compile_pattern("IAM:Get*", variables=False, lower=True).matches("iam:getuser")
