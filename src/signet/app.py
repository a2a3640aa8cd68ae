"""The ASGI application: ``/`` for the AWS API, ``/health``, ``/metrics``, and the OpenAPI
document.

A raw ASGI app rather than a framework: the API is one ``POST /``, and a framework's
routing and request objects would cost more than the rest of the request.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from concurrent.futures import ThreadPoolExecutor
from importlib import resources
from typing import Any

from signet import logs, metrics
from signet.api import Endpoint, Response
from signet.auth.sigv4 import HttpRequest
from signet.clock import Clock, system_clock
from signet.config import Settings
from signet.errors import RequestEntityTooLarge, RequestTimeout, ServiceFailure
from signet.group_commit import GroupCommit
from signet.store.base import Store
from signet.store.sqlite import SqliteStore
from signet.throttle import RateLimiter
from signet.wire import json_dialect
from signet.wire.model import load_models

LOG = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class BodyTooLarge(Exception):
    """The request body passed the configured cap."""


class ClientGone(Exception):
    """The client disconnected before its whole body arrived; nothing is to be done."""


class SignetApp:
    """Routes requests to the AWS endpoint and the operational pages."""

    def __init__(
        self,
        store: Store,
        clock: Clock = system_clock,
        max_body_bytes: int = 1 << 20,
        limiter: RateLimiter | None = None,
        body_timeout: float = 30.0,
    ) -> None:
        self.store = store
        self.endpoint = Endpoint(store, load_models(), clock, limiter)
        self.max_body_bytes = max_body_bytes
        self.body_timeout = body_timeout
        self.openapi = resources.files("signet").joinpath("openapi.json").read_bytes()
        # SQLite answers in microseconds and is called inline; a networked database is
        # waited on in threads, so that one slow round trip does not stall the loop.
        self._executor = (
            None if store.engine == "sqlite" else ThreadPoolExecutor(thread_name_prefix="signet")
        )
        self._group = GroupCommit(store) if isinstance(store, SqliteStore) else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return

        path = scope["path"]
        if path == "/":
            await self._aws(scope, receive, send)
        elif path == "/health" and scope["method"] in ("GET", "HEAD"):
            await _send(send, 200, b"application/json", b'{"status":"ok"}')
        elif path == "/metrics" and scope["method"] in ("GET", "HEAD"):
            body, content_type = metrics.exposition()
            await _send(send, 200, content_type.encode("latin-1"), body)
        elif path == "/openapi.json" and scope["method"] in ("GET", "HEAD"):
            await _send(send, 200, b"application/json", self.openapi)
        else:
            body = json_dialect.error_envelope("NOT_FOUND", f"No resource at {path}.")
            await _send(send, 404, b"application/json", body)

    async def _aws(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = _headers(scope)
        try:
            async with asyncio.timeout(self.body_timeout):
                body = await self._read_body(headers, receive)
        except TimeoutError:
            http = _http_request(scope, headers, b"")
            refusal = RequestTimeout(
                f"The request body did not arrive within {self.body_timeout:g} seconds."
            )
            response = self.endpoint.handle(http, *_origin(scope), refusal)
            await _send_response(send, response)
            return
        except ClientGone:
            LOG.info("client disconnected before its request was complete")
            return
        except BodyTooLarge:
            http = _http_request(scope, headers, b"")
            response = self.endpoint.handle(
                http,
                *_origin(scope),
                RequestEntityTooLarge(
                    f"The request body is larger than the limit of {self.max_body_bytes} bytes."
                ),
            )
        else:
            response = await self._handle(_http_request(scope, headers, body), *_origin(scope))
        await _send_response(send, response)

    async def _handle(self, http: HttpRequest, source_ip: str, secure: bool) -> Response:
        if self._group is not None:
            self._group.join()
            response = self.endpoint.handle(http, source_ip, secure)
            if await self._group.durable():
                return response
            failure = ServiceFailure("The request failed because its change could not be saved.")
            return self.endpoint.handle(http, source_ip, secure, failure)
        if self._executor is None:
            return self.endpoint.handle(http, source_ip, secure)
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self._executor, self.endpoint.handle, http, source_ip, secure
        )

    async def _read_body(self, headers: dict[str, str], receive: Receive) -> bytes:
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise BodyTooLarge
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise ClientGone
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise BodyTooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        return b"".join(chunks)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._executor is not None:
                    self._executor.shutdown()
                self.store.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower()
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


def _origin(scope: Scope) -> tuple[str, bool]:
    """The client's address and whether it came over TLS."""
    client = scope.get("client") or ("127.0.0.1", 0)
    return str(client[0]), scope.get("scheme") == "https"


def _http_request(scope: Scope, headers: dict[str, str], body: bytes) -> HttpRequest:
    return HttpRequest(
        method=scope["method"],
        path=scope.get("raw_path", b"/").decode("latin-1").split("?", 1)[0] or "/",
        query_string=scope.get("query_string", b"").decode("latin-1"),
        headers=headers,
        body=body,
    )


async def _send_response(send: Send, response: Response) -> None:
    await _send(
        send,
        response.status,
        response.content_type,
        response.body,
        [(b"x-amzn-requestid", response.request_id.encode("ascii"))],
    )


async def _send(
    send: Send,
    status: int,
    content_type: bytes,
    body: bytes,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    headers = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode("ascii")),
        *(extra or []),
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def create_app(settings: Settings | None = None, clock: Clock = system_clock) -> SignetApp:
    """Build the app on the store the settings name."""
    settings = settings or Settings.from_env()
    limiter = None
    if settings.rate_limit > 0:
        burst = settings.rate_burst or max(1.0, 2 * settings.rate_limit)
        limiter = RateLimiter(settings.rate_limit, burst)
    return SignetApp(
        settings.open_store(), clock, settings.max_body_bytes, limiter, settings.body_timeout
    )


def create_app_from_env() -> SignetApp:
    """The factory each server worker process calls; settings come from the environment."""
    settings = Settings.from_env()
    logs.configure(settings.log_level, settings.log_format)
    return create_app(settings)
