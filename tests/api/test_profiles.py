"""Typed profiles over HTTP: people, projects and organisations, each fact with its evidence."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from fastapi.testclient import TestClient

from graph.documents import read_document
from graph.ingest import store_extraction
from graph.records import Entity, EntityType, Evidence, Extraction, Fact, Predicate
from graph.store import Store
from graph.vocab import entity_key
from tests.api.test_documents import assert_error

PERSON, PROJECT, ORG, CONF, TECH = (
    EntityType.PERSON,
    EntityType.PROJECT,
    EntityType.ORGANIZATION,
    EntityType.CONFERENCE,
    EntityType.TECHNOLOGY,
)

# name -> (type, aliases, handles)
NAMES: dict[str, tuple[EntityType, tuple[str, ...], tuple[str, ...]]] = {
    "Laurent Bernaille": (PERSON, ("Laurent",), ("lbernail",)),
    "Thomas Graf": (PERSON, (), ()),
    "Renée Dupont": (PERSON, ("Renée",), ()),
    "Ada Lovelace": (PERSON, (), ()),
    "Datadog": (ORG, (), ()),
    "Isovalent": (ORG, (), ()),
    "Cilium": (PROJECT, (), ()),
    "kube-proxy": (PROJECT, (), ()),
    "KubeCon": (CONF, (), ()),
    "FOSDEM": (CONF, (), ()),
    "eBPF": (TECH, (), ()),
    "XDP": (TECH, (), ()),
}

LAURENT_SOURCE = "posts/laurent.md"
LAURENT_TEXT = """---
title: "Meet Laurent"
date: 2024-05-02
---
Laurent Bernaille works at Datadog. Laurent contributes to Cilium. He maintains kube-proxy.
He spoke at KubeCon. He attended FOSDEM. He uses eBPF every day. Laurent knows Renée Dupont.
Ada Lovelace interviewed Laurent. Datadog runs Cilium in production. XDP is mentioned too.
"""
# (subject, predicate, object, sentence, confidence)
LAURENT_FACTS = [
    ("Laurent Bernaille", Predicate.WORKS_AT, "Datadog", "Laurent Bernaille works at Datadog.", 0.9),
    ("Laurent Bernaille", Predicate.CONTRIBUTED_TO, "Cilium", "Laurent contributes to Cilium.", 0.9),
    ("Laurent Bernaille", Predicate.MAINTAINER_OF, "kube-proxy", "He maintains kube-proxy.", 0.8),
    ("Laurent Bernaille", Predicate.SPOKE_AT, "KubeCon", "He spoke at KubeCon.", 0.8),
    ("Laurent Bernaille", Predicate.ATTENDED, "FOSDEM", "He attended FOSDEM.", 0.7),
    ("Laurent Bernaille", Predicate.USES, "eBPF", "He uses eBPF every day.", 0.7),
    ("Laurent Bernaille", Predicate.KNOWS, "Renée Dupont", "Laurent knows Renée Dupont.", 0.6),
    (
        "Laurent Bernaille",
        Predicate.INTERVIEWED_BY,
        "Ada Lovelace",
        "Ada Lovelace interviewed Laurent.",
        0.95,
    ),
    ("Datadog", Predicate.USES, "Cilium", "Datadog runs Cilium in production.", 0.75),
]

CILIUM_SOURCE = "posts/cilium.md"
CILIUM_TEXT = """---
title: Cilium history
date: 2023-01-10
---
Cilium was created by Thomas Graf. Isovalent develops Cilium. Thomas Graf works at Isovalent.
Laurent Bernaille contributed to Cilium early on. Renée Dupont knows Laurent Bernaille.
Laurent Bernaille interviewed Renée Dupont.
"""
CILIUM_FACTS = [
    ("Cilium", Predicate.CREATED_BY, "Thomas Graf", "Cilium was created by Thomas Graf.", 0.85),
    ("Isovalent", Predicate.DEVELOPS, "Cilium", "Isovalent develops Cilium.", 0.8),
    ("Thomas Graf", Predicate.WORKS_AT, "Isovalent", "Thomas Graf works at Isovalent.", 0.9),
    (
        "Laurent Bernaille",
        Predicate.CONTRIBUTED_TO,
        "Cilium",
        "Laurent Bernaille contributed to Cilium early on.",
        0.7,
    ),
    ("Renée Dupont", Predicate.KNOWS, "Laurent Bernaille", "Renée Dupont knows Laurent Bernaille.", 0.6),
    (
        "Renée Dupont",
        Predicate.INTERVIEWED_BY,
        "Laurent Bernaille",
        "Laurent Bernaille interviewed Renée Dupont.",
        0.9,
    ),
]


def key(name: str) -> str:
    return entity_key(NAMES[name][0], name)


def story(source: str, text: str, facts: Sequence[tuple[str, Predicate, str, str, float]]) -> Extraction:
    """An extraction whose facts are the given sentences of `text`; entities are the names it holds."""
    document = read_document(text, source)
    entities = tuple(
        Entity(key(name), name, kind, aliases, handles)
        for name, (kind, aliases, handles) in NAMES.items()
        if name in text
    )
    found = []
    for subject, predicate, obj, sentence, confidence in facts:
        start = document.raw.index(sentence)
        evidence = Evidence(document.id, sentence, start, start + len(sentence), document.metadata.date)
        found.append(Fact(key(subject), predicate, key(obj), evidence, confidence, "hand-made"))
    return Extraction(document, (), entities, tuple(found), "hand-made/1")


def load_stories(store: Store) -> dict[str, str]:
    """Store both stories; their document ids by source."""
    ids = {}
    for source, text, facts in (
        (LAURENT_SOURCE, LAURENT_TEXT, LAURENT_FACTS),
        (CILIUM_SOURCE, CILIUM_TEXT, CILIUM_FACTS),
    ):
        ids[source] = store_extraction(story(source, text, facts), store).document_id
    return ids


@pytest.fixture
def stories(client: TestClient, memory_store: Store) -> dict[str, str]:
    return load_stories(memory_store)


def related(profile: dict, role: str) -> list[str]:
    return [relation["entity"]["key"] for relation in profile[role]]


def test_a_person_profile_groups_facts_by_role(client: TestClient, stories: dict[str, str]) -> None:
    response = client.get("/people/person/laurent-bernaille")

    assert response.status_code == 200, response.text
    profile = response.json()
    assert (profile["key"], profile["name"], profile["type"]) == (
        "person/laurent-bernaille",
        "Laurent Bernaille",
        "Person",
    )
    assert profile["aliases"] == ["Laurent"] and profile["handles"] == ["lbernail"]
    assert related(profile, "contributed_to") == ["project/cilium"]
    assert related(profile, "maintains") == ["project/kube-proxy"]
    assert related(profile, "created") == []
    assert related(profile, "employers") == ["organization/datadog"]
    assert related(profile, "talks") == ["conference/kubecon"]
    assert related(profile, "attended") == ["conference/fosdem"]
    assert related(profile, "uses") == ["technology/ebpf"]
    assert related(profile, "knows") == ["person/renee-dupont"]
    assert related(profile, "known_by") == ["person/renee-dupont"]
    assert related(profile, "interviewed_by") == ["person/ada-lovelace"]
    assert related(profile, "interviewed") == ["person/renee-dupont"]
    assert [(d["id"], d["source"], d["title"]) for d in profile["documents"]] == sorted(
        [
            (stories[CILIUM_SOURCE], CILIUM_SOURCE, "Cilium history"),
            (stories[LAURENT_SOURCE], LAURENT_SOURCE, "Meet Laurent"),
        ]
    )


def test_every_profile_fact_carries_its_evidence_in_the_raw_file(
    client: TestClient, stories: dict[str, str]
) -> None:
    profile = client.get("/people/person/laurent-bernaille").json()
    raw = {LAURENT_SOURCE: LAURENT_TEXT, CILIUM_SOURCE: CILIUM_TEXT}
    checked = 0
    for role in ("contributed_to", "employers", "known_by", "interviewed"):
        for relation in profile[role]:
            for evidence in relation["evidence"]:
                assert stories[evidence["source"]] == evidence["document_id"]
                assert raw[evidence["source"]][evidence["start"] : evidence["end"]] == evidence["text"]
                checked += 1
    assert checked == 5
    employer = profile["employers"][0]
    assert employer["predicate"] == "worksAt" and employer["direction"] == "out"
    assert employer["evidence"][0]["date"] == "2024-05-02"
    assert employer["evidence"][0]["confidence"] == pytest.approx(0.9)


def test_a_fact_read_in_two_documents_lists_both_pieces_of_evidence_best_first(
    client: TestClient, stories: dict[str, str]
) -> None:
    profile = client.get("/people/person/laurent-bernaille").json()
    (cilium,) = profile["contributed_to"]
    assert cilium["confidence"] == pytest.approx(0.9)
    assert [(e["source"], e["text"]) for e in cilium["evidence"]] == [
        (LAURENT_SOURCE, "Laurent contributes to Cilium."),
        (CILIUM_SOURCE, "Laurent Bernaille contributed to Cilium early on."),
    ]
    assert cilium["evidence"][1]["date"] == "2023-01-10"


def test_a_project_profile_names_contributors_maintainers_creators_developers_and_users(
    client: TestClient, stories: dict[str, str]
) -> None:
    cilium = client.get("/projects/project/cilium").json()
    assert related(cilium, "contributors") == ["person/laurent-bernaille"]
    assert related(cilium, "maintainers") == []
    assert related(cilium, "creators") == ["person/thomas-graf"]
    assert related(cilium, "developed_by") == ["organization/isovalent"]
    assert related(cilium, "users") == ["organization/datadog"]
    assert cilium["creators"][0]["direction"] == "out"
    assert cilium["users"][0]["evidence"][0]["text"] == "Datadog runs Cilium in production."
    assert related(client.get("/projects/kube-proxy").json(), "maintainers") == ["person/laurent-bernaille"]


def test_an_organization_profile_names_members_projects_developed_and_used(
    client: TestClient, stories: dict[str, str]
) -> None:
    isovalent = client.get("/organizations/organization/isovalent").json()
    assert related(isovalent, "members") == ["person/thomas-graf"]
    assert related(isovalent, "develops") == ["project/cilium"]
    datadog = client.get("/organizations/datadog").json()
    assert related(datadog, "members") == ["person/laurent-bernaille"]
    assert related(datadog, "uses") == ["project/cilium"]


def test_a_bare_slug_or_a_name_finds_the_entity_of_the_route_type(
    client: TestClient, stories: dict[str, str]
) -> None:
    by_key = client.get("/people/person/laurent-bernaille").json()
    assert client.get("/people/laurent-bernaille").json() == by_key
    assert client.get("/people/Laurent Bernaille").json() == by_key
    assert client.get("/people/Person/Laurent-Bernaille").json() == by_key


def test_an_id_of_another_type_is_404_naming_its_type_and_route(
    client: TestClient, stories: dict[str, str]
) -> None:
    for url in ("/people/project/cilium", "/people/cilium"):
        response = client.get(url)
        assert_error(response, 404, "not_found")
        assert "Project" in response.json()["detail"]
        assert "/projects/project/cilium" in response.json()["detail"]
    response = client.get("/organizations/person/laurent-bernaille")
    assert_error(response, 404, "not_found")
    assert "/people/person/laurent-bernaille" in response.json()["detail"]


def test_an_unknown_id_is_404_pointing_to_search(client: TestClient, stories: dict[str, str]) -> None:
    for url in ("/people/person/nobody", "/projects/nothing-here", "/organizations/bad>id", "/people/"):
        response = client.get(url)
        assert_error(response, 404, "not_found")
    assert "/search" in client.get("/people/person/nobody").json()["detail"]


def test_profiles_carry_an_etag_and_answer_304_while_unchanged(
    client: TestClient, memory_store: Store, stories: dict[str, str]
) -> None:
    first = client.get("/projects/project/cilium")
    tag = first.headers["ETag"]
    assert tag.startswith('W/"')
    assert first.headers["Cache-Control"] == "public, max-age=60"

    again = client.get("/projects/project/cilium", headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["ETag"] == tag
    assert client.get("/projects/project/cilium", headers={"If-None-Match": 'W/"other"'}).status_code == 200

    extra = "---\ntitle: More\n---\nRenée Dupont maintains Cilium.\n"
    facts = [("Renée Dupont", Predicate.MAINTAINER_OF, "Cilium", "Renée Dupont maintains Cilium.", 0.8)]
    store_extraction(story("posts/more.md", extra, facts), memory_store)
    changed = client.get("/projects/project/cilium", headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert related(changed.json(), "maintainers") == ["person/renee-dupont"]


def test_errors_are_not_cached(client: TestClient, stories: dict[str, str]) -> None:
    response = client.get("/people/person/nobody")
    assert "etag" not in {name.lower() for name in response.headers}
