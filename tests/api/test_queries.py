from __future__ import annotations

import csv
import io
import threading
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from api.app import create_app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.queries import PREFIXES
from graph.store import Store
from tests.api.test_documents import POST, assert_error, post_markdown
from tests.conftest import hand_made_extraction

WORKS_AT = PREFIXES + "SELECT ?who ?org WHERE { ?p mkg:worksAt ?o . ?p rdfs:label ?who . ?o rdfs:label ?org }"


@pytest.fixture
def loaded(client: TestClient) -> TestClient:
    assert post_markdown(client, POST).status_code == 201
    return client


def test_entities_are_found_by_type_and_name(loaded: TestClient) -> None:
    people = loaded.get("/entities", params={"type": "Person"}).json()
    assert people["total"] == 1
    assert [(p["key"], p["name"], p["type"], p["aliases"]) for p in people["items"]] == [
        ("person/laurent-bernaille", "Laurent Bernaille", "Person", ["Laurent"])
    ]
    assert [e["key"] for e in loaded.get("/entities", params={"q": "data"}).json()["items"]] == [
        "organization/datadog"
    ]
    assert_error(loaded.get("/entities", params={"type": "Planet"}), 422, "invalid_request")


def test_entity_profile_carries_evidence_and_its_document(loaded: TestClient) -> None:
    response = loaded.get("/entities/person/laurent-bernaille")
    assert response.status_code == 200, response.text
    profile = response.json()
    assert profile["name"] == "Laurent Bernaille"
    works = next(f for f in profile["facts_out"] if f["predicate"] == "worksAt")
    assert works["other"] == {"key": "organization/datadog", "name": "Datadog", "type": "Organization"}
    evidence = works["evidence"]
    assert (
        POST[evidence["start"] : evidence["end"]] == evidence["text"] == "Laurent Bernaille works at Datadog."
    )
    assert evidence["document_id"] == profile["documents"][0]
    assert evidence["date"] == "2024-05-02"
    datadog = loaded.get("/entities/organization/datadog").json()
    assert [(f["predicate"], f["other"]["key"]) for f in datadog["facts_in"]] == [
        ("worksAt", "person/laurent-bernaille")
    ]


def test_unknown_entity_is_404_json(loaded: TestClient) -> None:
    assert_error(loaded.get("/entities/person/nobody"), 404, "not_found")


def test_contributions_filter_by_person_and_project(loaded: TestClient) -> None:
    everything = loaded.get("/contributions").json()["items"]
    assert [(c["person"]["key"], c["predicate"], c["project"]["key"]) for c in everything] == [
        ("person/laurent-bernaille", "contributedTo", "project/cilium")
    ]
    assert everything[0]["evidence"]["text"] == "Laurent Bernaille contributed to Cilium."
    assert loaded.get("/contributions", params={"project": "project/cilium"}).json()["total"] == 1
    assert loaded.get("/contributions", params={"person": "laurent"}).json()["total"] == 1
    assert loaded.get("/contributions", params={"project": "project/kubernetes"}).json()["items"] == []


def test_sparql_get_answers_json_by_default(loaded: TestClient) -> None:
    response = loaded.get("/sparql", params={"query": WORKS_AT})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/sparql-results+json")
    bindings = response.json()["results"]["bindings"]
    assert [(b["who"]["value"], b["org"]["value"]) for b in bindings] == [("Laurent Bernaille", "Datadog")]


def test_sparql_post_body_and_form_give_the_same_rows(loaded: TestClient) -> None:
    direct = loaded.post("/sparql", content=WORKS_AT, headers={"Content-Type": "application/sparql-query"})
    form = loaded.post("/sparql", data={"query": WORKS_AT})
    assert direct.status_code == form.status_code == 200
    assert direct.json() == form.json()
    assert direct.json()["results"]["bindings"][0]["org"]["value"] == "Datadog"


def test_sparql_negotiates_csv_and_turtle(loaded: TestClient) -> None:
    response = loaded.get("/sparql", params={"query": WORKS_AT}, headers={"Accept": "text/csv"})
    assert response.headers["content-type"].startswith("text/csv")
    assert list(csv.reader(io.StringIO(response.text))) == [["who", "org"], ["Laurent Bernaille", "Datadog"]]

    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 3"
    turtle = loaded.get("/sparql", params={"query": construct}, headers={"Accept": "text/turtle, */*;q=0.1"})
    assert turtle.status_code == 200
    assert turtle.headers["content-type"].startswith("text/turtle")

    refused = loaded.get("/sparql", params={"query": WORKS_AT}, headers={"Accept": "image/png"})
    assert_error(refused, 406, "not_acceptable")


def test_graph_uri_parameters_name_the_dataset(loaded: TestClient, memory_store: Store) -> None:
    stored = memory_store.documents()[0]
    response = loaded.get("/sparql", params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": stored})
    assert response.status_code == 200
    assert response.json()["boolean"] is True


def test_a_default_graph_the_store_does_not_hold_is_empty(loaded: TestClient) -> None:
    response = loaded.get(
        "/sparql",
        params={"query": "ASK { ?s ?p ?o }", "default-graph-uri": "https://example.org/g"},
    )
    assert response.status_code == 200
    assert response.json()["boolean"] is False
    assert response.headers["X-MKG-Unknown-Graphs"] == "<https://example.org/g>"


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a.example/s> <http://a.example/p> <http://a.example/o> }",
        "DROP ALL",
        "LOAD <http://example.org/x.ttl>",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p }",
    ],
)
def test_sparql_refuses_updates_service_load_and_malformed_queries(
    loaded: TestClient, memory_store: Store, query: str
) -> None:
    count = memory_store.triple_count()
    assert_error(loaded.get("/sparql", params={"query": query}), 400, "invalid_query")
    assert_error(
        loaded.post("/sparql", content=query, headers={"Content-Type": "application/sparql-query"}),
        400,
        "invalid_query",
    )
    assert memory_store.triple_count() == count


def test_sparql_update_requests_are_refused(loaded: TestClient, memory_store: Store) -> None:
    count = memory_store.triple_count()
    update = "DROP ALL"
    assert_error(loaded.post("/sparql", data={"update": update}), 400, "invalid_query")
    assert_error(
        loaded.post("/sparql", content=update, headers={"Content-Type": "application/sparql-update"}),
        400,
        "invalid_query",
    )
    assert_error(loaded.get("/sparql"), 400, "invalid_query")
    assert_error(
        loaded.post("/sparql", content=WORKS_AT, headers={"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    )
    assert memory_store.triple_count() == count


def test_malformed_query_reports_the_parser_message(loaded: TestClient) -> None:
    body = loaded.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p }"}).json()
    assert "parse" in body["detail"].lower()


def test_unknown_routes_and_methods_answer_json(client: TestClient) -> None:
    assert_error(client.get("/nowhere"), 404, "not_found")
    assert_error(client.put("/documents"), 405, "method_not_allowed")


def test_a_crash_answers_500_json(app: FastAPI, client: TestClient) -> None:
    class Broken:
        def documents(self) -> list[str]:
            raise RuntimeError("disk on fire")

    app.dependency_overrides[get_store] = lambda: Broken()
    response = client.get("/health")
    assert_error(response, 500, "internal_error")
    assert "disk on fire" not in response.text


def test_openapi_describes_every_route_with_a_summary(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    routes = {(path, method) for path, methods in spec["paths"].items() for method in methods}
    assert {
        ("/health", "get"),
        ("/documents", "post"),
        ("/documents", "get"),
        ("/documents/{id}", "delete"),
        ("/entities", "get"),
        ("/entities/{id}", "get"),
        ("/contributions", "get"),
        ("/sparql", "get"),
        ("/sparql", "post"),
    } <= routes
    for methods in spec["paths"].values():
        for operation in methods.values():
            assert operation.get("summary")
    assert "text/markdown" in spec["paths"]["/documents"]["post"]["requestBody"]["content"]


def test_sparql_results_are_capped_at_max_rows(memory_store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, max_rows=2))
    app.dependency_overrides[get_store] = lambda: memory_store
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    client = TestClient(app)
    post_markdown(client, POST)

    capped = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"}).json()
    chosen = client.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 5"}).json()

    assert len(capped["results"]["bindings"]) == 2
    assert capped["truncated"] is True
    # The cap is hard: a LIMIT above it does not lift it.
    assert len(chosen["results"]["bindings"]) == 2


@pytest.mark.slow
def test_a_real_interview_yields_a_profile_with_evidence(
    client: TestClient, app: FastAPI, shared_dir: Path
) -> None:
    """With the real extractor: the seed interview of Laurent Bernaille gives his profile."""
    seed = shared_dir / "corpus" / "seeds" / "003_3a958b6b8f29b121.txt"
    if not seed.is_file():
        pytest.skip(f"{seed} is not available")
    del app.dependency_overrides[get_extractor]
    raw = seed.read_text(encoding="utf-8")

    created = client.post(
        "/documents", content=raw, params={"source": seed.name}, headers={"Content-Type": "text/plain"}
    )

    assert created.status_code == 201, created.text
    assert created.json()["facts"] > 0
    profile = client.get("/entities/person/laurent-bernaille")
    assert profile.status_code == 200, profile.text
    for fact in profile.json()["facts_out"]:
        evidence = fact["evidence"]
        assert evidence["document_id"] == created.json()["id"]
        assert raw[evidence["start"] : evidence["end"]] == evidence["text"]


def test_a_query_over_the_time_limit_answers_503(memory_store: Store, tmp_path: Path) -> None:
    release = threading.Event()

    class Slow:
        def answer(self, sparql: str, accept: str, **options: object) -> object:
            release.wait(timeout=30)
            raise AssertionError("the endpoint should have stopped waiting")

    app = create_app(Settings(data_dir=tmp_path, query_timeout=0.01))
    app.dependency_overrides[get_store] = lambda: Slow()
    try:
        response = TestClient(app).get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o }"})
    finally:
        release.set()
    assert_error(response, 503, "query_timeout")


def test_a_query_body_over_the_limit_is_413(memory_store: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, max_body_bytes=100))
    app.dependency_overrides[get_store] = lambda: memory_store
    query = "SELECT * WHERE { ?s ?p ?o } #" + "x" * 200
    response = TestClient(app).post(
        "/sparql", content=query, headers={"Content-Type": "application/sparql-query"}
    )
    assert_error(response, 413, "request_too_large")
