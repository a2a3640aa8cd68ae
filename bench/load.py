"""A lean asyncio load generator for the AWS IAM Query API (Signet and its peers).

The generator shares the machine's cores with the server it measures, so it does as
little as it can per request: requests are pre-built form bodies with their SHA-256
computed once; each is signed with SigV4 just before it is sent, which costs one
SHA-256 of a short canonical request and one copy of a cached, pre-keyed HMAC; it
speaks HTTP/1.1 with keep-alive over a bare :class:`asyncio.Protocol` (no HTTP client
library) on uvloop, one connection per concurrent worker.

Scenarios:

* ``upload``: ``UploadSigningCertificate`` of distinct certificates, spread over users so
  that none gets more than two (IAM's quota); the run ends early when the certificates
  run out, unless the target takes repeats (``cycle``, for peers that do not care).
* ``read``: ``ListSigningCertificates``, ``GetUser`` and ``GetCallerIdentity`` in turn,
  over the same users.

Run alone against a running server (users are created through the API first)::

    .venv/bin/python bench/load.py --url http://127.0.0.1:7531 --scenario upload \\
        --concurrency 64 --duration 10 --certs 4000 --pid $(pgrep -f 'signet serve')

``bench/run.py`` imports this module and drives every target with it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import hmac
import json
import os
import re
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
CACHE = BENCH / ".cache"

# The fixed root key the test suite uses; run.py starts every Signet with it.
ROOT_ACCESS_KEY_ID = "AKIAIOSFODNN7SIGNET1"
ROOT_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSIGNETKEY1"

REGION = "us-east-1"
IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
ALGORITHM = "AWS4-HMAC-SHA256"
CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
SIGNED_HEADERS = "content-type;host;x-amz-date"

READ_ACTIONS = ("ListSigningCertificates", "GetUser", "GetCallerIdentity")
GRACE_SECONDS = 10.0  # how long in-flight requests may run past a phase's end
CONNECT_TIMEOUT = 5.0

_CODE = re.compile(rb"<Code>([^<]{1,100})</Code>|\"code\":\s*\"([^\"]{1,100})\"")
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]+)")


# Signing


class Signer:
    """SigV4 for POST / with a form body, with signing keys derived once per day and service."""

    def __init__(self, access_key_id: str, secret_access_key: str, region: str = REGION):
        self.access_key_id = access_key_id
        self.secret = secret_access_key
        self.region = region
        self._macs: dict[tuple[str, str], hmac.HMAC] = {}
        self._second = -1
        self._amz_date = ""

    def amz_date(self) -> str:
        """``yyyymmddThhmmssZ`` of now, formatted once per second."""
        second = int(time.time())
        if second != self._second:
            self._second = second
            self._amz_date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
        return self._amz_date

    def _mac(self, day: str, service: str) -> hmac.HMAC:
        mac = self._macs.get((day, service))
        if mac is None:
            key = hmac.digest(("AWS4" + self.secret).encode(), day.encode(), "sha256")
            for part in (self.region, service, "aws4_request"):
                key = hmac.digest(key, part.encode(), "sha256")
            mac = self._macs[(day, service)] = hmac.new(key, None, hashlib.sha256)
        return mac

    def authorization(self, host: str, amz_date: str, service: str, payload_hash: str) -> str:
        day = amz_date[:8]
        canonical = (
            f"POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz_date}\n\n"
            f"{SIGNED_HEADERS}\n{payload_hash}"
        )
        scope = f"{day}/{self.region}/{service}/aws4_request"
        to_sign = (
            f"{ALGORITHM}\n{amz_date}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        )
        mac = self._mac(day, service).copy()
        mac.update(to_sign.encode())
        return (
            f"{ALGORITHM} Credential={self.access_key_id}/{scope}, "
            f"SignedHeaders={SIGNED_HEADERS}, Signature={mac.hexdigest()}"
        )


@dataclass(frozen=True, slots=True)
class Call:
    """One pre-built API call: its form body and that body's SHA-256."""

    action: str
    service: str
    body: bytes
    payload_hash: str


def make_call(action: str, params: dict[str, str] | None = None, service: str = "iam") -> Call:
    version = STS_VERSION if service == "sts" else IAM_VERSION
    body = urlencode({"Action": action, "Version": version, **(params or {})}).encode()
    return Call(action, service, body, hashlib.sha256(body).hexdigest())


@dataclass(frozen=True, slots=True)
class Target:
    host: str
    port: int

    @classmethod
    def from_url(cls, url: str) -> Target:
        parts = urlsplit(url)
        return cls(parts.hostname or "127.0.0.1", parts.port or 80)

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"


def encode_request(call: Call, target: Target, signer: Signer) -> bytes:
    """The whole HTTP/1.1 request, signed now."""
    host = target.authority
    amz_date = signer.amz_date()
    authorization = signer.authorization(host, amz_date, call.service, call.payload_hash)
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {CONTENT_TYPE}\r\n"
        f"X-Amz-Date: {amz_date}\r\nAuthorization: {authorization}\r\n"
        f"Content-Length: {len(call.body)}\r\n\r\n"
    )
    return head.encode() + call.body


# HTTP/1.1 over a bare protocol


class _Connection(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self.need = -1
        self.head_end = -1
        self.status = 0
        self.closing = False
        self.lost = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is no subclass

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        waiter = self.waiter
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError("connection closed by the server"))

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if self.waiter is not None:
            self._parse()

    def request(self, data: bytes) -> asyncio.Future[tuple[int, bytes]]:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.need = -1
        self.transport.write(data)
        return self.waiter

    def _parse(self) -> None:
        buffer = self.buffer
        if self.need < 0:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(buffer[:end]).lower()
            match = _CONTENT_LENGTH.search(head)
            if match is None:
                self._fail("response without Content-Length")
                return
            self.status = int(head[9:12])
            self.head_end = end + 4
            self.need = end + 4 + int(match.group(1))
            self.closing = b"\r\nconnection: close" in head or head.startswith(b"http/1.0")
        if len(buffer) < self.need:
            return
        body = bytes(buffer[self.head_end : self.need])
        del buffer[: self.need]
        waiter, self.waiter = self.waiter, None
        assert waiter is not None
        if not waiter.done():
            waiter.set_result((self.status, body))
        if self.closing and self.transport is not None:
            self.transport.close()
            self.lost = True

    def _fail(self, reason: str) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(ConnectionError(reason))
        if self.transport is not None:
            self.transport.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()


async def _connect(target: Target) -> _Connection:
    loop = asyncio.get_running_loop()
    _, protocol = await asyncio.wait_for(
        loop.create_connection(lambda: _Connection(loop), target.host, target.port),
        CONNECT_TIMEOUT,
    )
    return protocol


def error_code(status: int, body: bytes) -> str:
    """The AWS error code in an error response, or the HTTP status when there is none."""
    match = _CODE.search(body)
    if match is None:
        return f"HTTP{status}"
    return (match.group(1) or match.group(2)).decode("utf-8", "replace")


# Watching the server: memory and CPU of a process tree, and of the machine


_TICKS = os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (via /proc/<pid>/task/*/children)."""
    found: list[int] = []
    pending = [pid]
    while pending and len(found) < 1000:
        current = pending.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in os.listdir(f"/proc/{current}/task"):
                with (
                    contextlib.suppress(OSError),
                    open(f"/proc/{current}/task/{task}/children") as handle,
                ):
                    pending.extend(int(child) for child in handle.read().split())
    return found


def _status_kb(pid: int, field_name: str) -> int:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(field_name):
                return int(line.split()[1])
    return 0


def tree_rss_kb(pids: Iterable[int]) -> int:
    return sum(_status_kb(pid, "VmRSS:") for root in pids for pid in process_tree(root))


def tree_hwm_kb(pids: Iterable[int]) -> int:
    return sum(_status_kb(pid, "VmHWM:") for root in pids for pid in process_tree(root))


def tree_cpu_seconds(pids: Iterable[int]) -> float:
    """User + system CPU of the processes (and their reaped children) so far."""
    ticks = 0
    for root in pids:
        for pid in process_tree(root):
            with (
                contextlib.suppress(OSError, IndexError, ValueError),
                open(f"/proc/{pid}/stat") as handle,
            ):
                fields = handle.read().rsplit(")", 1)[1].split()
                ticks += sum(int(value) for value in fields[11:15])
    return ticks / _TICKS


def machine_cpu() -> tuple[int, int, int, int]:
    """Jiffies of the whole machine from /proc/stat: (task time: user, nice and system;
    interrupts: irq and softirq, where loopback TCP is largely handled; steal; total)."""
    with open("/proc/stat") as handle:
        values = [int(value) for value in handle.readline().split()[1:9]]
    values += [0] * (8 - len(values))
    user, nice, system, _idle, _iowait, irq, softirq, steal = values
    return user + nice + system, irq + softirq, steal, sum(values)


def _cpu_named(name: str) -> float:
    """CPU seconds used so far by every process whose command is ``name`` (e.g. postgres)."""
    ticks = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with (
            contextlib.suppress(OSError, IndexError, ValueError),
            open(f"/proc/{entry}/stat") as handle,
        ):
            text = handle.read()
            if text[text.index("(") + 1 : text.rindex(")")] == name:
                ticks += sum(int(value) for value in text.rsplit(")", 1)[1].split()[11:15])
    return ticks / _TICKS


class Watch:
    """Samples the summed RSS of process trees every 100 ms while a phase runs."""

    def __init__(self, pids: Sequence[int], interval: float = 0.1) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.peak_rss_kb = 0
        self._task: asyncio.Task[None] | None = None

    async def _sample(self) -> None:
        while True:
            self.peak_rss_kb = max(self.peak_rss_kb, tree_rss_kb(self.pids))
            await asyncio.sleep(self.interval)

    def start(self) -> None:
        if self.pids:
            self._task = asyncio.get_running_loop().create_task(self._sample())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self.peak_rss_kb = max(self.peak_rss_kb, tree_rss_kb(self.pids))


# Phases


@dataclass
class PhaseResult:
    """What one timed phase measured."""

    scenario: str
    concurrency: int
    elapsed: float = 0.0
    completed: int = 0
    ok: int = 0
    exhausted: bool = False
    errors: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    by_action: dict[str, list[float]] = field(default_factory=dict)
    server_cpu_s: float | None = None
    postgres_cpu_s: float | None = None
    generator_cpu_s: float = 0.0
    machine_busy: float = 0.0  # cores busy with tasks (user+system), all processes
    interrupt_cores: float = 0.0
    steal_cores: float = 0.0
    peak_rss_kb: int = 0
    hwm_kb: int = 0

    @property
    def rps(self) -> float:
        return self.completed / self.elapsed if self.elapsed else 0.0

    @property
    def ok_rps(self) -> float:
        return self.ok / self.elapsed if self.elapsed else 0.0

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.latencies)
        out: dict[str, Any] = {
            "scenario": self.scenario,
            "concurrency": self.concurrency,
            "elapsed_s": round(self.elapsed, 3),
            "requests": self.completed,
            "ok": self.ok,
            "rps": round(self.rps, 1),
            "ok_rps": round(self.ok_rps, 1),
            "p50_ms": _ms(percentile(ordered, 50)),
            "p90_ms": _ms(percentile(ordered, 90)),
            "p99_ms": _ms(percentile(ordered, 99)),
            "max_ms": _ms(ordered[-1] if ordered else None),
            "errors": dict(self.errors.most_common()),
            "exhausted": self.exhausted,
            "peak_rss_mb": round(self.peak_rss_kb / 1024, 1),
            "hwm_mb": round(self.hwm_kb / 1024, 1),
            "generator_cpu_s": round(self.generator_cpu_s, 2),
            "machine_busy_cores": round(self.machine_busy, 2),
            "interrupt_cores": round(self.interrupt_cores, 2),
            "steal_cores": round(self.steal_cores, 2),
        }
        if self.server_cpu_s is not None:
            out["server_cpu_s"] = round(self.server_cpu_s, 2)
            if self.completed:
                out["server_cpu_us_per_request"] = round(self.server_cpu_s / self.completed * 1e6)
        if self.postgres_cpu_s is not None:
            out["postgres_cpu_s"] = round(self.postgres_cpu_s, 2)
            if self.completed:
                out["postgres_cpu_us_per_request"] = round(
                    self.postgres_cpu_s / self.completed * 1e6
                )
        if self.completed:
            out["generator_cpu_us_per_request"] = round(self.generator_cpu_s / self.completed * 1e6)
        if len(self.by_action) > 1:
            out["by_action"] = {
                action: {
                    "requests": len(values),
                    "p50_ms": _ms(percentile(sorted(values), 50)),
                    "p99_ms": _ms(percentile(sorted(values), 99)),
                }
                for action, values in self.by_action.items()
            }
        return out


def percentile(ordered: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of sorted values."""
    if not ordered:
        return None
    rank = max(1, -(-len(ordered) * pct // 100))
    return ordered[min(len(ordered), int(rank)) - 1]


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 2)


Source = Callable[[int], Call | None]


class LoadGenerator:
    """C keep-alive connections, spread round-robin over the targets, sending calls."""

    def __init__(
        self, targets: Sequence[Target], signer: Signer, concurrency: int, client: str = "raw"
    ) -> None:
        self.targets = list(targets)
        self.signer = signer
        self.concurrency = concurrency
        self.client = client  # "raw", or "httpx" to compare what an HTTP client costs
        self.connections: list[_Connection | None] = [None] * concurrency
        self._httpx: dict[Target, Any] = {}
        self.index = 0  # the next call index of the current source, shared by the workers

    def target_of(self, slot: int) -> Target:
        return self.targets[slot % len(self.targets)]

    async def run(
        self,
        scenario: str,
        source: Source,
        *,
        duration: float,
        max_requests: int | None = None,
        start_index: int = 0,
        watch_pids: Sequence[int] = (),
        watch_postgres: bool = True,
    ) -> PhaseResult:
        """Send calls ``source(i)`` for i from ``start_index`` until ``duration`` seconds
        pass, ``max_requests`` are sent or the source returns None."""
        result = PhaseResult(scenario, self.concurrency)
        self.index = start_index
        stop_index = start_index + max_requests if max_requests is not None else None
        watch = Watch(watch_pids)
        cpu_before = tree_cpu_seconds(watch_pids) if watch_pids else None
        pg_before = _cpu_named("postgres") if watch_postgres else None
        machine_before = machine_cpu()
        own_before = time.process_time()
        watch.start()
        started = time.perf_counter()
        deadline = started + duration
        worker = self._httpx_worker if self.client == "httpx" else self._worker
        tasks = [
            asyncio.ensure_future(worker(slot, source, result, deadline, stop_index))
            for slot in range(self.concurrency)
        ]
        done, pending = await asyncio.wait(tasks, timeout=duration + GRACE_SECONDS)
        for task in pending:
            task.cancel()
            result.errors["ClientTimeout"] += 1
            self.connections[tasks.index(task)] = None
        for task in done:
            if task.exception() is not None:
                result.errors[f"GeneratorError:{type(task.exception()).__name__}"] += 1
        result.elapsed = time.perf_counter() - started
        await watch.stop()
        result.generator_cpu_s = time.process_time() - own_before
        after = machine_cpu()
        cores = os.cpu_count() or 1
        span = max(1, after[3] - machine_before[3]) / cores  # jiffies per core
        result.machine_busy = (after[0] - machine_before[0]) / span
        result.interrupt_cores = (after[1] - machine_before[1]) / span
        result.steal_cores = (after[2] - machine_before[2]) / span
        if cpu_before is not None:
            result.server_cpu_s = tree_cpu_seconds(watch_pids) - cpu_before
        if pg_before is not None:
            result.postgres_cpu_s = _cpu_named("postgres") - pg_before
        result.peak_rss_kb = watch.peak_rss_kb
        result.hwm_kb = tree_hwm_kb(watch_pids) if watch_pids else 0
        return result

    async def _worker(
        self,
        slot: int,
        source: Source,
        result: PhaseResult,
        deadline: float,
        stop_index: int | None,
    ) -> None:
        target = self.target_of(slot)
        signer = self.signer
        latencies = result.latencies
        by_action = result.by_action
        clock = time.perf_counter
        while clock() < deadline:
            index = self.index
            if stop_index is not None and index >= stop_index:
                return
            call = source(index)
            if call is None:
                result.exhausted = True
                return
            self.index = index + 1
            # The clock starts before any reconnection: a server that closes every
            # connection (moto's does) pays for a new one in each request's latency.
            began = clock()
            connection = self.connections[slot]
            if connection is None or connection.lost:
                try:
                    connection = self.connections[slot] = await _connect(target)
                except (TimeoutError, OSError):
                    result.errors["ConnectError"] += 1
                    await asyncio.sleep(0.05)
                    continue
            data = encode_request(call, target, signer)
            try:
                status, body = await connection.request(data)
            except ConnectionError:
                result.errors["ConnectionClosed"] += 1
                self.connections[slot] = None
                continue
            elapsed = clock() - began
            latencies.append(elapsed)
            per_action = by_action.get(call.action)
            if per_action is None:
                per_action = by_action[call.action] = []
            per_action.append(elapsed)
            result.completed += 1
            if status == 200:
                result.ok += 1
            else:
                result.errors[error_code(status, body)] += 1

    async def _httpx_worker(
        self,
        slot: int,
        source: Source,
        result: PhaseResult,
        deadline: float,
        stop_index: int | None,
    ) -> None:
        """The same loop through httpx.AsyncClient (HTTP/1.1 keep-alive), for comparison."""
        import httpx

        target = self.target_of(slot)
        client = self._httpx.get(target)
        if client is None:
            limits = httpx.Limits(
                max_connections=self.concurrency, max_keepalive_connections=self.concurrency
            )
            client = self._httpx[target] = httpx.AsyncClient(limits=limits, timeout=30.0)
        url = f"http://{target.authority}/"
        while time.perf_counter() < deadline:
            index = self.index
            if stop_index is not None and index >= stop_index:
                return
            call = source(index)
            if call is None:
                result.exhausted = True
                return
            self.index = index + 1
            amz_date = self.signer.amz_date()
            headers = {
                "Content-Type": CONTENT_TYPE,
                "X-Amz-Date": amz_date,
                "Authorization": self.signer.authorization(
                    target.authority, amz_date, call.service, call.payload_hash
                ),
            }
            began = time.perf_counter()
            try:
                response = await client.post(url, content=call.body, headers=headers)
            except httpx.HTTPError as error:
                result.errors[type(error).__name__] += 1
                continue
            elapsed = time.perf_counter() - began
            result.latencies.append(elapsed)
            result.by_action.setdefault(call.action, []).append(elapsed)
            result.completed += 1
            if response.status_code == 200:
                result.ok += 1
            else:
                result.errors[error_code(response.status_code, response.content)] += 1

    async def aclose(self) -> None:
        self.close()
        for client in self._httpx.values():
            await client.aclose()
        self._httpx.clear()

    def close(self) -> None:
        for connection in self.connections:
            if connection is not None:
                connection.close()
        self.connections = [None] * self.concurrency


# Request sources


def user_names(count: int, prefix: str = "bench-user") -> list[str]:
    return [f"{prefix}-{number:07d}" for number in range(count)]


def upload_source(certs: Sequence[str], users: Sequence[str], *, cycle: bool = False) -> Source:
    """Upload certificate i for user i mod len(users): at most two per user when there
    are len(certs)/2 users. The calls are built now, not while sending. With ``cycle``,
    they repeat when they run out (for a target that takes repeats, like the ceiling)."""
    user_count = len(users)
    if not certs or not user_count:
        raise ValueError("an upload needs certificates and users")
    calls = [
        make_call(
            "UploadSigningCertificate", {"UserName": users[i % user_count], "CertificateBody": cert}
        )
        for i, cert in enumerate(certs)
    ]
    count = len(calls)

    def source(index: int) -> Call | None:
        if index < count:
            return calls[index]
        return calls[index % count] if cycle else None

    return source


def read_source(users: Sequence[str]) -> Source:
    """ListSigningCertificates, GetUser and GetCallerIdentity in turn, over the users."""
    if not users:
        raise ValueError("the read mix needs users")
    calls = []
    identity = make_call("GetCallerIdentity", service="sts")
    for number, name in enumerate(users[:50_000]):
        calls.append(
            make_call("ListSigningCertificates", {"UserName": name})
            if number % 2 == 0
            else make_call("GetUser", {"UserName": name})
        )
    size = len(calls)

    def source(index: int) -> Call | None:
        step, turn = divmod(index, 3)
        if turn == 2:
            return identity
        return calls[(2 * step + turn) % size] if size > 1 else calls[0]

    return source


def create_user_source(users: Sequence[str]) -> Source:
    def source(index: int) -> Call | None:
        return make_call("CreateUser", {"UserName": users[index]}) if index < len(users) else None

    return source


async def create_users(generator: LoadGenerator, users: Sequence[str]) -> PhaseResult:
    """Create users through the API (for targets that cannot be seeded directly)."""
    return await generator.run(
        "create-users",
        create_user_source(users),
        duration=max(60.0, len(users) / 50),
    )


# Certificates


def _generate(count: int) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from tests.certs import distinct_rsa_certs

    return distinct_rsa_certs(count)


def generate_certs(count: int, processes: int | None = None) -> list[str]:
    """``count`` distinct self-signed RSA-2048 certificates, in parallel processes."""
    processes = processes or os.cpu_count() or 1
    if count < 200 or processes == 1:
        return _generate(count)
    share = -(-count // processes)
    sizes = [min(share, count - start) for start in range(0, count, share)]
    with ProcessPoolExecutor(len(sizes)) as pool:
        return [cert for chunk in pool.map(_generate, sizes) for cert in chunk]


CERT_CACHE_MAX_AGE_DAYS = 30


def cached_certs(count: int, cache: Path = CACHE / "certs.pem") -> list[str]:
    """``count`` distinct certificates from the cache file, generating what is missing.

    The cache is thrown away when older than a month (the certificates last a year).
    """
    certs: list[str] = []
    if cache.exists():
        age_days = (time.time() - cache.stat().st_mtime) / 86400
        if age_days < CERT_CACHE_MAX_AGE_DAYS:
            marker = "-----END CERTIFICATE-----\n"
            certs = [block + marker for block in cache.read_text().split(marker) if block.strip()]
        else:
            cache.unlink()
    if len(certs) < count:
        started = time.perf_counter()
        missing = count - len(certs)
        print(f"generating {missing} certificates...", file=sys.stderr, flush=True)
        fresh = generate_certs(missing)
        cache.parent.mkdir(parents=True, exist_ok=True)
        with cache.open("a") as handle:
            handle.write("".join(fresh))
        certs.extend(fresh)
        print(f"  done in {time.perf_counter() - started:.1f} s", file=sys.stderr, flush=True)
    return certs[:count]


# Standalone use


def print_summary(name: str, summary: dict[str, Any]) -> None:
    errors = ", ".join(f"{code}={n}" for code, n in summary["errors"].items()) or "none"
    print(
        f"{name}: {summary['rps']:.0f} req/s ({summary['ok_rps']:.0f} ok/s) "
        f"p50 {summary['p50_ms']} ms p90 {summary['p90_ms']} ms p99 {summary['p99_ms']} ms; "
        f"{summary['requests']} requests, errors: {errors}; "
        f"server peak RSS {summary['peak_rss_mb']} MB"
    )


async def _standalone(args: argparse.Namespace) -> dict[str, Any]:
    signer = Signer(args.access_key_id, args.secret_access_key)
    targets = [Target.from_url(url) for url in args.url]
    generator = LoadGenerator(targets, signer, args.concurrency, args.client)
    prefix = args.user_prefix or f"bench-{os.getpid()}-{int(time.time())}"
    users = user_names(args.users or max(1, -(-args.certs // 2)), prefix)
    report: dict[str, Any] = {"targets": args.url, "users": len(users)}
    try:
        if not args.skip_create_users:
            created = await create_users(generator, users)
            report["create_users"] = created.summary()
            print_summary("create users", report["create_users"])
        if args.scenario == "upload":
            certs = cached_certs(args.certs) if args.cert_cache else generate_certs(args.certs)
            source = upload_source(certs, users, cycle=args.cycle)
        else:
            source = read_source(users)
        if args.warmup > 0:
            await generator.run(args.scenario, source, duration=args.warmup)
        result = await generator.run(
            args.scenario,
            source,
            duration=args.duration,
            max_requests=args.requests,
            start_index=generator.index,
            watch_pids=args.pid,
        )
        report[args.scenario] = result.summary()
        print_summary(args.scenario, report[args.scenario])
    finally:
        await generator.aclose()
    return report


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", required=True, help="repeat for several nodes")
    parser.add_argument("--scenario", choices=("upload", "read"), default="upload")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds")
    parser.add_argument("--requests", type=int, default=None, help="stop after this many")
    parser.add_argument("--warmup", type=float, default=1.0, help="seconds, not counted")
    parser.add_argument("--certs", type=int, default=4000, help="distinct certificates")
    parser.add_argument("--users", type=int, default=None, help="default: certs / 2")
    parser.add_argument("--user-prefix", default=None)
    parser.add_argument("--skip-create-users", action="store_true")
    parser.add_argument("--cert-cache", action="store_true", help=f"reuse {CACHE}/certs.pem")
    parser.add_argument("--cycle", action="store_true", help="repeat certificates when out")
    parser.add_argument("--pid", type=int, action="append", default=[], help="server pid(s)")
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw")
    parser.add_argument("--json", type=Path, default=None, help="write the report here")
    parser.add_argument(
        "--access-key-id", default=os.environ.get("AWS_ACCESS_KEY_ID", ROOT_ACCESS_KEY_ID)
    )
    parser.add_argument(
        "--secret-access-key",
        default=os.environ.get("AWS_SECRET_ACCESS_KEY", ROOT_SECRET_ACCESS_KEY),
    )
    args = parser.parse_args(argv)
    if not 1 <= args.concurrency <= 4096 or args.duration <= 0 or args.duration > 3600:
        parser.error("concurrency must be 1..4096 and duration 0..3600 s")
    report = run_loop(_standalone(args))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))


def run_loop(coroutine: Any) -> Any:
    """Run a coroutine on uvloop when it is installed (it is, with uvicorn[standard])."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)


if __name__ == "__main__":
    main()


__all__ = [
    "Call",
    "LoadGenerator",
    "PhaseResult",
    "Signer",
    "Target",
    "cached_certs",
    "create_users",
    "make_call",
    "read_source",
    "upload_source",
    "user_names",
]
