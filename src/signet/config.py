"""Settings from command-line flags and ``SIGNET_*`` environment variables.

Worker processes started by the server read the same variables, so the command line
hands its settings to them through the environment (see :func:`Settings.export`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from signet.store import open_store
from signet.store.base import Store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7531
DEFAULT_DATA_DIR = "./signet-data"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Settings:
    data_dir: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    workers: int = 1
    log_level: str = "info"
    log_format: str = "json"
    synchronous: str = "FULL"
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    database_url: str | None = None
    pool_size: int = 8
    rate_limit: float = 0.0
    rate_burst: float = 0.0
    body_timeout: float = 30.0
    max_connections: int = 1000

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            data_dir=Path(env.get("SIGNET_DATA_DIR", DEFAULT_DATA_DIR)),
            host=env.get("SIGNET_HOST", DEFAULT_HOST),
            port=int(env.get("SIGNET_PORT", DEFAULT_PORT)),
            workers=int(env.get("SIGNET_WORKERS", 1)),
            log_level=env.get("SIGNET_LOG_LEVEL", "info"),
            log_format=env.get("SIGNET_LOG_FORMAT", "json"),
            synchronous=env.get("SIGNET_SQLITE_SYNCHRONOUS", "FULL").upper(),
            max_body_bytes=int(env.get("SIGNET_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)),
            database_url=env.get("SIGNET_DATABASE_URL") or None,
            pool_size=int(env.get("SIGNET_DATABASE_POOL_SIZE", 8)),
            rate_limit=float(env.get("SIGNET_RATE_LIMIT", 0)),
            rate_burst=float(env.get("SIGNET_RATE_BURST", 0)),
            body_timeout=float(env.get("SIGNET_BODY_TIMEOUT", 30)),
            max_connections=int(env.get("SIGNET_MAX_CONNECTIONS", 1000)),
        )

    def export(self) -> None:
        """Write these settings to the environment, for worker processes to read."""
        os.environ.update(
            {
                "SIGNET_DATA_DIR": str(self.data_dir),
                "SIGNET_HOST": self.host,
                "SIGNET_PORT": str(self.port),
                "SIGNET_WORKERS": str(self.workers),
                "SIGNET_LOG_LEVEL": self.log_level,
                "SIGNET_LOG_FORMAT": self.log_format,
                "SIGNET_SQLITE_SYNCHRONOUS": self.synchronous,
                "SIGNET_MAX_BODY_BYTES": str(self.max_body_bytes),
                "SIGNET_DATABASE_URL": self.database_url or "",
                "SIGNET_DATABASE_POOL_SIZE": str(self.pool_size),
                "SIGNET_RATE_LIMIT": str(self.rate_limit),
                "SIGNET_RATE_BURST": str(self.rate_burst),
                "SIGNET_BODY_TIMEOUT": str(self.body_timeout),
                "SIGNET_MAX_CONNECTIONS": str(self.max_connections),
            }
        )

    def open_store(self, *, upgrade: bool = False) -> Store:
        """The store these settings name."""
        return open_store(
            self.data_dir,
            self.database_url,
            upgrade=upgrade,
            synchronous=self.synchronous,
            pool_size=self.pool_size,
        )


def root_key_from_env() -> tuple[str, str] | None:
    """The fixed root key pair from the environment, when both halves are set."""
    key_id = os.environ.get("SIGNET_ROOT_ACCESS_KEY_ID")
    secret = os.environ.get("SIGNET_ROOT_SECRET_ACCESS_KEY")
    if key_id and secret:
        return key_id, secret
    return None
