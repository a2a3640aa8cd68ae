"""Quotas and uniqueness hold when requests race across worker processes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from threading import Barrier
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests import certs
from tests.conftest import make_client
from tests.server import RunningServer, start_server

RACERS = 64


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("workers") / "data", "--workers", "2")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def two_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[RunningServer]]:
    """Two servers on one store: the same SQLite file, or the same PostgreSQL schema."""
    data_dir = tmp_path_factory.mktemp("nodes") / "data"
    first = start_server(data_dir)
    second = start_server(data_dir)
    yield [first, second]
    first.stop()
    second.stop()


def race(
    servers: RunningServer | list[RunningServer], calls: list[Callable[[Any], Any]]
) -> Counter[str]:
    """Run every call at once, each on its own client, spread over the servers; count
    outcomes by error code."""
    nodes = servers if isinstance(servers, list) else [servers]
    clients = [make_client(nodes[index % len(nodes)]) for index in range(len(calls))]
    barrier = Barrier(len(calls))

    def run(index: int) -> str:
        barrier.wait()
        try:
            calls[index](clients[index])
        except ClientError as error:
            return str(error.response["Error"]["Code"])
        return "ok"

    with ThreadPoolExecutor(len(calls)) as pool:
        return Counter(pool.map(run, range(len(calls))))


def test_racing_uploads_for_one_user_respect_the_quota(two_workers: RunningServer) -> None:
    iam = make_client(two_workers)
    iam.create_user(UserName="racer")
    bodies = certs.distinct_rsa_certs(RACERS)

    outcomes = race(
        two_workers,
        [
            lambda client, body=body: client.upload_signing_certificate(
                UserName="racer", CertificateBody=body
            )
            for body in bodies
        ],
    )

    assert outcomes == Counter({"ok": 2, "LimitExceeded": RACERS - 2})
    assert len(iam.list_signing_certificates(UserName="racer")["Certificates"]) == 2


def test_racing_uploads_of_one_certificate_store_it_once(two_workers: RunningServer) -> None:
    iam = make_client(two_workers)
    names = [f"dup-racer-{index}" for index in range(RACERS)]
    for name in names:
        iam.create_user(UserName=name)
    body = certs.distinct_rsa_certs(1)[0]

    outcomes = race(
        two_workers,
        [
            lambda client, name=name: client.upload_signing_certificate(
                UserName=name, CertificateBody=body
            )
            for name in names
        ],
    )

    assert outcomes == Counter({"ok": 1, "DuplicateCertificate": RACERS - 1})


def test_racing_creates_of_one_user_name(two_workers: RunningServer) -> None:
    outcomes = race(
        two_workers,
        [
            lambda client, index=index: client.create_user(
                UserName="Same-Name" if index % 2 else "same-name"
            )
            for index in range(16)
        ],
    )

    assert outcomes == Counter({"ok": 1, "EntityAlreadyExists": 15})


def test_a_user_created_on_one_connection_is_seen_on_others(tmp_path: Path) -> None:
    server = start_server(tmp_path / "data", "--workers", "2")
    try:
        clients = [make_client(server) for _ in range(8)]
        clients[0].create_user(UserName="seen-everywhere")
        seen = [c.get_user(UserName="seen-everywhere")["User"]["UserName"] for c in clients]
    finally:
        server.stop()

    assert seen == ["seen-everywhere"] * 8


def test_racing_uploads_across_two_nodes(two_nodes: list[RunningServer]) -> None:
    iam = make_client(two_nodes[0])
    iam.create_user(UserName="node-racer")
    names = [f"node-dup-{index}" for index in range(RACERS)]
    for name in names:
        iam.create_user(UserName=name)
    bodies = certs.distinct_rsa_certs(RACERS)
    shared = certs.distinct_rsa_certs(1)[0]

    quota = race(
        two_nodes,
        [
            lambda client, body=body: client.upload_signing_certificate(
                UserName="node-racer", CertificateBody=body
            )
            for body in bodies
        ],
    )
    duplicates = race(
        two_nodes,
        [
            lambda client, name=name: client.upload_signing_certificate(
                UserName=name, CertificateBody=shared
            )
            for name in names
        ],
    )

    assert quota == Counter({"ok": 2, "LimitExceeded": RACERS - 2})
    assert duplicates == Counter({"ok": 1, "DuplicateCertificate": RACERS - 1})


def test_a_user_deleted_on_one_node_is_gone_on_the_other(two_nodes: list[RunningServer]) -> None:
    first, second = (make_client(node) for node in two_nodes)
    first.create_user(UserName="short-lived")
    second.get_user(UserName="short-lived")

    first.delete_user(UserName="short-lived")

    with pytest.raises(ClientError) as info:
        second.get_user(UserName="short-lived")
    assert info.value.response["Error"]["Code"] == "NoSuchEntity"
