"""Typed profiles, name search and paths as pure functions over hand-made records."""

from __future__ import annotations

import random

import networkx as nx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.requests import Request

from api.caching import entity_tag, matches_entity_tag, page_links
from graph.errors import InvalidParameter, NotFound
from graph.paths import connecting_paths, find_entity_key
from graph.profiles import PersonProfile, ProjectProfile, typed_profile
from graph.queries import (
    DocumentInfo,
    EntityRef,
    FactView,
    Profile,
    fold_name,
    name_match,
    rank_by_name,
)
from graph.records import Entity, EntityType, Evidence, Predicate
from graph.views import EvidenceRef

ADA = EntityRef("person/ada", "Ada", EntityType.PERSON)
ACME = EntityRef("organization/acme", "Acme", EntityType.ORGANIZATION)
WIDGET = EntityRef("project/widget", "Widget", EntityType.PROJECT)


def fact(predicate: Predicate, other: EntityRef, document: str, start: int, confidence: float) -> FactView:
    evidence = Evidence(document, f"sentence at {start}", start, start + 10, "2024-01-01")
    return FactView(predicate, other, evidence, confidence, None, "rule")


def profile(
    key: str, kind: EntityType, facts_out: tuple[FactView, ...], facts_in: tuple[FactView, ...]
) -> Profile:
    return Profile(key, key.split("/")[1].title(), kind, (), (), ("doc-a", "doc-b"), facts_out, facts_in)


def test_typed_profile_groups_evidence_per_related_entity_best_first() -> None:
    plain = profile(
        "person/ada",
        EntityType.PERSON,
        (
            fact(Predicate.WORKS_AT, ACME, "doc-b", 5, 0.6),
            fact(Predicate.WORKS_AT, ACME, "doc-a", 40, 0.9),
            fact(Predicate.CONTRIBUTED_TO, WIDGET, "doc-a", 70, 0.5),
        ),
        (fact(Predicate.CREATED_BY, WIDGET, "doc-a", 90, 0.8),),
    )
    documents = {"doc-a": DocumentInfo("doc-a", "iri-a", source="a.md", title="A")}

    typed = typed_profile(plain, documents)

    assert isinstance(typed, PersonProfile)
    (employer,) = typed.employers
    assert (employer.entity, employer.direction, employer.confidence) == (ACME, "out", 0.9)
    assert [(e.document_id, e.source, e.start) for e in employer.evidence] == [
        ("doc-a", "a.md", 40),
        ("doc-b", None, 5),
    ]
    assert [r.entity.key for r in typed.contributed_to] == ["project/widget"]
    assert [(r.entity.key, r.direction) for r in typed.created] == [("project/widget", "in")]
    assert typed.maintains == () and typed.knows == ()
    assert [(d.id, d.source, d.title) for d in typed.documents] == [
        ("doc-a", "a.md", "A"),
        ("doc-b", None, None),
    ]


def test_typed_profile_keeps_the_best_evidence_up_to_the_limit_and_counts_all() -> None:
    plain = profile(
        "person/ada",
        EntityType.PERSON,
        (
            fact(Predicate.WORKS_AT, ACME, "doc-b", 5, 0.6),
            fact(Predicate.WORKS_AT, ACME, "doc-a", 40, 0.9),
            fact(Predicate.WORKS_AT, ACME, "doc-a", 80, 0.7),
        ),
        (),
    )
    typed = typed_profile(plain, {}, evidence_limit=2)

    assert isinstance(typed, PersonProfile)
    (employer,) = typed.employers
    assert [e.confidence for e in employer.evidence] == [0.9, 0.7]
    assert (employer.evidence_total, employer.confidence) == (3, 0.9)


def test_typed_profile_of_a_project_reads_facts_from_its_side() -> None:
    plain = profile(
        "project/widget",
        EntityType.PROJECT,
        (fact(Predicate.CREATED_BY, ADA, "doc-a", 1, 0.7),),
        (
            fact(Predicate.CONTRIBUTED_TO, ADA, "doc-a", 2, 0.7),
            fact(Predicate.DEVELOPS, ACME, "doc-a", 3, 0.7),
        ),
    )
    typed = typed_profile(plain, {})
    assert isinstance(typed, ProjectProfile)
    assert [r.entity.key for r in typed.creators] == ["person/ada"]
    assert [r.entity.key for r in typed.contributors] == ["person/ada"]
    assert [r.entity.key for r in typed.developed_by] == ["organization/acme"]


def test_typed_profile_refuses_types_without_one() -> None:
    with pytest.raises(NotFound, match="Conference"):
        typed_profile(profile("conference/kubecon", EntityType.CONFERENCE, (), ()), {})


# ---------------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------------


def test_names_fold_case_accents_and_punctuation() -> None:
    assert fold_name("  Renée  O'Brien ") == "renee o brien"
    assert fold_name("@lbernail") == "lbernail"
    assert fold_name("kube-proxy") == fold_name("Kube Proxy")


@pytest.mark.parametrize(
    ("query", "form", "kind"),
    [
        ("kube", "kube", "exact"),
        ("kube", "kube proxy", "prefix"),
        ("proxy", "kube proxy", "prefix"),
        ("bern", "laurent bernaille", "prefix"),
        ("aille", "laurent bernaille", "substring"),
        ("laurnet", "laurent bernaille", "fuzzy"),
        ("cilum", "cilium", "fuzzy"),
    ],
)
def test_a_name_matches_by_the_strongest_rule(query: str, form: str, kind: str) -> None:
    found = name_match(query, form)
    assert found is not None and found[0] == kind


def test_unrelated_names_do_not_match() -> None:
    assert name_match("datadog", "cilium") is None
    assert name_match("", "cilium") is None


def test_search_ranks_exact_then_prefix_then_substring_then_fuzzy() -> None:
    entities = [
        Entity("project/minikube", "Minikube", EntityType.PROJECT),
        Entity("project/kuve", "Kuve", EntityType.PROJECT),
        Entity("project/kubernetes", "Kubernetes", EntityType.PROJECT),
        Entity("project/kube-proxy", "kube-proxy", EntityType.PROJECT),
        Entity("project/kube", "Kube", EntityType.PROJECT),
        Entity("project/datadog", "Datadog", EntityType.PROJECT),
    ]
    hits = rank_by_name("kube", entities)
    assert [(h.key, h.match) for h in hits] == [
        ("project/kube", "exact"),
        ("project/kube-proxy", "prefix"),
        ("project/kubernetes", "prefix"),
        ("project/minikube", "substring"),
        ("project/kuve", "fuzzy"),
    ]
    assert hits[0].score == 1.0
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_search_reports_the_alias_or_handle_that_matched() -> None:
    ada = Entity("person/ada-lovelace", "Ada Lovelace", EntityType.PERSON, ("Countess",), ("@ada",))
    assert [(h.matched, h.field, h.match) for h in rank_by_name("countess", [ada])] == [
        ("Countess", "alias", "exact")
    ]
    assert [(h.matched, h.field) for h in rank_by_name("ada", [ada])] == [("@ada", "handle")]
    assert rank_by_name("ada", [ada], EntityType.PROJECT) == []


names = st.text(alphabet=st.characters(categories=("L", "N", "Zs", "Pd")), min_size=1, max_size=30).filter(
    lambda s: fold_name(s) != ""
)


@given(target=names, others=st.lists(names, max_size=8), seed=st.integers(0, 1000))
def test_an_exact_name_always_ranks_first_whatever_the_order(
    target: str, others: list[str], seed: int
) -> None:
    entities = [Entity(f"project/p{i}", name, EntityType.PROJECT) for i, name in enumerate(others)]
    entities.append(Entity("person/target", target, EntityType.PERSON))
    hits = rank_by_name(target, entities)
    shuffled = entities[:]
    random.Random(seed).shuffle(shuffled)

    assert hits == rank_by_name(target, shuffled)
    assert hits[0].score == 1.0 and hits[0].match == "exact"
    assert "person/target" in [h.key for h in hits if h.score == 1.0]
    assert all(0.0 < h.score <= 1.0 for h in hits)


# ---------------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------------


def view() -> nx.MultiDiGraph:
    """ada -worksAt-> acme -develops-> widget <-contributedTo- bob; ada -knows-> bob; ada -uses-> widget."""
    graph = nx.MultiDiGraph()
    for key, label, kind, aliases in (
        ("organization/acme", "Acme", "Organization", []),
        ("person/ada", "Ada Lovelace", "Person", ["Ada"]),
        ("person/bob", "Bob", "Person", []),
        ("person/other-ada", "Ada Byron", "Person", ["Ada"]),
        ("project/widget", "Widget", "Project", []),
    ):
        graph.add_node(key, label=label, type=kind, aliases=aliases, handles=[])

    def edge(subject: str, predicate: Predicate, obj: str, confidence: float, document: str) -> None:
        ref = EvidenceRef(f"{document}/fact", document, f"{subject} {predicate} {obj}", 0, 5, confidence)
        graph.add_edge(
            subject,
            obj,
            key=predicate.value,
            predicate=predicate.value,
            confidence=confidence,
            evidence=(ref,),
        )

    edge("person/ada", Predicate.WORKS_AT, "organization/acme", 0.9, "doc-a")
    edge("organization/acme", Predicate.DEVELOPS, "project/widget", 0.8, "doc-b")
    edge("person/bob", Predicate.CONTRIBUTED_TO, "project/widget", 0.7, "doc-b")
    edge("person/ada", Predicate.KNOWS, "person/bob", 0.4, "doc-a")
    edge("person/bob", Predicate.KNOWS, "person/ada", 0.6, "doc-b")
    return graph


def test_paths_are_the_k_shortest_simple_paths_within_max_hops() -> None:
    paths = connecting_paths(view(), "person/ada", "project/widget", k=5, sources={"doc-a": "a.md"})
    assert [[e.key for e in p.entities] for p in paths] == [
        ["person/ada", "organization/acme", "project/widget"],
        ["person/ada", "person/bob", "project/widget"],
    ]
    first = paths[0]
    assert [(s.predicate, s.direction) for s in first.steps] == [
        (Predicate.WORKS_AT, "forward"),
        (Predicate.DEVELOPS, "forward"),
    ]
    assert first.confidence == 0.8
    assert [s.evidence[0].source for s in first.steps] == ["a.md", None]
    knows = paths[1].steps[0]
    # The more confident of the two `knows` facts leads; the other is kept.
    assert (knows.predicate, knows.direction, knows.subject) == (Predicate.KNOWS, "backward", "person/bob")
    assert [(f.predicate, f.direction) for f in knows.other_facts] == [(Predicate.KNOWS, "forward")]
    one = connecting_paths(view(), "person/ada", "project/widget", k=1)
    assert [p.entities for p in one] == [paths[0].entities]
    assert connecting_paths(view(), "person/ada", "project/widget", max_hops=1) == []


def test_path_limits_and_unknown_ends_raise() -> None:
    with pytest.raises(InvalidParameter):
        connecting_paths(view(), "person/ada", "person/bob", max_hops=7)
    with pytest.raises(InvalidParameter):
        connecting_paths(view(), "person/ada", "person/bob", k=0)
    with pytest.raises(NotFound):
        connecting_paths(view(), "person/ada", "person/nobody")
    assert connecting_paths(view(), "person/ada", "person/other-ada") == []


def test_path_ends_are_found_by_key_or_unique_name() -> None:
    graph = view()
    assert find_entity_key(graph, "person/bob") == "person/bob"
    assert find_entity_key(graph, "ada lovelace") == "person/ada"
    with pytest.raises(InvalidParameter, match="person/ada, person/other-ada"):
        find_entity_key(graph, "Ada")
    graph.add_node("person/ada-junior", label="Ada", type="Person", aliases=[], handles=[])
    assert find_entity_key(graph, "Ada") == "person/ada-junior"
    with pytest.raises(NotFound):
        find_entity_key(graph, "Charlie")


# ---------------------------------------------------------------------------------------------------
# Pages and entity tags
# ---------------------------------------------------------------------------------------------------


def request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("testserver", 80),
            "path": "/search",
            "query_string": query.encode(),
            "headers": [],
        }
    )


def test_page_links_point_to_the_neighbouring_pages() -> None:
    assert page_links(request("q=a"), total=5, limit=5, offset=0) is None
    middle = page_links(request("q=a&limit=2&offset=2"), total=5, limit=2, offset=2)
    assert middle == (
        '<http://testserver/search?q=a&limit=2&offset=4>; rel="next", '
        '<http://testserver/search?q=a&limit=2&offset=0>; rel="prev"'
    )
    # Past the end, prev goes back to the last full page.
    assert page_links(request("q=a"), total=5, limit=2, offset=10) == (
        '<http://testserver/search?q=a&limit=2&offset=3>; rel="prev"'
    )


def test_entity_tags_match_weakly_and_by_star() -> None:
    tag = entity_tag(b"{}")
    assert tag.startswith('W/"') and tag == entity_tag(b"{}") != entity_tag(b"[]")
    assert matches_entity_tag(tag, tag)
    assert matches_entity_tag(f'"x", {tag.removeprefix("W/")}', tag)
    assert matches_entity_tag("*", tag)
    assert not matches_entity_tag('W/"x"', tag)
    assert not matches_entity_tag("", tag)
