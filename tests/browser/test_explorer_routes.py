"""The routes behind the explorer page: the page, its static files, its settings and the /graph view."""

from __future__ import annotations

import re
from collections.abc import Iterator

import networkx as nx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st

from api.app import create_app
from api.deps import get_store
from api.routes.explorer import capped_view, parse_predicates, parse_types
from api.settings import Settings
from graph.errors import InvalidParameter
from graph.records import EntityType, Predicate
from graph.store import Store
from tests.browser.conftest import add_stand_in_export, sample_store

LAURENT = "person/laurent-bernaille"


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    held = sample_store()
    yield held
    held.close()


def app_over(store: Store, tmp_path_factory: pytest.TempPathFactory) -> FastAPI:
    app = create_app(Settings(data_dir=tmp_path_factory.mktemp("unused")))
    app.dependency_overrides[get_store] = lambda: store
    return app


@pytest.fixture(scope="module")
def client(store: Store, tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    return TestClient(app_over(store, tmp_path_factory), raise_server_exceptions=False)


def star(edges: list[tuple[str, str]]) -> nx.MultiDiGraph:
    view = nx.MultiDiGraph()
    for u, v in edges:
        view.add_edge(u, v, key="knows", predicate="knows")
    return view


# ------------------------------------------------------------------------------------------- page


def test_root_serves_the_explorer_page(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/static/vendor/cytoscape.min.js" in response.text


def test_static_files_are_served_with_their_media_type(client: TestClient) -> None:
    script = client.get("/static/app.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    vendored = client.get("/static/vendor/cytoscape.min.js")
    assert vendored.status_code == 200
    assert len(vendored.content) > 100_000
    assert "Permission is hereby granted" in client.get("/static/vendor/cytoscape.LICENSE").text


@pytest.mark.parametrize(
    "path",
    ["/static/../routes/explorer.py", "/static/%2e%2e/routes/explorer.py", "/static/nothing.js", "/static/"],
)
def test_static_route_refuses_paths_outside_the_static_directory_or_missing(
    client: TestClient, path: str
) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_no_static_file_names_another_origin(client: TestClient) -> None:
    for name in ("index.html", "app.js", "app.css"):
        text = client.get(f"/static/{name}").text
        assert re.search(r"(?:https?:)?//[\w.-]+\.\w+", text) is None, name


# ----------------------------------------------------------------------------------------- config


def test_config_lists_types_with_colours_and_the_predicates(client: TestClient) -> None:
    config = client.get("/explorer/config").json()
    assert config["types"] == [kind.value for kind in EntityType]
    assert config["predicates"] == [predicate.value for predicate in Predicate]
    assert set(config["colours"]) == set(config["types"])
    assert all(colour.startswith("#") and len(colour) == 7 for colour in config["colours"].values())


def test_config_offers_export_formats_only_when_the_server_exports(
    store: Store, tmp_path_factory: pytest.TempPathFactory
) -> None:
    app = app_over(store, tmp_path_factory)
    exports_already = "/export" in app.openapi()["paths"]
    without = TestClient(app).get("/explorer/config").json()["export_formats"]
    assert bool(without) == exports_already
    app = app_over(store, tmp_path_factory)
    add_stand_in_export(app)
    formats = TestClient(app).get("/explorer/config").json()["export_formats"]
    assert TestClient(app).get("/explorer/config").json()["export_parameters"][:3] == [
        "format",
        "types",
        "predicates",
    ]
    names = [item["name"] for item in formats]
    assert "graphml" in names and "turtle" in names
    assert all(item["extension"].startswith(".") and item["description"] for item in formats)


# ------------------------------------------------------------------------------------------ /graph


def test_graph_without_focus_returns_every_entity_and_fact_as_cytoscape_elements(client: TestClient) -> None:
    view = client.get("/graph").json()
    nodes = {node["data"]["id"]: node["data"] for node in view["elements"]["nodes"]}
    edges = {edge["data"]["id"]: edge["data"] for edge in view["elements"]["edges"]}
    assert set(nodes) == {
        LAURENT,
        "person/thomas-graf",
        "organization/datadog",
        "project/cilium",
        "project/kube-proxy",
    }
    assert nodes[LAURENT]["label"] == "Laurent Bernaille"
    assert nodes[LAURENT]["type"] == "Person"
    assert nodes[LAURENT]["degree"] == 3
    works = edges[f"{LAURENT}|worksAt|organization/datadog"]
    assert (works["source"], works["target"], works["predicate"]) == (
        LAURENT,
        "organization/datadog",
        "worksAt",
    )
    assert works["confidence"] == pytest.approx(0.9)
    assert works["evidence_count"] == 1
    assert (view["total_nodes"], view["total_edges"], view["truncated"]) == (5, 4, False)


def test_graph_with_focus_returns_its_neighbourhood(client: TestClient) -> None:
    view = client.get("/graph", params={"focus": "organization/datadog", "hops": 1}).json()
    assert {node["data"]["id"] for node in view["elements"]["nodes"]} == {"organization/datadog", LAURENT}
    two = client.get("/graph", params={"focus": "organization/datadog", "hops": 2}).json()
    assert {node["data"]["id"] for node in two["elements"]["nodes"]} == {
        "organization/datadog",
        LAURENT,
        "project/cilium",
        "project/kube-proxy",
    }


def test_graph_filters_by_type_and_predicate(client: TestClient) -> None:
    people_projects = client.get("/graph", params=[("types", "person"), ("types", "Project")]).json()
    assert {node["data"]["type"] for node in people_projects["elements"]["nodes"]} == {"Person", "Project"}
    assert len(people_projects["elements"]["edges"]) == 3
    created = client.get("/graph", params={"predicates": "createdBy,worksAt"}).json()
    assert sorted(edge["data"]["predicate"] for edge in created["elements"]["edges"]) == [
        "createdBy",
        "worksAt",
    ]
    # kube-proxy is left without a fact, so it is left out.
    assert {node["data"]["id"] for node in created["elements"]["nodes"]} == {
        LAURENT,
        "organization/datadog",
        "project/cilium",
        "person/thomas-graf",
    }
    nothing = client.get("/graph", params={"types": ""}).json()
    assert nothing["elements"] == {"nodes": [], "edges": []}


def test_graph_keeps_entities_without_facts_only_when_asked(client: TestClient) -> None:
    params = {"predicates": "createdBy"}
    default = client.get("/graph", params=params).json()
    assert {node["data"]["id"] for node in default["elements"]["nodes"]} == {
        "project/cilium",
        "person/thomas-graf",
    }
    everything = client.get("/graph", params={**params, "isolated": "true"}).json()
    assert len(everything["elements"]["nodes"]) == 5
    lonely_focus = client.get("/graph", params={**params, "focus": "organization/datadog"}).json()
    assert [node["data"]["id"] for node in lonely_focus["elements"]["nodes"]] == ["organization/datadog"]


def test_graph_caps_the_view_to_the_best_connected_entities(client: TestClient) -> None:
    view = client.get("/graph", params={"limit": 2}).json()
    assert [node["data"]["id"] for node in view["elements"]["nodes"]] == [LAURENT, "project/cilium"]
    assert view["truncated"] is True
    assert view["total_nodes"] == 5


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"focus": "person/nobody"}, 404, "not_found"),
        ({"types": "Planet"}, 400, "invalid_parameter"),
        ({"predicates": "likes"}, 400, "invalid_parameter"),
        ({"hops": 9}, 422, None),
        ({"limit": 0}, 422, None),
    ],
)
def test_graph_refuses_bad_parameters_with_a_json_error(
    client: TestClient, params: dict[str, object], status: int, code: str | None
) -> None:
    response = client.get("/graph", params=params)
    assert response.status_code == status
    body = response.json()
    assert body["detail"]
    if code is not None:
        assert body["error"] == code


# ----------------------------------------------------------------------------------- pure helpers


def test_capped_view_keeps_the_focus_and_the_highest_degrees_in_view_order() -> None:
    view = star([("hub", "a"), ("hub", "b"), ("hub", "c"), ("a", "b"), ("lonely", "d")])
    capped = capped_view(view, 3, focus="d")
    assert list(capped.nodes) == ["hub", "a", "d"]
    assert list(capped.edges()) == [("hub", "a")]


def test_capped_view_leaves_a_small_view_whole() -> None:
    view = star([("a", "b")])
    assert capped_view(view, 10) is view


def test_type_and_predicate_parameters_without_a_value_mean_no_filter() -> None:
    assert parse_types(None) is None
    assert parse_predicates(None) is None
    assert parse_types([""]) == set()
    assert parse_predicates([" , "]) == set()


def test_unknown_type_is_named_in_the_error() -> None:
    with pytest.raises(InvalidParameter, match="Planet"):
        parse_types(["Person,Planet"])


@given(
    st.lists(st.sampled_from(list(EntityType)), unique=True),
    st.sampled_from([str.lower, str.upper, str]),
    st.sampled_from([",", " , ", ",,"]),
)
def test_types_parse_back_from_any_case_and_separator(
    kinds: list[EntityType], case: object, separator: str
) -> None:
    text = separator.join(case(kind.value) for kind in kinds)  # type: ignore[operator]
    assert parse_types([text]) == set(kinds)


@given(st.lists(st.sampled_from(list(Predicate)), min_size=1, unique=True))
def test_predicates_parse_back_whether_repeated_or_joined(predicates: list[Predicate]) -> None:
    repeated = [predicate.value for predicate in predicates]
    assert parse_predicates(repeated) == parse_predicates([",".join(repeated)]) == set(predicates)
