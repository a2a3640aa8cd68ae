"""Prometheus metrics: requests by action and outcome, latency, authentication failures.

With several worker processes each keeps its own counters; the server then runs
prometheus-client's multiprocess mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``signet
serve``), and ``/metrics`` adds up every worker's files. Labels take only bounded values:
an action Signet serves (or ``unknown``), and an AWS error code or ``success``.
"""

from __future__ import annotations

import os
from functools import lru_cache

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

AUTHENTICATION_CODES = frozenset(
    {
        "MissingAuthenticationToken",
        "IncompleteSignature",
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "RequestExpired",
    }
)

REQUESTS = Counter(
    "signet_requests", "AWS API requests answered, by action and outcome.", ["action", "outcome"]
)
LATENCY = Histogram(
    "signet_request_duration_seconds",
    "Time from a whole request to its answer, by action.",
    ["action"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
)
AUTH_FAILURES = Counter(
    "signet_auth_failures", "Requests refused by authentication, by AWS error code.", ["code"]
)


@lru_cache(maxsize=1024)
def _children(action: str, outcome: str) -> tuple[Counter, Histogram]:
    return REQUESTS.labels(action, outcome), LATENCY.labels(action)


def observe(action: str | None, error_code: str | None, seconds: float) -> None:
    """Count one answered request."""
    requests, latency = _children(action or "unknown", error_code or "success")
    requests.inc()
    latency.observe(seconds)
    if error_code in AUTHENTICATION_CODES:
        AUTH_FAILURES.labels(error_code).inc()


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, with their content type."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
