"""Protection from runaway and slow clients: per-key rate limits and body timeouts."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import make_client
from tests.server import RunningServer, start_server


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(
        tmp_path_factory.mktemp("limited") / "data",
        env={"SIGNET_RATE_LIMIT": "0.2", "SIGNET_RATE_BURST": "5", "SIGNET_BODY_TIMEOUT": "1"},
    )
    yield running
    running.stop()


def test_a_key_over_its_rate_is_throttled(limited: RunningServer) -> None:
    iam = make_client(limited)
    outcomes: list[str] = []
    for _ in range(12):
        try:
            iam.list_users()
            outcomes.append("ok")
        except ClientError as error:
            response: Any = error.response
            outcomes.append(response["Error"]["Code"])
            assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
            assert response["Error"]["Message"] == "Rate exceeded"

    assert outcomes[:5] == ["ok"] * 5
    assert "Throttling" in outcomes


def test_a_slow_body_times_out(limited: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", limited.port), timeout=10) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 100\r\n\r\nAction=List"
        )
        answer = ""
        while "</ErrorResponse>" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk.decode("latin-1")

    assert answer.startswith("HTTP/1.1 408")
    assert "<Code>RequestTimeout</Code>" in answer


def test_rate_limits_are_off_by_default(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data")
    try:
        iam = make_client(server)
        results = [iam.list_users()["IsTruncated"] for _ in range(30)]
    finally:
        server.stop()

    assert results == [False] * 30
