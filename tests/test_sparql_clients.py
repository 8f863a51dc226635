"""Real SPARQL clients against a real server: SPARQLWrapper, rdflib's SPARQLStore and SPARQLUpdateStore,
and a slow query that does not stall other requests."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rdflib
from rdflib.plugins.stores.sparqlstore import SPARQLStore, SPARQLUpdateStore
from SPARQLWrapper import JSON, XML, SPARQLWrapper

from tests.net import free_port

REPO = Path(__file__).resolve().parents[1]
TOKEN = "client-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
G1 = "https://example.org/graph/one"
NAME = "https://example.org/name"
NAMES = f"SELECT ?n WHERE {{ ?s <{NAME}> ?n }} ORDER BY ?n"

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of `uvicorn api.app:create_app` on a free loopback port, with a 1 s query timeout."""
    port = free_port()
    env = {
        **os.environ,
        "MKG_DATA_DIR": str(tmp_path_factory.mktemp("sparql-clients") / "store"),
        "MKG_ADMIN_TOKEN": TOKEN,
        "MKG_QUERY_TIMEOUT": "1",
        "MKG_QUERY_WORKERS": "2",
        "PYTHONPATH": str(REPO),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if process.poll() is not None:
                error = process.stderr.read().decode() if process.stderr else ""
                pytest.fail(f"the server exited at start: {error}")
            try:
                if httpx.get(base_url + "/health", timeout=1.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("the server did not start within 60 s")
            time.sleep(0.1)
        data = "".join(
            f'<https://example.org/p{i}> <{NAME}> "{name}" .\n' for i, name in enumerate(["Bob", "Alice"])
        )
        response = httpx.put(
            base_url + "/store",
            params={"graph": G1},
            content=data,
            headers={**AUTH, "Content-Type": "application/n-triples"},
        )
        assert response.status_code == 201, response.text
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def test_sparqlwrapper_reads_json_results(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(NAMES)
    client.setReturnFormat(JSON)
    results = client.query().convert()
    assert [row["n"]["value"] for row in results["results"]["bindings"]] == ["Alice", "Bob"]  # type: ignore[index]


def test_sparqlwrapper_reads_xml_results_by_post(server: str) -> None:
    client = SPARQLWrapper(server + "/sparql")
    client.setQuery(NAMES)
    client.setMethod("POST")
    client.setReturnFormat(XML)
    document = client.query().convert()
    literals = [node.firstChild.data for node in document.getElementsByTagName("literal")]  # type: ignore[union-attr]
    assert literals == ["Alice", "Bob"]


def test_rdflib_sparqlstore_queries_the_endpoint(server: str) -> None:
    graph = rdflib.Graph(SPARQLStore(query_endpoint=server + "/sparql"))
    assert [str(row.n) for row in graph.query(NAMES)] == ["Alice", "Bob"]  # type: ignore[union-attr]


def test_rdflib_sparqlupdatestore_writes_with_the_bearer_token(server: str) -> None:
    store = SPARQLUpdateStore(
        query_endpoint=server + "/sparql", update_endpoint=server + "/update", headers=AUTH
    )
    graph_iri = rdflib.URIRef("https://example.org/graph/from-rdflib")
    graph = rdflib.Graph(store, identifier=graph_iri)
    graph.add((rdflib.URIRef("https://example.org/p9"), rdflib.URIRef(NAME), rdflib.Literal("Carol")))
    store.commit()
    reader = rdflib.Graph(SPARQLStore(query_endpoint=server + "/sparql"))
    assert [str(row.n) for row in reader.query(NAMES)] == ["Alice", "Bob", "Carol"]  # type: ignore[union-attr]
    store.update(f"DROP GRAPH <{graph_iri}>")
    unauthorised = SPARQLUpdateStore(query_endpoint=server + "/sparql", update_endpoint=server + "/update")
    with pytest.raises(Exception, match="401"):
        unauthorised.update(f"DROP GRAPH <{G1}>")


def test_a_slow_query_is_stopped_while_other_requests_are_answered(server: str) -> None:
    # A few thousand triples, queried as a four-way cartesian product: far longer than the 1 s timeout.
    data = "".join(f'<https://example.org/x{i}> <https://example.org/v> "{i}" .\n' for i in range(3000))
    graph = "https://example.org/graph/bulk"
    put = httpx.put(
        server + "/store",
        params={"graph": graph},
        content=data,
        headers={**AUTH, "Content-Type": "application/n-triples"},
    )
    assert put.status_code == 201
    slow_query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    outcome: dict[str, httpx.Response] = {}

    def run_slow_query() -> None:
        outcome["slow"] = httpx.get(server + "/sparql", params={"query": slow_query}, timeout=60)

    try:
        worker = threading.Thread(target=run_slow_query)
        worker.start()
        time.sleep(0.2)  # let the slow request reach the server first (not an assertion on time)
        probes = []
        while worker.is_alive() and len(probes) < 50:
            probes.append(httpx.get(server + "/health", timeout=30))
            answered_while_running = worker.is_alive()
            if answered_while_running:
                break
        worker.join(timeout=60)
        assert probes and probes[-1].status_code == 200
        assert answered_while_running, "the health probe was only answered after the slow query ended"
        assert outcome["slow"].status_code == 503
        assert outcome["slow"].json()["error"] == "query_timeout"
        # The worker that ran it was replaced: the next query is answered.
        after = httpx.get(server + "/sparql", params={"query": NAMES}, timeout=30)
        assert after.status_code == 200
    finally:
        httpx.delete(server + "/store", params={"graph": graph}, headers=AUTH)
