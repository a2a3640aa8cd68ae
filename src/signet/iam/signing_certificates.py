"""Signing certificates: UploadSigningCertificate and its List, Update and Delete.

A stored certificate past its notAfter is shown with status ``Expired``. The checks
on upload run in the order AWS's documentation implies: the target user, then the
certificate itself (:mod:`signet.x509`), then uniqueness in the account, then the
per-user quota. A certificate's id is derived from its DER, so the account-wide
duplicate check is a primary-key lookup, and the database's key enforces it when two
uploads race.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from signet import x509
from signet.clock import iso
from signet.errors import (
    AwsError,
    DuplicateCertificate,
    InvalidInput,
    LimitExceeded,
    NoSuchEntity,
)
from signet.iam import owners, pagination
from signet.iam.context import Context
from signet.store.base import Transaction, UniqueViolation
from signet.store.records import SigningCertificate

LOG = logging.getLogger(__name__)

CERTIFICATES_PER_USER = 2
SETTABLE_STATUSES = ("Active", "Inactive")


def upload_signing_certificate(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    body = params["CertificateBody"]
    parsed: x509.Certificate | None = None
    problem: AwsError | None = None
    try:
        parsed = x509.parse_certificate(body, ctx.now)
    except AwsError as error:
        problem = error

    with ctx.write() as tx:
        owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
        if problem is not None:
            raise problem
        assert parsed is not None
        if tx.get_certificate(ctx.caller.account_id, parsed.certificate_id) is not None:
            raise _duplicate()
        if tx.count_certificates(owner.owner_id) >= CERTIFICATES_PER_USER:
            raise LimitExceeded(
                f"Cannot exceed quota for CertificatesPerUser: {CERTIFICATES_PER_USER}"
            )
        certificate = SigningCertificate(
            certificate_id=parsed.certificate_id,
            account_id=ctx.caller.account_id,
            owner_id=owner.owner_id,
            body=body,
            status="Active",
            uploaded_at=ctx.now,
            not_after=parsed.not_after,
        )
        try:
            tx.insert_certificate(certificate)
        except UniqueViolation:
            raise _duplicate() from None

    LOG.debug("signing certificate uploaded", extra={"certificate_id": parsed.certificate_id})
    return {"Certificate": _member(certificate, owner.display_name, ctx.now)}


def list_signing_certificates(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.store.read() as tx:
        owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
        certificates, page = pagination.page(
            params,
            2,
            lambda after, limit: tx.list_certificates(
                owner.owner_id, (after[0], after[1]) if after else None, limit
            ),
            lambda certificate: (iso(certificate.uploaded_at), certificate.certificate_id),
        )
    members = [_member(c, owner.display_name, ctx.now) for c in certificates]
    return {"Certificates": members, **page}


def update_signing_certificate(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    status = params["Status"]
    if status not in SETTABLE_STATUSES:
        raise InvalidInput("Status must be Active or Inactive.")

    with ctx.write() as tx:
        certificate = _owned_certificate(tx, ctx, params)
        tx.update_certificate_status(certificate.account_id, certificate.certificate_id, status)
    return {}


def delete_signing_certificate(ctx: Context, params: Mapping[str, Any]) -> dict[str, Any]:
    with ctx.write() as tx:
        certificate = _owned_certificate(tx, ctx, params)
        tx.delete_certificate(certificate.account_id, certificate.certificate_id)
    return {}


def _owned_certificate(
    tx: Transaction, ctx: Context, params: Mapping[str, Any]
) -> SigningCertificate:
    owner = owners.resolve(tx, ctx.caller, params.get("UserName"))
    certificate_id = params["CertificateId"]
    certificate = tx.get_certificate(ctx.caller.account_id, certificate_id)
    if certificate is None or certificate.owner_id != owner.owner_id:
        raise NoSuchEntity(f"The Certificate with id {certificate_id} cannot be found.")
    return certificate


def _member(certificate: SigningCertificate, user_name: str, now: datetime) -> dict[str, Any]:
    """A certificate as the ``SigningCertificate`` shape; past its notAfter it shows
    ``Expired`` whatever status it was given."""
    return {
        "UserName": user_name,
        "CertificateId": certificate.certificate_id,
        "CertificateBody": certificate.body,
        "Status": "Expired" if certificate.not_after < now else certificate.status,
        "UploadDate": certificate.uploaded_at,
    }


def _duplicate() -> DuplicateCertificate:
    return DuplicateCertificate(
        "The certificate is already associated with a user in this account; a certificate "
        "can be uploaded once per account."
    )
