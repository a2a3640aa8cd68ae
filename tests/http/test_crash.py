"""Every acknowledged change survives ``kill -9`` of the server, and nothing half-done does."""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests import certs
from tests.conftest import make_client
from tests.server import start_server

WRITERS = 8
BODIES = 240


def test_acknowledged_uploads_survive_kill_9(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    server = start_server(data_dir)
    iam = make_client(server)
    users = [f"crash-{index}" for index in range(BODIES // 2)]
    for name in users:
        iam.create_user(UserName=name)
    bodies = certs.distinct_rsa_certs(BODIES)
    acknowledged: list[tuple[str, str]] = []
    lock = threading.Lock()
    stop = threading.Event()

    def upload(index: int) -> None:
        client = make_client(server)
        for position in range(index, BODIES, WRITERS):
            if stop.is_set():
                return
            name = users[position // 2]
            try:
                answer = client.upload_signing_certificate(
                    UserName=name, CertificateBody=bodies[position]
                )
            except Exception:
                # Any failure once the server is gone: the upload was not acknowledged.
                return
            with lock:
                acknowledged.append((name, answer["Certificate"]["CertificateId"]))

    with ThreadPoolExecutor(WRITERS) as pool:
        futures = [pool.submit(upload, index) for index in range(WRITERS)]
        deadline = time.monotonic() + 20
        while len(acknowledged) < BODIES // 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait()
        stop.set()
        for future in futures:
            future.result()

    assert acknowledged, "no upload was acknowledged before the kill"
    restarted = start_server(data_dir)
    try:
        iam = make_client(restarted)
        stored = {
            name: {
                c["CertificateId"]: c
                for c in iam.list_signing_certificates(UserName=name)["Certificates"]
            }
            for name in users
        }
    finally:
        restarted.stop()

    for name, certificate_id in acknowledged:
        assert certificate_id in stored[name], (name, certificate_id)
    for held in stored.values():
        assert len(held) <= 2
        for certificate in held.values():
            assert certificate["Status"] == "Active"
            assert certificate["CertificateBody"] in bodies
