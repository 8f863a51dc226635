from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDFS

from graph.documents import read_document
from graph.errors import InvalidQuery
from graph.ingest import ingest_document
from graph.queries import (
    contributions,
    count_documents,
    entity_profile,
    find_entities,
    list_documents,
    query_form,
    sparql_string,
    with_row_limit,
)
from graph.records import EntityType, Predicate
from graph.store import Store, open_memory_store
from graph.vocab import reconciliation_graph_iri
from tests.conftest import hand_made_extraction

LAURENT = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.
Laurent became a maintainer of kube-proxy.
"""

CILIUM = """---
title: Cilium history
date: 2023-01-10
---
Cilium was started by Thomas Graf.
Laurent Bernaille contributed to Cilium early on.
"""


@pytest.fixture
def store(memory_store: Store) -> Store:
    for source, text in (("posts/laurent.md", LAURENT), ("posts/cilium.md", CILIUM)):
        ingest_document(read_document(text, source), memory_store, extractor=hand_made_extraction)
    return memory_store


def test_list_documents_gives_source_title_and_date_in_pages(store: Store) -> None:
    everything = list_documents(store)
    assert [(d.source, d.title, d.date) for d in everything] == sorted(
        [
            ("posts/laurent.md", "Meet the Maintainer: Laurent Bernaille", "2024-05-02"),
            ("posts/cilium.md", "Cilium history", "2023-01-10"),
        ],
        key=lambda row: next(d.iri for d in everything if d.source == row[0]),
    )
    assert list_documents(store, limit=1, offset=1) == everything[1:]
    assert list_documents(store, limit=5, offset=2) == []


def test_list_documents_leaves_out_named_graphs_that_are_not_documents(store: Store) -> None:
    before = list_documents(store)
    record = f'<{reconciliation_graph_iri()}> <{RDFS.comment}> "merge records" .\n'
    store.add_document(str(reconciliation_graph_iri()), record)

    assert str(reconciliation_graph_iri()) in store.documents()
    assert list_documents(store) == before
    assert count_documents(store) == len(before) == 2


def test_find_entities_filters_by_type_and_by_name_or_alias(store: Store) -> None:
    people = find_entities(store, type=EntityType.PERSON)
    assert [p.name for p in people] == ["Laurent Bernaille", "Thomas Graf"]
    assert people[0].key == "person/laurent-bernaille"
    assert people[0].aliases == ("Laurent",)

    assert [e.key for e in find_entities(store, q="LAURENT")] == ["person/laurent-bernaille"]
    assert [e.key for e in find_entities(store, q="proxy")] == ["project/kube-proxy"]
    assert [e.key for e in find_entities(store, q="lbern")] == ["person/laurent-bernaille"]
    assert find_entities(store, type=EntityType.CONFERENCE) == []


def test_find_entities_pages_through_results_in_key_order(store: Store) -> None:
    keys = [e.key for e in find_entities(store, limit=100)]
    assert keys == sorted(keys)
    assert len(keys) == 5
    assert [e.key for e in find_entities(store, limit=2, offset=1)] == keys[1:3]


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=30))
def test_find_entities_takes_any_search_text_literally(q: str) -> None:
    store = open_memory_store()
    ingest_document(read_document(LAURENT, "laurent.md"), store, extractor=hand_made_extraction)
    found = find_entities(store, q=q)
    needle = q.strip().lower()
    for entity in found:
        assert any(needle in form.lower() for form in (entity.name, *entity.aliases))


def test_entity_profile_has_facts_out_and_in_with_evidence(store: Store) -> None:
    profile = entity_profile(store, "person/laurent-bernaille")
    assert profile is not None
    assert profile.name == "Laurent Bernaille"
    assert profile.type is EntityType.PERSON
    assert profile.aliases == ("Laurent",)
    assert len(profile.documents) == 2
    assert profile.handles == ("lbernail",)
    out = {(f.predicate, f.other.key) for f in profile.facts_out}
    assert out == {
        (Predicate.WORKS_AT, "organization/datadog"),
        (Predicate.MAINTAINER_OF, "project/kube-proxy"),
        (Predicate.CONTRIBUTED_TO, "project/cilium"),
    }
    works = next(f for f in profile.facts_out if f.predicate is Predicate.WORKS_AT)
    assert works.other.name == "Datadog"
    assert works.other.type is EntityType.ORGANIZATION
    assert works.evidence.text == "Laurent Bernaille works at Datadog."
    assert LAURENT[works.evidence.start : works.evidence.end] == works.evidence.text
    assert works.evidence.date == "2024-05-02"
    assert works.confidence == pytest.approx(0.9)

    thomas = entity_profile(store, "person/thomas-graf")
    assert thomas is not None
    assert [(f.predicate, f.other.key) for f in thomas.facts_in] == [(Predicate.CREATED_BY, "project/cilium")]
    assert thomas.facts_out == ()


def test_entity_profile_pages_through_facts_with_totals(memory_store: Store) -> None:
    lines = "\n".join(f"Laurent Bernaille contributed to Cilium, part {n}." for n in range(7))
    ingest_document(
        read_document(f"---\ntitle: Parts\n---\n{lines}\n", "posts/parts.md"),
        memory_store,
        extractor=hand_made_extraction,
    )
    whole = entity_profile(memory_store, "person/laurent-bernaille")
    assert whole is not None and len(whole.facts_out) == whole.facts_out_total == 7

    pages = [
        entity_profile(memory_store, "person/laurent-bernaille", limit=3, offset=o) for o in (0, 3, 6, 9)
    ]
    assert all(page is not None and page.facts_out_total == 7 for page in pages)
    sizes = [len(page.facts_out) for page in pages if page is not None]
    starts = [fact.evidence.start for page in pages if page is not None for fact in page.facts_out]

    assert sizes == [3, 3, 1, 0]
    assert sorted(starts) == sorted(fact.evidence.start for fact in whole.facts_out)


def test_entity_profile_is_none_for_unknown_or_malformed_keys(store: Store) -> None:
    assert entity_profile(store, "person/nobody") is None
    assert entity_profile(store, "person/x> } ; DROP ALL ; <y") is None
    assert entity_profile(store, "") is None


def test_contributions_by_person_key_or_project_name(store: Store) -> None:
    everything = contributions(store)
    assert {(c.person.key, c.predicate, c.project.key) for c in everything} == {
        ("person/laurent-bernaille", Predicate.MAINTAINER_OF, "project/kube-proxy"),
        ("person/laurent-bernaille", Predicate.CONTRIBUTED_TO, "project/cilium"),
    }
    cilium = contributions(store, project="cilium")
    assert [(c.person.name, c.project.name) for c in cilium] == [("Laurent Bernaille", "Cilium")]
    assert cilium[0].evidence.text == "Laurent Bernaille contributed to Cilium early on."
    assert CILIUM[cilium[0].evidence.start : cilium[0].evidence.end] == cilium[0].evidence.text
    assert len(contributions(store, person="person/laurent-bernaille")) == 2
    assert contributions(store, person="person/thomas-graf") == []
    assert contributions(store, person='"; DROP ALL #') == []


@pytest.mark.parametrize(
    ("query", "form"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("PREFIX ex: <http://example.org/delete#>\nask { ?s ex:load ?o }", "ASK"),
        ('SELECT ?x WHERE { BIND("INSERT DATA SERVICE" AS ?x) } # DROP ALL', "SELECT"),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://example.org/x>", "DESCRIBE"),
        ("SELECT ?delete WHERE { ?delete ?p ?o }", "SELECT"),
    ],
)
def test_query_form_reads_the_form_past_strings_iris_and_names(query: str, form: str) -> None:
    assert query_form(query) == form


@pytest.mark.parametrize(
    "query",
    [
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "PREFIX ex: <http://example.org/>\nDELETE WHERE { ?s ?p ?o }",
        "DROP ALL",
        "CLEAR DEFAULT",
        "LOAD <http://example.org/data.ttl>",
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "select * where { service <http://example.org/sparql> { ?s ?p ?o } }",
        "not a query at all",
        "",
    ],
)
def test_query_form_refuses_updates_service_and_non_queries(query: str) -> None:
    with pytest.raises(InvalidQuery):
        query_form(query)


@settings(max_examples=60, deadline=None)
@given(st.text())
def test_query_form_raises_only_invalid_query(text: str) -> None:
    with contextlib.suppress(InvalidQuery):
        assert query_form(text) in {"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"}


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"])))
def test_sparql_string_round_trips_through_the_store(value: str) -> None:
    store = open_memory_store()
    result = store.select(f"SELECT ?v WHERE {{ BIND({sparql_string(value)} AS ?v) }}")
    assert result.rows[0]["v"]["value"] == value


def test_row_limit_is_added_only_to_unlimited_select_and_construct(store: Store) -> None:
    everything = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } # no limit here"
    limited = with_row_limit(everything, 3)
    assert len(store.select(limited).rows) == 3
    assert len(store.select(everything).rows) > 3
    for unchanged in (
        "SELECT * WHERE { ?s ?p ?o } LIMIT 10",
        "SELECT * WHERE { { SELECT ?s WHERE { ?s ?p ?o } LIMIT 1 } }",
        "SELECT * WHERE { ?s ?p ?o } VALUES ?s { <http://a.example/s> }",
        "ASK { ?s ?p ?o }",
        "DESCRIBE <http://a.example/s>",
    ):
        assert with_row_limit(unchanged, 3) == unchanged
    assert with_row_limit('SELECT ?x WHERE { BIND("LIMIT 1" AS ?x) }', 3).endswith("LIMIT 3")
