"""Writers and readers at once against a running maintainer-kg server on loopback.

    python scripts/stress.py --url http://127.0.0.1:8000 [--writers 16 --readers 16 --documents 10]
    python scripts/stress.py --data-dir /tmp/stress-data      # starts `mkg serve` on a free port

Each writer posts its documents (distinct sources); readers ask /documents, /entities, /sparql and
/health until the writers are done (or --duration seconds pass). Afterwards every posted document must
be listed and readable. Prints a JSON report; exit status 1 on any error or lost document.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import httpx

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
READS = (
    ("documents", "GET", "/documents?limit=50"),
    ("entities", "GET", "/entities?q=stress&limit=20"),
    (
        "sparql",
        "GET",
        "/sparql?query=SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D",
    ),
    ("health", "GET", "/health"),
)


@dataclass
class StressReport:
    """What happened: requests by kind, failures, latencies (seconds) and the documents found after."""

    writers: int
    readers: int
    documents_posted: int = 0
    documents_found: int = 0
    lost: list[str] = field(default_factory=list)
    requests: dict[str, int] = field(default_factory=dict)
    failures: dict[str, int] = field(default_factory=dict)
    latency: dict[str, dict[str, float]] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures and not self.lost and self.documents_found >= self.documents_posted


def document_text(writer: int, index: int) -> str:
    """A small interview naming a person unique to this writer and document."""
    person = f"Stress Person{writer}x{index}"
    return (
        f'---\ntitle: "Stress interview {writer}-{index}"\ndate: 2024-03-{1 + index % 28:02d}\n---\n'
        f"**What do you work on?**\n\n{person} works at Datadog and contributed to Cilium since 2019. "
        f"Laurent Bernaille maintains kube-proxy.\n"
    )


def _percentiles(samples: list[float]) -> dict[str, float]:
    if not samples:
        return {}
    ordered = sorted(samples)
    return {
        "p50": round(statistics.median(ordered), 4),
        "p95": round(ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))], 4),
        "max": round(ordered[-1], 4),
    }


def check_loopback(url: str) -> None:
    host = urlparse(url).hostname or ""
    if host not in LOOPBACK and f"[{host}]" not in LOOPBACK:
        raise SystemExit(f"{url}: stress runs against loopback only (127.0.0.1, localhost, ::1).")


def run_stress(
    url: str,
    *,
    writers: int = 16,
    readers: int = 16,
    documents_per_writer: int = 10,
    duration: float = 120.0,
    token: str | None = None,
    request_timeout: float = 120.0,
) -> StressReport:
    """Run writers and readers against `url` and check that no document was lost."""
    check_loopback(url)
    report = StressReport(writers=writers, readers=readers)
    lock = threading.Lock()
    latencies: dict[str, list[float]] = {}
    requests: Counter[str] = Counter()
    failures: Counter[str] = Counter()
    posted: list[str] = []
    writers_done = threading.Event()
    deadline = time.monotonic() + duration
    auth = {"Authorization": f"Bearer {token}"} if token else {}

    def note(kind: str, started: float, status: int | str, expected: int) -> None:
        with lock:
            requests[kind] += 1
            latencies.setdefault(kind, []).append(time.monotonic() - started)
            if status != expected:
                failures[f"{kind}:{status}"] += 1

    def write(number: int) -> None:
        with httpx.Client(base_url=url, timeout=request_timeout) as client:
            for index in range(documents_per_writer):
                if time.monotonic() > deadline:
                    return
                source = f"stress/w{number:02d}-{index:03d}.md"
                started = time.monotonic()
                try:
                    response = client.post(
                        "/documents",
                        params={"source": source},
                        content=document_text(number, index).encode("utf-8"),
                        headers={"Content-Type": "text/markdown", **auth},
                    )
                    status: int | str = response.status_code
                    if status == 201:
                        with lock:
                            posted.append(response.json()["id"])
                except httpx.HTTPError as error:
                    status = type(error).__name__
                note("post", started, status, 201)

    def read(number: int) -> None:
        with httpx.Client(base_url=url, timeout=request_timeout) as client:
            turn = number
            while not writers_done.is_set() and time.monotonic() < deadline:
                kind, method, path = READS[turn % len(READS)]
                turn += 1
                started = time.monotonic()
                try:
                    status: int | str = client.request(method, path).status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                note(kind, started, status, 200)

    began = time.monotonic()
    write_threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    read_threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
    for thread in (*write_threads, *read_threads):
        thread.start()
    for thread in write_threads:
        thread.join()
    writers_done.set()
    for thread in read_threads:
        thread.join()
    report.seconds = round(time.monotonic() - began, 2)

    with httpx.Client(base_url=url, timeout=request_timeout) as client:
        listed: set[str] = set()
        offset = 0
        while True:
            page = client.get("/documents", params={"limit": 1000, "offset": offset}).json()
            listed.update(item["id"] for item in page["items"])
            offset += len(page["items"])
            if not page["items"] or offset >= page["total"]:
                break
        report.lost = sorted(
            document_id
            for document_id in posted
            if document_id not in listed or client.get(f"/documents/{document_id}").status_code != 200
        )
    report.documents_posted = len(posted)
    report.documents_found = len(set(posted) & listed)
    report.requests = dict(sorted(requests.items()))
    report.failures = dict(sorted(failures.items()))
    report.latency = {kind: _percentiles(samples) for kind, samples in sorted(latencies.items())}
    return report


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _serve(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    log = data_dir.with_name(data_dir.name + ".server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    # The server's access log goes to a file: stdout carries only the report.
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port), "--data-dir", str(data_dir)],
            cwd=Path(__file__).resolve().parents[1],
            env={**os.environ},
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise SystemExit(f"`mkg serve` exited; see {log}.")
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    process.terminate()
    raise SystemExit("`mkg serve` did not answer within 120 s.")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="Base URL of a running server (loopback only).")
    target.add_argument("--data-dir", type=Path, help="Start `mkg serve` on this store for the run.")
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--readers", type=int, default=16)
    parser.add_argument("--documents", type=int, default=10, help="Documents each writer posts.")
    parser.add_argument("--duration", type=float, default=300.0, help="Stop writing and reading after this.")
    parser.add_argument("--token", default=os.environ.get("MKG_ADMIN_TOKEN"), help="Admin token, if set.")
    arguments = parser.parse_args()
    server = None
    url = arguments.url
    if arguments.data_dir is not None:
        server, url = _serve(arguments.data_dir)
    try:
        report = run_stress(
            url,
            writers=arguments.writers,
            readers=arguments.readers,
            documents_per_writer=arguments.documents,
            duration=arguments.duration,
            token=arguments.token,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
    print(json.dumps({**asdict(report), "ok": report.ok}, indent=2))
    raise SystemExit(0 if report.ok else 1)


if __name__ == "__main__":
    main()
