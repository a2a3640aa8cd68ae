"""Signet's JSON dialect: request bodies, result trees and the response envelope.

IAM has no JSON protocol, so this one is ours: a request is a JSON object of the
operation's input members (``UserName`` or ``user_name``); a response is
``{"success": true, "data": {...}}`` or ``{"success": false, "error": {"code", "message"}}``.
``data`` is the botocore output tree with snake_case keys and ISO 8601 UTC timestamps,
and the resources a client manages by id — users, access keys and signing certificates —
name their identifier ``id`` and their date ``created_at`` (the renames live in
:data:`RESOURCE_KEYS`, keyed by shape name; other shapes keep their snake_case names).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import msgspec

from signet.errors import ValidationError
from signet.wire.xml import Shapes, format_timestamp

Convert = Callable[[Any], Any]
"""Turns one value of a shape from the result tree into its JSON-dialect form."""

RESOURCE_KEYS: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "SigningCertificate": {"CertificateId": "id", "UploadDate": "created_at"},
        "User": {"UserId": "id", "CreateDate": "created_at"},
        "AccessKey": {"AccessKeyId": "id", "CreateDate": "created_at"},
        "AccessKeyMetadata": {"AccessKeyId": "id", "CreateDate": "created_at"},
    }
)
"""Per output shape, the members whose JSON key is not their snake_case name."""

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_ENCODER = msgspec.json.Encoder()


def snake_case(name: str) -> str:
    """A member name in snake_case: ``SAMLProviderList`` -> ``saml_provider_list``.

    The same word split as :attr:`signet.errors.AwsError.json_code`.
    """
    return _WORD_BOUNDARY.sub("_", name).lower()


def success_envelope(data: Mapping[str, Any] | None) -> bytes:
    """``{"success": true, "data": …}``; ``data`` is ``{}`` for an operation without output."""
    return _ENCODER.encode({"success": True, "data": {} if data is None else data})


def error_envelope(json_code: str, message: str) -> bytes:
    """``{"success": false, "error": {"code": "NO_SUCH_ENTITY", "message": …}}``."""
    return _ENCODER.encode({"success": False, "error": {"code": json_code, "message": message}})


def parse_json_body(body: bytes) -> dict[str, Any]:
    """Decode a JSON request body that must be an object; an empty body counts as ``{}``.

    Raises :class:`ValidationError` for invalid UTF-8, invalid JSON or a non-object.
    """
    if not body.strip():
        return {}
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError as exc:
        raise ValidationError(f"Request body is not valid JSON: {exc}") from None
    except RecursionError:
        raise ValidationError("Request body is nested too deeply.") from None
    if not isinstance(value, dict):
        raise ValidationError("Request body must be a JSON object")
    return value


def _timestamp(value: Any) -> Any:
    return format_timestamp(value)


def _blob(value: Any) -> Any:
    data = value.encode() if isinstance(value, str) else bytes(value)
    return base64.b64encode(data).decode("ascii")


class JsonCompiler:
    """Compiles the output shapes of one service model into JSON-dialect converters.

    A converter of ``None`` means the value is already JSON-ready (strings, numbers,
    booleans) and is copied as is, which keeps the common case free of calls.
    """

    def __init__(self, shapes: Shapes) -> None:
        self._shapes = shapes
        self._cache: dict[str, Convert | None] = {}
        self._compiling: set[str] = set()

    def result(self, output_shape: str | None) -> Callable[[Mapping[str, Any] | None], Any]:
        """A closure producing the ``data`` of the envelope from an operation's result."""
        if output_shape is None:
            return _empty_result
        convert = self.converter(output_shape)
        if convert is None:  # pragma: no cover - an output shape is always a structure
            raise ValueError(f"{output_shape} is not a structure")
        structure = convert

        def render(result: Mapping[str, Any] | None) -> Any:
            return structure(result) if result else {}

        return render

    def converter(self, shape_name: str) -> Convert | None:
        """The converter of a shape, compiled on first use."""
        if shape_name in self._cache:
            return self._cache[shape_name]
        if shape_name in self._compiling:
            raise ValueError(f"recursive shape {shape_name} is not supported")
        self._compiling.add(shape_name)
        try:
            convert = self._compile(shape_name)
        finally:
            self._compiling.discard(shape_name)
        self._cache[shape_name] = convert
        return convert

    def _compile(self, shape_name: str) -> Convert | None:
        shape = self._shapes[shape_name]
        kind = shape["type"]
        if kind == "structure":
            return self._structure(shape_name, shape)
        if kind == "list":
            return _list_of(self.converter(shape["member"]["shape"]))
        if kind == "map":
            return _map_of(self.converter(shape["value"]["shape"]))
        if kind == "timestamp":
            return _timestamp
        if kind == "blob":
            return _blob
        return None

    def _structure(self, shape_name: str, shape: Mapping[str, Any]) -> Convert:
        renames = RESOURCE_KEYS.get(shape_name, {})
        members = tuple(
            (name, renames.get(name) or snake_case(name), self.converter(ref["shape"]))
            for name, ref in shape["members"].items()
        )

        def convert(value: Any) -> Any:
            out: dict[str, Any] = {}
            for name, key, inner in members:
                item = value.get(name)
                if item is not None:
                    out[key] = item if inner is None else inner(item)
            return out

        return convert


def _empty_result(result: Mapping[str, Any] | None) -> Any:
    return {}


def _list_of(inner: Convert | None) -> Convert:
    if inner is None:
        return list

    def convert(value: Any) -> Any:
        return [inner(item) for item in value]

    return convert


def _map_of(inner: Convert | None) -> Convert:
    if inner is None:
        return dict

    def convert(value: Any) -> Any:
        return {key: inner(item) for key, item in value.items()}

    return convert
