"""Fixtures shared by the whole suite: a running server and clients for it."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.server import (
    ROOT_ACCESS_KEY_ID,
    ROOT_SECRET_ACCESS_KEY,
    RunningServer,
    drop_schemas,
    start_server,
)

CLIENT_CONFIG = Config(retries={"max_attempts": 1, "mode": "standard"})
_names = itertools.count()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    running = start_server(tmp_path_factory.mktemp("signet") / "data")
    yield running
    running.stop()


def make_client(
    server: RunningServer,
    service: str = "iam",
    key: tuple[str, str] = (ROOT_ACCESS_KEY_ID, ROOT_SECRET_ACCESS_KEY),
    region: str = "us-east-1",
) -> Any:
    return boto3.client(
        service,
        endpoint_url=server.url,
        region_name=region,
        aws_access_key_id=key[0],
        aws_secret_access_key=key[1],
        config=CLIENT_CONFIG,
    )


@pytest.fixture(scope="session")
def iam(server: RunningServer) -> Any:
    """An IAM client signed with the account's root key."""
    return make_client(server)


@pytest.fixture(scope="session")
def sts(server: RunningServer) -> Any:
    return make_client(server, "sts")


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Names that no other test uses, so tests share one server safely."""
    return lambda prefix="user": f"{prefix}-{next(_names)}"


@pytest.fixture
def user(iam: Any, unique_name: Callable[[str], str]) -> Iterator[str]:
    """A fresh IAM user, with its keys and certificates removed afterwards."""
    name = unique_name("user")
    iam.create_user(UserName=name)
    yield name
    remove_user(iam, name)


def remove_user(iam: Any, name: str) -> None:
    try:
        for cert in iam.list_signing_certificates(UserName=name)["Certificates"]:
            iam.delete_signing_certificate(UserName=name, CertificateId=cert["CertificateId"])
        for key in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=name)
    except iam.exceptions.NoSuchEntityException:
        pass


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    drop_schemas()
