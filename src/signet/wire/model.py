"""botocore's IAM and STS service models, compiled into per-operation closures.

The model files ship with botocore (``botocore/data/<service>/<version>/service-2.json.gz``)
and are read directly with gzip and msgspec: botocore's ``Loader`` costs about 300 ms and
its interpretive validator about 80 µs a request, while the closures compiled here cost a
few µs. Nothing about a shape is written by hand: every decoder, check and renderer comes
from the model. Operations are compiled lazily, on first use, and shapes shared between
operations are compiled once.

Each :class:`Operation` offers:

* ``decode_query`` — AWS Query form fields (``Tags.member.1.Key``) to the nested input;
* ``decode_json`` — the same input given as a JSON object (PascalCase or snake_case keys);
* ``validate`` — the model's constraints, reported the way AWS reports them;
* ``render_xml`` / ``render_json`` — the result as the XML body or the JSON dialect's data.

Validation messages follow AWS: ``2 validation errors detected: Value 'x' at 'userName'
failed to satisfy constraint: Member must …; Value …``. Member paths are the member names
with a lowercase first letter, joined by dots; list elements read ``tags.1.member.key``
(1-based) and map entries ``name.entry.1.key`` / ``name.entry.1.value``. Lists, structures
and maps are never echoed (``Value at 'tags' …``). Departing from AWS, which echoes every
value, a value is also left out when its shape is ``sensitive`` in the model (or sits
inside such a shape), when it is a certificate body or chain (a pasted private key would
land in logs), and when it is longer than 256 characters, to keep logs small.

Patterns are Java regular expressions. Java's ``\\w`` and ``\\d`` are ASCII-only, so they
are rewritten to ``[0-9A-Za-z_]`` and ``[0-9]`` before compiling; a pattern that uses
``\\p{…}`` classes is compiled with the ``regex`` module, every other one with ``re``,
which matches a 16 KB certificate body about five times faster. Lengths count code points.
"""

from __future__ import annotations

import base64
import binascii
import functools
import gzip
import importlib.util
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import msgspec

from signet.errors import ValidationError
from signet.wire.json_dialect import JsonCompiler, snake_case
from signet.wire.xml import Shapes, XmlCompiler

_Compiled = TypeVar("_Compiled")

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
_MODEL_FILES = (("iam", IAM_VERSION), ("sts", STS_VERSION))

_HIDDEN_MEMBERS = frozenset({"CertificateBody", "CertificateChain"})
"""Members whose value is never echoed in an error, whatever the model says."""

_MAX_ECHOED = 256
_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_INTEGER_RANGES = {"integer": (-(2**31), 2**31 - 1), "long": (-(2**63), 2**63 - 1)}

Check = Callable[[Any, str, list[str]], None]
"""Appends a message to the list for each constraint the value at the path breaks."""

QueryDecode = Callable[[str | None, Mapping[str, str] | None], Any]
"""Builds a value from its own field (``Tags``) and its sub-fields (``member.1.Key`` …)."""

JsonDecode = Callable[[Any], Any]
"""Checks the JSON type of a value and converts it to the input form."""


# Operations and models


@dataclass(frozen=True, slots=True)
class Operation:
    """One compiled operation of the IAM or STS model; see the module docstring."""

    name: str
    service: str
    version: str
    namespace: str
    input_shape: str | None
    output_shape: str | None
    result_wrapper: str | None
    errors: tuple[str, ...]
    _decode_query: Callable[[Mapping[str, str]], dict[str, Any]]
    _decode_json: Callable[[Mapping[str, Any]], dict[str, Any]]
    _check: Check | None
    _render_xml: Callable[[Mapping[str, Any] | None, str], bytes]
    _render_json: Callable[[Mapping[str, Any] | None], Any]

    def decode_query(self, params: Mapping[str, str]) -> dict[str, Any]:
        """The input from flat Query fields; unknown fields are ignored, as AWS does.

        Raises :class:`ValidationError` for a value that cannot be converted
        (``MaxItems=abc``). Keep blank values when parsing the form: ``Tags=`` is an
        empty list and ``Tags.member.1.Value=`` an empty tag value.
        """
        return self._decode_query(params)

    def decode_json(self, obj: Mapping[str, Any]) -> dict[str, Any]:
        """The input from a JSON object; keys are member names or their snake_case forms."""
        return self._decode_json(obj)

    def validate(self, params: Mapping[str, Any]) -> None:
        """Raise :class:`ValidationError` listing every constraint the input breaks.

        ``params`` is the output of a decoder: its types are already right.
        """
        if self._check is None:
            return
        errors: list[str] = []
        self._check(params, "", errors)
        if errors:
            raise ValidationError(_summary(errors))

    def render_xml(self, result: Mapping[str, Any] | None, request_id: str) -> bytes:
        """The XML success body, members in model order, ``None`` members left out."""
        return self._render_xml(result, request_id)

    def render_json(self, result: Mapping[str, Any] | None) -> dict[str, Any]:
        """The JSON dialect's ``data``: snake_case keys, ``id``/``created_at`` on resources."""
        data: dict[str, Any] = self._render_json(result)
        return data


class ServiceModels:
    """The IAM and STS models, compiling each operation the first time it is asked for."""

    def __init__(self, services: tuple[_Service, ...]) -> None:
        self._services = services
        self._by_version = {service.version: service for service in services}

    def operation(self, action: str, version: str | None) -> Operation | None:
        """The operation ``action`` of the API ``version``; ``None`` looks in IAM, then STS."""
        if version is not None:
            service = self._by_version.get(version)
            return None if service is None else service.operation(action)
        for service in self._services:
            found = service.operation(action)
            if found is not None:
                return found
        return None

    def all_operations(self) -> Iterator[Operation]:
        """Every operation of every service, compiling those not compiled yet."""
        for service in self._services:
            for name in service.operation_names():
                found = service.operation(name)
                if found is not None:
                    yield found


@functools.cache
def load_models() -> ServiceModels:
    """Read the IAM and STS models from the installed botocore package, once."""
    data = _botocore_data_dir()
    services = []
    for service, version in _MODEL_FILES:
        raw = gzip.decompress((data / service / version / "service-2.json.gz").read_bytes())
        services.append(_Service(service, msgspec.json.decode(raw)))
    return ServiceModels(tuple(services))


def _botocore_data_dir() -> Path:
    """botocore's ``data`` folder, found without importing botocore."""
    spec = importlib.util.find_spec("botocore")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("botocore is not installed; its service models are required")
    return Path(next(iter(spec.submodule_search_locations))) / "data"


class _Service:
    """One service model and the caches of what has been compiled from it."""

    def __init__(self, name: str, model: Mapping[str, Any]) -> None:
        metadata = model["metadata"]
        self.name = name
        self.version: str = metadata["apiVersion"]
        self.namespace: str = metadata["xmlNamespace"]
        self.shapes: Shapes = model["shapes"]
        self._specs: Mapping[str, Mapping[str, Any]] = model["operations"]
        self._operations: dict[str, Operation] = {}
        self._inputs = _InputCompiler(self.shapes)
        self._xml = XmlCompiler(self.shapes)
        self._json = JsonCompiler(self.shapes)

    def operation_names(self) -> list[str]:
        return list(self._specs)

    def operation(self, name: str) -> Operation | None:
        found = self._operations.get(name)
        if found is None:
            spec = self._specs.get(name)
            if spec is None:
                return None
            found = self._operations[name] = self._compile(name, spec)
        return found

    def _compile(self, name: str, spec: Mapping[str, Any]) -> Operation:
        input_shape = spec.get("input", {}).get("shape")
        output = spec.get("output", {})
        output_shape, wrapper = output.get("shape"), output.get("resultWrapper")
        return Operation(
            name=name,
            service=self.name,
            version=self.version,
            namespace=self.namespace,
            input_shape=input_shape,
            output_shape=output_shape,
            result_wrapper=wrapper,
            errors=tuple(self._error_code(ref["shape"]) for ref in spec.get("errors", ())),
            _decode_query=self._inputs.query_root(input_shape),
            _decode_json=self._inputs.json_root(input_shape),
            _check=None if input_shape is None else self._inputs.check(input_shape, False),
            _render_xml=self._xml.response(name, self.namespace, output_shape, wrapper),
            _render_json=self._json.result(output_shape),
        )

    def _error_code(self, shape_name: str) -> str:
        return str(self.shapes[shape_name].get("error", {}).get("code", shape_name))


# Messages


def _summary(errors: list[str]) -> str:
    count = len(errors)
    noun = "error" if count == 1 else "errors"
    return f"{count} validation {noun} detected: " + "; ".join(errors)


def _violation(value: Any, path: str, constraint: str, hidden: bool) -> str:
    """One AWS-style constraint message, echoing the value only when that is safe."""
    if hidden or not isinstance(value, str | int | float) or len(str(value)) > _MAX_ECHOED:
        return f"Value at '{path}' failed to satisfy constraint: {constraint}"
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"Value '{value}' at '{path}' failed to satisfy constraint: {constraint}"


def _null(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


class _BadValue(Exception):
    """A value of the wrong type; the path is collected innermost first while unwinding."""

    def __init__(self, value: Any, expected: str) -> None:
        super().__init__(expected)
        self.value = value
        self.expected = expected
        self.segments: list[str] = []
        self.hidden = False

    def to_error(self) -> ValidationError:
        path = ".".join(reversed(self.segments))
        if self.value is None:
            return ValidationError(_summary([_null(path)]))
        message = _violation(self.value, path, f"Member must be {self.expected}", self.hidden)
        return ValidationError(_summary([message]))


# Patterns


_JAVA_CLASSES = {
    "w": ("[0-9A-Za-z_]", "0-9A-Za-z_"),
    "d": ("[0-9]", "0-9"),
    "s": ("[ \\t\\n\\x0B\\f\\r]", " \\t\\n\\x0B\\f\\r"),
    "W": ("[^0-9A-Za-z_]", None),
    "D": ("[^0-9]", None),
    "S": ("[^ \\t\\n\\x0B\\f\\r]", None),
}


def _from_java(pattern: str) -> str:
    """Rewrite Java's ASCII-only ``\\w``, ``\\d`` and ``\\s`` as explicit classes."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            outside, inside = _JAVA_CLASSES.get(escaped, (None, None))
            replacement = inside if in_class else outside
            out.append(replacement if replacement is not None else pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        out.append(char)
        i += 1
    return "".join(out)


@functools.cache
def _compile_pattern(pattern: str) -> Callable[[str], Any]:
    """The ``fullmatch`` of a model pattern, with ``re`` when it can and ``regex`` otherwise."""
    translated = _from_java(pattern)
    try:
        return re.compile(translated).fullmatch
    except re.error:
        import regex  # only \p{…} patterns need it; importing it costs ~20 ms

        compiled: Any = regex.compile(translated)
        matcher: Callable[[str], Any] = compiled.fullmatch
        return matcher


# Input compilation


_NESTED = frozenset({"structure", "list", "map"})


class _InputCompiler:
    """Compiles the input shapes of one model into decoders and checks, cached per shape."""

    def __init__(self, shapes: Shapes) -> None:
        self._shapes = shapes
        self._query: dict[str, QueryDecode] = {}
        self._json: dict[str, JsonDecode] = {}
        self._checks: dict[tuple[str, bool], Check | None] = {}
        self._compiling: set[tuple[str, str]] = set()

    def _guard(self, kind: str, shape_name: str) -> None:
        if (kind, shape_name) in self._compiling:
            raise ValueError(f"recursive shape {shape_name} is not supported")
        self._compiling.add((kind, shape_name))

    def _hidden(self, name: str, ref: Mapping[str, Any]) -> bool:
        return name in _HIDDEN_MEMBERS or bool(self._shapes[ref["shape"]].get("sensitive"))

    # Query

    def query_root(self, shape_name: str | None) -> Callable[[Mapping[str, str]], dict[str, Any]]:
        """The operation-level Query decoder: the input structure from all the form fields."""
        if shape_name is None:
            return _no_input
        structure = self.query(shape_name)

        def decode(params: Mapping[str, str]) -> dict[str, Any]:
            try:
                result: dict[str, Any] = structure(None, params)
            except _BadValue as exc:
                raise exc.to_error() from None
            return result

        return decode

    def query(self, shape_name: str) -> QueryDecode:
        """The Query decoder of a shape, compiled on first use."""
        return self._cached(self._query, "query", shape_name, self._compile_query)

    def _cached(
        self,
        cache: dict[str, _Compiled],
        family: str,
        shape_name: str,
        compile_shape: Callable[[Mapping[str, Any]], _Compiled],
    ) -> _Compiled:
        """A shape's compiled closure from ``cache``, compiling it on first use; a shape
        that refers back to itself while compiling is refused."""
        cached = cache.get(shape_name)
        if cached is not None:
            return cached
        self._guard(family, shape_name)
        try:
            built = compile_shape(self._shapes[shape_name])
        finally:
            self._compiling.discard((family, shape_name))
        cache[shape_name] = built
        return built

    def _compile_query(self, shape: Mapping[str, Any]) -> QueryDecode:
        kind = shape["type"]
        if kind == "structure":
            return self._query_structure(shape)
        if kind == "list":
            return self._query_list(shape)
        if kind == "map":
            return self._query_map(shape)
        return _query_scalar(_QUERY_SCALARS[kind])

    def _query_structure(self, shape: Mapping[str, Any]) -> QueryDecode:
        members = []
        for name, ref in shape["members"].items():
            member_shape = self._shapes[ref["shape"]]
            key = str(ref.get("locationName", name))
            if member_shape["type"] == "list" and member_shape.get("flattened"):
                key = str(member_shape["member"].get("locationName", key))
            members.append(
                (
                    name,
                    key,
                    member_shape["type"] in _NESTED,
                    member_shape["type"] == "list",
                    self.query(ref["shape"]),
                    _lower_first(name),
                    self._hidden(name, ref),
                )
            )
        nested_keys = frozenset(m[1] for m in members if m[2])

        def decode(leaf: str | None, fields: Mapping[str, str] | None) -> Any:
            out: dict[str, Any] = {}
            if fields is None:
                return out
            groups = _group(fields, nested_keys) if nested_keys else {}
            for name, key, nested, is_list, inner, segment, hidden in members:
                value = fields.get(key)
                sub = groups.get(key) if nested else None
                if sub is None and (value is None or (nested and not is_list)):
                    continue
                try:
                    out[name] = inner(value, sub)
                except _BadValue as exc:
                    exc.segments.append(segment)
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    def _query_list(self, shape: Mapping[str, Any]) -> QueryDecode:
        member_ref = shape["member"]
        element = self.query(member_ref["shape"])
        element_kind = self._shapes[member_ref["shape"]]["type"]
        wants_leaf = element_kind not in ("structure", "map")
        wants_sub = element_kind in _NESTED
        flattened = bool(shape.get("flattened"))
        member_name = str(member_ref.get("locationName", "member"))
        hidden = bool(self._shapes[member_ref["shape"]].get("sensitive"))

        def decode(leaf: str | None, fields: Mapping[str, str] | None) -> Any:
            if fields is None:
                return []  # "Tags=" is how the Query protocol spells an empty list
            leaves: dict[str, str] = {}
            subs: dict[str, dict[str, str]] = {}
            for key, value in fields.items():
                if not flattened:
                    head, dot, key = key.partition(".")
                    if head != member_name or not dot:
                        continue
                index, dot, rest = key.partition(".")
                if not (index.isascii() and index.isdigit()):
                    continue
                if dot and wants_sub:
                    subs.setdefault(index, {})[rest] = value
                elif not dot and wants_leaf:
                    leaves[index] = value
            out = []
            for index in sorted(leaves.keys() | subs.keys(), key=int):
                try:
                    out.append(element(leaves.get(index), subs.get(index)))
                except _BadValue as exc:
                    exc.segments += ["member", index]
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    def _query_map(self, shape: Mapping[str, Any]) -> QueryDecode:
        key_ref, value_ref = shape["key"], shape["value"]
        key_decode, value_decode = self.query(key_ref["shape"]), self.query(value_ref["shape"])
        key_name = str(key_ref.get("locationName", "key"))
        value_name = str(value_ref.get("locationName", "value"))
        flattened = bool(shape.get("flattened"))
        value_nested = self._shapes[value_ref["shape"]]["type"] in _NESTED
        hidden = bool(self._shapes[value_ref["shape"]].get("sensitive"))

        def decode(leaf: str | None, fields: Mapping[str, str] | None) -> Any:
            entries: dict[str, dict[str, str]] = {}
            for key, value in (fields or {}).items():
                if not flattened:
                    head, dot, key = key.partition(".")
                    if head != "entry" or not dot:
                        continue
                index, dot, rest = key.partition(".")
                if dot and index.isascii() and index.isdigit():
                    entries.setdefault(index, {})[rest] = value
            out: dict[Any, Any] = {}
            for index in sorted(entries, key=int):
                entry = entries[index]
                try:
                    entry_key = entry.get(key_name)
                    if entry_key is None:
                        continue
                    value_sub = _prefixed(entry, value_name) if value_nested else None
                    out[key_decode(entry_key, None)] = value_decode(
                        entry.get(value_name), value_sub
                    )
                except _BadValue as exc:
                    exc.segments += ["value", index, "entry"]
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    # JSON

    def json_root(self, shape_name: str | None) -> Callable[[Mapping[str, Any]], dict[str, Any]]:
        """The operation-level JSON decoder; the body must be an object."""
        if shape_name is None:
            return _no_json_input
        structure = self.json(shape_name)

        def decode(obj: Mapping[str, Any]) -> dict[str, Any]:
            if not isinstance(obj, Mapping):
                raise ValidationError("Request body must be a JSON object")
            try:
                result: dict[str, Any] = structure(obj)
            except _BadValue as exc:
                raise exc.to_error() from None
            return result

        return decode

    def json(self, shape_name: str) -> JsonDecode:
        """The JSON decoder of a shape, compiled on first use."""
        return self._cached(self._json, "json", shape_name, self._compile_json)

    def _compile_json(self, shape: Mapping[str, Any]) -> JsonDecode:
        kind = shape["type"]
        if kind == "structure":
            return self._json_structure(shape)
        if kind == "list":
            return self._json_list(shape)
        if kind == "map":
            return self._json_map(shape)
        return _JSON_SCALARS[kind]

    def _json_structure(self, shape: Mapping[str, Any]) -> JsonDecode:
        members: dict[str, tuple[str, JsonDecode, str, bool]] = {}
        for name, ref in shape["members"].items():
            member = (name, self.json(ref["shape"]), _lower_first(name), self._hidden(name, ref))
            members.setdefault(name, member)
            members.setdefault(snake_case(name), member)

        def decode(value: Any) -> Any:
            if not isinstance(value, Mapping):
                raise _BadValue(value, "an object")
            out: dict[str, Any] = {}
            for key, item in value.items():
                member = members.get(key)
                if member is None or item is None:
                    continue
                name, inner, segment, hidden = member
                if name in out:
                    raise ValidationError(f"Member '{segment}' is given twice")
                try:
                    out[name] = inner(item)
                except _BadValue as exc:
                    exc.segments.append(segment)
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    def _json_list(self, shape: Mapping[str, Any]) -> JsonDecode:
        element = self.json(shape["member"]["shape"])
        hidden = bool(self._shapes[shape["member"]["shape"]].get("sensitive"))

        def decode(value: Any) -> Any:
            if not isinstance(value, list):
                raise _BadValue(value, "a list")
            out = []
            for position, item in enumerate(value, 1):
                try:
                    if item is None:
                        raise _BadValue(None, "not null")
                    out.append(element(item))
                except _BadValue as exc:
                    exc.segments += ["member", str(position)]
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    def _json_map(self, shape: Mapping[str, Any]) -> JsonDecode:
        value_decode = self.json(shape["value"]["shape"])
        hidden = bool(self._shapes[shape["value"]["shape"]].get("sensitive"))

        def decode(value: Any) -> Any:
            if not isinstance(value, Mapping):
                raise _BadValue(value, "an object")
            out = {}
            for position, (key, item) in enumerate(value.items(), 1):
                try:
                    out[key] = value_decode(item)
                except _BadValue as exc:
                    exc.segments += ["value", str(position), "entry"]
                    exc.hidden = exc.hidden or hidden
                    raise
            return out

        return decode

    # Checks

    def check(self, shape_name: str, hidden: bool) -> Check | None:
        """The constraint check of a shape (``None`` when it has none), compiled on first use."""
        hidden = hidden or bool(self._shapes[shape_name].get("sensitive"))
        cache_key = (shape_name, hidden)
        if cache_key in self._checks:
            return self._checks[cache_key]
        self._guard("check", shape_name)
        try:
            check = self._compile_check(self._shapes[shape_name], hidden)
        finally:
            self._compiling.discard(("check", shape_name))
        self._checks[cache_key] = check
        return check

    def _compile_check(self, shape: Mapping[str, Any], hidden: bool) -> Check | None:
        kind = shape["type"]
        if kind == "structure":
            return self._check_structure(shape, hidden)
        if kind == "list":
            element = self.check(shape["member"]["shape"], hidden)
            return _check_list(shape, element)
        if kind == "map":
            key = self.check(shape["key"]["shape"], hidden)
            value = self.check(shape["value"]["shape"], hidden)
            return _check_map(shape, key, value)
        if kind in ("string", "blob"):
            return _check_string(shape, hidden)
        if kind in _INTEGER_KINDS:
            return _check_number(shape, hidden)
        return None

    def _check_structure(self, shape: Mapping[str, Any], hidden: bool) -> Check | None:
        required = frozenset(shape.get("required", ()))
        members = tuple(
            (
                name,
                _lower_first(name),
                name in required,
                self.check(ref["shape"], hidden or name in _HIDDEN_MEMBERS),
            )
            for name, ref in shape["members"].items()
        )
        members = tuple(m for m in members if m[2] or m[3] is not None)
        if not members:
            return None

        def check(value: Any, path: str, errors: list[str]) -> None:
            for name, segment, is_required, inner in members:
                item = value.get(name)
                if item is None:
                    if is_required:
                        errors.append(_null(_join(path, segment)))
                elif inner is not None:
                    inner(item, _join(path, segment), errors)

        return check


def _no_input(params: Mapping[str, str]) -> dict[str, Any]:
    return {}


def _no_json_input(obj: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(obj, Mapping):
        raise ValidationError("Request body must be a JSON object")
    return {}


def _group(fields: Mapping[str, str], heads: frozenset[str]) -> dict[str, dict[str, str]]:
    """Split ``Head.rest`` fields by head, for the heads that are nested members."""
    groups: dict[str, dict[str, str]] = {}
    for key, value in fields.items():
        head, dot, rest = key.partition(".")
        if dot and head in heads:
            groups.setdefault(head, {})[rest] = value
    return groups


def _prefixed(fields: Mapping[str, str], head: str) -> dict[str, str] | None:
    start = head + "."
    found = {key[len(start) :]: value for key, value in fields.items() if key.startswith(start)}
    return found or None


# Scalars


def _query_scalar(convert: Callable[[str], Any] | None) -> QueryDecode:
    if convert is None:

        def decode_text(leaf: str | None, fields: Mapping[str, str] | None) -> Any:
            return leaf

        return decode_text

    def decode(leaf: str | None, fields: Mapping[str, str] | None) -> Any:
        return convert(leaf or "")

    return decode


def _integer_from(kind: str) -> Callable[[str], int]:
    low, high = _INTEGER_RANGES.get(kind, _INTEGER_RANGES["long"])

    def convert(text: str) -> int:
        if _INTEGER_TEXT.fullmatch(text) is None or not low <= int(text) <= high:
            raise _BadValue(text, "an integer")
        return int(text)

    return convert


def _boolean_from(text: str) -> bool:
    lowered = text.lower()
    if lowered not in ("true", "false"):
        raise _BadValue(text, "a boolean")
    return lowered == "true"


def _float_from(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise _BadValue(text, "a number") from None


def _timestamp_from(text: str) -> datetime:
    """ISO 8601 (naive means UTC) or seconds since the epoch, as botocore may send."""
    try:
        if _INTEGER_TEXT.fullmatch(text) or re.fullmatch(r"[0-9]+\.[0-9]+", text):
            return datetime.fromtimestamp(float(text), UTC)
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError, OSError):
        raise _BadValue(text, "a timestamp") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _blob_from(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except binascii.Error:
        raise _BadValue(text, "base64-encoded data") from None


_INTEGER_KINDS = frozenset({"integer", "long", "short", "byte", "bigInteger"})

_QUERY_SCALARS: dict[str, Callable[[str], Any] | None] = {
    "string": None,
    "character": None,
    "boolean": _boolean_from,
    "integer": _integer_from("integer"),
    "long": _integer_from("long"),
    "short": _integer_from("integer"),
    "byte": _integer_from("integer"),
    "bigInteger": _integer_from("bigInteger"),
    "float": _float_from,
    "double": _float_from,
    "bigDecimal": _float_from,
    "timestamp": _timestamp_from,
    "blob": _blob_from,
}


def _json_string(value: Any) -> Any:
    if not isinstance(value, str):
        raise _BadValue(value, "a string")
    return value


def _json_boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise _BadValue(value, "a boolean")
    return value


def _json_integer(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _BadValue(value, "an integer")
    return value


def _json_number(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _BadValue(value, "a number")
    return float(value)


def _json_timestamp(value: Any) -> Any:
    if isinstance(value, datetime):
        return value
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise _BadValue(value, "a timestamp")
    return _timestamp_from(str(value))


def _json_blob(value: Any) -> Any:
    if not isinstance(value, str):
        raise _BadValue(value, "base64-encoded data")
    return _blob_from(value)


_JSON_SCALARS: dict[str, JsonDecode] = {
    "string": _json_string,
    "character": _json_string,
    "boolean": _json_boolean,
    "integer": _json_integer,
    "long": _json_integer,
    "short": _json_integer,
    "byte": _json_integer,
    "bigInteger": _json_integer,
    "float": _json_number,
    "double": _json_number,
    "bigDecimal": _json_number,
    "timestamp": _json_timestamp,
    "blob": _json_blob,
}


# Constraint checks


def _check_string(shape: Mapping[str, Any], hidden: bool) -> Check | None:
    """Length, pattern and enum of a string (or the length of a blob)."""
    low: int | None = shape.get("min")
    high: int | None = shape.get("max")
    pattern: str | None = shape.get("pattern")
    enum: list[str] | None = shape.get("enum")
    if low is None and high is None and pattern is None and enum is None:
        return None
    matches = _compile_pattern(pattern) if pattern is not None else None
    allowed = frozenset(enum) if enum is not None else None
    too_short = f"Member must have length greater than or equal to {low}"
    too_long = f"Member must have length less than or equal to {high}"
    no_match = f"Member must satisfy regular expression pattern: {pattern}"
    not_in_enum = f"Member must satisfy enum value set: [{', '.join(enum or ())}]"

    def check(value: Any, path: str, errors: list[str]) -> None:
        length = len(value)
        if low is not None and length < low:
            errors.append(_violation(value, path, too_short, hidden))
        if high is not None and length > high:
            errors.append(_violation(value, path, too_long, hidden))
        if matches is not None and isinstance(value, str) and matches(value) is None:
            errors.append(_violation(value, path, no_match, hidden))
        if allowed is not None and value not in allowed:
            errors.append(_violation(value, path, not_in_enum, hidden))

    return check


def _check_number(shape: Mapping[str, Any], hidden: bool) -> Check | None:
    low: int | None = shape.get("min")
    high: int | None = shape.get("max")
    if low is None and high is None:
        return None
    too_small = f"Member must have value greater than or equal to {low}"
    too_large = f"Member must have value less than or equal to {high}"

    def check(value: Any, path: str, errors: list[str]) -> None:
        if low is not None and value < low:
            errors.append(_violation(value, path, too_small, hidden))
        if high is not None and value > high:
            errors.append(_violation(value, path, too_large, hidden))

    return check


def _check_list(shape: Mapping[str, Any], element: Check | None) -> Check | None:
    low: int | None = shape.get("min")
    high: int | None = shape.get("max")
    if low is None and high is None and element is None:
        return None
    too_short = f"Member must have length greater than or equal to {low}"
    too_long = f"Member must have length less than or equal to {high}"

    def check(value: Any, path: str, errors: list[str]) -> None:
        if low is not None and len(value) < low:
            errors.append(_violation(value, path, too_short, True))
        if high is not None and len(value) > high:
            errors.append(_violation(value, path, too_long, True))
        if element is not None:
            for position, item in enumerate(value, 1):
                item_path = f"{path}.{position}.member"
                if item is None:
                    errors.append(_null(item_path))
                else:
                    element(item, item_path, errors)

    return check


def _check_map(shape: Mapping[str, Any], key: Check | None, value: Check | None) -> Check | None:
    low: int | None = shape.get("min")
    high: int | None = shape.get("max")
    if low is None and high is None and key is None and value is None:
        return None
    too_short = f"Member must have length greater than or equal to {low}"
    too_long = f"Member must have length less than or equal to {high}"

    def check(entries: Any, path: str, errors: list[str]) -> None:
        if low is not None and len(entries) < low:
            errors.append(_violation(entries, path, too_short, True))
        if high is not None and len(entries) > high:
            errors.append(_violation(entries, path, too_long, True))
        for position, (entry_key, entry_value) in enumerate(entries.items(), 1):
            if key is not None:
                key(entry_key, f"{path}.entry.{position}.key", errors)
            if value is not None and entry_value is not None:
                value(entry_value, f"{path}.entry.{position}.value", errors)

    return check
