"""`mkg serve --workers 2` on the embedded store: two real server processes sharing it read-only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from graph.documents import read_document
from graph.ingest import ingest_document
from graph.store import open_store
from tests.conftest import hand_made_extraction
from tests.net import free_port

REPO = Path(__file__).resolve().parents[1]
POST = """---
title: "Meet the Maintainer: Laurent Bernaille"
---
Laurent Bernaille works at Datadog.
"""


def children_of(pid: int) -> list[int]:
    """Processes whose parent is `pid` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name (field 2) is in parentheses and may hold spaces; the parent pid follows.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


@pytest.fixture
def served_twice(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    data = tmp_path / "data"
    store = open_store(data)
    ingest_document(read_document(POST, "posts/laurent.md"), store, extractor=hand_made_extraction)
    store.close()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO), "MKG_QUERY_WORKERS": "1"}
    env.pop("MKG_STORE", None)
    command = [sys.executable, "-c", "from api.cli import main; main()", "serve", "--workers", "2",
               "--data-dir", str(data), "--port", str(port)]  # fmt: skip
    log = (tmp_path / "server.log").open("wb")
    server = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "the server did not start within 90 s"
            time.sleep(0.3)
        yield url, server
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


@pytest.mark.slow
def test_two_server_processes_answer_reads_and_refuse_writes(
    served_twice: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, server = served_twice
    # uvicorn's supervisor spawns one process per worker (beside multiprocessing's resource tracker).
    workers = [
        pid for pid in children_of(server.pid) if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    assert len(workers) == 2

    with httpx.Client(base_url=url, timeout=30) as client:
        names = {client.get("/entities/person/laurent-bernaille").json()["name"] for _ in range(8)}
        refused = client.post(
            "/documents", content="Thomas Graf created Cilium.", headers={"Content-Type": "text/plain"}
        )

    assert names == {"Laurent Bernaille"}
    assert refused.status_code == 409
    assert refused.json()["error"] == "read_only_store"
