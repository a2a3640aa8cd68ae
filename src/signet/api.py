"""The AWS endpoint: one HTTP request in, one AWS response out.

The steps, in order: read the parameters in the request's dialect (Query form, GET
query string, or JSON); authenticate the SigV4 signature; find the operation; decode
and validate its parameters against the botocore model; authorize the caller; run the
operation; render the result or the error as XML or as the JSON envelope. Every
:class:`~signet.errors.AwsError` becomes its wire form here, and nowhere else.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import unquote_plus

from signet import audit, ids, metrics
from signet.auth import access, sigv4
from signet.auth.authenticate import authenticate
from signet.auth.principals import Caller
from signet.clock import Clock
from signet.errors import (
    AccessDenied,
    AwsError,
    InvalidAction,
    MalformedQueryString,
    MethodNotAllowed,
    MissingAction,
    ServiceFailure,
    Throttling,
    UnsupportedMediaType,
)
from signet.iam.context import Context
from signet.iam.operations import HANDLERS
from signet.store.base import Store
from signet.throttle import RateLimiter
from signet.wire import json_dialect
from signet.wire.model import Operation, ServiceModels
from signet.wire.xml import render_error_xml

LOG = logging.getLogger(__name__)

IAM_NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NAMESPACE = "https://sts.amazonaws.com/doc/2011-06-15/"
STS_VERSION = "2011-06-15"

XML_TYPE = b"text/xml"
JSON_TYPE = b"application/json"


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    content_type: bytes
    body: bytes
    request_id: str


@dataclass(slots=True)
class _Request:
    """What one request has revealed so far, for rendering and the request log line."""

    http: sigv4.HttpRequest
    request_id: str
    wants_json: bool
    source_ip: str
    secure: bool
    action: str | None = None
    version: str | None = None
    caller: Caller | None = None
    operation: Operation | None = None
    recorder: audit.Recorder | None = None


class Endpoint:
    """Answers AWS Query and JSON-dialect requests against one store."""

    def __init__(
        self,
        store: Store,
        models: ServiceModels,
        clock: Clock,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.store = store
        self.models = models
        self.clock = clock
        self.limiter = limiter

    def handle(
        self,
        http: sigv4.HttpRequest,
        source_ip: str = "127.0.0.1",
        secure: bool = False,
        refusal: AwsError | None = None,
    ) -> Response:
        """Answer one request, or refuse it with ``refusal``; never raises."""
        started = time.perf_counter()
        request = _Request(http, ids.request_id(), _wants_json(http.headers), source_ip, secure)
        problem: AwsError | None = None
        with self.store.session() if refusal is None else nullcontext():
            try:
                if refusal is not None:
                    raise refusal
                response = self._answer(request)
            except AwsError as error:
                problem = error
            except Exception:
                LOG.exception("unexpected failure", extra={"request_id": request.request_id})
                problem = ServiceFailure("The request failed because of an unknown error.")
            if problem is not None:
                response = self._error(request, problem)
            self._audit(request, problem)
        error_code = problem.code if problem else None

        elapsed = time.perf_counter() - started
        metrics.observe(request.operation.name if request.operation else None, error_code, elapsed)
        LOG.info(
            "request",
            extra={
                "request_id": request.request_id,
                "action": _shown(request.action) if request.action else None,
                "principal": request.caller.arn if request.caller else None,
                "status": response.status,
                "error_code": error_code,
                "duration_ms": round(elapsed * 1000, 3),
            },
        )
        return response

    def _answer(self, request: _Request) -> Response:
        http = request.http
        if http.method not in ("GET", "POST"):
            raise MethodNotAllowed(
                f"The HTTP method {http.method} is not allowed here; send GET or POST."
            )
        params, is_json = _parameters(http)
        request.action = _scalar(params.get("Action"))
        request.version = _scalar(params.get("Version"))

        now = self.clock()
        request.caller, signature = authenticate(self.store, http, now)
        if self.limiter is not None and not self.limiter.allow(request.caller.access_key_id):
            raise Throttling("Rate exceeded")

        if not request.action:
            raise MissingAction("Could not find an Action parameter in the request.")
        operation = self.models.operation(request.action, request.version)
        handler = HANDLERS.get(f"{operation.service}:{operation.name}") if operation else None
        if operation is None or handler is None:
            raise InvalidAction(
                f"Could not find operation {_shown(request.action)} for version "
                f"{_shown(request.version or '2010-05-08')}."
            )
        request.operation = operation

        recorder = audit.start(
            request_id=request.request_id,
            now=now,
            service=operation.service,
            action=operation.name,
            caller=request.caller,
            access_key_id=request.caller.access_key_id,
            source_ip=request.source_ip,
            user_agent=http.headers.get("user-agent"),
            region=signature.region,
        )
        request.recorder = recorder

        values = operation.decode_json(params) if is_json else operation.decode_query(params)
        operation.validate(values)
        action = f"{operation.service}:{operation.name}"
        origin = access.Origin(request.source_ip, request.secure, signature.region)
        try:
            target = access.authorize(self.store, request.caller, action, values, now, origin)
        except AccessDenied as denied:
            recorder.target = denied.resource
            raise
        if target is None and not recorder.event.read_only:
            target = access.resource_for(self.store, request.caller, action, values)
        recorder.target = target

        result = handler(Context(self.store, request.caller, now, recorder), values)

        if request.wants_json:
            body = json_dialect.success_envelope(operation.render_json(result))
            return Response(200, JSON_TYPE, body, request.request_id)
        return Response(
            200, XML_TYPE, operation.render_xml(result, request.request_id), request.request_id
        )

    def _audit(self, request: _Request, problem: AwsError | None) -> None:
        """Record the request in the audit trail if it changed something or was denied."""
        recorder = request.recorder
        if recorder is None and problem is not None:
            recorder = self._refused_key(request, problem)
        if recorder is None:
            return
        try:
            audit.finish(self.store, recorder, problem)
        except Exception:
            LOG.exception("audit record failed", extra={"request_id": request.request_id})

    def _refused_key(self, request: _Request, problem: AwsError) -> audit.Recorder | None:
        """A recorder for a request whose access key was presented and refused."""
        if problem.code not in audit.RECORDED_AUTH_FAILURES:
            return None
        try:
            signature = sigv4.parse_signature(request.http)
        except AwsError:
            return None
        with self.store.read() as tx:
            key = tx.get_access_key(signature.access_key_id)
        recorder = audit.start(
            request_id=request.request_id,
            now=self.clock(),
            service=signature.service,
            action=_shown(request.action) if request.action else "Unknown",
            caller=None,
            access_key_id=signature.access_key_id,
            source_ip=request.source_ip,
            user_agent=request.http.headers.get("user-agent"),
            region=signature.region,
        )
        recorder.event = replace(recorder.event, account_id=key.account_id if key else None)
        return recorder

    def _error(self, request: _Request, error: AwsError) -> Response:
        if request.wants_json:
            body = json_dialect.error_envelope(error.json_code, error.message)
            return Response(error.status, JSON_TYPE, body, request.request_id)

        namespace = IAM_NAMESPACE
        if request.operation is not None:
            namespace = request.operation.namespace
        elif request.version == STS_VERSION:
            namespace = STS_NAMESPACE
        body = render_error_xml(
            error.code, error.message, error.fault, request.request_id, namespace
        )
        return Response(error.status, XML_TYPE, body, request.request_id)


def _wants_json(headers: Mapping[str, str]) -> bool:
    return "application/json" in headers.get("accept", "")


def _parameters(http: sigv4.HttpRequest) -> tuple[dict[str, Any], bool]:
    """The request's parameters and whether they came as a JSON object.

    Parameters in the query string come first; a form or JSON body adds to them and
    wins where a name is in both. The first of a repeated name counts.
    """
    params: dict[str, Any] = _form(http.query_string.encode("latin-1"))
    if http.method == "GET" or not http.body:
        return params, False

    content_type = http.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        params.update(json_dialect.parse_json_body(http.body))
        return params, True
    if content_type in ("", "application/x-www-form-urlencoded"):
        params.update(_form(http.body))
        return params, False
    raise UnsupportedMediaType(
        f"Content-Type {content_type} is not supported: send application/x-www-form-urlencoded"
        " or application/json."
    )


def _form(raw: bytes) -> dict[str, Any]:
    """Decode a form-encoded body or query string; invalid encodings are refused.

    Only the parts that hold ``%`` or ``+`` go through unquoting, which is most of the
    cost of the stdlib parser on a certificate body.
    """
    try:
        text = raw.decode("utf-8")
        params: dict[str, Any] = {}
        for pair in text.split("&"):
            if not pair:
                continue
            name, _, value = pair.partition("=")
            if "%" in name or "+" in name:
                name = unquote_plus(name, errors="strict")
            if "%" in value or "+" in value:
                value = unquote_plus(value, errors="strict")
            params.setdefault(name, value)
    except UnicodeDecodeError:
        raise MalformedQueryString(
            "The request's parameters are not valid form encoding of UTF-8 text."
        ) from None
    return params


_NAME = re.compile(r"[A-Za-z0-9.-]{1,64}")


def _shown(value: str) -> str:
    """An action or version fit to quote in a message or a log line; anything else is
    replaced, so that a pasted secret or a megabyte of text is never echoed."""
    return value if _NAME.fullmatch(value) else "(not a valid name)"


def _scalar(value: Any) -> str | None:
    return value if isinstance(value, str) else None
