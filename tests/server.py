"""Start and stop real Signet servers for the HTTP tests.

With ``SIGNET_TEST_DATABASE_URL`` set to a PostgreSQL URL, every server runs on that
database instead of SQLite, each data directory standing for a schema of its own (the
same directory, the same schema, so restarts find their data).
"""

from __future__ import annotations

import hashlib
import os
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT_ACCESS_KEY_ID = "AKIAIOSFODNN7SIGNET1"
ROOT_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIGNETKEY1"

DATABASE_URL = os.environ.get("SIGNET_TEST_DATABASE_URL") or None
_RUN = uuid.uuid4().hex[:8]
created_schemas: set[str] = set()


def database_url_for(data_dir: Path) -> str | None:
    """The PostgreSQL URL standing for a data directory, creating its schema; None on SQLite."""
    if DATABASE_URL is None:
        return None
    import psycopg

    schema = "signet_" + hashlib.sha1(f"{_RUN}:{data_dir}".encode()).hexdigest()[:16]
    if schema not in created_schemas:
        with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        created_schemas.add(schema)
    separator = "&" if "?" in DATABASE_URL else "?"
    return f"{DATABASE_URL}{separator}options=-csearch_path%3D{schema}"


def drop_schemas() -> None:
    """Remove the schemas this test run created."""
    if DATABASE_URL is None or not created_schemas:
        return
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as connection:
        for schema in created_schemas:
            connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    created_schemas.clear()


def store_args(data_dir: Path) -> list[str]:
    """The command-line options that name the store of a data directory."""
    url = database_url_for(data_dir)
    return ["--data-dir", str(data_dir), *(["--database-url", url] if url else [])]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class RunningServer:
    """A ``signet serve`` process and what a client needs to reach it."""

    data_dir: Path
    port: int
    process: subprocess.Popen[bytes]
    log_path: Path
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def store_args(self) -> list[str]:
        return store_args(self.data_dir)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_server(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, port: int | None = None
) -> RunningServer:
    """Run ``signet serve`` on a free port and wait until it answers ``/health``."""
    port = port or free_port()
    full_env = {
        **os.environ,
        "SIGNET_ROOT_ACCESS_KEY_ID": ROOT_ACCESS_KEY_ID,
        "SIGNET_ROOT_SECRET_ACCESS_KEY": ROOT_SECRET_ACCESS_KEY,
        **(env or {}),
    }
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = data_dir.parent / f"{data_dir.name}-server-{port}.log"
    with log_path.open("ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "signet",
                "serve",
                "--port",
                str(port),
                *store_args(data_dir),
                *args,
            ],
            env=full_env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    server = RunningServer(data_dir, port, process, log_path, env or {})
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"signet serve exited early:\n{server.log()}")
        try:
            if httpx.get(f"{server.url}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    server.stop()
    raise RuntimeError(f"signet serve did not answer in time:\n{server.log()}")
