"""The OpenAPI document: generated from the model, committed up to date, true to the wire."""

from __future__ import annotations

import functools
import importlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from importlib import resources
from typing import Any

import pytest
from botocore.loaders import Loader

from signet import __version__, errors
from signet.iam.groups import group_member
from signet.iam.operations import HANDLERS
from signet.iam.policies import policy_member
from signet.iam.signing_certificates import _member as certificate_member
from signet.iam.users import user_member
from signet.store.records import Group, ManagedPolicy, SigningCertificate, User
from signet.wire.json_dialect import RESOURCE_KEYS, snake_case
from signet.wire.model import load_models
from signet.wire.openapi import build_document, ecma_pattern

ACTIONS = [key.split(":", 1)[1] for key in HANDLERS]
SCHEMAS = "#/components/schemas/"

ACCOUNT = "103044386921"
WHEN = datetime(2026, 12, 3, 17, 24, 8, tzinfo=UTC)
ALICE = User(
    user_id="AIDAD2F7WPRGLTI3ENW6J",
    account_id=ACCOUNT,
    user_name="alice",
    path="/",
    created_at=WHEN,
    tags=(("team", "infra"),),
)
CERTIFICATE = SigningCertificate(
    certificate_id="Z4YWU6FBVTARNVLU3BTUWQBB22VPZ5SB",
    account_id=ACCOUNT,
    owner_id=ALICE.user_id,
    body="-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n",
    status="Active",
    uploaded_at=WHEN,
    not_after=WHEN,
)
POLICY = ManagedPolicy(
    policy_id="ANPAD2F7WPRGLTI3ENW6J",
    account_id=ACCOUNT,
    policy_name="readers",
    path="/",
    default_version="v1",
    next_version=2,
    created_at=WHEN,
    updated_at=WHEN,
    description="Read only",
    tags=(("team", "infra"),),
)
ADMINS = Group("AGPAD2F7WPRGLTI3ENW6J", ACCOUNT, "admins", "/", WHEN)

RESULTS: list[tuple[str, dict[str, Any]]] = [
    ("GetCallerIdentity", {"UserId": ALICE.user_id, "Account": ACCOUNT, "Arn": ALICE.arn}),
    ("CreateUser", {"User": user_member(ALICE, full=True)}),
    ("GetUser", {"User": {"UserId": ACCOUNT, "Arn": f"arn:aws:iam::{ACCOUNT}:root"}}),
    (
        "ListUsers",
        {"Users": [user_member(ALICE, full=False)], "IsTruncated": True, "Marker": "WyJhIl0="},
    ),
    ("DeleteUser", {}),
    (
        "GetAccessKeyLastUsed",
        {"UserName": "alice", "AccessKeyLastUsed": {"ServiceName": "N/A", "Region": "N/A"}},
    ),
    ("UploadSigningCertificate", {"Certificate": certificate_member(CERTIFICATE, "alice", WHEN)}),
    (
        "ListSigningCertificates",
        {"Certificates": [certificate_member(CERTIFICATE, "alice", WHEN)], "IsTruncated": False},
    ),
    ("CreatePolicy", {"Policy": policy_member(POLICY, 0, full=True)}),
    ("CreateGroup", {"Group": group_member(ADMINS)}),
]
"""Results as the service layer builds them, for actions of every kind."""


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_document()


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _error_classes(base: type[errors.AwsError] = errors.AwsError) -> Iterator[type[Any]]:
    for cls in base.__subclasses__():
        yield cls
        yield from _error_classes(cls)


def _schema(document: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = document["components"]["schemas"][name]
    return found


# The committed file


def test_committed_document_is_what_the_generator_builds(document: dict[str, Any]) -> None:
    committed = resources.files("signet").joinpath("openapi.json").read_text(encoding="utf-8")
    if committed != json.dumps(document, indent=2, sort_keys=False) + "\n":
        pytest.fail("src/signet/openapi.json is stale: run `make openapi` and commit the result")


def test_building_twice_gives_the_same_document(document: dict[str, Any]) -> None:
    assert build_document() == document


# Shape of the document


def test_is_openapi_3_1_with_the_served_paths(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "Signet JSON dialect"
    assert document["info"]["version"] == __version__
    assert "post" in document["paths"]["/"]
    assert "get" in document["paths"]["/health"]
    assert "get" in document["paths"]["/openapi.json"]


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    refs = set(_refs(document))
    assert refs
    for ref in refs:
        assert _resolve(document, ref) is not None, ref


def test_action_enum_is_exactly_the_served_actions(document: dict[str, Any]) -> None:
    post = document["paths"]["/"]["post"]
    (action,) = [p for p in post["parameters"] if p["name"] == "Action"]
    assert action["in"] == "query"
    assert _resolve(document, action["schema"]["$ref"])["enum"] == ACTIONS


def test_every_action_has_a_request_and_a_result_schema(document: dict[str, Any]) -> None:
    body = document["paths"]["/"]["post"]["requestBody"]["content"]["application/json"]
    data = _schema(document, "Success")["properties"]["data"]

    assert [ref["$ref"] for ref in body["schema"]["anyOf"]] == [
        f"{SCHEMAS}{action}Request" for action in ACTIONS
    ]
    assert [ref["$ref"] for ref in data["anyOf"]] == [f"{SCHEMAS}{a}Result" for a in ACTIONS]
    for action in ACTIONS:
        request = _schema(document, f"{action}Request")
        assert request["properties"]["Action"] == {
            "const": action,
            "description": "Instead of the query parameter.",
        }
        assert "snake_case" in request["description"]
        assert _schema(document, f"{action}Result")["type"] == "object"


@functools.cache
def _botocore_shapes(service: str) -> dict[str, Any]:
    shapes: dict[str, Any] = Loader().load_service_model(service, "service-2")["shapes"]
    return shapes


@pytest.mark.parametrize("key", list(HANDLERS))
def test_members_follow_the_botocore_model(document: dict[str, Any], key: str) -> None:
    """Requests name the input members in PascalCase; results the output members, renamed."""
    service, action = key.split(":", 1)
    operation = load_models().operation(action, None)
    assert operation is not None
    shapes = _botocore_shapes(service)
    empty: dict[str, Any] = {"members": {}}
    given = shapes[operation.input_shape] if operation.input_shape else empty
    returned = shapes[operation.output_shape] if operation.output_shape else empty
    request = _schema(document, f"{action}Request")
    result = _schema(document, f"{action}Result")

    assert list(request["properties"]) == ["Action", *given["members"]]
    assert request.get("required", []) == given.get("required", [])
    renames = RESOURCE_KEYS.get(operation.output_shape or "", {})
    assert list(result["properties"]) == [
        renames.get(member) or snake_case(member) for member in returned["members"]
    ]
    assert result["additionalProperties"] is False


def test_shared_structures_are_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for name in ("User", "SigningCertificate", "AccessKeyMetadata", "Policy", "Group", "Tag"):
        assert schemas[name]["type"] == "object", name
    assert _schema(document, "ListUsersResult")["properties"]["users"]["items"] == {
        "$ref": f"{SCHEMAS}User"
    }
    assert set(_schema(document, "TagInput")["properties"]) == {"Key", "Value"}


def test_upload_signing_certificate(document: dict[str, Any]) -> None:
    request = _schema(document, "UploadSigningCertificateRequest")
    result = _schema(document, "UploadSigningCertificateResult")
    certificate = _resolve(document, result["properties"]["certificate"]["$ref"])

    assert "CertificateBody" in request["required"]
    assert request["properties"]["UserName"]["pattern"] == "^(?:[0-9A-Za-z_+=,.@-]+)$"
    assert set(certificate["properties"]) == {
        "id",
        "user_name",
        "status",
        "certificate_body",
        "created_at",
    }
    assert certificate["properties"]["created_at"]["format"] == "date-time"


# Errors and security


def test_error_codes_are_those_of_the_aws_errors(document: dict[str, Any]) -> None:
    statuses = {cls("").json_code: cls.status for cls in _error_classes()}
    codes = _schema(document, "ErrorCode")["enum"]

    assert len(codes) == len(set(codes))
    assert set(codes) == set(statuses)
    responses = document["paths"]["/"]["post"]["responses"]
    listed: list[str] = []
    for status, response in responses.items():
        if status == "200":
            continue
        content = _resolve(document, response["$ref"])["content"]["application/json"]
        narrowed = content["schema"]["properties"]["error"]["properties"]["code"]["enum"]
        assert {statuses[code] for code in narrowed} == {int(status)}
        listed += narrowed
    assert sorted(listed) == sorted(codes)


def test_security_scheme_is_sigv4_in_the_authorization_header(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["sigv4"]

    assert scheme["type"] == "apiKey"
    assert scheme["in"] == "header"
    assert scheme["name"] == "Authorization"
    assert "AWS4-HMAC-SHA256" in scheme["description"]
    assert 'curl --aws-sigv4 "aws:amz:us-east-1:iam"' in scheme["description"]
    assert document["security"] == [{"sigv4": []}]
    assert document["paths"]["/health"]["get"]["security"] == []
    assert document["paths"]["/openapi.json"]["get"]["security"] == []


# Patterns


@pytest.mark.parametrize(
    ("java", "ecma"),
    [
        (r"[\w+=,.@-]+", "^(?:[0-9A-Za-z_+=,.@-]+)$"),
        (
            r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
            r"^(?:(\u002F)|(\u002F[\u0021-\u007E]+\u002F))$",
        ),
        (r"\s*", r"^(?:[ \t\n\x0B\f\r]*)$"),
        (r"a\,b{2,3}", "^(?:a,b{2,3})$"),
        (r"a.b", r"^(?:a[^\n\r\u0085\u2028\u2029]b)$"),
        (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", None),
        (r"[\S]", None),
        (r"a++", None),
        (r"a{2}+", None),
        (r"(?i)a", None),
        (r"(?=a)b", None),
        (r"[a-z&&[^b]]", None),
        (r"\Qa\E", None),
        (r"\x{41}", None),
    ],
)
def test_java_patterns_become_anchored_ecma_patterns_or_none(java: str, ecma: str | None) -> None:
    assert ecma_pattern(java) == ecma


# Results as render_json writes them


def _problems(document: dict[str, Any], schema: dict[str, Any], value: Any, at: str) -> list[str]:
    """A small structural check: types, enums, keys against properties, required keys."""
    while "$ref" in schema:
        schema = _resolve(document, schema["$ref"])
    if "anyOf" in schema:
        options = [_problems(document, option, value, at) for option in schema["anyOf"]]
        return [] if any(not found for found in options) else [f"{at}: matches no option"]
    if "const" in schema and value != schema["const"]:
        return [f"{at}: is not {schema['const']!r}"]
    python = {"object": dict, "array": list, "string": str, "boolean": bool}
    kinds = schema.get("type", [])
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        if kind in ("integer", "number"):
            ok = isinstance(value, int if kind == "integer" else int | float)
            if ok and not isinstance(value, bool):
                break
        elif isinstance(value, python[kind]):
            break
    else:
        if kinds:
            return [f"{at}: {value!r} is not of type {kinds}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{at}: {value!r} is not one of {schema['enum']}")
    if schema.get("format") == "date-time" and not value.endswith("Z"):
        problems.append(f"{at}: {value!r} is not a UTC timestamp")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{at}: lacks {key}" for key in schema.get("required", ()) if key not in value]
        for key, item in value.items():
            if key in properties:
                problems += _problems(document, properties[key], item, f"{at}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{at}: unexpected key {key}")
    if isinstance(value, list) and "items" in schema:
        for position, item in enumerate(value):
            problems += _problems(document, schema["items"], item, f"{at}[{position}]")
    return problems


def _jsonschema_problems(document: dict[str, Any], ref: str, value: Any) -> list[str]:
    """The errors jsonschema finds, if it happens to be installed (it is no dependency)."""
    try:
        jsonschema: Any = importlib.import_module("jsonschema")
    except ImportError:
        return []
    root = {"$ref": ref, "components": document["components"]}
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [error.message for error in validator.iter_errors(value)]


@pytest.mark.parametrize(("action", "result"), RESULTS, ids=[action for action, _ in RESULTS])
def test_rendered_results_match_their_schema(
    document: dict[str, Any], action: str, result: dict[str, Any]
) -> None:
    operation = load_models().operation(action, None)
    assert operation is not None
    data = json.loads(json.dumps(operation.render_json(result)))
    envelope = {"success": True, "data": data}
    result_ref = f"{SCHEMAS}{action}Result"

    assert _problems(document, {"$ref": result_ref}, data, "data") == []
    assert _problems(document, {"$ref": f"{SCHEMAS}Success"}, envelope, "body") == []
    assert _jsonschema_problems(document, result_ref, data) == []


def test_structural_check_finds_what_the_schema_forbids(document: dict[str, Any]) -> None:
    ref = {"$ref": f"{SCHEMAS}UploadSigningCertificateResult"}
    certificate = {"id": "X", "status": "Lost", "created_at": 5, "bogus": True}

    assert sorted(_problems(document, ref, {"certificate": certificate}, "data")) == [
        "data.certificate.created_at: 5 is not of type string",
        "data.certificate.status: 'Lost' is not one of ['Active', 'Inactive', 'Expired']",
        "data.certificate: unexpected key bogus",
    ]
    error = {"success": False, "error": {"code": "NO_SUCH_ENTITY"}}
    assert _problems(document, {"$ref": f"{SCHEMAS}Error"}, error, "body") == [
        "body.error: lacks message"
    ]
