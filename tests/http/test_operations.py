"""What operators watch: /health, /metrics, and the one log line per request."""

from __future__ import annotations

import contextlib
import json
import re
from pathlib import Path
from typing import Any

import httpx

from tests.conftest import make_client
from tests.server import RunningServer, start_server


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus' text format, 0 when absent."""
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})? (\S+)", line)
        if match and match[1] == name:
            found = ",".join(sorted((match[2] or "").split(","))) if match[2] else ""
            if found == wanted:
                return float(match[3])
    return 0.0


def test_health_needs_no_credentials_and_shows_no_data(server: RunningServer) -> None:
    response = httpx.get(server.url + "/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_metrics_move_with_traffic(server: RunningServer, iam: Any) -> None:
    before = httpx.get(server.url + "/metrics").text
    iam.list_users()
    iam.list_users()
    with contextlib.suppress(iam.exceptions.NoSuchEntityException):
        iam.get_user(UserName="metrics-nobody")
    httpx.post(server.url, data={"Action": "ListUsers"})
    after = httpx.get(server.url + "/metrics").text

    def moved(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert moved("signet_requests_total", action="ListUsers", outcome="success") == 2
    assert moved("signet_requests_total", action="GetUser", outcome="NoSuchEntity") == 1
    assert moved("signet_auth_failures_total", code="MissingAuthenticationToken") == 1
    assert moved("signet_request_duration_seconds_count", action="ListUsers") == 2


def test_metrics_add_up_across_workers(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--workers", "2")
    try:
        clients = [make_client(server) for _ in range(6)]
        for client in clients:
            client.list_users()
        text = httpx.get(server.url + "/metrics").text
    finally:
        server.stop()

    assert sample(text, "signet_requests_total", action="ListUsers", outcome="success") == 6


def test_one_json_log_line_per_request(server: RunningServer, iam: Any) -> None:
    response = iam.list_groups()
    request_id = response["ResponseMetadata"]["RequestId"]

    lines = [line for line in server.log().splitlines() if request_id in line]

    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["level"] == "INFO"
    assert entry["action"] == "ListGroups"
    assert entry["status"] == 200
    assert entry["principal"].endswith(":root")
    assert entry["duration_ms"] >= 0
