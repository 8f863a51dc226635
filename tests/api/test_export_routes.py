"""GET /export and GET /analytics over the hand-written fixture graph."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import networkx as nx
import pytest
from fastapi.testclient import TestClient
from rdflib import Dataset

from api.app import create_app
from api.deps import get_store
from api.settings import Settings
from graph.store import Store
from graph.vocab import document_iri
from tests.views_fixture import DATADOG, LAURENT, RENEE, load_fixture


@pytest.fixture
def loaded(memory_store: Store, tmp_path: Path) -> TestClient:
    load_fixture(memory_store)
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: memory_store
    return TestClient(app, raise_server_exceptions=False)


def test_export_streams_a_named_file_of_the_format(loaded: TestClient) -> None:
    response = loaded.get("/export", params={"format": "gexf"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/gexf+xml")
    assert response.headers["content-disposition"] == 'attachment; filename="maintainer-kg.gexf"'
    graph = nx.read_gexf(io.BytesIO(response.content))
    assert graph.nodes[LAURENT]["label"] == "Laurent Bernaille"


def test_export_takes_the_explorer_filters(loaded: TestClient) -> None:
    response = loaded.get("/export", params={"format": "node-link", "types": "Person,Organization"})
    data = response.json()
    assert {node["type"] for node in data["nodes"]} == {"Person", "Organization"}
    assert {link["predicate"] for link in data["links"]} == {"worksAt", "knows"}
    csv_zip = loaded.get("/export", params={"format": "csv", "predicates": "worksAt"}).content
    with zipfile.ZipFile(io.BytesIO(csv_zip)) as archive:
        edges = archive.read("edges.csv").decode("utf-8").splitlines()
    assert len(edges) == 2 and f"{LAURENT}|worksAt|{DATADOG}" in edges[1]


def test_rdf_export_of_one_document(loaded: TestClient) -> None:
    response = loaded.get("/export", params={"format": "nquads", "documents": "doc-b"})
    assert response.headers["content-type"].startswith("application/n-quads")
    dataset = Dataset()
    dataset.parse(data=response.content, format="nquads")
    assert {str(g.identifier) for g in dataset.graphs() if len(g)} == {str(document_iri("doc-b"))}


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"format": "svg"}, 400, "invalid_parameter"),
        ({"format": "nquads", "documents": "doc-z"}, 404, "not_found"),
        ({"format": "gexf", "types": "Planet"}, 400, "invalid_parameter"),
        ({"format": "turtle", "layout": "true"}, 400, "invalid_parameter"),
    ],
)
def test_bad_export_requests_get_a_json_error(
    loaded: TestClient, params: dict[str, str], status: int, code: str
) -> None:
    response = loaded.get("/export", params=params)
    assert response.status_code == status
    assert response.json()["error"] == code


def test_analytics_ranks_people_and_lists_communities(loaded: TestClient) -> None:
    response = loaded.get("/analytics", params={"limit": 2})
    assert response.status_code == 200
    body = response.json()
    assert (body["nodes"], body["edges"], body["isolated"]) == (10, 10, 1)
    assert [p["key"] for p in body["people"]] == [RENEE, LAURENT]
    assert all(c["size"] > 1 for c in body["communities"])
    assert json.loads(json.dumps(body)) == body


def test_analytics_of_an_unknown_document_is_not_found(loaded: TestClient) -> None:
    response = loaded.get("/analytics", params={"documents": "doc-z"})
    assert response.status_code == 404
    assert "doc-z" in response.json()["detail"]


def test_export_of_a_focus_neighbourhood(loaded: TestClient) -> None:
    response = loaded.get("/export", params={"format": "cyjs", "focus": DATADOG, "hops": 1})
    ids = {node["data"]["id"] for node in response.json()["elements"]["nodes"]}
    assert DATADOG in ids and LAURENT in ids and RENEE not in ids
    assert loaded.get("/export", params={"format": "cyjs", "focus": "person/nobody"}).status_code == 404


def test_explorer_offers_every_export_format(loaded: TestClient) -> None:
    formats = loaded.get("/explorer/config").json()["export_formats"]
    assert {f["name"] for f in formats} == {
        "graphml",
        "gexf",
        "cyjs",
        "node-link",
        "dot",
        "csv",
        "turtle",
        "trig",
        "jsonld",
        "ntriples",
        "nquads",
    }
