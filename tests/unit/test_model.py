"""Decoding and validation compiled from botocore's models, with botocore as the oracle."""

from __future__ import annotations

import functools
import subprocess
import sys
import urllib.parse
from datetime import UTC, datetime
from typing import Any

import botocore.model
import botocore.session
import pytest
from botocore.awsrequest import AWSRequest
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from signet.errors import ValidationError
from signet.wire.model import Operation, _Service, load_models

PEM_CRLF = (
    "-----BEGIN CERTIFICATE-----\r\n"
    "MIIBszCCAVmgAwIBAgIUQ3Vyc2VkIGJ5IHRoZSBsb2dnZXIgb2YgZGVhdGgwCgYI\r\n"
    "KoZIzj0EAwIwEjEQMA4GA1UEAwwHZXhhbXBsZTAeFw0yNjAxMDEwMDAwMDBaFw0y\r\n"
    "-----END CERTIFICATE-----\r\n"
)


@functools.cache
def _botocore_model(service: str) -> Any:
    return botocore.session.get_session().get_service_model(service)


def _op(action: str, version: str | None = None) -> Operation:
    found = load_models().operation(action, version)
    assert found is not None
    return found


def _client_fields(service: str, action: str, params: dict[str, Any]) -> dict[str, str]:
    """What botocore's client puts on the wire for ``params``, parsed back into fields."""
    return _wire_fields(_botocore_model(service).operation_model(action), params)


def _wire_fields(operation_model: Any, params: dict[str, Any]) -> dict[str, str]:
    request = create_serializer("query").serialize_to_request(params, operation_model)
    body = AWSRequest(method="POST", url="https://iam.amazonaws.com/", data=request["body"])
    encoded = body.prepare().body
    text = encoded.decode() if isinstance(encoded, bytes) else str(encoded)
    return dict(urllib.parse.parse_qsl(text, keep_blank_values=True))


def _validation_message(operation: Operation, params: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        operation.validate(params)
    return caught.value.message


# Loading


def test_load_models_reads_iam_and_sts_operations() -> None:
    upload = _op("UploadSigningCertificate")
    caller = _op("GetCallerIdentity")
    assert (upload.service, upload.version) == ("iam", "2010-05-08")
    assert upload.namespace == "https://iam.amazonaws.com/doc/2010-05-08/"
    assert (caller.service, caller.version) == ("sts", "2011-06-15")
    assert caller.namespace == "https://sts.amazonaws.com/doc/2011-06-15/"
    assert "DuplicateCertificate" in upload.errors


def test_load_models_is_cached() -> None:
    assert load_models() is load_models()
    assert _op("GetUser") is _op("GetUser")


def test_operation_version_selects_the_service() -> None:
    models = load_models()
    assert models.operation("GetCallerIdentity", "2011-06-15") is not None
    assert models.operation("GetCallerIdentity", "2010-05-08") is None
    assert models.operation("GetUser", "2011-06-15") is None
    assert models.operation("GetUser", "2099-01-01") is None
    assert models.operation("NoSuchAction", None) is None


def test_load_models_does_not_import_botocore() -> None:
    code = (
        "import sys\n"
        "from signet.wire.model import load_models\n"
        "load_models().operation('CreateUser', None).validate({'UserName': 'bob'})\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'botocore'))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_all_operations_compile_and_accept_empty_input() -> None:
    operations = list(load_models().all_operations())
    assert len(operations) > 180
    for operation in operations:
        params = operation.decode_query({})
        assert params == operation.decode_json({})
        try:
            operation.validate(params)
        except ValidationError as exc:
            assert "Member must not be null" in exc.message
        assert operation.render_xml(None, "rid").endswith(f"</{operation.name}Response>".encode())
        assert operation.render_json(None) == {}


# Query decoding, botocore's serializer as the oracle


@pytest.mark.parametrize(
    ("action", "params"),
    [
        (
            "CreateUser",
            {
                "UserName": "bob",
                "Path": "/engineering/",
                "Tags": [
                    {"Key": "team", "Value": "identity & access"},
                    {"Key": "empty", "Value": ""},
                    {"Key": "café", "Value": "x=y+z"},
                ],
            },
        ),
        ("CreateUser", {"UserName": "alice", "Tags": []}),
        ("UploadSigningCertificate", {"UserName": "bob", "CertificateBody": PEM_CRLF}),
        ("UploadSigningCertificate", {"CertificateBody": PEM_CRLF.replace("\r\n", "\n")}),
        ("ListUsers", {"PathPrefix": "/", "MaxItems": 7, "Marker": "opaque+/="}),
        (
            "UpdateSigningCertificate",
            {"UserName": "bob", "CertificateId": "A" * 24, "Status": "Inactive"},
        ),
        ("ListPolicies", {"OnlyAttached": True, "Scope": "Local", "MaxItems": 1000}),
        (
            "SimulateCustomPolicy",
            {
                "PolicyInputList": ["{}", '{"Version": "2012-10-17"}'],
                "ActionNames": ["iam:GetUser"],
                "ContextEntries": [
                    {
                        "ContextKeyName": "aws:username",
                        "ContextKeyValues": ["a", "b"],
                        "ContextKeyType": "string",
                    }
                ],
            },
        ),
    ],
)
def test_decode_query_round_trips_botocore_serialization(
    action: str, params: dict[str, Any]
) -> None:
    fields = _client_fields("iam", action, params)
    assert fields["Action"] == action
    assert _op(action).decode_query(fields) == params


def test_decode_query_list_of_ten_keeps_numeric_order() -> None:
    tags = [{"Key": f"k{i}", "Value": str(i)} for i in range(12)]
    fields = _client_fields("iam", "TagUser", {"UserName": "bob", "Tags": tags})
    assert _op("TagUser").decode_query(fields)["Tags"] == tags


def test_decode_query_ignores_unknown_and_protocol_fields() -> None:
    fields = {
        "Action": "GetUser",
        "Version": "2010-05-08",
        "X-Amz-Signature": "abc",
        "UserName": "bob",
        "Bogus": "1",
        "UserName.extra": "2",
    }
    assert _op("GetUser").decode_query(fields) == {"UserName": "bob"}


def test_decode_query_integer_that_is_not_a_number_fails() -> None:
    with pytest.raises(ValidationError) as caught:
        _op("ListUsers").decode_query({"MaxItems": "abc"})
    assert caught.value.message == (
        "1 validation error detected: Value 'abc' at 'maxItems' failed to satisfy constraint: "
        "Member must be an integer"
    )


@pytest.mark.parametrize("text", ["", "1.5", " 5", "5_0", "\u0661", "99999999999"])
def test_decode_query_integer_rejects_non_java_integers(text: str) -> None:
    with pytest.raises(ValidationError):
        _op("ListUsers").decode_query({"MaxItems": text})


def test_decode_query_boolean_that_is_not_a_boolean_fails() -> None:
    with pytest.raises(ValidationError, match=r"at 'onlyAttached'.*Member must be a boolean"):
        _op("ListPolicies").decode_query({"OnlyAttached": "yes"})


def test_decode_query_list_elements_with_only_unknown_fields_are_empty() -> None:
    fields = {"ContextEntries.member.2.ContextKeyName": "x", "ContextEntries.member.1.Bad": "y"}
    assert _op("SimulateCustomPolicy").decode_query(fields)["ContextEntries"] == [
        {},
        {"ContextKeyName": "x"},
    ]


def test_decode_query_non_numeric_list_index_is_ignored() -> None:
    fields = {"Tags.member.x.Key": "a", "Tags.member.1.Key": "b", "Tags.member.1.Value": "c"}
    assert _op("CreateUser").decode_query(fields)["Tags"] == [{"Key": "b", "Value": "c"}]


# JSON decoding


def test_decode_json_accepts_snake_case_and_pascal_case() -> None:
    create = _op("CreateUser")
    expected = {"UserName": "bob", "Path": "/", "Tags": [{"Key": "a", "Value": "b"}]}
    snake = {"user_name": "bob", "path": "/", "tags": [{"key": "a", "value": "b"}]}
    pascal = {"UserName": "bob", "Path": "/", "Tags": [{"Key": "a", "Value": "b"}]}
    mixed = {"UserName": "bob", "path": "/", "tags": [{"Key": "a", "value": "b"}]}
    assert create.decode_json(snake) == expected
    assert create.decode_json(pascal) == expected
    assert create.decode_json(mixed) == expected


def test_decode_json_maps_certificate_and_paging_members() -> None:
    upload = _op("UploadSigningCertificate")
    listing = _op("ListSigningCertificates")
    assert upload.decode_json({"certificate_body": PEM_CRLF, "user_name": "bob"}) == {
        "CertificateBody": PEM_CRLF,
        "UserName": "bob",
    }
    assert listing.decode_json({"max_items": 5, "marker": "m", "unknown": 1}) == {
        "MaxItems": 5,
        "Marker": "m",
    }


def test_decode_json_null_is_absent() -> None:
    assert _op("ListUsers").decode_json({"max_items": None}) == {}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"max_items": "5"},
            "1 validation error detected: Value '5' at 'maxItems' failed to satisfy constraint: "
            "Member must be an integer",
        ),
        (
            {"max_items": True},
            "1 validation error detected: Value 'true' at 'maxItems' failed to satisfy "
            "constraint: Member must be an integer",
        ),
        (
            {"user_name": 5},
            "1 validation error detected: Value '5' at 'userName' failed to satisfy constraint: "
            "Member must be a string",
        ),
        (
            {"user_name": ["bob"]},
            "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
            "Member must be a string",
        ),
    ],
)
def test_decode_json_wrong_type_fails(body: dict[str, Any], message: str) -> None:
    operation = _op("ListUsers") if "max_items" in body else _op("GetUser")
    with pytest.raises(ValidationError) as caught:
        operation.decode_json(body)
    assert caught.value.message == message


def test_decode_json_wrong_type_in_list_names_the_element() -> None:
    with pytest.raises(ValidationError) as caught:
        _op("CreateUser").decode_json({"user_name": "b", "tags": [{"key": "a"}, {"key": 1}]})
    assert caught.value.message == (
        "1 validation error detected: Value '1' at 'tags.2.member.key' failed to satisfy "
        "constraint: Member must be a string"
    )


def test_decode_json_null_list_element_fails() -> None:
    with pytest.raises(ValidationError, match=r"Value null at 'tags.1.member'"):
        _op("CreateUser").decode_json({"user_name": "b", "tags": [None]})


def test_decode_json_never_echoes_a_sensitive_member() -> None:
    with pytest.raises(ValidationError) as caught:
        _op("ChangePassword").decode_json({"old_password": 12345678, "new_password": "x"})
    assert "12345678" not in caught.value.message
    assert "Value at 'oldPassword'" in caught.value.message


def test_decode_json_same_member_twice_fails() -> None:
    with pytest.raises(ValidationError, match=r"'userName' is given twice"):
        _op("GetUser").decode_json({"UserName": "a", "user_name": "b"})


def test_decode_json_non_object_fails() -> None:
    with pytest.raises(ValidationError, match=r"must be a JSON object"):
        _op("GetUser").decode_json([])  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match=r"Value at 'tags'.*Member must be a list"):
        _op("CreateUser").decode_json({"user_name": "b", "tags": {"key": "a"}})


# Validation


def test_validate_accepts_valid_input() -> None:
    _op("UploadSigningCertificate").validate({"UserName": "bob", "CertificateBody": PEM_CRLF})
    _op("ListUsers").validate({"MaxItems": 1000})
    _op("CreateUser").validate(
        {"UserName": "bob", "Tags": [{"Key": "Ünïcode \u0661", "Value": ""}]}
    )


def test_validate_missing_required_member() -> None:
    assert _validation_message(_op("DeleteUser"), {}) == (
        "1 validation error detected: Value null at 'userName' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_validate_pattern() -> None:
    assert _validation_message(_op("GetUser"), {"UserName": "bad name!"}) == (
        "1 validation error detected: Value 'bad name!' at 'userName' failed to satisfy "
        "constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_validate_word_class_is_ascii_as_in_java() -> None:
    assert "regular expression" in _validation_message(_op("GetUser"), {"UserName": "Jürgen"})


def test_validate_too_long() -> None:
    assert _validation_message(_op("DeleteUser"), {"UserName": "a" * 129}) == (
        f"1 validation error detected: Value '{'a' * 129}' at 'userName' failed to satisfy "
        "constraint: Member must have length less than or equal to 128"
    )


def test_validate_create_user_caps_user_name_at_64() -> None:
    message = _validation_message(_op("CreateUser"), {"UserName": "a" * 65})
    assert message.endswith("Member must have length less than or equal to 64")


def test_validate_empty_string_breaks_length_and_pattern() -> None:
    assert _validation_message(_op("GetUser"), {"UserName": ""}) == (
        "2 validation errors detected: "
        "Value '' at 'userName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1; "
        "Value '' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+"
    )


def test_validate_enum() -> None:
    params = {"CertificateId": "A" * 24, "Status": "Revoked"}
    assert _validation_message(_op("UpdateSigningCertificate"), params) == (
        "1 validation error detected: Value 'Revoked' at 'status' failed to satisfy "
        "constraint: Member must satisfy enum value set: [Active, Inactive, Expired]"
    )


@pytest.mark.parametrize(
    ("value", "constraint"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (1001, "Member must have value less than or equal to 1000"),
    ],
)
def test_validate_integer_range(value: int, constraint: str) -> None:
    assert _validation_message(_op("ListUsers"), {"MaxItems": value}) == (
        f"1 validation error detected: Value '{value}' at 'maxItems' failed to satisfy "
        f"constraint: {constraint}"
    )


def test_validate_collects_every_error_in_member_order() -> None:
    params = {"UserName": "bad name", "Status": "Gone"}
    assert _validation_message(_op("UpdateSigningCertificate"), params) == (
        "3 validation errors detected: "
        "Value 'bad name' at 'userName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w+=,.@-]+; "
        "Value null at 'certificateId' failed to satisfy constraint: Member must not be null; "
        "Value 'Gone' at 'status' failed to satisfy constraint: "
        "Member must satisfy enum value set: [Active, Inactive, Expired]"
    )


def test_validate_nested_list_paths() -> None:
    tags = [{"Key": "ok", "Value": "fine"}, {"Key": "bad!", "Value": "x" * 257}, {"Key": "k"}]
    assert _validation_message(_op("CreateUser"), {"UserName": "bob", "Tags": tags}) == (
        "3 validation errors detected: "
        "Value 'bad!' at 'tags.2.member.key' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+; "
        "Value at 'tags.2.member.value' failed to satisfy constraint: "
        "Member must have length less than or equal to 256; "
        "Value null at 'tags.3.member.value' failed to satisfy constraint: "
        "Member must not be null"
    )


def test_validate_list_too_long_never_echoes_the_list() -> None:
    tags = [{"Key": f"k{i}", "Value": ""} for i in range(51)]
    assert _validation_message(_op("CreateUser"), {"UserName": "bob", "Tags": tags}) == (
        "1 validation error detected: Value at 'tags' failed to satisfy constraint: "
        "Member must have length less than or equal to 50"
    )


def test_validate_redacts_certificate_body() -> None:
    body = "-----BEGIN PRIVATE KEY-----\u0100secret"
    assert _validation_message(_op("UploadSigningCertificate"), {"CertificateBody": body}) == (
        "1 validation error detected: Value at 'certificateBody' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: "
        "[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
    )


def test_validate_redacts_certificate_body_that_is_too_long() -> None:
    message = _validation_message(_op("UploadSigningCertificate"), {"CertificateBody": "A" * 16385})
    assert message == (
        "1 validation error detected: Value at 'certificateBody' failed to satisfy constraint: "
        "Member must have length less than or equal to 16384"
    )


def test_validate_redacts_sensitive_shapes() -> None:
    message = _validation_message(
        _op("ChangePassword"), {"OldPassword": "hunter2\u0101", "NewPassword": ""}
    )
    assert "hunter2" not in message
    assert message.startswith(
        "3 validation errors detected: Value at 'oldPassword' failed to satisfy constraint: "
    )


def test_validate_redacts_long_values() -> None:
    name = "x" * 257
    message = _validation_message(_op("GetUser"), {"UserName": name})
    assert name not in message
    assert message == (
        "1 validation error detected: Value at 'userName' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


def test_validate_echoes_values_of_256_characters() -> None:
    name = "x" * 256
    assert f"Value '{name}' at 'userName'" in _validation_message(
        _op("GetUser"), {"UserName": name}
    )


# Model features IAM does not use yet, on a small model botocore also loads

_FEATURES_MODEL: dict[str, Any] = {
    "metadata": {
        "apiVersion": "2020-01-01",
        "protocol": "query",
        "xmlNamespace": "https://example.test/doc/2020-01-01/",
        "endpointPrefix": "example",
        "serviceId": "Example",
        "signatureVersion": "v4",
    },
    "operations": {
        "Echo": {
            "name": "Echo",
            "http": {"method": "POST", "requestUri": "/"},
            "input": {"shape": "Everything"},
            "output": {"shape": "Everything", "resultWrapper": "EchoResult"},
        }
    },
    "shapes": {
        "Everything": {
            "type": "structure",
            "members": {
                "Flat": {"shape": "FlatList"},
                "Named": {"shape": "NamedFlatList"},
                "Renamed": {"shape": "Text", "locationName": "Other"},
                "Counts": {"shape": "CountMap"},
                "Pairs": {"shape": "FlatMap"},
                "Inner": {"shape": "Inner"},
                "Items": {"shape": "InnerList"},
                "When": {"shape": "Time"},
                "Data": {"shape": "Bytes"},
                "Ratio": {"shape": "Ratio"},
                "Big": {"shape": "Big"},
            },
        },
        "FlatList": {"type": "list", "member": {"shape": "Text"}, "flattened": True},
        "NamedFlatList": {
            "type": "list",
            "member": {"shape": "Text", "locationName": "Item"},
            "flattened": True,
        },
        "CountMap": {
            "type": "map",
            "key": {"shape": "Text", "locationName": "Name"},
            "value": {"shape": "Number", "locationName": "Count"},
            "max": 2,
        },
        "FlatMap": {
            "type": "map",
            "key": {"shape": "Text"},
            "value": {"shape": "Text"},
            "flattened": True,
        },
        "Inner": {
            "type": "structure",
            "members": {"N": {"shape": "Number"}, "B": {"shape": "Flag"}},
        },
        "InnerList": {"type": "list", "member": {"shape": "Inner", "locationName": "Entry"}},
        "Text": {"type": "string", "max": 3},
        "Number": {"type": "integer", "max": 9},
        "Flag": {"type": "boolean"},
        "Time": {"type": "timestamp"},
        "Bytes": {"type": "blob"},
        "Ratio": {"type": "double"},
        "Big": {"type": "long"},
    },
}

_FEATURES_PARAMS: dict[str, Any] = {
    "Flat": ["a", "b"],
    "Named": ["x"],
    "Renamed": "r",
    "Counts": {"k": 1, "j": 2},
    "Pairs": {"a": "b", "c": "d"},
    "Inner": {"N": 5, "B": False},
    "Items": [{"N": 1}, {"B": True}],
    "When": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
    "Data": b"\x00\xff",
    "Ratio": 0.25,
    "Big": 2**40,
}


def _features() -> tuple[Operation, Any]:
    echo = _Service("example", _FEATURES_MODEL).operation("Echo")
    assert echo is not None
    return echo, botocore.model.ServiceModel(_FEATURES_MODEL, "example").operation_model("Echo")


def test_decode_query_flattened_lists_maps_and_location_names() -> None:
    echo, oracle = _features()
    fields = _wire_fields(oracle, _FEATURES_PARAMS)
    assert {"Item.1", "Other", "Counts.entry.2.Count", "Pairs.1.key", "Items.Entry.2.B"} <= set(
        fields
    )
    assert echo.decode_query(fields) == _FEATURES_PARAMS


def test_decode_query_nested_conversion_error_names_the_element() -> None:
    echo, _ = _features()
    with pytest.raises(ValidationError) as caught:
        echo.decode_query({"Items.Entry.1.N": "1", "Items.Entry.2.N": "two"})
    assert caught.value.message == (
        "1 validation error detected: Value 'two' at 'items.2.member.n' failed to satisfy "
        "constraint: Member must be an integer"
    )
    with pytest.raises(ValidationError, match=r"at 'counts.entry.1.value'"):
        echo.decode_query({"Counts.entry.1.Name": "k", "Counts.entry.1.Count": "x"})


def test_validate_map_paths() -> None:
    echo, _ = _features()
    assert _validation_message(echo, {"Counts": {"long": 10, "b": 1, "c": 2}}) == (
        "3 validation errors detected: "
        "Value at 'counts' failed to satisfy constraint: "
        "Member must have length less than or equal to 2; "
        "Value 'long' at 'counts.entry.1.key' failed to satisfy constraint: "
        "Member must have length less than or equal to 3; "
        "Value '10' at 'counts.entry.1.value' failed to satisfy constraint: "
        "Member must have value less than or equal to 9"
    )


def test_decode_json_timestamps_blobs_and_maps() -> None:
    echo, _ = _features()
    body = {
        "when": "2020-01-02T03:04:05Z",
        "data": "AP8=",
        "counts": {"k": 1},
        "inner": {"n": 5, "b": False},
        "ratio": 1,
    }
    assert echo.decode_json(body) == {
        "When": datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC),
        "Data": b"\x00\xff",
        "Counts": {"k": 1},
        "Inner": {"N": 5, "B": False},
        "Ratio": 1.0,
    }
    with pytest.raises(ValidationError, match=r"at 'when'.*Member must be a timestamp"):
        echo.decode_json({"when": "yesterday"})
    with pytest.raises(ValidationError, match=r"at 'data'.*Member must be base64-encoded data"):
        echo.decode_json({"data": "not base64!"})


def test_render_xml_round_trips_every_feature_through_botocore() -> None:
    echo, oracle = _features()
    body = echo.render_xml(_FEATURES_PARAMS, "rid")
    parsed = create_parser("query").parse(
        {"body": body, "headers": {}, "status_code": 200}, oracle.output_shape
    )
    assert parsed.pop("ResponseMetadata")["RequestId"] == "rid"
    assert parsed == _FEATURES_PARAMS
