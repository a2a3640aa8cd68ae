"""The operations Signet serves, by ``service:Action``; anything else is InvalidAction."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from signet.iam import access_keys, identity, signing_certificates, users
from signet.iam.context import Context

Handler = Callable[[Context, Mapping[str, Any]], dict[str, Any]]

HANDLERS: dict[str, Handler] = {
    "sts:GetCallerIdentity": identity.get_caller_identity,
    "iam:CreateUser": users.create_user,
    "iam:GetUser": users.get_user,
    "iam:ListUsers": users.list_users,
    "iam:UpdateUser": users.update_user,
    "iam:DeleteUser": users.delete_user,
    "iam:CreateAccessKey": access_keys.create_access_key,
    "iam:ListAccessKeys": access_keys.list_access_keys,
    "iam:UpdateAccessKey": access_keys.update_access_key,
    "iam:DeleteAccessKey": access_keys.delete_access_key,
    "iam:GetAccessKeyLastUsed": access_keys.get_access_key_last_used,
    "iam:UploadSigningCertificate": signing_certificates.upload_signing_certificate,
    "iam:ListSigningCertificates": signing_certificates.list_signing_certificates,
    "iam:UpdateSigningCertificate": signing_certificates.update_signing_certificate,
    "iam:DeleteSigningCertificate": signing_certificates.delete_signing_certificate,
}
