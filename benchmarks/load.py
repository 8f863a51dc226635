"""The API under load: concurrent keep-alive clients on loopback, a fixed request mix, bounded in time.

The driver speaks plain HTTP/1.1 over asyncio streams: an HTTP client library spends more CPU per
request than the server routes being measured, and on a 2-core machine the driver shares the cores
with the server.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import random
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

from benchmarks.measure import percentiles

# Share of each route in the mix: typed profiles, plain profiles, contributions, SPARQL.
ROUTE_WEIGHTS = {"people_profile": 4, "entity_profile": 2, "contributions": 2, "sparql": 2}


@dataclass(frozen=True)
class Request:
    """One request of the mix: the route it measures and its path with the query string."""

    route: str
    target: str


def _target(path: str, params: dict[str, str] | None = None) -> str:
    return path + ("?" + urlencode(params) if params else "")


def request_mix(
    probes: dict[str, Any], people: list[str], projects: list[str], *, count: int, seed: int = 5
) -> list[Request]:
    """`count` requests drawn (seeded) from the route weights, each for a person or project drawn
    uniformly from those given plus the probes' much-cited ones."""
    from benchmarks.store import representative_queries
    from graph.vocab import entity_iri

    rng = random.Random(seed)
    people = sorted(set(people) | set(probes["entity_keys"]))
    projects = sorted(set(projects) | {probes["project_key"]})
    routes = [name for name, weight in ROUTE_WEIGHTS.items() for _ in range(weight)]
    # The SPARQL request of each project, made once rather than once per request drawn.
    sparql_targets = {
        key: _target(
            "/sparql",
            {
                "query": representative_queries({**probes, "project": str(entity_iri(key))})[
                    "project_contributors"
                ]
            },
        )
        for key in projects
    }
    mix = []
    for _ in range(count):
        route = rng.choice(routes)
        person, project = rng.choice(people), rng.choice(projects)
        if route == "people_profile":
            target = _target(f"/people/{quote(person)}")
        elif route == "entity_profile":
            target = _target(f"/entities/{quote(person)}")
        elif route == "contributions":
            end = {"person": person} if rng.random() < 0.5 else {"project": project}
            target = _target("/contributions", end)
        else:
            target = sparql_targets[project]
        mix.append(Request(route, target))
    return mix


class _Connection:
    """One keep-alive HTTP/1.1 connection that sends GETs and reads whole responses."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, target: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nAccept: application/json, "
            "application/sparql-results+json\r\n\r\n".encode("ascii")
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        status = int(status_line.split()[1])
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if "content-length" in headers:
            body = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            body = await self._chunked()
        else:
            body = b""
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, body

    async def _chunked(self) -> bytes:
        assert self.reader is not None
        parts: list[bytes] = []
        while True:
            size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await self.reader.readuntil(b"\r\n")
                return b"".join(parts)
            parts.append(await self.reader.readexactly(size))
            await self.reader.readexactly(2)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


async def _drive(
    base_url: str, mix: list[Request], clients: int, seconds: float
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    """Each client sends the next request of the mix as soon as its last answer is read."""
    parts = urlsplit(base_url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: dict[str, list[float]] = {name: [] for name in ROUTE_WEIGHTS}
    errors: dict[str, int] = {}
    sent = itertools.count()
    started = time.perf_counter()
    deadline = started + seconds

    async def client_loop() -> None:
        connection = _Connection(host, port)
        try:
            while time.perf_counter() < deadline:
                index = next(sent)
                if index >= len(mix):
                    return
                request = mix[index]
                t0 = time.perf_counter()
                try:
                    status, _ = await connection.get(request.target)
                    failure = None if status == 200 else f"{request.route}: HTTP {status}"
                except (OSError, asyncio.IncompleteReadError, ValueError) as error:
                    failure = f"{request.route}: {type(error).__name__}"
                    await connection.close()
                if failure is None:
                    latencies[request.route].append((time.perf_counter() - t0) * 1000)
                else:
                    errors[failure] = errors.get(failure, 0) + 1
        finally:
            await connection.close()

    await asyncio.gather(*(client_loop() for _ in range(clients)))
    return latencies, errors, time.perf_counter() - started


async def _keys(base_url: str, kind: str, limit: int) -> list[str]:
    parts = urlsplit(base_url)
    connection = _Connection(parts.hostname or "127.0.0.1", parts.port or 80)
    try:
        status, body = await connection.get(_target("/entities", {"type": kind, "limit": str(limit)}))
    finally:
        await connection.close()
    if status != 200:
        raise RuntimeError(f"GET /entities?type={kind} answered {status}")
    return [item["key"] for item in json.loads(body)["items"]]


def _summary(
    latencies: dict[str, list[float]], errors: dict[str, int], elapsed: float, clients: int
) -> dict[str, Any]:
    total = sum(len(values) for values in latencies.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests_ok": total,
        "requests_failed": sum(errors.values()),
        "errors": errors,
        "throughput_rps": round(total / elapsed, 1) if elapsed else None,
        "routes": {name: percentiles(values) for name, values in latencies.items() if values},
        "all_routes": percentiles([value for values in latencies.values() for value in values]),
    }


def run_load(
    base_url: str,
    probes: dict[str, Any],
    *,
    clients: int = 32,
    seconds: float = 30,
    people: int = 300,
    projects: int = 100,
    warm: bool = True,
) -> dict[str, Any]:
    """Throughput and latency percentiles per route with `clients` concurrent clients for `seconds`.

    First one client sends every distinct request of the mix once (the service time without queueing,
    and, when the server caches answers, what fills its cache); then the clients run the mix.
    """
    person_keys = asyncio.run(_keys(base_url, "Person", people))
    project_keys = asyncio.run(_keys(base_url, "Project", projects))
    mix = request_mix(probes, person_keys, project_keys, count=500_000)
    distinct = list({request.target: request for request in mix}.values())
    out: dict[str, Any] = {
        "mix": {
            "weights": ROUTE_WEIGHTS,
            "people": len(set(person_keys) | set(probes["entity_keys"])),
            "projects": len(set(project_keys) | {probes["project_key"]}),
            "distinct_requests": len(distinct),
        }
    }
    if warm:
        latencies, errors, elapsed = asyncio.run(_drive(base_url, distinct, 1, 3600))
        out["first_pass"] = _summary(latencies, errors, elapsed, 1)
    latencies, errors, elapsed = asyncio.run(_drive(base_url, mix, clients, seconds))
    out.update(_summary(latencies, errors, elapsed, clients))
    return out
