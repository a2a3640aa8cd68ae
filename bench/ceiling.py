"""The ceiling: the least an ASGI server on Signet's stack can do per request.

A raw ASGI app on the same uvicorn, uvloop and httptools that Signet runs on. It reads
and drops the request body and answers every ``POST`` with one fixed
``UploadSigningCertificateResponse`` as large as Signet's (the certificate body is
placeholder text of a real one's length), with the same response headers. No parsing,
no signature check, no store, no logging: what Signet costs beyond this is Signet's own.

    .venv/bin/python bench/ceiling.py --port 7600
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]

_BODY_TEXT = "\n".join(
    ["-----BEGIN CERTIFICATE-----", *(["A" * 64] * 14), "-----END CERTIFICATE-----"]
)
_RESPONSE = (
    '<UploadSigningCertificateResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    "<UploadSigningCertificateResult><Certificate>"
    "<UserName>bench-user-0000000</UserName>"
    "<CertificateId>ABCDEFGHIJKLMNOPQRSTUVWXYZ234567</CertificateId>"
    f"<CertificateBody>{_BODY_TEXT}\n</CertificateBody>"
    "<Status>Active</Status><UploadDate>2026-01-01T00:00:00Z</UploadDate>"
    "</Certificate></UploadSigningCertificateResult>"
    "<ResponseMetadata><RequestId>00000000-0000-4000-8000-000000000000</RequestId>"
    "</ResponseMetadata></UploadSigningCertificateResponse>"
).encode()
_START = {
    "type": "http.response.start",
    "status": 200,
    "headers": [
        (b"content-type", b"text/xml"),
        (b"content-length", str(len(_RESPONSE)).encode()),
        (b"x-amzn-requestid", b"00000000-0000-4000-8000-000000000000"),
    ],
}
_BODY = {"type": "http.response.body", "body": _RESPONSE}
_HEALTH = b'{"status":"ok"}'


async def app(
    scope: Scope,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    if scope["type"] != "http":
        return
    while True:  # drain the body, as Signet does
        message = await receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            break
    if scope["path"] == "/health":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(_HEALTH)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": _HEALTH})
        return
    await send(_START)
    await send(_BODY)


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description="The ceiling app for bench/run.py.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=7600)
    args = parser.parse_args()
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="off",
    )


if __name__ == "__main__":
    main()
