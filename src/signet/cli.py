"""The ``signet`` command: serve the API, inspect certificates, manage accounts."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from signet import logs
from signet.clock import system_clock
from signet.config import DEFAULT_DATA_DIR, DEFAULT_HOST, DEFAULT_PORT, Settings, root_key_from_env
from signet.iam import accounts
from signet.store.sqlite import SqliteStore

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_DATA_DIR,
    envvar="SIGNET_DATA_DIR",
    show_default=True,
    help="Directory of the embedded SQLite store.",
)


@click.group()
@click.version_option(package_name="signet")
def main() -> None:
    """Signet: a self-hosted identity service that speaks the AWS IAM API."""


@main.command()
@click.option("--host", default=DEFAULT_HOST, envvar="SIGNET_HOST", show_default=True)
@click.option("--port", type=int, default=DEFAULT_PORT, envvar="SIGNET_PORT", show_default=True)
@data_dir_option
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
    host: str, port: int, data_dir: Path, workers: int, log_level: str, log_format: str
) -> None:
    """Serve the IAM and STS API on the embedded store."""
    import uvicorn

    settings = dataclasses.replace(
        Settings.from_env(),
        data_dir=data_dir,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        log_format=log_format,
    )
    logs.configure(log_level, log_format)
    _bootstrap(settings)
    settings.export()

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
    )


def _bootstrap(settings: Settings) -> None:
    """Open (and migrate) the store; on first start create the account and say so once."""
    store = SqliteStore.in_directory(settings.data_dir, settings.synchronous)
    fixed = root_key_from_env()
    try:
        created = accounts.bootstrap(store, system_clock(), fixed)
    except accounts.InvalidRootKey as error:
        raise click.ClickException(str(error)) from None
    finally:
        store.close()
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


@main.group()
def account() -> None:
    """Create and list accounts (works while the server runs)."""


@account.command("create")
@data_dir_option
def account_create(data_dir: Path) -> None:
    """Add an account; print its id and root key pair as JSON."""
    store = SqliteStore.in_directory(data_dir)
    try:
        created = accounts.create_account(store, system_clock())
    finally:
        store.close()
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
@data_dir_option
def account_list(data_dir: Path) -> None:
    """List the accounts, as JSON."""
    store = SqliteStore.in_directory(data_dir)
    try:
        found = accounts.list_accounts(store)
    finally:
        store.close()
    listing = [
        {"account_id": a.account_id, "created_at": a.created_at.isoformat().replace("+00:00", "Z")}
        for a in found
    ]
    click.echo(json.dumps(listing, indent=2))
