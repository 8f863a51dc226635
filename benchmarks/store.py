"""The store at scale: a graph of the product's shape, its load, and query latency against raw Oxigraph.

Three copies of the same data are measured side by side: `ours` (loaded document by document through
`Store.add_document`, as ingest does), `raw` (pyoxigraph's bulk loader on the same quads, the engine
alone) and `served` (a copy of `ours` behind a real uvicorn server, for `/sparql`).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks.measure import directory_size_mib, percentiles, run_in_child
from benchmarks.synthetic import GraphShape, synthetic_ntriples

GRAPH_MARK = "# graph "


def write_dataset(out_dir: str, documents: int, seed: int = 11) -> dict[str, Any]:
    """Write the synthetic graph twice (child process): per document (for `add_document`) and as N-Quads
    with the default graph as the merge (what the store holds, for the raw bulk loader).

    Also writes `probes.json`: IRIs and a name fragment the queries look up.
    """
    from graph.records import EntityType
    from graph.vocab import entity_iri

    directory = Path(out_dir)
    directory.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    union: set[str] = set()
    named = 0
    with (
        (directory / "documents.txt").open("w", encoding="utf-8") as per_document,
        (directory / "dataset.nq").open("w", encoding="utf-8") as quads,
    ):
        for graph_iri, ntriples in synthetic_ntriples(GraphShape(documents=documents), seed=seed):
            per_document.write(f"{GRAPH_MARK}{graph_iri}\n{ntriples}")
            for line in ntriples.splitlines():
                quads.write(f"{line[:-1]}<{graph_iri}> .\n")
                union.add(line)
                named += 1
        for line in sorted(union):
            quads.write(line + "\n")
    elapsed = time.perf_counter() - started
    # A person of the first document with a contribution fact: the popular end of the skewed pools.
    from benchmarks.synthetic import synthetic_extractions
    from graph.records import Predicate

    first = next(synthetic_extractions(GraphShape(documents=1), seed=seed))
    by_key = {e.key: e for e in first.entities}
    contribution = next(
        f for f in first.facts if f.predicate in (Predicate.CONTRIBUTED_TO, Predicate.MAINTAINER_OF)
    )
    person, project = by_key[contribution.subject], by_key[contribution.object]
    probes = {
        "person": str(entity_iri(person.key)),
        "person_key": person.key,
        "project": str(entity_iri(project.key)),
        "project_key": project.key,
        "name_fragment": person.name.split()[0][:4].lower(),
        "entity_keys": [e.key for e in first.entities if e.type is EntityType.PERSON][:10],
    }
    (directory / "probes.json").write_text(json.dumps(probes, indent=2), encoding="utf-8")
    return {
        "documents": documents,
        "named_triples": named,
        "default_graph_triples": len(union),
        "stored_quads": named + len(union),
        "generate_s": round(elapsed, 2),
    }


def documents_of(path: Path) -> Iterator[tuple[str, str]]:
    """(graph IRI, N-Triples) of each document in a `documents.txt` written by `write_dataset`."""
    iri: str | None = None
    lines: list[str] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.startswith(GRAPH_MARK):
                if iri is not None:
                    yield iri, "".join(lines)
                iri, lines = line[len(GRAPH_MARK) :].strip(), []
            else:
                lines.append(line)
    if iri is not None:
        yield iri, "".join(lines)


def load_ours(dataset_dir: str, store_dir: str, batch: int = 300) -> dict[str, Any]:
    """Load every document into a fresh on-disk store (child process): `Store.add_documents` with
    `batch` documents a call, or `Store.add_document` per document when `batch` is 1 (as ingest does)."""
    from graph.store import OxigraphStore, open_store

    store = open_store(store_dir)
    started = time.perf_counter()
    cpu = time.process_time()
    per_document: list[float] = []
    pending: list[tuple[str, str]] = []

    def write() -> None:
        t0 = time.perf_counter()
        if batch == 1:
            store.add_document(*pending[0])
        else:
            store.add_documents(pending)
        # Each document of a batch is charged an equal share of its time.
        per_document.extend([(time.perf_counter() - t0) * 1000 / len(pending)] * len(pending))
        pending.clear()

    for iri, ntriples in documents_of(Path(dataset_dir) / "documents.txt"):
        pending.append((iri, ntriples))
        if len(pending) >= batch:
            write()
    if pending:
        write()
    if batch > 1 and isinstance(store, OxigraphStore):
        # Batches land as separate sorted runs per index; one compaction merges them (timed as load).
        store.optimize()
    load = time.perf_counter() - started
    cpu = time.process_time() - cpu
    count = store.triple_count()
    store.close()
    tenth = max(1, len(per_document) // 10)
    return {
        "batch_documents": batch,
        "load_s": round(load, 2),
        "load_cpu_s": round(cpu, 2),
        "named_quads": count,
        "disk_mib": directory_size_mib(Path(store_dir)),
        "add_document_ms": percentiles(per_document),
        # A per-document cost that grows with the store would show as a later tenth slower than the first.
        "add_document_first_tenth_mean_ms": round(sum(per_document[:tenth]) / tenth, 2),
        "add_document_last_tenth_mean_ms": round(sum(per_document[-tenth:]) / tenth, 2),
    }


def load_raw(dataset_dir: str, store_dir: str) -> dict[str, Any]:
    """Load the same quads with pyoxigraph's bulk loader (child process): the engine without us."""
    import pyoxigraph

    store = pyoxigraph.Store(store_dir)
    started = time.perf_counter()
    cpu = time.process_time()
    store.bulk_load(path=str(Path(dataset_dir) / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    store.flush()
    load = time.perf_counter() - started
    cpu = time.process_time() - cpu
    count = int(next(iter(_solutions(store, "SELECT (COUNT(*) AS ?n) { GRAPH ?g { ?s ?p ?o } }")))[0].value)
    del store
    return {
        "load_s": round(load, 2),
        "load_cpu_s": round(cpu, 2),
        "named_quads": count,
        "disk_mib": directory_size_mib(Path(store_dir)),
    }


def _solutions(store: Any, sparql: str) -> Any:
    """The solutions of a SELECT run on pyoxigraph directly."""
    import pyoxigraph

    solutions = store.query(sparql)
    if not isinstance(solutions, pyoxigraph.QuerySolutions):
        raise TypeError("expected a SELECT query")
    return solutions


def representative_queries(probes: dict[str, Any]) -> dict[str, str]:
    """Five queries of the kinds the API and users run, over the synthetic graph."""
    from graph.queries import PREFIXES

    person, project = f"<{probes['person']}>", f"<{probes['project']}>"
    fragment = json.dumps(probes["name_fragment"])
    return {
        "person_profile": PREFIXES
        + f"""SELECT ?predicate ?other ?name ?text ?start ?end ?doc WHERE {{
  ?ev rdf:subject {person} ; rdf:predicate ?predicate ; rdf:object ?other ;
      mkg:evidenceText ?text ; mkg:startOffset ?start ; mkg:endOffset ?end ; prov:wasDerivedFrom ?doc .
  OPTIONAL {{ ?other rdfs:label ?name }}
}} LIMIT 1000""",
        "project_contributors": PREFIXES
        + f"""SELECT DISTINCT ?person ?name WHERE {{
  ?person mkg:contributedTo|mkg:maintainerOf {project} . OPTIONAL {{ ?person rdfs:label ?name }}
}} ORDER BY ?name LIMIT 1000""",
        "top_people_by_facts": PREFIXES
        + """SELECT ?person (COUNT(?ev) AS ?facts) WHERE {
  ?ev a mkg:FactEvidence ; rdf:subject ?person . ?person a mkg:Person .
} GROUP BY ?person ORDER BY DESC(?facts) ?person LIMIT 10""",
        "co_contributors_path": PREFIXES
        + f"""SELECT DISTINCT ?peer WHERE {{
  {person} (mkg:contributedTo|mkg:maintainerOf)/^(mkg:contributedTo|mkg:maintainerOf) ?peer .
  FILTER(?peer != {person})
}} LIMIT 1000""",
        "name_filter": PREFIXES
        + f"""SELECT ?entity ?name WHERE {{
  ?entity rdfs:label ?name . FILTER(CONTAINS(LCASE(?name), {fragment}))
}} ORDER BY ?name LIMIT 50""",
    }


def query_latencies(ours_dir: str, raw_dir: str, server_url: str, rounds: int) -> dict[str, Any]:
    """p50/p95 of each query: raw pyoxigraph, `Store.select`, and HTTP `/sparql`, interleaved (child)."""
    import httpx
    import pyoxigraph

    from graph.store import open_store

    probes = json.loads((Path(ours_dir).parent / "dataset" / "probes.json").read_text(encoding="utf-8"))
    queries = representative_queries(probes)
    ours = open_store(ours_dir)
    raw = pyoxigraph.Store(raw_dir)
    samples: dict[str, dict[str, list[float]]] = {
        name: {"raw": [], "store": [], "http": []} for name in queries
    }
    rows: dict[str, dict[str, int]] = {}
    with httpx.Client(base_url=server_url, timeout=120) as client:
        for round_index in range(rounds + 1):  # round 0 warms caches and is not recorded
            for name, sparql in queries.items():
                t0 = time.perf_counter()
                solutions = _solutions(raw, sparql)
                variables = [v.value for v in solutions.variables]
                raw_rows = [[solution[v] for v in variables] for solution in solutions]
                t1 = time.perf_counter()
                result = ours.select(sparql)
                t2 = time.perf_counter()
                # no-cache: the query is run every time, not answered from the server's answer cache.
                response = client.get(
                    "/sparql",
                    params={"query": sparql},
                    headers={"Accept": "application/sparql-results+json", "Cache-Control": "no-cache"},
                )
                http_rows = len(response.json()["results"]["bindings"])
                t3 = time.perf_counter()
                if round_index == 0:
                    rows[name] = {"raw": len(raw_rows), "store": len(result.rows), "http": http_rows}
                    continue
                samples[name]["raw"].append((t1 - t0) * 1000)
                samples[name]["store"].append((t2 - t1) * 1000)
                samples[name]["http"].append((t3 - t2) * 1000)
    out: dict[str, Any] = {
        "rounds": rounds,
        "queries": {},
        "api_functions": _api_functions(ours, probes, rounds),
    }
    ours.close()
    del raw
    for name, by_path in samples.items():
        summary = {path: percentiles(values) for path, values in by_path.items()}
        raw_p50 = summary["raw"]["p50_ms"] or 1e-9
        out["queries"][name] = {
            "rows": rows[name],
            **summary,
            "ratio_store_to_raw_p50": round(summary["store"]["p50_ms"] / raw_p50, 3),
            "ratio_http_to_raw_p50": round(summary["http"]["p50_ms"] / raw_p50, 3),
        }
    return out


def _api_functions(store: Any, probes: dict[str, Any], rounds: int) -> dict[str, Any]:
    """Latency of the functions behind the profile and contribution routes, called on the store directly."""
    from graph.queries import contributions, entity_profile

    calls = {
        "entity_profile": lambda: entity_profile(store, probes["person_key"]),
        "contributions_of_project": lambda: contributions(store, project=probes["project_key"]),
        "contributions_of_person": lambda: contributions(store, person=probes["person_key"]),
    }
    out: dict[str, Any] = {}
    for name, call in calls.items():
        call()  # warm
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        out[name] = percentiles(samples)
    return out


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def served(
    store_dir: Path,
    *,
    workers: int = 1,
    startup_timeout: float = 120,
    environment: dict[str, str] | None = None,
) -> Iterator[str]:
    """A uvicorn server of the API over `store_dir` on loopback; yields its base URL.

    More than one worker serves the store read-only, as `mkg serve --workers N` does.
    """
    import httpx

    port = free_port()
    env = {**os.environ, "MKG_DATA_DIR": str(store_dir), **(environment or {})}
    env.pop("MKG_STORE", None)
    if workers > 1:
        env["MKG_READ_ONLY"] = "1"
    command = [
        sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    root = Path(__file__).resolve().parents[1]
    server = subprocess.Popen(command, env=env, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup_timeout
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"the server exited with status {server.returncode}")
            try:
                if httpx.get(url + "/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"the server did not answer /health within {startup_timeout:g} s")
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def second_process_can_open(store_dir: str) -> dict[str, Any]:
    """Whether another process can open a store that a one-worker server holds for writing, read-write
    and then read-only, through the product's own `open_store` (child process)."""
    from graph.errors import StoreUnavailable
    from graph.store import open_store

    outcome: dict[str, Any] = {}
    for mode, read_only in (("read_write", False), ("read_only", True)):
        try:
            open_store(store_dir, read_only=read_only).close()
            outcome[mode] = "opened"
        except StoreUnavailable as error:
            outcome[mode] = f"refused: {error.detail}"
    return outcome


# Server processes in the load test, as the issue asks: `mkg serve --workers 2`.
LOAD_TEST_WORKERS = 2


def run(quick: bool, work_dir: Path, *, load_seconds: float, with_exports: bool = True) -> dict[str, Any]:
    """Store figures, then (with the server up) the load test and the exports."""
    from benchmarks import exports, load

    documents = 170 if quick else 1700  # about 100k or 1M named-graph triples
    dataset = work_dir / "dataset"
    out: dict[str, Any] = {}
    out["dataset"] = run_in_child(
        "benchmarks.store:write_dataset", 3600, out_dir=str(dataset), documents=documents
    )
    ours, raw, served_dir = work_dir / "ours", work_dir / "raw", work_dir / "served"
    out["load_ours"] = run_in_child(
        "benchmarks.store:load_ours", 7200, dataset_dir=str(dataset), store_dir=str(ours)
    )
    # The path `mkg ingest` takes: one document per call (its store is not kept).
    single = work_dir / "ours-per-document"
    out["load_ours_per_document"] = run_in_child(
        "benchmarks.store:load_ours", 7200, dataset_dir=str(dataset), store_dir=str(single), batch=1
    )
    shutil.rmtree(single, ignore_errors=True)
    out["load_raw"] = run_in_child(
        "benchmarks.store:load_raw", 3600, dataset_dir=str(dataset), store_dir=str(raw)
    )
    if "load_s" in out["load_ours"] and "load_s" in out["load_raw"]:
        out["ratio_load_ours_to_raw"] = round(out["load_ours"]["load_s"] / out["load_raw"]["load_s"], 2)
    shutil.copytree(ours, served_dir)
    probes = json.loads((dataset / "probes.json").read_text(encoding="utf-8"))
    with served(served_dir) as url:
        out["second_process"] = run_in_child(
            "benchmarks.store:second_process_can_open", 120, store_dir=str(served_dir)
        )
        out["queries"] = run_in_child(
            "benchmarks.store:query_latencies",
            3600,
            ours_dir=str(ours),
            raw_dir=str(raw),
            server_url=url,
            rounds=10 if quick else 20,
        )
    # The load test: 2 server processes sharing the store read-only, with the answer cache on (the
    # default) and off (every request computed).
    mix_size = {"people": 100, "projects": 30} if quick else {"people": 300, "projects": 100}
    out["load_test"] = {}
    for label, environment in (("cache_on", {}), ("cache_off", {"MKG_RESPONSE_CACHE_MB": "0"})):
        with served(served_dir, workers=LOAD_TEST_WORKERS, environment=environment) as url:
            result = load.run_load(
                url, probes, clients=32, seconds=load_seconds, warm=label == "cache_on", **mix_size
            )
        out["load_test"][label] = {"server_workers": LOAD_TEST_WORKERS, **result}
    if with_exports:
        out["exports"] = exports.run(ours, quick=quick)
    return out
