"""The OpenAPI 3.1 document of the JSON dialect, generated from the botocore model.

``python -m signet.wire.openapi > src/signet/openapi.json`` (``make openapi``) rewrites the
document the server serves at ``/openapi.json``; a unit test fails when the file in the
repository differs from :func:`build_document`, so it cannot go stale.

Nothing about a shape is written here. The actions are the keys of
:data:`signet.iam.operations.HANDLERS`; request schemas come from their input shapes,
with the constraints :mod:`signet.wire.model` checks; result schemas come from their
output shapes, with the keys :mod:`signet.wire.json_dialect` renders (snake_case,
``id``/``created_at`` per :data:`~signet.wire.json_dialect.RESOURCE_KEYS`); the error
codes are those of the :class:`~signet.errors.AwsError` subclasses. Structures used by
several actions, and the resources, become components. The output has no timestamps or
random ids, so regenerating an unchanged server gives the same bytes.
"""

from __future__ import annotations

import html
import json
import re
import string
import sys
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from signet import __version__, errors
from signet.auth import sigv4
from signet.config import DEFAULT_HOST, DEFAULT_MAX_BODY_BYTES, DEFAULT_PORT
from signet.iam.operations import HANDLERS
from signet.wire.json_dialect import RESOURCE_KEYS, snake_case
from signet.wire.model import Operation, _from_java, load_models
from signet.wire.xml import Shapes

Schema = dict[str, Any]

SCHEMAS = "#/components/schemas/"
RESPONSES = "#/components/responses/"

_INTEGER_FORMATS = {"integer": "int32", "long": "int64", "short": "int32", "byte": "int32"}
_NUMBERS = frozenset({"float", "double", "bigDecimal"})
_PLAIN_ESCAPES = frozenset("nrtfdDwW")
"""Letter escapes that mean the same in Java and ECMA-262 (not ``\\s``: ECMA's is Unicode)."""
_SYNTAX = frozenset("^$\\.*+?()[]{}|/")
"""The characters ECMA-262 lets be escaped with and without its ``u`` flag."""
_BRACES = re.compile(r"\{[0-9]+(?:,[0-9]*)?\}")
_DOT = "[^\\n\\r\\u0085\\u2028\\u2029]"
"""What Java's ``.`` matches: anything but its line terminators."""


@dataclass(frozen=True, slots=True)
class _Action:
    """One served action: its compiled operation, its service's shapes and a summary."""

    operation: Operation
    shapes: Shapes
    summary: str

    @property
    def name(self) -> str:
        return self.operation.name

    def top(self, output: bool) -> str | None:
        """The name of the output shape, or of the input shape."""
        return self.operation.output_shape if output else self.operation.input_shape


def build_document() -> dict[str, Any]:
    """The whole OpenAPI document, as ``/openapi.json`` serves it."""
    actions = _actions()
    components: dict[str, Schema] = {}
    requests = _ShapeSchemas.for_actions(actions, output=False, components=components)
    results = _ShapeSchemas.for_actions(actions, output=True, components=components)
    by_status = _error_codes_by_status()
    names = [action.name for action in actions]

    schemas: dict[str, Schema] = {
        "Action": {
            "type": "string",
            "description": "The actions Signet serves; any other is answered INVALID_ACTION.",
            "enum": names,
        },
        "Success": {
            "type": "object",
            "description": "The success envelope; `data` is the action's Result schema.",
            "properties": {
                "success": {"const": True},
                "data": {"anyOf": [{"$ref": f"{SCHEMAS}{name}Result"} for name in names]},
            },
            "required": ["success", "data"],
        },
        "Error": {
            "type": "object",
            "description": "The error envelope.",
            "properties": {
                "success": {"const": False},
                "error": {
                    "type": "object",
                    "properties": {
                        "code": {"$ref": f"{SCHEMAS}ErrorCode"},
                        "message": {"type": "string"},
                    },
                    "required": ["code", "message"],
                },
            },
            "required": ["success", "error"],
        },
        "ErrorCode": {
            "type": "string",
            "description": "AWS's error code in upper snake case (NoSuchEntity: NO_SUCH_ENTITY).",
            "enum": [code for codes in by_status.values() for code in codes],
        },
    }
    for action in actions:
        schemas[f"{action.name}Request"] = _request_schema(action, requests[action.name])
    for action in actions:
        schemas[f"{action.name}Result"] = _result_schema(action, results[action.name])
    for name in sorted(components):
        if name in schemas:
            raise ValueError(f"shape {name} clashes with a schema of the document")
        schemas[name] = components[name]

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Signet JSON dialect",
            "version": __version__,
            "description": _info_description(),
        },
        "servers": [
            {
                "url": f"http://{DEFAULT_HOST}:{DEFAULT_PORT}",
                "description": "`signet serve`'s default",
            }
        ],
        "security": [{"sigv4": []}],
        "paths": {
            "/": {"post": _call_operation(actions, by_status)},
            "/health": {"get": _health_operation()},
            "/openapi.json": {"get": _document_operation()},
        },
        "components": {
            "securitySchemes": {"sigv4": _sigv4_scheme()},
            "headers": {
                "RequestId": {
                    "description": "The request's id, as in the server's log.",
                    "schema": {"type": "string", "format": "uuid"},
                }
            },
            "responses": _error_responses(by_status),
            "schemas": schemas,
        },
    }


def main() -> None:
    """Print the document: ``python -m signet.wire.openapi > src/signet/openapi.json``."""
    sys.stdout.write(json.dumps(build_document(), indent=2, sort_keys=False) + "\n")


# The model


def _actions() -> list[_Action]:
    """The served actions in :data:`HANDLERS` order, with their service's shapes."""
    # ServiceModels hands out compiled operations only; the shapes table and the
    # operations' documentation live on its services.
    services = {service.name: service for service in load_models()._services}
    found = []
    for key in HANDLERS:
        service_name, name = key.split(":", 1)
        service = services[service_name]
        operation = service.operation(name)
        if operation is None:
            raise ValueError(f"{key} is served but not in the {service_name} model")
        documentation = service._specs[name].get("documentation", "")
        found.append(_Action(operation, service.shapes, _first_sentence(documentation)))
    return found


def _first_sentence(documentation: str) -> str:
    """The first sentence of a model's HTML documentation, as plain text."""
    text = " ".join(html.unescape(re.sub(r"<[^>]*>", " ", documentation)).split())
    return re.split(r"(?<=\.)\s+(?=[A-Z])", text, maxsplit=1)[0]


def _children(shape: Mapping[str, Any]) -> list[str]:
    """The names of the shapes a shape is made of."""
    kind = shape["type"]
    if kind == "structure":
        return [ref["shape"] for ref in shape["members"].values()]
    if kind == "list":
        return [shape["member"]["shape"]]
    if kind == "map":
        return [shape["key"]["shape"], shape["value"]["shape"]]
    return []


def _nested_structures(shapes: Shapes, name: str) -> set[str]:
    """The structures inside shape ``name``, at any depth."""
    seen: set[str] = set()
    pending = _children(shapes[name])
    while pending:
        child = pending.pop()
        if child not in seen:
            seen.add(child)
            pending.extend(_children(shapes[child]))
    return {child for child in seen if shapes[child]["type"] == "structure"}


# Schemas of shapes


class _ShapeSchemas:
    """JSON schemas of one service's shapes, as requests send them or as results render them.

    Requests: member names as in the model, with the model's constraints (the ones
    :meth:`Operation.validate` checks). Results: exactly the keys ``render_json``
    writes, and no ``required``: it leaves out every member the service did not set
    (the root's ``GetUser`` has no ``user_name``). A structure in ``shared`` goes into
    ``components`` under its model name (plus ``Input`` for requests) and is referenced
    with ``$ref``; every other shape is written in place.
    """

    def __init__(
        self, shapes: Shapes, output: bool, shared: set[str], components: dict[str, Schema]
    ) -> None:
        self._shapes = shapes
        self._output = output
        self._shared = shared
        self._components = components
        self._building: set[str] = set()

    @classmethod
    def for_actions(
        cls, actions: list[_Action], *, output: bool, components: dict[str, Schema]
    ) -> dict[str, Schema]:
        """Each action's input (or output) structure by action name; ``{}`` when it has none.

        A structure is a component when the shapes of two actions or more contain it, and
        so is every resource of the dialect's results (the shapes of ``RESOURCE_KEYS``).
        """
        uses: Counter[tuple[str, str]] = Counter()
        for action in actions:
            top = action.top(output)
            if top is not None:
                service = action.operation.service
                uses.update((service, name) for name in _nested_structures(action.shapes, top))
        resources = RESOURCE_KEYS if output else {}
        shared = {key for key, count in uses.items() if count > 1 or key[1] in resources}
        built: dict[str, Schema] = {}
        for action in actions:
            service, top = action.operation.service, action.top(output)
            mine = {name for owner, name in shared if owner == service}
            builder = cls(action.shapes, output, mine, components)
            built[action.name] = {} if top is None else builder.structure(top)
        return built

    def schema(self, name: str) -> Schema:
        """The schema of shape ``name``, or a ``$ref`` to its component."""
        shape = self._shapes[name]
        if shape["type"] != "structure" or name not in self._shared:
            return self._inline(name, shape)
        component = name if self._output else f"{name}Input"
        schema = self.structure(name)
        if self._components.setdefault(component, schema) != schema:
            raise ValueError(f"two services define {name} differently")
        return {"$ref": SCHEMAS + component}

    def structure(self, name: str) -> Schema:
        """The object schema of structure ``name``, written in place."""
        if name in self._building:
            raise ValueError(f"recursive shape {name} is not supported")
        self._building.add(name)
        try:
            shape = self._shapes[name]
            renames = RESOURCE_KEYS.get(name, {}) if self._output else {}
            properties: dict[str, Schema] = {}
            for member, ref in shape["members"].items():
                schema = self.schema(ref["shape"])
                if member in renames:
                    schema = {**schema, "description": f"{member} in the AWS model."}
                key = (renames.get(member) or snake_case(member)) if self._output else member
                properties[key] = schema
        finally:
            self._building.discard(name)
        structure: Schema = {"type": "object", "properties": properties}
        if self._output:
            structure["additionalProperties"] = False
        elif shape.get("required"):
            structure["required"] = list(shape["required"])
        return structure

    def _inline(self, name: str, shape: Mapping[str, Any]) -> Schema:
        kind = shape["type"]
        checked = not self._output  # only inputs are checked against the model's limits
        schema: Schema
        if kind == "structure":
            return self.structure(name)
        if kind == "list":
            schema = {"type": "array", "items": self.schema(shape["member"]["shape"])}
            return _limits(schema, shape, "minItems", "maxItems") if checked else schema
        if kind == "map":
            schema = {
                "type": "object",
                "additionalProperties": self.schema(shape["value"]["shape"]),
            }
            if checked:
                keys = self.schema(shape["key"]["shape"])
                if keys != {"type": "string"}:
                    schema["propertyNames"] = keys
                _limits(schema, shape, "minProperties", "maxProperties")
            return schema
        if kind in ("string", "character"):
            return _string(shape, checked)
        if kind in _INTEGER_FORMATS or kind == "bigInteger":
            schema = {"type": "integer"}
            if kind in _INTEGER_FORMATS:
                schema["format"] = _INTEGER_FORMATS[kind]
            return _limits(schema, shape, "minimum", "maximum") if checked else schema
        if kind in _NUMBERS:
            return {"type": "number"}
        if kind == "boolean":
            return {"type": "boolean"}
        if kind == "timestamp":
            if checked:
                return {
                    "type": ["string", "number"],
                    "description": "ISO 8601 (UTC without an offset) or seconds since the epoch.",
                }
            return {"type": "string", "format": "date-time"}
        if kind == "blob":
            return {"type": "string", "contentEncoding": "base64"}
        raise ValueError(f"shape {name} has the unknown type {kind}")


def _limits(schema: Schema, shape: Mapping[str, Any], low: str, high: str) -> Schema:
    """Copy the model's ``min``/``max`` to the schema keywords ``low``/``high``."""
    if shape.get("min"):
        schema[low] = shape["min"]
    if "max" in shape:
        schema[high] = shape["max"]
    return schema


def _string(shape: Mapping[str, Any], checked: bool) -> Schema:
    """A string's schema: its enum, and for inputs its lengths and pattern."""
    schema: Schema = {"type": "string"}
    if "enum" in shape:
        schema["enum"] = list(shape["enum"])
    if not checked:
        return schema
    _limits(schema, shape, "minLength", "maxLength")
    pattern = shape.get("pattern")
    if pattern is not None:
        portable = ecma_pattern(pattern)
        if portable is not None:
            schema["pattern"] = portable
        else:
            schema["description"] = f"Must match the Java regular expression `{pattern}`."
    return schema


def ecma_pattern(java: str) -> str | None:
    """A model's Java pattern as an anchored ECMA-262 pattern, or ``None`` if it has none.

    Java's ASCII ``\\w``, ``\\d`` and ``\\s`` become the classes the server matches with,
    and ``.`` the class of what Java's dot matches. The pattern is anchored because JSON
    Schema searches while the model's patterns match whole values. The result is valid
    with and without ECMA's ``u`` flag. Anything outside a plain common subset
    (``\\p{…}``, ``\\s`` in a class, possessive quantifiers, inline flags, lookaround,
    nested classes) gives ``None``: no pattern rather than a wrong one.
    """
    pattern = _from_java(java)
    out: list[str] = []
    in_class = quantified = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        token, size, quantifier = char, 1, False
        if ord(char) > 0xFFFF:
            return None
        if char == "\\":
            escape = _escape(pattern, i, in_class)
            if escape is None:
                return None
            token, size = escape
        elif in_class:
            if char == "[" or pattern.startswith("&&", i):
                return None
            in_class = char != "]"
        elif char == "[":
            if pattern.startswith(("[]", "[^]"), i):  # a literal ] in Java, an empty class in ECMA
                return None
            in_class = True
        elif char == "(" and pattern.startswith("(?", i):
            if not pattern.startswith("(?:", i):
                return None
            token = "(?:"
            size = len(token)
        elif char == "{":
            braces = _BRACES.match(pattern, i)
            if braces is None:
                return None
            token, quantifier = braces.group(), True
            size = len(token)
        elif char in "]}" or (char == "+" and quantified):  # literals in Java; possessive
            return None
        elif char == ".":
            token = _DOT
        else:
            quantifier = char in "*+?"
        out.append(token)
        i += size
        quantified = quantifier
    if in_class:
        return None
    return "^(?:" + "".join(out) + ")$"


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int] | None:
    """The ECMA form of the Java escape at ``pattern[i]`` and its length there."""
    escaped = pattern[i + 1 : i + 2]
    width = {"u": 4, "x": 2}.get(escaped)
    if width is not None:
        digits = pattern[i + 2 : i + 2 + width]
        if len(digits) != width or not all(d in string.hexdigits for d in digits):
            return None
        return pattern[i : i + 2 + width], 2 + width
    if escaped in _PLAIN_ESCAPES or escaped in _SYNTAX or (escaped == "-" and in_class):
        return pattern[i : i + 2], 2
    if escaped and not escaped.isalnum():
        return escaped, 2  # Java's \, is a comma; ECMA's u mode refuses the escape
    return None


# Errors


def _error_classes() -> Iterator[type[errors.AwsError]]:
    """The AwsError subclasses of :mod:`signet.errors` that carry their own code."""
    pending = list(errors.AwsError.__subclasses__())
    while pending:
        cls = pending.pop(0)
        pending.extend(cls.__subclasses__())
        if cls.__module__ == errors.__name__ and "code" in vars(cls):
            yield cls


def _error_codes_by_status() -> dict[int, list[str]]:
    """The JSON error codes by HTTP status, statuses ascending, codes as defined."""
    by_status: dict[int, list[str]] = {}
    for cls in _error_classes():
        codes = by_status.setdefault(cls.status, [])
        code = cls("").json_code
        if code not in codes:
            codes.append(code)
    return dict(sorted(by_status.items()))


def _error_responses(by_status: dict[int, list[str]]) -> dict[str, Any]:
    """One response component per HTTP status, its code enum narrowed to that status."""
    responses: dict[str, Any] = {}
    for status, codes in by_status.items():
        responses[f"Error{status}"] = {
            "description": f"{HTTPStatus(status).phrase}: {', '.join(codes)}.",
            "headers": {"x-amzn-RequestId": {"$ref": "#/components/headers/RequestId"}},
            "content": {
                "application/json": {
                    "schema": {
                        "allOf": [{"$ref": f"{SCHEMAS}Error"}],
                        "properties": {"error": {"properties": {"code": {"enum": codes}}}},
                    }
                }
            },
        }
    return responses


# Paths and texts


def _request_schema(action: _Action, structure: Schema) -> Schema:
    """An action's request body: its input members, plus the optional ``Action``."""
    operation = action.operation
    properties = {
        "Action": {"const": action.name, "description": "Instead of the query parameter."},
        **structure.get("properties", {}),
    }
    description = (
        f"{operation.service}:{action.name}. {action.summary} Members may also be spelled in"
        " snake_case (`user_name` for `UserName`), but not both ways at once; a null member"
        f" counts as absent and unknown members are ignored. Answered with {action.name}Result."
    )
    return {
        "title": f"{action.name} request",
        "description": description,
        **structure,
        "type": "object",
        "properties": properties,
    }


def _result_schema(action: _Action, structure: Schema) -> Schema:
    """An action's ``data``: its output structure, or an empty object."""
    if not structure:
        structure = {"type": "object", "properties": {}, "additionalProperties": False}
        description = f"Empty: {action.name} has no output."
    else:
        description = f"The data of a successful {action.name}."
    return {"title": f"{action.name} result", "description": description, **structure}


def _info_description() -> str:
    renames = "; ".join(
        f"`{shape}`: " + ", ".join(f"`{member}` is `{key}`" for member, key in keys.items())
        for shape, keys in RESOURCE_KEYS.items()
    )
    return (
        "Signet speaks the AWS IAM Query API (and STS GetCallerIdentity) for AWS SDKs and"
        " the AWS CLI, which send forms and read XML. This document describes its JSON"
        " dialect, for clients without an AWS SDK.\n\n"
        "A request is `POST /` with the action in the `Action` query parameter (or the"
        " body's `Action` member) and the action's input members as a JSON object, named in"
        " PascalCase (`UserName`) or snake_case (`user_name`), sent as"
        " `Content-Type: application/json`. Send `Accept: application/json` for a JSON"
        " answer; without it the answer is AWS's XML.\n\n"
        'Every answer is an envelope: `{"success": true, "data": {...}}` or'
        ' `{"success": false, "error": {"code": "NO_SUCH_ENTITY", "message": "..."}}`.'
        " `data` is the action's AWS output with snake_case keys and ISO 8601 UTC"
        " timestamps (`2013-06-06T21:40:08Z`); members without a value are left out."
        " Resources name their identifier `id` and their date `created_at` instead of the"
        f" model's names: {renames}. Error codes are AWS's codes in upper snake case, with"
        " AWS's HTTP statuses.\n\n"
        "Requests to `/` are signed with AWS Signature Version 4 (the `sigv4` scheme)."
    )


def _sigv4_scheme() -> dict[str, Any]:
    services = " or ".join(f"`{service}`" for service in sigv4.SERVICES)
    minutes = int(sigv4.CLOCK_SKEW.total_seconds() // 60)
    return {
        "type": "apiKey",
        "in": "header",
        "name": "Authorization",
        "description": (
            f"AWS Signature Version 4, as every AWS SDK computes it: `Authorization:"
            f" {sigv4.ALGORITHM} Credential=<access key id>/<yyyymmdd>/<region>/iam/"
            "aws4_request, SignedHeaders=host;x-amz-date, Signature=<hex>`, with the time in"
            f" `X-Amz-Date`. The credential scope's service is {services}, in any region,"
            f" and the time must be within {minutes} minutes of the server's clock. curl"
            ' signs this way: `curl --aws-sigv4 "aws:amz:us-east-1:iam" --user'
            ' "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"`. Presigned URLs'
            " (`X-Amz-Algorithm`, `X-Amz-Credential`, `X-Amz-Signature`) are accepted too;"
            " session tokens are not."
        ),
    }


def _call_operation(actions: list[_Action], by_status: dict[int, list[str]]) -> dict[str, Any]:
    versions = sorted({action.operation.version for action in actions})
    responses: dict[str, Any] = {
        "200": {
            "description": "Success; `data` is the action's Result schema.",
            "headers": {"x-amzn-RequestId": {"$ref": "#/components/headers/RequestId"}},
            "content": {"application/json": {"schema": {"$ref": f"{SCHEMAS}Success"}}},
        }
    }
    for status in by_status:
        responses[str(status)] = {"$ref": f"{RESPONSES}Error{status}"}
    return {
        "operationId": "call",
        "summary": "Call an IAM or STS action",
        "description": (
            "One endpoint for every action. The body is the action's Request schema and the"
            " `data` of a success its Result schema. A form-encoded body"
            " (`application/x-www-form-urlencoded`, AWS's Query protocol) is accepted too."
        ),
        "parameters": [
            {
                "name": "Action",
                "in": "query",
                "required": False,
                "description": "The action, unless the body names it (the body wins).",
                "schema": {"$ref": f"{SCHEMAS}Action"},
            },
            {
                "name": "Version",
                "in": "query",
                "required": False,
                "description": "The API version, also allowed in the body; without it the"
                " action is looked up in IAM, then STS.",
                "schema": {"type": "string", "enum": versions},
            },
        ],
        "requestBody": {
            "required": False,
            "description": (
                "The action's input members as a JSON object; an empty body counts as {}."
                f" At most {DEFAULT_MAX_BODY_BYTES} bytes by default (SIGNET_MAX_BODY_BYTES)."
            ),
            "content": {
                "application/json": {
                    "schema": {"anyOf": [{"$ref": f"{SCHEMAS}{a.name}Request"} for a in actions]}
                }
            },
        },
        "responses": responses,
    }


def _health_operation() -> dict[str, Any]:
    return {
        "operationId": "health",
        "summary": "Liveness check",
        "security": [],
        "responses": {
            "200": {
                "description": "The server is up.",
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {"status": {"const": "ok"}},
                            "required": ["status"],
                        },
                        "example": {"status": "ok"},
                    }
                },
            }
        },
    }


def _document_operation() -> dict[str, Any]:
    return {
        "operationId": "openapi",
        "summary": "This document",
        "security": [],
        "responses": {
            "200": {
                "description": "The OpenAPI document.",
                "content": {"application/json": {"schema": {"type": "object"}}},
            }
        },
    }


if __name__ == "__main__":
    main()
