"""Paths between entities, search by name, and pages with Link headers, over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from graph.ingest import store_extraction
from graph.records import Predicate
from graph.store import Store
from tests.api.test_documents import POST, assert_error, post_markdown
from tests.api.test_profiles import (
    CILIUM_SOURCE,
    CILIUM_TEXT,
    LAURENT_SOURCE,
    LAURENT_TEXT,
    load_stories,
    story,
)

RAW = {LAURENT_SOURCE: LAURENT_TEXT, CILIUM_SOURCE: CILIUM_TEXT}


@pytest.fixture
def stories(client: TestClient, memory_store: Store) -> dict[str, str]:
    return load_stories(memory_store)


def links(header: str) -> dict[str, str]:
    """rel -> URL from a Link header."""
    return {rel: url for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', header)}


def steps(path: dict) -> list[tuple[str, str, str, str]]:
    return [(s["source"]["key"], s["predicate"], s["direction"], s["target"]["key"]) for s in path["steps"]]


def test_a_path_across_two_documents_shows_each_hop_with_its_evidence(
    client: TestClient, stories: dict[str, str]
) -> None:
    response = client.get("/paths", params={"from": "organization/datadog", "to": "person/thomas-graf"})

    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["source"]["name"] == "Datadog" and answer["target"]["name"] == "Thomas Graf"
    first = answer["paths"][0]
    assert first["length"] == 2
    assert steps(first) == [
        ("organization/datadog", "uses", "forward", "project/cilium"),
        ("project/cilium", "createdBy", "forward", "person/thomas-graf"),
    ]
    assert [e["key"] for e in first["entities"]] == [
        "organization/datadog",
        "project/cilium",
        "person/thomas-graf",
    ]
    sources = [step["evidence"][0]["source"] for step in first["steps"]]
    assert sources == [LAURENT_SOURCE, CILIUM_SOURCE]
    for step in first["steps"]:
        evidence = step["evidence"][0]
        assert evidence["document_id"] == stories[evidence["source"]]
        assert RAW[evidence["source"]][evidence["start"] : evidence["end"]] == evidence["text"]
    assert first["confidence"] == pytest.approx(0.75)


def test_paths_come_shortest_first_up_to_k_and_max_hops(client: TestClient, stories: dict[str, str]) -> None:
    ends = {"from": "organization/datadog", "to": "person/thomas-graf"}
    three = client.get("/paths", params=ends).json()["paths"]
    assert [p["length"] for p in three] == [2, 3, 3]
    # Of two paths of one length the more confident comes first: 0.85 via Laurent, 0.75 via Isovalent.
    assert [steps(p)[0][1] for p in three[1:]] == ["worksAt", "uses"]
    assert [p["confidence"] for p in three] == pytest.approx([0.75, 0.85, 0.75])
    assert len({tuple(e["key"] for e in p["entities"]) for p in three}) == 3
    assert [p["length"] for p in client.get("/paths", params={**ends, "k": 10}).json()["paths"]] == [
        2,
        3,
        3,
        4,
    ]
    assert [p["length"] for p in client.get("/paths", params={**ends, "k": 1}).json()["paths"]] == [2]
    assert [p["length"] for p in client.get("/paths", params={**ends, "max": 2}).json()["paths"]] == [2]


def test_walking_a_fact_against_its_direction_says_backward(
    client: TestClient, stories: dict[str, str]
) -> None:
    answer = client.get("/paths", params={"from": "person/thomas-graf", "to": "organization/datadog"}).json()
    first = answer["paths"][0]
    assert steps(first) == [
        ("person/thomas-graf", "createdBy", "backward", "project/cilium"),
        ("project/cilium", "uses", "backward", "organization/datadog"),
    ]
    assert (first["steps"][0]["subject"], first["steps"][0]["object"]) == (
        "project/cilium",
        "person/thomas-graf",
    )


def test_two_facts_between_the_same_entities_make_one_hop_listing_both(
    client: TestClient, stories: dict[str, str]
) -> None:
    answer = client.get("/paths", params={"from": "Laurent", "to": "Renée Dupont"}).json()
    (path,) = answer["paths"][:1]
    assert path["length"] == 1
    step = path["steps"][0]
    # interviewedBy (0.9) beats knows (0.6 each way)
    assert (step["predicate"], step["direction"]) == ("interviewedBy", "backward")
    assert sorted((f["predicate"], f["direction"]) for f in step["other_facts"]) == [
        ("knows", "backward"),
        ("knows", "forward"),
    ]


def test_ends_may_be_names_and_unknown_ends_are_404(client: TestClient, stories: dict[str, str]) -> None:
    answer = client.get("/paths", params={"from": "lbernail", "to": "kube-proxy"}).json()
    assert answer["source"]["key"] == "person/laurent-bernaille"
    assert steps(answer["paths"][0]) == [
        ("person/laurent-bernaille", "maintainerOf", "forward", "project/kube-proxy")
    ]
    missing = client.get("/paths", params={"from": "Laurnet", "to": "Cilium"})
    assert_error(missing, 404, "not_found")
    assert "/search" in missing.json()["detail"]
    assert_error(client.get("/paths", params={"from": "person/nobody", "to": "Cilium"}), 404, "not_found")


def test_unconnected_entities_have_no_path_and_an_entity_reaches_itself(
    client: TestClient, stories: dict[str, str]
) -> None:
    assert client.get("/paths", params={"from": "Laurent", "to": "technology/xdp"}).json()["paths"] == []
    itself = client.get("/paths", params={"from": "Cilium", "to": "project/cilium"}).json()["paths"]
    assert [(p["length"], p["steps"]) for p in itself] == [(0, [])]


def test_path_limits_are_checked(client: TestClient, stories: dict[str, str]) -> None:
    ends = {"from": "Laurent", "to": "Cilium"}
    assert_error(client.get("/paths", params={**ends, "max": 7}), 422, "invalid_request")
    assert_error(client.get("/paths", params={**ends, "max": 0}), 422, "invalid_request")
    assert_error(client.get("/paths", params={**ends, "k": 11}), 422, "invalid_request")
    assert_error(client.get("/paths", params={"from": "Laurent"}), 422, "invalid_request")


def test_search_forgives_a_misspelt_name(client: TestClient, stories: dict[str, str]) -> None:
    page = client.get("/search", params={"q": "Laurnet Bernaile"}).json()
    hit = page["items"][0]
    assert (hit["key"], hit["match"], hit["matched"]) == (
        "person/laurent-bernaille",
        "fuzzy",
        "Laurent Bernaille",
    )
    assert 0 < hit["score"] < 0.6
    assert client.get("/search", params={"q": "cilum"}).json()["items"][0]["key"] == "project/cilium"
    assert client.get("/search", params={"q": "zzzzqqq"}).json() == {
        "items": [],
        "total": 0,
        "limit": 20,
        "offset": 0,
    }


def test_search_ranks_exact_before_prefix_before_substring(
    client: TestClient, stories: dict[str, str]
) -> None:
    hits = client.get("/search", params={"q": "Laurent"}).json()["items"]
    assert (hits[0]["key"], hits[0]["match"], hits[0]["field"]) == (
        "person/laurent-bernaille",
        "exact",
        "alias",
    )
    assert hits[0]["score"] == 1.0
    prefix = client.get("/search", params={"q": "kube"}).json()["items"]
    assert [(h["key"], h["match"]) for h in prefix] == [
        ("conference/kubecon", "prefix"),
        ("project/kube-proxy", "prefix"),
    ]
    inside = client.get("/search", params={"q": "valent"}).json()["items"]
    assert [(h["key"], h["match"]) for h in inside] == [("organization/isovalent", "substring")]
    handle = client.get("/search", params={"q": "@lbernail"}).json()["items"][0]
    assert (handle["key"], handle["field"], handle["match"]) == (
        "person/laurent-bernaille",
        "handle",
        "exact",
    )


def test_search_filters_by_type(client: TestClient, stories: dict[str, str]) -> None:
    assert client.get("/search", params={"q": "Cilium", "type": "Person"}).json()["total"] == 0
    assert [
        h["key"] for h in client.get("/search", params={"q": "Cilium", "type": "Project"}).json()["items"]
    ] == ["project/cilium"]
    assert_error(client.get("/search", params={"q": "x", "type": "Planet"}), 422, "invalid_request")
    assert_error(client.get("/search", params={"q": ""}), 422, "invalid_request")


def test_search_pages_link_to_the_next_and_previous_page(client: TestClient, stories: dict[str, str]) -> None:
    everything = client.get("/search", params={"q": "e", "limit": 100}).json()
    assert everything["total"] >= 5
    first = client.get("/search", params={"q": "e", "limit": 2})
    assert first.json()["items"] == everything["items"][:2]
    assert set(links(first.headers["Link"])) == {"next"}
    second = client.get(links(first.headers["Link"])["next"])
    assert second.json()["offset"] == 2
    assert second.json()["items"] == everything["items"][2:4]
    assert set(links(second.headers["Link"])) == {"next", "prev"}
    assert client.get(links(second.headers["Link"])["prev"]).json() == first.json()


def test_every_list_is_a_page_with_link_headers(client: TestClient, stories: dict[str, str]) -> None:
    for name in ("a.md", "b.md"):
        post_markdown(client, POST, source=name)
    for url, params in (
        ("/documents", {}),
        ("/entities", {}),
        ("/contributions", {}),
        ("/search", {"q": "a"}),
    ):
        whole = client.get(url, params=params).json()
        assert set(whole) == {"items", "total", "limit", "offset"}, url
        assert whole["total"] == len(whole["items"]) >= 2, url
        page = client.get(url, params={**params, "limit": 1, "offset": 1})
        assert page.json()["items"] == whole["items"][1:2], url
        assert page.json()["total"] == whole["total"], url
        assert set(links(page.headers["Link"])) == ({"next", "prev"} if whole["total"] > 2 else {"prev"}), url
        assert page.headers["Cache-Control"] == "public, max-age=60"
        assert (
            client.get(url, params=params, headers={"If-None-Match": page.headers["ETag"]}).status_code == 200
        )
        tag = client.get(url, params=params).headers["ETag"]
        assert client.get(url, params=params, headers={"If-None-Match": tag}).status_code == 304


def test_openapi_documents_the_new_routes_with_summaries_and_examples(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/people/{id}", "/projects/{id}", "/organizations/{id}", "/paths", "/search"):
        operation = spec["paths"][path]["get"]
        assert operation["summary"], path
        assert operation["responses"]["200"]["content"]["application/json"]["example"], path
        assert "304" in operation["responses"], path
    assert {p["name"] for p in spec["paths"]["/paths"]["get"]["parameters"]} == {"from", "to", "max", "k"}


def test_paths_follow_documents_added_and_removed(
    client: TestClient, memory_store: Store, stories: dict[str, str]
) -> None:
    ends = {"from": "technology/xdp", "to": "person/ada-lovelace"}
    assert client.get("/paths", params=ends).json()["paths"] == []
    extra = "---\ntitle: XDP\n---\nAda Lovelace uses XDP.\n"
    facts = [("Ada Lovelace", Predicate.USES, "XDP", "Ada Lovelace uses XDP.", 0.8)]
    added = store_extraction(story("posts/xdp.md", extra, facts), memory_store)

    (path,) = client.get("/paths", params=ends).json()["paths"]
    assert steps(path) == [("technology/xdp", "uses", "backward", "person/ada-lovelace")]
    assert path["steps"][0]["evidence"][0]["source"] == "posts/xdp.md"

    client.delete(f"/documents/{added.document_id}")
    assert client.get("/paths", params=ends).json()["paths"] == []
