"""Where one Signet server process spends its time under load, sampled with py-spy.

Starts ``signet serve`` (one worker) on a fresh store, drives the upload scenario (or
the read mix) at concurrency 64 with bench/load.py, records the server with
``py-spy record --format raw`` meanwhile, and sorts every sample into a cost category
by the innermost frame that names one (SigV4, x509, SQLite COMMIT, logging, XML...).
Prints the categories, the functions with the most inclusive time and the hottest
lines; writes the raw stacks and the summary next to the other results.

    .venv/bin/pip install py-spy      # once; not a dependency of the project
    .venv/bin/python bench/hotspots.py --duration 20
    .venv/bin/python bench/hotspots.py --engine postgresql --scenario read
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import load
import run
import seed

SRC = run.ROOT / "src"
_FRAME = re.compile(r"^(?P<func>.*) \((?P<file>[^():]+):(?P<line>\d+)\)$")

# (category, file fragment, function fragment or "", source-line fragment or ""), tried
# in order on each frame from the innermost outwards; the first frame that matches one
# decides the sample's category.
RULES: list[tuple[str, str, str, str]] = [
    ("store: SQLite COMMIT (WAL append + fsync)", "signet/store/sqlite.py", "", "COMMIT"),
    ("store: SQLite BEGIN (IMMEDIATE: write lock)", "signet/store/sqlite.py", "", "BEGIN"),
    ("store: PostgreSQL driver and pool", "psycopg", "", ""),
    ("store: SQL statements and row mapping", "signet/store/", "", ""),
    ("x509: parse and verify the certificate", "signet/x509.py", "", ""),
    ("SigV4: parse and verify the signature", "signet/auth/sigv4.py", "", ""),
    ("secrets: open the sealed secret (AES-GCM)", "signet/secrets.py", "", ""),
    ("authentication/authorization, other", "signet/auth/", "", ""),
    ("audit trail", "signet/audit.py", "", ""),
    ("metrics", "signet/metrics", "", ""),
    ("rate limiter", "signet/throttle.py", "", ""),
    ("logging (request log line)", "signet/logs.py", "", ""),
    ("logging (request log line)", "logging/", "", ""),
    ("XML render", "signet/wire/xml.py", "", ""),
    ("model: decode and validate parameters", "signet/wire/model.py", "decode", ""),
    ("model: decode and validate parameters", "signet/wire/model.py", "validate", ""),
    ("XML render", "signet/wire/model.py", "render", ""),
    ("model, other", "signet/wire/", "", ""),
    ("clock and timestamps", "signet/clock.py", "", ""),
    ("ids (request id, uuid4)", "signet/ids.py", "", ""),
    ("ids (request id, uuid4)", "uuid.py", "", ""),
    ("IAM operation handlers", "signet/iam/", "", ""),
    ("api: form parsing, dispatch", "signet/api.py", "", ""),
    ("ASGI app: headers, body, response", "signet/app.py", "", ""),
    ("thread pool hand-off", "concurrent/futures", "", ""),
    ("thread pool hand-off", "threading.py", "", ""),
    ("uvicorn, httptools and the event loop", "uvicorn/", "", ""),
    ("uvicorn, httptools and the event loop", "asyncio/", "", ""),
]

# Inclusive time of these (label, file fragment, function name).
INCLUSIVE: list[tuple[str, str, str]] = [
    ("Endpoint.handle (everything after the body is read)", "signet/api.py", "Endpoint.handle"),
    ("authenticate (key lookup + unseal + SigV4)", "signet/auth/authenticate.py", "authenticate"),
    ("sigv4.verify_signature", "signet/auth/sigv4.py", "verify_signature"),
    ("sigv4.parse_signature", "signet/auth/sigv4.py", "parse_signature"),
    ("x509.parse_certificate", "signet/x509.py", "parse_certificate"),
    ("upload_signing_certificate handler", "signet/iam/signing_certificates.py", "upload"),
    ("store.write transaction", "signet/store/", ".write"),
    ("store.read transaction", "signet/store/", ".read"),
    ("logging: Logger.info/_log", "logging/__init__.py", "Logger._log"),
    ("render_xml", "signet/wire/model.py", "render_xml"),
    ("audit", "signet/audit.py", ""),
    ("operation.decode_query", "signet/wire/model.py", "decode_query"),
    ("operation.validate", "signet/wire/model.py", "validate"),
    ("access.authorize", "signet/auth/access.py", "authorize"),
]


@cache
def _source_line(file: str, line: int) -> str:
    path = SRC / file if file.startswith("signet/") else None
    if path is None or not path.exists():
        return ""
    lines = path.read_text(errors="replace").splitlines()
    return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def parse_frame(frame: str) -> tuple[str, str, int]:
    match = _FRAME.match(frame)
    if match is None:
        return frame, "", 0
    return match["func"], match["file"], int(match["line"])


def categorize(frames: Sequence[tuple[str, str, int]]) -> str:
    for func, file, line in reversed(frames):
        for category, file_part, func_part, text_part in RULES:
            if file_part not in file or (func_part and func_part not in func):
                continue
            if text_part and text_part not in _source_line(file, line):
                continue
            return category
    return "other"


def summarize(raw: str) -> dict[str, Any]:
    """Categories, inclusive times, hottest functions and lines of py-spy raw output."""
    categories: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    functions: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for entry in raw.splitlines():
        stack, _, count_text = entry.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [parse_frame(frame) for frame in stack.split(";")]
        total += count
        categories[categorize(frames)] += count
        for label, file_part, func_part in INCLUSIVE:
            if any(file_part in file and func_part in func for func, file, _ in frames):
                inclusive[label] += count
        for name in {f"{func} ({file})" for func, file, _ in frames if file.startswith("signet")}:
            functions[name] += count
        func, file, line = frames[-1]
        text = _source_line(file, line)
        leaves[f"{func} ({file}:{line})" + (f"  `{text[:70]}`" if text else "")] += count
    return {
        "samples": total,
        "categories": categories.most_common(),
        "inclusive": sorted(inclusive.items(), key=lambda item: -item[1]),
        "functions": functions.most_common(),
        "leaves": leaves.most_common(),
    }


def render(passes: dict[str, dict[str, Any]], context: dict[str, Any]) -> str:
    """Markdown: a wall share (of the samples of running threads, waits in system calls
    such as fsync included) and a GIL share (of the samples holding the GIL: CPU work)."""
    wall, gil = passes["wall"], passes["gil"]
    cpu_us = context.get("server_cpu_us_per_request") or 0

    def columns(name: str, key: str) -> str:
        wall_share = dict(wall[key]).get(name, 0) / max(1, wall["samples"])
        gil_share = dict(gil[key]).get(name, 0) / max(1, gil["samples"])
        return f"{100 * wall_share:.1f}% | {100 * gil_share:.1f}% | {gil_share * cpu_us:.0f}"

    def names(key: str, top: int = 25) -> list[str]:
        """The top names of the wall pass, then those of the GIL pass not among them."""
        order = [name for name, _ in wall[key][:top]]
        order += [name for name, _ in gil[key][:top] if name not in order]
        return order

    header = ["| {} | wall share | GIL share | ≈ CPU µs/req |", "|---|---|---|---|"]
    slots = context["rate"] * context["duration"]
    dirty = context.get("dirty")
    lines = [
        f"# Signet profile: {context['scenario']} on {context['engine']}, {context['started']}",
        "",
        f"{context['py_spy']}, {context['rate']} samples/s (pausing the process at each "
        f"sample, except in the wall pass on PostgreSQL: --nonblocking), two passes of "
        f"{context['duration']} s each on the server process (one worker) under "
        f"{context['concurrency']} connections: a wall pass (samples of "
        f"running threads, waits in system calls such as fsync included; "
        f"{wall['samples']} samples, {wall['samples'] / slots:.0%} of the slots of one "
        f"thread) and a `--gil` pass (samples holding the GIL, i.e. CPU work; "
        f"{gil['samples']} samples). Load: {context['rps_wall']:.0f} req/s during the wall "
        f"pass, {context['rps_gil']:.0f} req/s during the GIL pass; server CPU {cpu_us} µs "
        f"per request (user+system, kernel included); other processes kept "
        f"{context.get('foreign_cores')} cores busy. Code: {context.get('code')}"
        + (f" ({', '.join(dirty['files'])} changed, diff {dirty['diff_sha1']})." if dirty else "."),
        "",
        "≈ CPU µs/req = GIL share x the measured server CPU per request. On PostgreSQL the "
        "requests run on a thread pool: the wall pass counts every thread, most of them "
        "waiting for the database.",
        "",
        "## By category (innermost frame that names one)",
        "",
        *[line.format("category") for line in header],
    ]
    lines += [f"| {name} | {columns(name, 'categories')} |" for name in names("categories")]
    lines += ["", "## Inclusive time", "", *[line.format("function") for line in header]]
    lines += [f"| {name} | {columns(name, 'inclusive')} |" for name in names("inclusive")]
    lines += [
        "",
        "## Signet functions by inclusive time",
        "",
        *[h.format("function") for h in header],
    ]
    lines += [f"| `{name}` | {columns(name, 'functions')} |" for name in names("functions")]
    lines += ["", "## Hottest innermost lines", "", *[h.format("line") for h in header]]
    lines += [f"| {name} | {columns(name, 'leaves')} |" for name in names("leaves")]
    return "\n".join(lines) + "\n"


def py_spy() -> str:
    found = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(found).exists():
        sys.exit("py-spy is not installed: .venv/bin/pip install py-spy")
    return found


async def drive(
    server: run.Server,
    source: load.Source,
    scenario: str,
    duration: float,
    rate: int,
    raw_paths: dict[str, Path],
    spy: str,
    server_uses_postgres: bool,
) -> dict[str, dict[str, Any]]:
    """Keep the load on while py-spy records a wall pass, then a GIL pass."""
    generator = run.fresh_generator(server)
    summaries: dict[str, dict[str, Any]] = {}
    try:
        await generator.run(scenario, source, duration=2.0)  # warm-up
        for name, raw_path in raw_paths.items():
            argv = [spy, "record", "-p", str(server.pids[0]), "-r", str(rate)]
            argv += ["-d", str(int(duration)), "-f", "raw", "-o", str(raw_path)]
            if name == "gil":
                argv.append("--gil")
            elif server_uses_postgres:
                # Pausing a process of many threads at every sample slows it several-fold;
                # the GIL pass must pause (without it py-spy misses most GIL samples).
                argv.append("--nonblocking")
            process = await asyncio.create_subprocess_exec(
                *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
            )
            result = await generator.run(
                scenario,
                source,
                duration=duration + 0.5,
                start_index=generator.index,
                watch_pids=server.pids,
            )
            output, _ = await asyncio.wait_for(process.communicate(), 60)
            if not raw_path.exists():
                raise RuntimeError(f"py-spy wrote nothing: {output.decode(errors='replace')}")
            summary = result.summary()
            run.add_foreign(summary, server_uses_postgres)
            summaries[name] = summary
    finally:
        generator.close()
    return summaries


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scenario", choices=("upload", "read"), default="upload")
    parser.add_argument("--duration", type=int, default=20, help="seconds sampled (max 120)")
    parser.add_argument("--rate", type=int, default=250, help="samples per second")
    parser.add_argument("--database-url", default=run.DEFAULT_DATABASE_URL)
    parser.add_argument("--synchronous", default="FULL")
    parser.add_argument(
        "--render", type=Path, default=None, help="re-render a saved profile (its .json path)"
    )
    args = parser.parse_args(argv)
    if args.render is not None:
        context = json.loads(args.render.read_text())
        base = args.render.with_suffix("")
        passes = {
            name: summarize(base.with_name(f"{base.name}-{name}.folded").read_text())
            for name in ("wall", "gil")
        }
        text = render(passes, context)
        base.with_suffix(".md").write_text(text)
        print(text)
        return
    if not 1 <= args.duration <= 120:
        parser.error("--duration must be 1..120")
    spy = py_spy()
    version = subprocess.run([spy, "--version"], capture_output=True, text=True, check=False)
    os.environ["SIGNET_MASTER_KEY"] = run.base64.b64encode(os.urandom(32)).decode()

    certs = load.cached_certs(min(30_000, args.duration * 800 + 3_000))
    users = load.user_names(len(certs) // 2)
    work = Path(tempfile.mkdtemp(prefix="signet-profile-"))
    schemas = run.Schemas(args.database_url) if args.engine == "postgresql" else None
    started = datetime.now(UTC)
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    base = run.RESULTS / f"profile-{stamp}-{args.engine}-{args.scenario}"
    raw_paths = {name: base.with_name(f"{base.name}-{name}.folded") for name in ("wall", "gil")}
    run.RESULTS.mkdir(exist_ok=True)
    server = None
    try:
        url = schemas.new() if schemas else None
        account = seed.prepare_store(work / "data", url, run.ROOT_KEY, args.synchronous)
        seed.seed_users(work / "data", url, account, users)
        server = run.start_signet(
            "profiled",
            work,
            database_url=url,
            env={"SIGNET_SQLITE_SYNCHRONOUS": args.synchronous},
        )
        source = (
            load.upload_source(certs, users)
            if args.scenario == "upload"
            else load.read_source(users)
        )
        loads = load.run_loop(
            drive(
                server,
                source,
                args.scenario,
                args.duration,
                args.rate,
                raw_paths,
                spy,
                args.engine == "postgresql",
            )
        )
    finally:
        if server is not None:
            server.stop()
        if schemas is not None:
            schemas.drop_all()
        shutil.rmtree(work, ignore_errors=True)
    passes = {name: summarize(path.read_text()) for name, path in raw_paths.items()}
    engine = args.engine
    if engine == "sqlite":
        engine += f" (synchronous {args.synchronous})"
    cpu = [loads[name].get("server_cpu_us_per_request") for name in ("wall", "gil")]
    context = {
        "scenario": args.scenario,
        "engine": engine,
        "started": started.isoformat(timespec="seconds"),
        "py_spy": version.stdout.strip(),
        "rate": args.rate,
        "duration": args.duration,
        "concurrency": run.CONCURRENCY,
        "rps_wall": loads["wall"]["rps"],
        "rps_gil": loads["gil"]["rps"],
        "server_cpu_us_per_request": round(
            sum(c for c in cpu if c) / max(1, len([c for c in cpu if c]))
        ),
        "foreign_cores": max(loads[name].get("foreign_cores") or 0 for name in loads),
        "code": run.environment(None)["git_commit"],
        "dirty": run.git_dirty(),
    }
    base.with_suffix(".json").write_text(json.dumps(context, indent=2))
    text = render(passes, context)
    md_path = base.with_suffix(".md")
    md_path.write_text(text)
    print(text)
    print(f"written: {md_path} and the raw stacks beside it (*.folded)")


if __name__ == "__main__":
    main()
