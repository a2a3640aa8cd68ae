"""Sign raw HTTP requests with botocore, for tests that need control of every byte."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from unittest import mock

import httpx
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.server import ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY

ROOT = (ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY)


def signed(
    url: str,
    *,
    method: str = "POST",
    body: bytes | str = b"",
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
    key: tuple[str, str] = ROOT,
    service: str = "iam",
    region: str = "us-east-1",
    at: datetime | None = None,
) -> httpx.Response:
    """Send one request signed with SigV4 in the Authorization header."""
    request = AWSRequest(method=method, url=url, data=body, headers=headers or {}, params=params)
    if isinstance(body, str):
        request.data = body.encode("utf-8")
    _sign(SigV4Auth(Credentials(*key), service, region), request, at)
    prepared = request.prepare()
    return httpx.request(
        method, prepared.url, content=prepared.body or b"", headers=dict(prepared.headers)
    )


def presigned_url(
    url: str, params: dict[str, str], *, key: tuple[str, str] = ROOT, expires: int = 60
) -> str:
    """A presigned GET URL carrying the parameters and the signature in its query string."""
    request = AWSRequest(method="GET", url=url, params=params)
    SigV4QueryAuth(Credentials(*key), "iam", "us-east-1", expires=expires).add_auth(request)
    return str(request.prepare().url)


def _sign(auth: Any, request: AWSRequest, at: datetime | None) -> None:
    if at is None:
        auth.add_auth(request)
        return
    with mock.patch("botocore.auth.get_current_datetime", return_value=at.replace(tzinfo=None)):
        auth.add_auth(request)


FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
