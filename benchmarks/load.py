"""The API under load: concurrent asyncio clients on loopback, bounded in time and in requests."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any
from urllib.parse import quote

from benchmarks.measure import percentiles


def request_plan(probes: dict[str, Any]) -> list[tuple[str, str, dict[str, str]]]:
    """(route name, path, query parameters) that clients cycle through: profiles, contributions, SPARQL."""
    from benchmarks.store import representative_queries

    queries = representative_queries(probes)
    plan: list[tuple[str, str, dict[str, str]]] = []
    for key in probes["entity_keys"][:10]:
        plan.append(("entity_profile", f"/entities/{quote(key)}", {}))
    plan.append(("contributions", "/contributions", {"project": probes["project_key"]}))
    plan.append(("contributions", "/contributions", {"person": probes["person_key"]}))
    plan.append(("sparql", "/sparql", {"query": queries["project_contributors"]}))
    plan.append(("sparql", "/sparql", {"query": queries["co_contributors_path"]}))
    return plan


async def _drive(
    base_url: str,
    plan: list[tuple[str, str, dict[str, str]]],
    clients: int,
    seconds: float,
    max_requests: int,
) -> tuple[dict[str, list[float]], dict[str, int], float]:
    import httpx

    latencies: dict[str, list[float]] = {name: [] for name, _, _ in plan}
    errors: dict[str, int] = {}
    sent = itertools.count()
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    started = time.perf_counter()
    deadline = started + seconds

    async def client_loop(client: httpx.AsyncClient, offset: int) -> None:
        for index in itertools.count(offset):
            if time.perf_counter() >= deadline or next(sent) >= max_requests:
                return
            name, path, params = plan[index % len(plan)]
            t0 = time.perf_counter()
            try:
                response = await client.get(path, params=params)
                await response.aread()
                ok = response.status_code == 200
                failure = f"{name}: HTTP {response.status_code}"
            except httpx.HTTPError as error:
                ok, failure = False, f"{name}: {type(error).__name__}"
            if ok:
                latencies[name].append((time.perf_counter() - t0) * 1000)
            else:
                errors[failure] = errors.get(failure, 0) + 1

    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        await asyncio.gather(*(client_loop(client, offset) for offset in range(clients)))
    return latencies, errors, time.perf_counter() - started


def run_load(
    base_url: str,
    probes: dict[str, Any],
    *,
    clients: int = 32,
    seconds: float = 30,
    max_requests: int = 200_000,
) -> dict[str, Any]:
    """Throughput and latency percentiles per route with `clients` concurrent clients for `seconds`."""
    plan = request_plan(probes)
    # One client first: the service time of each route without queueing.
    alone, _, _ = asyncio.run(_drive(base_url, plan, 1, min(10.0, seconds / 3), 5 * len(plan)))
    latencies, errors, elapsed = asyncio.run(_drive(base_url, plan, clients, seconds, max_requests))
    total = sum(len(values) for values in latencies.values())
    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests_ok": total,
        "requests_failed": sum(errors.values()),
        "errors": errors,
        "throughput_rps": round(total / elapsed, 1),
        "routes": {name: percentiles(values) for name, values in latencies.items()},
        "one_client_routes": {name: percentiles(values) for name, values in alone.items()},
        "note": "1 server worker: the embedded store is opened read-write and locked by one process.",
    }
