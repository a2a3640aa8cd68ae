"""The ``signet`` command: serve the API, manage accounts and the schema, inspect certificates."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from signet import logs, store
from signet.clock import iso, system_clock
from signet.config import DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, Settings, root_key_from_env
from signet.iam import accounts
from signet.store import migrations
from signet.store.base import SchemaTooOld, Store

LOG = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def store_options(command: F) -> F:
    """The options that say where the store is, shared by every command that opens it."""
    command = click.option(
        "--database-url",
        envvar="SIGNET_DATABASE_URL",
        default=None,
        help="A postgresql:// URL; without it, the SQLite store in --data-dir.",
    )(command)
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=DEFAULT_DATA_DIR,
        envvar="SIGNET_DATA_DIR",
        show_default=True,
        help="Directory of the embedded SQLite store.",
    )(command)


@contextmanager
def opened(data_dir: Path, database_url: str | None, *, upgrade: bool = False) -> Iterator[Store]:
    """Open the store for one command, turning the reasons it cannot be opened into messages."""
    settings = dataclasses.replace(
        Settings.from_env(), data_dir=data_dir, database_url=database_url or None
    )
    try:
        opened_store = settings.open_store(upgrade=upgrade)
    except (SchemaTooOld, ValueError) as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        where = store.describe(data_dir, database_url)
        raise click.ClickException(f"cannot open the store at {where}: {error}") from None
    try:
        yield opened_store
    finally:
        opened_store.close()


@click.group()
@click.version_option(package_name="signet")
def main() -> None:
    """Signet: a self-hosted identity service that speaks the AWS IAM API."""


@main.command()
@click.option("--host", default=DEFAULT_HOST, envvar="SIGNET_HOST", show_default=True)
@click.option("--port", type=int, default=DEFAULT_PORT, envvar="SIGNET_PORT", show_default=True)
@store_options
@click.option("--workers", type=click.IntRange(1, 64), default=1, envvar="SIGNET_WORKERS")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    envvar="SIGNET_LOG_LEVEL",
)
@click.option(
    "--log-format", type=click.Choice(["json", "text"]), default="json", envvar="SIGNET_LOG_FORMAT"
)
def serve(
    host: str,
    port: int,
    data_dir: Path,
    database_url: str | None,
    workers: int,
    log_level: str,
    log_format: str,
) -> None:
    """Serve the IAM and STS API."""
    import uvicorn

    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=data_dir,
        database_url=database_url or None,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_format=log_format,
    )
    logs.configure(log_level, log_format)
    with opened(data_dir, database_url) as opened_store:
        _bootstrap(opened_store, settings)
    settings.export()
    if workers > 1:
        _multiprocess_metrics()

    LOG.info(
        "serving",
        extra={
            "url": f"http://{host}:{port}",
            "store": store.describe(data_dir, database_url),
            "workers": workers,
        },
    )
    uvicorn.run(
        "signet.app:create_app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
        lifespan="on",
        limit_concurrency=settings.max_connections,
        timeout_keep_alive=5,
    )


def _multiprocess_metrics() -> None:
    """Give the worker processes a fresh, empty directory to share their metrics through."""
    import tempfile

    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="signet-metrics-")


def _bootstrap(opened_store: Store, settings: Settings) -> None:
    """On first start create the account and its root key, and say so once."""
    fixed = root_key_from_env()
    try:
        created = accounts.bootstrap(opened_store, system_clock(), fixed)
    except accounts.InvalidRootKey as error:
        raise click.ClickException(str(error)) from None
    if created is None:
        return

    endpoint = f"http://{settings.host}:{settings.port}"
    click.echo(f"Signet created account {created.account_id} and its root access key.")
    if fixed is not None:
        click.echo(f"The root key is {created.access_key_id}, from SIGNET_ROOT_ACCESS_KEY_ID.")
    else:
        click.echo("Keep the secret now: it is shown this once.\n")
        click.echo(f"  export AWS_ACCESS_KEY_ID={created.access_key_id}")
        click.echo(f"  export AWS_SECRET_ACCESS_KEY={created.secret_access_key}")
        click.echo("  export AWS_DEFAULT_REGION=us-east-1")
    click.echo(f"\n  aws --endpoint-url {endpoint} sts get-caller-identity")
    click.echo(f"  aws --endpoint-url {endpoint} iam list-users\n")


@main.group()
def cert() -> None:
    """Check certificates before uploading them."""


@cert.command("inspect")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def cert_inspect(file: Path) -> None:
    """Print what Signet would decide about a PEM certificate FILE, as JSON.

    Exits 0 when the certificate would be accepted, 1 when it would be refused.
    """
    from signet import x509

    body = file.read_bytes().decode("latin-1")
    report = x509.describe(body, system_clock())
    click.echo(json.dumps(report, indent=2, default=str))
    decision = report.get("decision")
    accepted = isinstance(decision, dict) and decision.get("accepted") is True
    sys.exit(0 if accepted else 1)


@cert.command("report")
@store_options
@click.option("--account", "account_id", default=None, help="Only this account.")
@click.option(
    "--within",
    "within_days",
    type=click.IntRange(0),
    default=30,
    show_default=True,
    help="Exit 1 when any certificate expires within this many days.",
)
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def cert_report(
    data_dir: Path, database_url: str | None, account_id: str | None, within_days: int, fmt: str
) -> None:
    """List signing certificates by expiry, per account, with the days they have left.

    Exits 1 when any certificate expires within --within days (or has expired), so that
    the report can run from cron or CI.
    """
    from signet import expiry

    with opened(data_dir, database_url) as opened_store:
        entries = expiry.report(opened_store, system_clock(), account_id)
    due = [entry for entry in entries if entry.days_left <= within_days]

    if fmt == "json":
        click.echo(json.dumps([entry.as_json() for entry in entries], indent=2))
    else:
        for line in expiry.table(entries):
            click.echo(line)
        click.echo(f"{len(due)} of {len(entries)} expire within {within_days} days.")
    sys.exit(1 if due else 0)


@main.command("audit")
@store_options
@click.option("--account", "account_id", default=None, help="Only this account.")
@click.option("--principal", default=None, help="Only calls by this principal ARN.")
@click.option("--action", default=None, help="Only this action, e.g. DeleteUser.")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%SZ"]),
    default=None,
    help="Only events at or after this UTC time.",
)
@click.option("--limit", type=click.IntRange(1), default=1000, show_default=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "jsonl"]),
    default="table",
    help="jsonl: one event per line with CloudTrail's field names.",
)
def audit_command(
    data_dir: Path,
    database_url: str | None,
    account_id: str | None,
    principal: str | None,
    action: str | None,
    since: datetime | None,
    limit: int,
    fmt: str,
) -> None:
    """Show the audit trail: every change and every denied call."""
    from signet import audit

    moment = since.replace(tzinfo=UTC) if since else None
    with opened(data_dir, database_url) as opened_store, opened_store.read() as tx:
        events = tx.list_audit_events(account_id, principal, action, moment, limit)

    for event in events:
        if fmt == "jsonl":
            click.echo(json.dumps(audit.cloudtrail(event), separators=(",", ":")))
            continue
        outcome = event.error_code or event.outcome
        click.echo(
            f"{iso(event.event_time)}  {event.account_id or '-':12}  {event.action:28}"
            f"  {outcome:22}  {event.principal_arn or event.access_key_id or '-'}"
            f"  {event.target or '-'}"
        )


@main.group()
def account() -> None:
    """Create and list accounts (works while the server runs)."""


@account.command("create")
@store_options
def account_create(data_dir: Path, database_url: str | None) -> None:
    """Add an account; print its id and root key pair as JSON."""
    with opened(data_dir, database_url) as opened_store:
        created = accounts.create_account(opened_store, system_clock())
    click.echo(
        json.dumps(
            {
                "account_id": created.account_id,
                "access_key_id": created.access_key_id,
                "secret_access_key": created.secret_access_key,
            },
            indent=2,
        )
    )


@account.command("list")
@store_options
def account_list(data_dir: Path, database_url: str | None) -> None:
    """List the accounts, as JSON."""
    with opened(data_dir, database_url) as opened_store:
        found = accounts.list_accounts(opened_store)
    listing = [
        {"account_id": a.account_id, "created_at": a.created_at.isoformat().replace("+00:00", "Z")}
        for a in found
    ]
    click.echo(json.dumps(listing, indent=2))


@main.command("rotate-master-key")
@store_options
def rotate_master_key(data_dir: Path, database_url: str | None) -> None:
    """Re-encrypt every stored secret access key under a new master key.

    Stop every server first. With the key file (master.key in --data-dir) the file is
    replaced; with SIGNET_MASTER_KEY the new key is printed, to set on every server.
    SIGNET_NEW_MASTER_KEY (base64 of 32 bytes), when set, is used instead of a random key.
    """
    from signet import secrets

    new_text = os.environ.get("SIGNET_NEW_MASTER_KEY")
    try:
        new_key = secrets.parse_key(new_text, "SIGNET_NEW_MASTER_KEY") if new_text else None
        rotation = secrets.rotate_master_key(data_dir, database_url or None, new_key)
    except (SchemaTooOld, ValueError, secrets.SecretUnreadable) as error:
        raise click.ClickException(str(error)) from None
    except Exception as error:
        where = store.describe(data_dir, database_url)
        raise click.ClickException(f"cannot rotate the master key of {where}: {error}") from None
    click.echo(f"Re-encrypted {rotation.count} secret access keys.")
    if rotation.key_file is not None:
        click.echo(f"The new master key is in {rotation.key_file}; start the servers again.")
    else:
        click.echo("Set this on every server before starting them again; it is shown this once:\n")
        click.echo(f"  export SIGNET_MASTER_KEY={rotation.new_key}")


@main.group()
def db() -> None:
    """The database schema: its version, and upgrades to this release's."""


@db.command("upgrade")
@store_options
def db_upgrade(data_dir: Path, database_url: str | None) -> None:
    """Apply every migration this release has that the database lacks."""
    with opened(data_dir, database_url, upgrade=True):
        pass
    click.echo(f"The schema is at version {migrations.latest_version()}.")


@db.command("current")
@store_options
def db_current(data_dir: Path, database_url: str | None) -> None:
    """Print the database's schema version and the one this release needs; exit 1 if older."""
    try:
        version = _schema_version(data_dir, database_url)
    except Exception as error:
        where = store.describe(data_dir, database_url)
        raise click.ClickException(f"cannot read the schema at {where}: {error}") from None
    latest = migrations.latest_version()
    click.echo(json.dumps({"current": version, "required": latest}))
    sys.exit(0 if version == latest else 1)


def _schema_version(data_dir: Path, database_url: str | None) -> int:
    if database_url:
        from signet.store.postgres import schema_version

        return schema_version(database_url)

    import sqlite3

    from signet.store.sqlite import DATABASE_FILE

    path = data_dir / DATABASE_FILE
    if not path.exists():
        return 0
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as connection:
        found = connection.execute(
            "SELECT name FROM sqlite_master WHERE name = 'schema_version'"
        ).fetchone()
        if found is None:
            return 0
        row = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return int(row[0] or 0)
