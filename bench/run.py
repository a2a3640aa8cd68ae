"""The whole benchmark in one command: ``make bench``, or ``.venv/bin/python bench/run.py``.

Sections (all in a full run; ``--quick`` shortens every phase and leaves out growth):

* compare: the same load on each target, each started fresh on a free port with its own
  temporary data. Signet on SQLite (synchronous FULL, the default, and NORMAL), Signet
  on PostgreSQL with one node and with two nodes sharing one throwaway schema (load
  split round-robin over the nodes' connections), moto's server (installed into a
  throwaway venv under bench/.cache), and the ceiling app (bench/ceiling.py). Each gets
  the upload scenario at concurrency 64, then the read mix.
* cold: time from spawning ``signet serve`` to the first answered, signed
  GetCallerIdentity; median of 5, on a fresh data directory and on an existing one.
* growth (``--growth`` runs only this): uploads/s and p99 with 0, 100,000 and 1,000,000
  certificates already stored (seeded through SQL), and ListSigningCertificates latency
  for one user among them.

Everything runs on this machine's loopback; every phase is bounded in time. The results
go to bench/results/<timestamp>.json and .md, and a table is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import load
import seed

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULTS = BENCH / "results"
MOTO_VENV = load.CACHE / "moto-venv"
MOTO_REQUIREMENT = "moto[server]==5.2.5"
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/test"
ROOT_KEY = (load.ROOT_ACCESS_KEY_ID, load.ROOT_SECRET_ACCESS_KEY)
CONCURRENCY = 64
START_TIMEOUT = 60.0
QUIET_CORES = 0.25  # busy cores from other processes above which a phase waits
QUIET_WAIT = 10.0  # at most this long


@dataclass(frozen=True)
class Profile:
    """Durations and sizes of one kind of run."""

    upload_s: float
    read_s: float
    warmup_s: float
    certs: int  # distinct certificates per Signet target (users: half as many)
    moto_user_s: float  # at most this long creating moto's users through its API
    growth_s: float
    growth_certs_per_level: int
    list_calls: int
    cold_runs: int


QUICK = Profile(5, 3, 0.5, 8_000, 8, 5, 4_000, 200, 5)
FULL = Profile(20, 10, 2, 24_000, 20, 10, 8_000, 400, 5)


# Processes


@dataclass
class Server:
    """One target: its processes, the addresses the load goes to, its logs."""

    name: str
    processes: list[subprocess.Popen[bytes]]
    targets: list[load.Target]
    logs: list[Path]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(argv: Sequence[str], log_path: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    with log_path.open("ab") as log_file:
        return subprocess.Popen(
            list(argv), env=env, stdout=log_file, stderr=subprocess.STDOUT, cwd=ROOT
        )


def http_status(port: int, request: bytes, timeout: float = 1.0) -> int | None:
    """Send one request on a new connection; the response status, None when unreachable."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
            sock.sendall(request)
            head = b""
            while b"\r\n" not in head:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                head += chunk
            return int(head[9:12])
    except (OSError, ValueError):
        return None


def wait_ready(server: Server, path: str | None = "/health") -> None:
    """Wait until every process of the server answers (``path`` with 200, or accepts
    connections when ``path`` is None)."""
    deadline = time.monotonic() + START_TIMEOUT
    for process, target, log_path in zip(
        server.processes, server.targets, server.logs, strict=True
    ):
        request = f"GET {path} HTTP/1.1\r\nHost: {target.authority}\r\n\r\n".encode()
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"{server.name} exited early:\n{log_path.read_text(errors='replace')[-3000:]}"
                )
            if path is None:
                with (
                    contextlib.suppress(OSError),
                    socket.create_connection(("127.0.0.1", target.port), timeout=0.5),
                ):
                    break
            elif http_status(target.port, request) == 200:
                break
            if time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"{server.name} did not answer within {START_TIMEOUT} s")
            time.sleep(0.05)


def signet_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        **os.environ,
        "SIGNET_ROOT_ACCESS_KEY_ID": ROOT_KEY[0],
        "SIGNET_ROOT_SECRET_ACCESS_KEY": ROOT_KEY[1],
        **(extra or {}),
    }


def start_signet(
    name: str,
    work: Path,
    *,
    nodes: int = 1,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    extra_args: Sequence[str] = (),
    wait: bool = True,
) -> Server:
    """``signet serve`` (one process per node) on free ports over one store."""
    data_dir = work / "data"
    processes, targets, logs = [], [], []
    for node in range(nodes):
        port = free_port()
        log_path = work / f"{name}-node{node}.log"
        argv = [sys.executable, "-m", "signet", "serve", "--port", str(port)]
        argv += ["--data-dir", str(data_dir)]
        if database_url:
            argv += ["--database-url", database_url]
        processes.append(spawn([*argv, *extra_args], log_path, signet_env(env)))
        targets.append(load.Target("127.0.0.1", port))
        logs.append(log_path)
    server = Server(name, processes, targets, logs)
    if wait:
        wait_ready(server)
    return server


def start_ceiling(work: Path) -> Server:
    port = free_port()
    log_path = work / "ceiling.log"
    argv = [sys.executable, str(BENCH / "ceiling.py"), "--port", str(port)]
    server = Server("ceiling", [spawn(argv, log_path, dict(os.environ))], [], [log_path])
    server.targets.append(load.Target("127.0.0.1", port))
    wait_ready(server)
    return server


def ensure_moto() -> Path | None:
    """moto_server from a throwaway venv under bench/.cache, installed on first use."""
    executable = MOTO_VENV / "bin" / "moto_server"
    if executable.exists():
        return executable
    print(f"installing {MOTO_REQUIREMENT} into {MOTO_VENV} ...", flush=True)
    base = getattr(sys, "_base_executable", None) or shutil.which("python3") or sys.executable
    try:
        subprocess.run([base, "-m", "venv", str(MOTO_VENV)], check=True, timeout=300)
        subprocess.run(
            [str(MOTO_VENV / "bin" / "pip"), "install", "--quiet", MOTO_REQUIREMENT],
            check=True,
            timeout=900,
        )
    except (subprocess.SubprocessError, OSError) as error:
        print(f"  moto could not be installed ({error}); skipping it", flush=True)
        return None
    return executable if executable.exists() else None


def start_moto(work: Path, executable: Path) -> Server:
    port = free_port()
    log_path = work / "moto.log"
    env = {**os.environ, "AWS_DEFAULT_REGION": load.REGION}
    argv = [str(executable), "-H", "127.0.0.1", "-p", str(port)]
    server = Server("moto", [spawn(argv, log_path, env)], [], [log_path])
    server.targets.append(load.Target("127.0.0.1", port))
    wait_ready(server, None)
    return server


# PostgreSQL schemas


class Schemas:
    """Throwaway schemas in the PostgreSQL database, dropped at the end."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.created: list[str] = []

    def new(self) -> str:
        """Create a schema; the URL that puts Signet in it."""
        import psycopg

        schema = f"signet_bench_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.url, autocommit=True) as connection:
            connection.execute(f"CREATE SCHEMA {schema}")
        self.created.append(schema)
        separator = "&" if "?" in self.url else "?"
        return f"{self.url}{separator}options=-csearch_path%3D{schema}"

    def drop_all(self) -> None:
        if not self.created:
            return
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as connection:
            for schema in self.created:
                connection.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        self.created.clear()

    def server_version(self) -> str | None:
        import psycopg

        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as connection:
                row = connection.execute("SHOW server_version").fetchone()
                return str(row[0]) if row else None
        except psycopg.Error:
            return None


# Phases


async def busy_cores(seconds: float = 0.5) -> float:
    """Cores kept busy by tasks (user+system time of every process) over ``seconds``."""
    before = load.machine_cpu()
    await asyncio.sleep(seconds)
    after = load.machine_cpu()
    return (after[0] - before[0]) / max(1, after[3] - before[3]) * (os.cpu_count() or 1)


async def wait_quiet() -> float:
    """Wait (bounded) until other processes leave the cores idle; the busy cores seen."""
    deadline = time.monotonic() + QUIET_WAIT
    busy = await busy_cores()
    while busy > QUIET_CORES and time.monotonic() < deadline:
        busy = await busy_cores(1.0)
    return round(busy, 2)


async def phase(
    generator: load.LoadGenerator,
    scenario: str,
    source: load.Source,
    *,
    duration: float,
    warmup: float,
    pids: Sequence[int],
    max_requests: int | None = None,
) -> dict[str, Any]:
    """Once the machine is quiet, a warm-up on new connections, then the measured phase
    (continuing the source where the warm-up left it); the measured summary."""
    generator.close()  # idle keep-alive connections may have been closed by the server
    quiet = await wait_quiet()
    start = 0
    if warmup > 0:
        await generator.run(scenario, source, duration=warmup)
        start = generator.index
    result = await generator.run(
        scenario,
        source,
        duration=duration,
        start_index=start,
        max_requests=max_requests,
        watch_pids=pids,
    )
    summary = result.summary()
    summary["busy_cores_before"] = quiet
    return summary


def fresh_generator(server: Server, concurrency: int = CONCURRENCY) -> load.LoadGenerator:
    return load.LoadGenerator(server.targets, load.Signer(*ROOT_KEY), concurrency)


# Compare


@dataclass
class CompareTarget:
    name: str
    label: str
    engine: str  # "sqlite", "postgresql", "moto", "ceiling"
    nodes: int = 1
    synchronous: str = "FULL"
    read: bool = True
    workers: int = 1


COMPARE_TARGETS = [
    CompareTarget("signet-sqlite", "Signet, SQLite (synchronous FULL)", "sqlite"),
    CompareTarget(
        "signet-sqlite-normal",
        "Signet, SQLite (synchronous NORMAL)",
        "sqlite",
        synchronous="NORMAL",
        read=False,
    ),
    CompareTarget(
        "signet-sqlite-w2", "Signet, SQLite (FULL), --workers 2", "sqlite", workers=2, read=False
    ),
    CompareTarget("signet-pg-1", "Signet, PostgreSQL, 1 node", "postgresql"),
    CompareTarget("signet-pg-2", "Signet, PostgreSQL, 2 nodes", "postgresql", nodes=2),
    CompareTarget("moto", "moto server 5.2.5", "moto"),
    CompareTarget("ceiling", "ceiling (bare ASGI, fixed reply)", "ceiling"),
]


def run_compare(
    targets: Sequence[CompareTarget],
    profile: Profile,
    certs: list[str],
    work_root: Path,
    schemas: Schemas | None,
) -> dict[str, Any]:
    results: dict[str, Any] = {}
    user_count = len(certs) // 2
    users = load.user_names(user_count)
    for target in targets:
        print(f"\n== {target.label}", flush=True)
        work = work_root / target.name
        work.mkdir(parents=True)
        entry: dict[str, Any] = {"label": target.label, "engine": target.engine}
        server: Server | None = None
        generator: load.LoadGenerator | None = None
        try:
            target_users, target_certs, cycle = users, certs, False
            if target.engine in ("sqlite", "postgresql"):
                url = None
                if target.engine == "postgresql":
                    if schemas is None:
                        print("  no PostgreSQL: skipped", flush=True)
                        continue
                    url = schemas.new()
                started = time.perf_counter()
                account = seed.prepare_store(work / "data", url, ROOT_KEY, target.synchronous)
                seeded = seed.seed_users(work / "data", url, account, users)
                entry["setup"] = {
                    "users": len(users),
                    "users_seeded_s": round(seeded.seconds, 2),
                    "prepare_s": round(time.perf_counter() - started, 2),
                }
                env = {"SIGNET_SQLITE_SYNCHRONOUS": target.synchronous}
                server = start_signet(
                    target.name,
                    work,
                    nodes=target.nodes,
                    database_url=url,
                    env=env,
                    extra_args=["--workers", str(target.workers)],
                )
                entry["settings"] = {
                    "nodes": target.nodes,
                    "workers_per_node": target.workers,
                    "log_level": "info (JSON lines to a file)",
                    **(
                        {"sqlite_synchronous": target.synchronous, "journal_mode": "WAL"}
                        if target.engine == "sqlite"
                        else {"pool_size_per_node": 8}
                    ),
                }
            elif target.engine == "moto":
                executable = ensure_moto()
                if executable is None:
                    entry["skipped"] = "moto could not be installed"
                    results[target.name] = entry
                    continue
                server = start_moto(work, executable)
            else:
                server = start_ceiling(work)
                cycle = True
            assert server is not None
            generator = fresh_generator(server)
            entry.update(
                load.run_loop(
                    drive_compare(
                        target, profile, generator, server, target_users, target_certs, cycle
                    )
                )
            )
        except RuntimeError as error:
            print(f"  failed: {error}", flush=True)
            entry["failed"] = str(error)
        finally:
            if generator is not None:
                generator.close()
            if server is not None:
                server.stop()
        results[target.name] = entry
    return results


async def drive_compare(
    target: CompareTarget,
    profile: Profile,
    generator: load.LoadGenerator,
    server: Server,
    users: list[str],
    certs: list[str],
    cycle: bool,
) -> dict[str, Any]:
    """The phases of one compare target, on one event loop."""
    entry: dict[str, Any] = {}
    if target.engine == "moto":
        created = await generator.run(
            "create-users", load.create_user_source(users), duration=profile.moto_user_s
        )
        made = generator.index
        users, certs = users[:made], certs[: 2 * made]
        entry["setup"] = {
            "users": made,
            "create_users": created.summary(),
            "note": "users created through moto's API (bounded in time); "
            "certificates limited to two per created user",
        }
    print(f"  upload: {profile.upload_s} s at concurrency {CONCURRENCY}", flush=True)
    entry["upload"] = await phase(
        generator,
        "upload",
        load.upload_source(certs, users, cycle=cycle),
        duration=profile.upload_s,
        warmup=profile.warmup_s,
        pids=server.pids,
    )
    load.print_summary("  upload", entry["upload"])
    if target.read:
        print(f"  read mix: {profile.read_s} s", flush=True)
        entry["read"] = await phase(
            generator,
            "read",
            load.read_source(users),
            duration=profile.read_s,
            warmup=min(1.0, profile.warmup_s),
            pids=server.pids,
        )
        load.print_summary("  read", entry["read"])
    return entry


# Cold start


def first_identity(port: int, signer: load.Signer, deadline: float) -> bool:
    """Poll until a signed GetCallerIdentity on ``port`` answers 200."""
    call = load.make_call("GetCallerIdentity", service="sts")
    target = load.Target("127.0.0.1", port)
    while time.monotonic() < deadline:
        status = http_status(port, load.encode_request(call, target, signer), timeout=2.0)
        if status == 200:
            return True
        time.sleep(0.005 if status is None else 0.05)
    return False


def run_cold(profile: Profile, work_root: Path) -> dict[str, Any]:
    signer = load.Signer(*ROOT_KEY)
    results: dict[str, Any] = {}
    existing = work_root / "cold-existing"
    for kind in ("fresh", "existing"):
        times = []
        for run in range(profile.cold_runs):
            work = work_root / f"cold-{kind}-{run}" if kind == "fresh" else existing
            work.mkdir(parents=True, exist_ok=True)
            if kind == "existing" and run == 0:  # create the store once, untimed
                start_signet("cold", work).stop()
            time.sleep(0.2)
            port = free_port()
            argv = [sys.executable, "-m", "signet", "serve", "--port", str(port)]
            argv += ["--data-dir", str(work / "data")]
            log_path = work / f"cold-{run}.log"
            started = time.perf_counter()
            process = spawn(argv, log_path, signet_env())
            try:
                ok = first_identity(port, signer, time.monotonic() + START_TIMEOUT)
                elapsed = time.perf_counter() - started
            finally:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if ok:
                times.append(elapsed)
        results[kind] = {
            "runs": len(times),
            "median_ms": round(statistics.median(times) * 1000) if times else None,
            "min_ms": round(min(times) * 1000) if times else None,
            "max_ms": round(max(times) * 1000) if times else None,
        }
        print(f"  cold start, {kind} data dir: {results[kind]}", flush=True)
    floor = []
    for _ in range(3):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "signet", "--version"], capture_output=True, check=False
        )
        floor.append(time.perf_counter() - started)
    results["cli_version_floor_ms"] = round(statistics.median(floor) * 1000)
    return results


# Growth


def run_growth(
    profile: Profile,
    certs: list[str],
    work_root: Path,
    engine: str,
    schemas: Schemas | None,
    growth_max: int,
    body_bytes: int,
) -> dict[str, Any]:
    levels = [level for level in (0, 100_000, 1_000_000) if level <= growth_max]
    if growth_max not in levels and growth_max > 0:
        levels.append(growth_max)
    per_level = min(profile.growth_certs_per_level, len(certs) // len(levels))
    work = work_root / f"growth-{engine}"
    work.mkdir(parents=True)
    url = schemas.new() if engine == "postgresql" and schemas is not None else None
    account = seed.prepare_store(work / "data", url, ROOT_KEY)
    level_users = [
        load.user_names(per_level // 2, f"growth{number}") for number in range(len(levels))
    ]
    seed.seed_users(work / "data", url, account, [name for names in level_users for name in names])
    out: dict[str, Any] = {
        "engine": engine,
        "filler_body_bytes": body_bytes,
        "filler_layout": f"{seed.CERTS_PER_USER} certificates per user, "
        f"{seed.USERS_PER_FILLER_ACCOUNT} users per account",
        "levels": [],
    }
    stored = 0
    for number, level in enumerate(levels):
        row: dict[str, Any] = {"stored_before": level}
        if level > stored:
            print(f"  seeding {level - stored:,} certificates ...", flush=True)
            seeder = seed.Seeder(work / "data", url)
            try:
                report = seeder.filler(level - stored, body_bytes)
            finally:
                seeder.close()
            stored = level
            row["seed_s"] = round(report.seconds, 1)
            row["seed_rows"] = report.rows
            row["seed_rows_per_s"] = round(report.rows_per_second)
        if url is None:
            row["db_mb"] = round(sum(f.stat().st_size for f in (work / "data").glob("*")) / 2**20)
        server = start_signet(f"growth-{level}", work, database_url=url)
        try:
            users = level_users[number]
            level_certs = certs[number * per_level : (number + 1) * per_level]
            row.update(load.run_loop(drive_growth(profile, server, users, level_certs, level)))
        finally:
            server.stop()
        out["levels"].append(row)
    return out


async def drive_growth(
    profile: Profile, server: Server, users: list[str], certs: list[str], level: int
) -> dict[str, Any]:
    """Uploads at concurrency 64, then ListSigningCertificates on one connection."""
    row: dict[str, Any] = {}
    generator = fresh_generator(server)
    try:
        row["upload"] = await phase(
            generator,
            "upload",
            load.upload_source(certs, users),
            duration=profile.growth_s,
            warmup=min(1.0, profile.warmup_s),
            pids=server.pids,
        )
    finally:
        generator.close()
    load.print_summary(f"  {level:>9,} stored, upload", row["upload"])
    single = fresh_generator(server, 1)
    listing = load.make_call("ListSigningCertificates", {"UserName": users[0]})
    try:
        row["list_one_user"] = await phase(
            single,
            "list",
            lambda index: listing,
            duration=30.0,
            warmup=0.2,
            pids=server.pids,
            max_requests=profile.list_calls,
        )
    finally:
        single.close()
    load.print_summary(f"  {level:>9,} stored, list (1 conn)", row["list_one_user"])
    return row


# Environment


def fsync_latency(directory: Path, count: int = 200) -> dict[str, float]:
    """Latency of appending 4 KiB to a file and fdatasync-ing it, as a SQLite WAL commit
    does, in the directory where the stores live (tmpfs would show ~0)."""
    path = directory / "fsync-probe"
    times = []
    with path.open("wb") as handle:
        for _ in range(count):
            handle.write(b"\0" * 4096)
            handle.flush()
            started = time.perf_counter()
            os.fdatasync(handle.fileno())
            times.append(time.perf_counter() - started)
    path.unlink()
    times.sort()
    return {
        "p50_ms": round(times[len(times) // 2] * 1000, 3),
        "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 3),
        "filesystem": _filesystem(directory),
    }


def _filesystem(directory: Path) -> str:
    best, kind = "", "unknown"
    with contextlib.suppress(OSError), open("/proc/mounts") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) > 2 and str(directory).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], f"{parts[2]} on {parts[1]} ({parts[0]})"
    return kind


def git_dirty() -> dict[str, Any] | None:
    """What the work tree adds to the commit under src/ (others may be editing it while
    the benchmark runs): the changed files and a digest of the diff; None when clean."""
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    files = sorted(line[3:] for line in status.splitlines() if line.strip())
    if not files:
        return None
    diff = subprocess.run(
        ["git", "-C", str(ROOT), "diff", "HEAD", "--", "src"], capture_output=True, check=False
    ).stdout
    for name in files:  # untracked files are not in the diff
        with contextlib.suppress(OSError):
            diff += (ROOT / name).read_bytes() if not name.endswith("/") else b""
    import hashlib

    return {"files": files, "diff_sha1": hashlib.sha1(diff).hexdigest()[:12]}


def environment(schemas: Schemas | None) -> dict[str, Any]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    cpu = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = git_dirty()
    moto_version = None
    moto_python = MOTO_VENV / "bin" / "python"
    if moto_python.exists():
        moto_version = subprocess.run(
            [str(moto_python), "-c", "import moto; print(moto.__version__)"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "signet": version("signet"),
        "git_commit": commit + ("+dirty" if dirty else ""),
        "git_dirty": dirty,
        "uvicorn": version("uvicorn"),
        "uvloop": version("uvloop"),
        "httptools": version("httptools"),
        "cryptography": version("cryptography"),
        "psycopg": version("psycopg"),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": schemas.server_version() if schemas else None,
        "moto": moto_version,
        "load_generator": "bench/load.py: raw asyncio protocol on uvloop, HTTP/1.1 keep-alive, "
        "SigV4 signed at send time with a cached signing key",
    }


# Report


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    return str(value)


def _errors(summary: dict[str, Any]) -> str:
    errors = summary.get("errors") or {}
    return ", ".join(f"{code} {count}" for code, count in errors.items()) or "0"


def compare_rows(compare: dict[str, Any]) -> list[list[str]]:
    rows = []
    for entry in compare.values():
        for scenario in ("upload", "read"):
            summary = entry.get(scenario)
            if not summary:
                continue
            server_us = summary.get("server_cpu_us_per_request")
            pg_us = summary.get("postgres_cpu_us_per_request")
            rows.append(
                [
                    entry["label"],
                    scenario,
                    _cell(summary["rps"]),
                    _cell(summary["p50_ms"]),
                    _cell(summary["p90_ms"]),
                    _cell(summary["p99_ms"]),
                    _errors(summary),
                    _cell(summary["peak_rss_mb"]),
                    _cell(server_us) + (f" (+pg {pg_us})" if pg_us and pg_us > 20 else ""),
                    _cell(summary.get("generator_cpu_us_per_request")),
                    f"{_cell(summary.get('foreign_cores'))} / {_cell(summary.get('steal_cores'))}",
                ]
            )
    return rows


COMPARE_HEADER = [
    "target",
    "scenario",
    "req/s",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "errors",
    "peak RSS MB",
    "server CPU µs/req",
    "loadgen CPU µs/req",
    "other cores busy / stolen",
]


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def ratios(compare: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    peers = {name: compare.get(name, {}).get("upload") for name in ("moto", "ceiling")}
    for name, entry in compare.items():
        if not name.startswith("signet") or "upload" not in entry:
            continue
        mine = entry["upload"]
        for peer, theirs in peers.items():
            if theirs and theirs["rps"]:
                out[f"{name}/{peer} upload req/s"] = round(mine["rps"] / theirs["rps"], 3)
            if theirs and theirs["p50_ms"] and mine["p50_ms"]:
                out[f"{name}/{peer} upload p50"] = round(mine["p50_ms"] / theirs["p50_ms"], 2)
    return out


def add_foreign(summary: dict[str, Any], uses_postgres: bool = False) -> None:
    """Cores other processes kept busy during a phase: task time of the machine minus ours
    (PostgreSQL's backends count as ours only for a target that uses it)."""
    elapsed = summary.get("elapsed_s") or 0
    if not elapsed:
        return
    ours = (summary.get("server_cpu_s") or 0) + (summary.get("generator_cpu_s") or 0)
    if uses_postgres:
        ours += summary.get("postgres_cpu_s") or 0
    else:
        summary.pop("postgres_cpu_us_per_request", None)
    summary["foreign_cores"] = round(
        max(0.0, summary.get("machine_busy_cores", 0) - ours / elapsed), 2
    )


def markdown(report: dict[str, Any]) -> str:
    env = report["environment"]
    parts = [
        f"# Signet benchmark, {report['started']}",
        "",
        f"Mode: {report['mode']}. Machine: {env['cores']} cores ({env['cpu']}), "
        f"{env['memory_gb']} GB, Linux {env['kernel']}. Python {env['python']}, "
        f"Signet {env['signet']} ({env['git_commit']}"
        + (
            f": {', '.join(env['git_dirty']['files'])} changed, diff "
            f"{env['git_dirty']['diff_sha1']}"
            if env.get("git_dirty")
            else ""
        )
        + f"), uvicorn {env['uvicorn']}, "
        f"uvloop {env['uvloop']}, httptools {env['httptools']}, SQLite {env['sqlite']}, "
        f"PostgreSQL {env['postgresql']}, moto {env['moto']}. Stores in "
        f"{env['fsync_4k']['filesystem']}: 4 KiB append + fdatasync p50 "
        f"{env['fsync_4k']['p50_ms']} ms, p99 {env['fsync_4k']['p99_ms']} ms.",
        "",
        f"Load: {report['settings']['concurrency']} connections, HTTP/1.1 keep-alive, "
        f"upload {report['settings']['upload_s']} s and read mix {report['settings']['read_s']} s"
        f" after a {report['settings']['warmup_s']} s warm-up; {env['load_generator']}.",
        "Server CPU is user+system time of the server's processes over the phase, divided by "
        "the requests; `+pg` is the PostgreSQL backends' CPU per request. "
        "'Other cores busy' is the CPU that processes outside the benchmark used meanwhile, "
        "'stolen' the CPU the hypervisor took (steal time); either non-zero means the "
        "figures are disturbed.",
        "",
    ]
    if report.get("compare"):
        parts += ["## Same load on every target", ""]
        parts += [table(COMPARE_HEADER, compare_rows(report["compare"])), ""]
        if report.get("ratios"):
            parts += ["Ratios (upload):", ""]
            parts += [f"- {name}: {value}" for name, value in report["ratios"].items()]
            parts += [""]
    if report.get("cold_start"):
        cold = report["cold_start"]
        parts += ["## Cold start (spawn to first signed GetCallerIdentity answered)", ""]
        parts += [
            table(
                ["data dir", "median ms", "min ms", "max ms", "runs"],
                [
                    [
                        kind,
                        _cell(c["median_ms"]),
                        _cell(c["min_ms"]),
                        _cell(c["max_ms"]),
                        _cell(c["runs"]),
                    ]
                    for kind, c in cold.items()
                    if isinstance(c, dict)
                ],
            ),
            "",
            f"`python -m signet --version` alone: {cold.get('cli_version_floor_ms')} ms.",
            "",
        ]
    for growth in report.get("growth", []):
        parts += [
            f"## Growth ({growth['engine']}): uploads with certificates already stored",
            "",
            f"Filler: {growth['filler_layout']}, bodies of {growth['filler_body_bytes']} bytes.",
            "",
        ]
        rows = []
        for level in growth["levels"]:
            upload, listing = level["upload"], level["list_one_user"]
            rows.append(
                [
                    f"{level['stored_before']:,}",
                    _cell(level.get("seed_s")),
                    _cell(level.get("seed_rows_per_s")),
                    _cell(level.get("db_mb")),
                    _cell(upload["rps"]),
                    _cell(upload["p50_ms"]),
                    _cell(upload["p99_ms"]),
                    _errors(upload),
                    _cell(listing["p50_ms"]),
                    _cell(listing["p99_ms"]),
                    _cell(listing["requests"]),
                    f"{_cell(upload.get('foreign_cores'))} / {_cell(upload.get('steal_cores'))}",
                ]
            )
        parts += [
            table(
                [
                    "stored",
                    "seed s",
                    "seed rows/s",
                    "DB MB",
                    "upload req/s",
                    "upload p50 ms",
                    "upload p99 ms",
                    "errors",
                    "List p50 ms",
                    "List p99 ms",
                    "List calls",
                    "other cores busy / stolen (upload)",
                ],
                rows,
            ),
            "",
        ]
    return "\n".join(parts)


# Main


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short phases, no growth")
    parser.add_argument("--growth", action="store_true", help="only the growth run")
    parser.add_argument("--growth-max", type=int, default=1_000_000)
    parser.add_argument(
        "--growth-engines", default="sqlite", help="comma-separated: sqlite,postgresql"
    )
    parser.add_argument("--growth-body-bytes", type=int, default=64)
    parser.add_argument(
        "--targets",
        default=",".join(target.name for target in COMPARE_TARGETS),
        help="comma-separated compare targets",
    )
    parser.add_argument("--no-cold", action="store_true", help="leave out the cold starts")
    parser.add_argument("--no-compare", action="store_true", help="leave out the comparison")
    parser.add_argument("--no-growth", action="store_true", help="leave out the growth run")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directories")
    args = parser.parse_args(argv)

    profile = QUICK if args.quick else FULL
    sections = {"compare", "cold"} if args.quick else {"compare", "cold", "growth"}
    if args.growth:
        sections = {"growth"}
    if args.no_cold:
        sections.discard("cold")
    if args.no_compare:
        sections.discard("compare")
    if args.no_growth:
        sections.discard("growth")
    wanted = [name.strip() for name in args.targets.split(",") if name.strip()]
    unknown = set(wanted) - {target.name for target in COMPARE_TARGETS}
    if unknown:
        parser.error(f"unknown targets: {', '.join(sorted(unknown))}")
    targets = [target for target in COMPARE_TARGETS if target.name in wanted]

    # One master key for every Signet process of the run (nodes sharing PostgreSQL must
    # agree on it), set before anything opens a store.
    os.environ["SIGNET_MASTER_KEY"] = base64.b64encode(os.urandom(32)).decode()
    os.environ.setdefault("SIGNET_LOG_LEVEL", "info")

    schemas = Schemas(args.database_url or DEFAULT_DATABASE_URL)
    if schemas.server_version() is None:
        print(f"PostgreSQL not reachable at {schemas.url}: its targets are skipped", flush=True)
        schemas_or_none: Schemas | None = None
    else:
        schemas_or_none = schemas
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    report: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "mode": ("growth only" if args.growth else "full") + (", quick" if args.quick else ""),
        "settings": {
            "concurrency": CONCURRENCY,
            "upload_s": profile.upload_s,
            "read_s": profile.read_s,
            "warmup_s": profile.warmup_s,
            "certs_per_target": profile.certs,
            "users_per_target": profile.certs // 2,
            "signet_workers": 1,
            "signet_log_level": os.environ["SIGNET_LOG_LEVEL"],
            "sqlite_synchronous": "FULL unless the target says NORMAL",
            "sqlite_journal_mode": "WAL",
        },
    }
    if "moto" in wanted and "compare" in sections:
        ensure_moto()
    report["environment"] = environment(schemas_or_none)
    work_root = Path(tempfile.mkdtemp(prefix="signet-bench-"))
    report["environment"]["fsync_4k"] = fsync_latency(work_root)
    wall = time.perf_counter()
    try:
        need = profile.certs
        if "growth" in sections:
            need = max(need, 3 * profile.growth_certs_per_level)
        certs = load.cached_certs(need)
        if "compare" in sections:
            report["compare"] = run_compare(targets, profile, certs, work_root, schemas_or_none)
            for entry in report["compare"].values():
                for scenario in ("upload", "read"):
                    if scenario in entry:
                        add_foreign(entry[scenario], entry["engine"] == "postgresql")
            report["ratios"] = ratios(report["compare"])
        if "cold" in sections:
            print("\n== cold start", flush=True)
            report["cold_start"] = run_cold(profile, work_root)
        if "growth" in sections:
            report["growth"] = []
            for engine in [e.strip() for e in args.growth_engines.split(",") if e.strip()]:
                if engine == "postgresql" and schemas_or_none is None:
                    continue
                print(f"\n== growth on {engine}", flush=True)
                growth = run_growth(
                    profile,
                    certs,
                    work_root,
                    engine,
                    schemas_or_none,
                    args.growth_max,
                    args.growth_body_bytes,
                )
                for level in growth["levels"]:
                    add_foreign(level["upload"], engine == "postgresql")
                    add_foreign(level["list_one_user"], engine == "postgresql")
                report["growth"].append(growth)
    finally:
        if schemas_or_none is not None:
            schemas_or_none.drop_all()
        if not args.keep:
            shutil.rmtree(work_root, ignore_errors=True)
        else:
            print(f"kept {work_root}")
    report["wall_s"] = round(time.perf_counter() - wall, 1)

    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{stamp}.json").write_text(json.dumps(report, indent=2, default=str))
    text = markdown(report)
    (RESULTS / f"{stamp}.md").write_text(text + "\n")
    print("\n" + text)
    print(f"\nwritten: {RESULTS / stamp}.json and .md ({report['wall_s']} s)")


if __name__ == "__main__":
    main()
