"""Every error Signet answers with, one class per AWS error code.

Each class carries the AWS ``code``, the HTTP ``status`` AWS uses for it and whether
the fault is the sender's. Rules raise these where they live; the wire layer turns them
into XML or JSON in one place (:mod:`signet.api`). The tree::

    AwsError
    ├── protocol and authentication: InvalidAction, MissingAction, ValidationError,
    │   MalformedQueryString, MissingAuthenticationToken, IncompleteSignature,
    │   InvalidClientTokenId, SignatureDoesNotMatch, RequestExpired, AccessDenied,
    │   RequestEntityTooLarge, UnsupportedMediaType, MethodNotAllowed,
    │   Throttling, RequestTimeout
    ├── IAM: NoSuchEntity, EntityAlreadyExists, LimitExceeded, DeleteConflict,
    │   DuplicateCertificate, MalformedCertificate, InvalidCertificate, InvalidInput,
    │   MalformedPolicyDocument, ConcurrentModification
    └── ServiceFailure (the only Receiver fault; an unexpected bug answers this)
"""

from __future__ import annotations

import re
from typing import ClassVar


class AwsError(Exception):
    """An error with an AWS code, an HTTP status and a message safe to show a client."""

    code: ClassVar[str] = "InternalFailure"
    status: ClassVar[int] = 500
    sender_fault: ClassVar[bool] = True

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    @property
    def fault(self) -> str:
        """``Sender`` or ``Receiver``, as in the ``<Type>`` element of AWS's errors."""
        return "Sender" if self.sender_fault else "Receiver"

    @property
    def json_code(self) -> str:
        """The code in upper snake case, as the JSON dialect spells it."""
        return _snake(self.code).upper()


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)


# Protocol and authentication


class InvalidAction(AwsError):
    code = "InvalidAction"
    status = 400


class MissingAction(AwsError):
    code = "MissingAction"
    status = 400


class ValidationError(AwsError):
    code = "ValidationError"
    status = 400


class MalformedQueryString(AwsError):
    code = "MalformedQueryString"
    status = 404


class UnsupportedMediaType(AwsError):
    code = "UnsupportedMediaType"
    status = 415


class MethodNotAllowed(AwsError):
    code = "MethodNotAllowed"
    status = 405


class RequestEntityTooLarge(AwsError):
    code = "RequestEntityTooLarge"
    status = 413


class MissingAuthenticationToken(AwsError):
    code = "MissingAuthenticationToken"
    status = 403


class IncompleteSignature(AwsError):
    code = "IncompleteSignature"
    status = 400


class InvalidClientTokenId(AwsError):
    code = "InvalidClientTokenId"
    status = 403


class SignatureDoesNotMatch(AwsError):
    code = "SignatureDoesNotMatch"
    status = 403


class RequestExpired(AwsError):
    code = "RequestExpired"
    status = 400


class Throttling(AwsError):
    code = "Throttling"
    status = 400


class RequestTimeout(AwsError):
    code = "RequestTimeout"
    status = 408


class AccessDenied(AwsError):
    code = "AccessDenied"
    status = 403

    def __init__(self, message: str, resource: str | None = None) -> None:
        super().__init__(message)
        self.resource = resource


# IAM


class NoSuchEntity(AwsError):
    code = "NoSuchEntity"
    status = 404


class EntityAlreadyExists(AwsError):
    code = "EntityAlreadyExists"
    status = 409


class LimitExceeded(AwsError):
    code = "LimitExceeded"
    status = 409


class DeleteConflict(AwsError):
    code = "DeleteConflict"
    status = 409


class DuplicateCertificate(AwsError):
    code = "DuplicateCertificate"
    status = 409


class ConcurrentModification(AwsError):
    code = "ConcurrentModification"
    status = 409


class MalformedCertificate(AwsError):
    code = "MalformedCertificate"
    status = 400


class InvalidCertificate(AwsError):
    code = "InvalidCertificate"
    status = 400


class InvalidInput(AwsError):
    code = "InvalidInput"
    status = 400


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    status = 400


class ServiceFailure(AwsError):
    code = "ServiceFailure"
    status = 500
    sender_fault = False
