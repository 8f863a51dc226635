"""The networkx view of the store, neighbourhoods, paths and analytics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import Graph, Literal
from rdflib import namespace as rdf_namespaces

from graph.analytics import (
    analyze,
    annotate,
    find_bridges,
    find_communities,
    pagerank,
    rank_entities,
)
from graph.errors import InvalidParameter, NotFound
from graph.records import EntityType, Predicate
from graph.views import neighbourhood, plain_edges, project_graph, shortest_paths
from graph.vocab import MKG, PROPERTY_OF, document_iri, entity_iri, entity_key, evidence_iri
from tests.views_fixture import (
    BOB,
    CILIUM,
    CNCF,
    DATADOG,
    EBPF,
    KUBECON,
    KUBERNETES,
    LAURENT,
    RENEE,
    XDP,
    DatasetStore,
    load_fixture,
    memory_stores,
)

# rdflib's SPARQL engine (the second store the views run against) warns about its own internals.
pytestmark = pytest.mark.filterwarnings("ignore:Dataset.*is deprecated:DeprecationWarning")

ALL_KEYS = {LAURENT, RENEE, BOB, DATADOG, CNCF, CILIUM, KUBERNETES, KUBECON, EBPF, XDP}


@pytest.fixture(scope="module", params=[name for name, _ in memory_stores()])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    stores = dict(memory_stores())
    loaded = load_fixture(stores[request.param])
    yield loaded
    loaded.close()


@pytest.fixture(scope="module")
def view(store: Any) -> nx.MultiDiGraph:
    return project_graph(store)


def edges_of(graph: nx.MultiDiGraph) -> set[tuple[str, str, str]]:
    return {(u, data["predicate"], v) for u, v, data in graph.edges(data=True)}


# ------------------------------------------------------------------------------------------ projection


def test_projection_has_one_node_per_entity_across_documents(view: nx.MultiDiGraph) -> None:
    assert set(view.nodes) == ALL_KEYS
    assert list(view.nodes) == sorted(ALL_KEYS)


def test_node_label_is_the_fullest_name_and_other_labels_become_aliases(view: nx.MultiDiGraph) -> None:
    laurent = view.nodes[LAURENT]
    # doc-a calls him "Laurent Bernaille", doc-b only "Laurent": the key was made from the first.
    assert laurent["label"] == "Laurent Bernaille"
    assert laurent["aliases"] == ["Laurent"]
    assert laurent["handles"] == ["@lbernail"]
    assert laurent["documents"] == ["doc-a", "doc-b"]
    assert laurent["type"] == "Person"
    assert laurent["iri"].endswith(LAURENT)
    assert view.nodes[RENEE]["aliases"] == ['Ree "the kernel"', "Renée"]


def test_label_the_key_was_made_from_wins_over_more_frequent_ones() -> None:
    store = DatasetStore()
    for index, label in enumerate(["Laurent", "Laurent", "Laurent Bernaille", "L. Bernaille"]):
        graph = Graph()
        graph.add((entity_iri(LAURENT), rdf_namespaces.RDF.type, MKG.Person))
        graph.add((entity_iri(LAURENT), rdf_namespaces.RDFS.label, Literal(label)))
        store.add_document(str(document_iri(f"doc-{index}")), graph.serialize(format="nt"))
    node = project_graph(store).nodes[LAURENT]
    assert node["label"] == "Laurent Bernaille"
    assert node["aliases"] == ["L. Bernaille", "Laurent"]
    assert node["documents"] == ["doc-0", "doc-1", "doc-2", "doc-3"]


def test_edge_aggregates_evidence_of_the_same_fact_across_documents(view: nx.MultiDiGraph) -> None:
    data = view.get_edge_data(LAURENT, DATADOG, key=Predicate.WORKS_AT.value)
    assert data["evidence_count"] == 2
    assert data["confidence"] == pytest.approx(0.95)
    assert data["documents"] == ["doc-a", "doc-b"]
    assert (data["first_date"], data["last_date"]) == ("2021-08-03", "2023-05-01")
    best, other = data["evidence"]
    assert (best.document_id, best.text, best.start, best.end, best.date) == (
        "doc-b",
        "Laurent (Datadog) joined.",
        5,
        30,
        "2023-05-01",
    )
    assert other.confidence == pytest.approx(0.9)


def test_two_predicates_between_one_pair_are_two_edges(view: nx.MultiDiGraph) -> None:
    assert set(view.get_edge_data(RENEE, KUBERNETES)) == {"contributedTo", "maintainerOf"}


def test_fact_stored_without_evidence_is_still_an_edge(view: nx.MultiDiGraph) -> None:
    data = view.get_edge_data(BOB, RENEE, key="knows")
    assert data["evidence_count"] == 0
    assert data["evidence"] == ()
    assert data["first_date"] is None
    assert data["documents"] == ["doc-b"]


def test_entity_without_facts_is_an_isolated_node(view: nx.MultiDiGraph) -> None:
    assert view.nodes[XDP]["degree"] == 0
    assert view.nodes[LAURENT]["degree"] == 4
    assert view.nodes[RENEE]["degree"] == 5


def test_type_filter_keeps_facts_between_kept_types_only(store: Any) -> None:
    graph = project_graph(store, types={EntityType.PERSON, EntityType.PROJECT})
    assert set(graph.nodes) == {LAURENT, RENEE, BOB, CILIUM, KUBERNETES}
    assert edges_of(graph) == {
        (LAURENT, "contributedTo", CILIUM),
        (LAURENT, "knows", RENEE),
        (BOB, "knows", RENEE),
        (RENEE, "contributedTo", CILIUM),
        (RENEE, "contributedTo", KUBERNETES),
        (RENEE, "maintainerOf", KUBERNETES),
    }
    assert graph.nodes[LAURENT]["degree"] == 2


def test_predicate_filter_keeps_every_entity(store: Any) -> None:
    graph = project_graph(store, predicates={Predicate.WORKS_AT})
    assert set(graph.nodes) == ALL_KEYS
    assert edges_of(graph) == {(LAURENT, "worksAt", DATADOG)}


def test_document_filter_reads_only_those_graphs(store: Any) -> None:
    graph = project_graph(store, documents={"doc-a"})
    assert KUBERNETES not in graph and BOB not in graph
    assert graph.nodes[LAURENT]["documents"] == ["doc-a"]
    assert graph.nodes[LAURENT]["aliases"] == ["Laurent"]
    assert graph.get_edge_data(LAURENT, DATADOG, key="worksAt")["evidence_count"] == 1
    by_iri = project_graph(store, documents={str(document_iri("doc-a"))})
    assert edges_of(by_iri) == edges_of(graph)


def test_document_filter_names_unknown_documents(store: Any) -> None:
    with pytest.raises(NotFound, match="doc-z"):
        project_graph(store, documents={"doc-a", "doc-z"})


def test_empty_store_gives_an_empty_view() -> None:
    graph = project_graph(DatasetStore())
    assert graph.number_of_nodes() == 0 and graph.number_of_edges() == 0


def test_plain_edges_are_json_ready(view: nx.MultiDiGraph) -> None:
    edges = plain_edges(view)
    works = next(e for e in edges if e["predicate"] == "worksAt")
    assert works["evidence"][0]["document"] == "doc-b"
    assert works["evidence"][0]["start"] == 5


# ------------------------------------------------------------------------------------- neighbourhoods


def test_neighbourhood_grows_by_hops_ignoring_direction(view: nx.MultiDiGraph) -> None:
    assert set(neighbourhood(view, LAURENT, 0).nodes) == {LAURENT}
    one = neighbourhood(view, LAURENT, 1)
    assert set(one.nodes) == {LAURENT, DATADOG, CILIUM, KUBECON, RENEE}
    assert (RENEE, "contributedTo", CILIUM) in edges_of(one)
    assert set(neighbourhood(view, LAURENT, 2).nodes) == {
        LAURENT,
        DATADOG,
        CILIUM,
        KUBECON,
        RENEE,
        EBPF,
        BOB,
        KUBERNETES,
    }
    # Attributes are those of the whole view.
    assert one.nodes[RENEE]["degree"] == 5


def test_neighbourhood_of_unknown_entity_is_not_found(view: nx.MultiDiGraph) -> None:
    with pytest.raises(NotFound):
        neighbourhood(view, "person/nobody", 1)
    with pytest.raises(InvalidParameter):
        neighbourhood(view, LAURENT, -1)


# ---------------------------------------------------------------------------------------------- paths


def test_shortest_paths_give_one_path_per_predicate_choice(view: nx.MultiDiGraph) -> None:
    paths = shortest_paths(view, LAURENT, KUBERNETES, max_hops=3)
    assert [[(h.source, h.predicate.value, h.target, h.direction) for h in p] for p in paths] == [
        [(LAURENT, "knows", RENEE, "forward"), (RENEE, "contributedTo", KUBERNETES, "forward")],
        [(LAURENT, "knows", RENEE, "forward"), (RENEE, "maintainerOf", KUBERNETES, "forward")],
    ]
    assert paths[0][0].evidence[0].document_id == "doc-a"


def test_path_walks_facts_against_their_direction(view: nx.MultiDiGraph) -> None:
    (path,) = shortest_paths(view, BOB, LAURENT)
    first, second = path
    assert (first.subject, first.object, first.direction) == (BOB, RENEE, "forward")
    assert first.evidence == ()
    assert (second.source, second.target, second.direction) == (RENEE, LAURENT, "backward")
    assert (second.subject, second.object) == (LAURENT, RENEE)
    assert second.to_dict()["evidence"][0]["text"].startswith("Laurent met Renée")


def test_no_path_when_too_long_or_disconnected(view: nx.MultiDiGraph) -> None:
    assert shortest_paths(view, BOB, DATADOG, max_hops=2) == []
    assert len(shortest_paths(view, BOB, DATADOG, max_hops=3)[0]) == 3
    assert shortest_paths(view, LAURENT, XDP) == []
    assert shortest_paths(view, LAURENT, LAURENT) == [[]]


def test_path_limit_and_bad_parameters(view: nx.MultiDiGraph) -> None:
    assert len(shortest_paths(view, LAURENT, KUBERNETES, limit=1)) == 1
    with pytest.raises(InvalidParameter):
        shortest_paths(view, LAURENT, KUBERNETES, max_hops=99)
    with pytest.raises(NotFound):
        shortest_paths(view, LAURENT, "project/nothing")


# ------------------------------------------------------------------------------------------ analytics


def hand_graph(edges: list[tuple[str, str, str]], isolated: tuple[str, ...] = ()) -> nx.MultiDiGraph:
    """A view built by hand: keys 'person/x' etc., one evidence per edge."""
    graph = nx.MultiDiGraph()
    keys = sorted({k for u, _, v in edges for k in (u, v)} | set(isolated))
    for key in keys:
        graph.add_node(key, label=key.split("/")[1].title(), type=key.split("/")[0].title())
    for u, predicate, v in edges:
        graph.add_edge(u, v, key=predicate, predicate=predicate, confidence=1.0, evidence_count=1)
    return graph


TWO_TEAMS = hand_graph(
    [
        ("person/a1", "knows", "person/a2"),
        ("person/a1", "knows", "person/a3"),
        ("person/a2", "knows", "person/a3"),
        ("person/a1", "contributedTo", "project/alpha"),
        ("person/a2", "contributedTo", "project/alpha"),
        ("person/b1", "knows", "person/b2"),
        ("person/b1", "knows", "person/b3"),
        ("person/b2", "knows", "person/b3"),
        ("person/b1", "contributedTo", "project/beta"),
        ("person/b2", "contributedTo", "project/beta"),
        ("person/z", "knows", "person/a3"),
        ("person/z", "knows", "person/b3"),
    ]
)


def test_pagerank_is_uniform_on_a_cycle_and_favours_a_star_centre() -> None:
    cycle = hand_graph(
        [
            ("person/a", "knows", "person/b"),
            ("person/b", "knows", "person/c"),
            ("person/c", "knows", "person/a"),
        ]
    )
    assert list(pagerank(cycle).values()) == pytest.approx([1 / 3] * 3, abs=1e-6)
    star = hand_graph([("person/hub", "knows", f"person/s{i}") for i in range(4)])
    scores = pagerank(star)
    assert scores["person/hub"] > scores["person/s0"] == scores["person/s3"]
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-5)


def test_communities_split_two_teams_and_the_go_between_is_a_bridge() -> None:
    communities = find_communities(TWO_TEAMS)
    groups = [set(c.members) for c in communities]
    assert {"person/a1", "person/a2", "person/a3", "project/alpha"} in [g - {"person/z"} for g in groups]
    assert {"person/b1", "person/b2", "person/b3", "project/beta"} in [g - {"person/z"} for g in groups]
    assert len(communities) == 2
    bridges = find_bridges(TWO_TEAMS, communities)
    assert [b.key for b in bridges][:1] == ["person/z"]
    assert bridges[0].communities == (0, 1)
    assert bridges[0].betweenness > 0.4


def test_rank_entities_orders_by_score_and_filters_types() -> None:
    ranked = rank_entities(TWO_TEAMS, types={EntityType.PROJECT}, limit=5)
    assert {r.key for r in ranked} == {"project/alpha", "project/beta"}
    people = rank_entities(TWO_TEAMS, types={EntityType.PERSON}, limit=3)
    assert [p.score for p in people] == sorted((p.score for p in people), reverse=True)
    assert all(p.type == "Person" for p in people)
    by_degree = rank_entities(TWO_TEAMS, by="degree", limit=20)
    assert [p.degree for p in by_degree] == sorted((p.degree for p in by_degree), reverse=True)
    assert by_degree[0].degree == 3 and by_degree[-1].degree == 2
    with pytest.raises(InvalidParameter):
        rank_entities(TWO_TEAMS, by="fame")  # type: ignore[arg-type]


def test_analysis_is_deterministic_and_annotates_nodes(view: nx.MultiDiGraph) -> None:
    first, second = analyze(view), analyze(view.copy())
    assert first == second
    assert first.to_dict() == second.to_dict()
    assert first.nodes == 10 and first.edges == 10
    assert first.components == 2  # XDP stands alone
    assert first.isolated == 1
    assert XDP not in [m for c in first.to_dict()["communities"] for m in c["members"]]
    assert first.by_predicate["contributedTo"] == 3
    assert [p.key for p in first.people][:2] == [RENEE, LAURENT]
    annotated = view.copy()
    annotate(annotated, first)
    assert annotated.nodes[XDP]["community"] == first.community_of[XDP]
    assert 0 < annotated.nodes[RENEE]["pagerank"] < 1


def test_analysis_of_an_empty_view() -> None:
    result = analyze(nx.MultiDiGraph())
    assert (result.nodes, result.components, result.communities, result.people) == (0, 0, (), ())


@st.composite
def random_views(draw: st.DrawFn) -> nx.MultiDiGraph:
    count = draw(st.integers(min_value=1, max_value=12))
    names = [f"person/p{i}" for i in range(count)]
    pairs = draw(st.lists(st.tuples(st.sampled_from(names), st.sampled_from(names)), max_size=30))
    return hand_graph([(u, "knows", v) for u, v in pairs if u != v], isolated=tuple(names))


@settings(max_examples=60, deadline=None)
@given(random_views())
def test_pagerank_sums_to_one_and_paths_are_walkable(graph: nx.MultiDiGraph) -> None:
    scores = pagerank(graph)
    assert sum(scores.values()) == pytest.approx(1.0, abs=1e-4)
    nodes = sorted(graph.nodes)
    for path in shortest_paths(graph, nodes[0], nodes[-1], max_hops=6, limit=5):
        walked = [nodes[0]] + [hop.target for hop in path]
        assert walked[-1] == nodes[-1]
        for hop, (a, b) in zip(path, zip(walked, walked[1:], strict=False), strict=True):
            assert (hop.source, hop.target) == (a, b)
            assert graph.has_edge(hop.subject, hop.object, key=hop.predicate.value)


PEOPLE = [f"Person {name}" for name in "ABCD"]
PROJECTS = [f"Project {name}" for name in "XY"]
RANDOM_FACTS = st.lists(
    st.tuples(
        st.sampled_from(["doc-1", "doc-2", "doc-3"]),
        st.sampled_from(PEOPLE),
        st.sampled_from([Predicate.CONTRIBUTED_TO, Predicate.MAINTAINER_OF]),
        st.sampled_from(PROJECTS),
        st.sampled_from(["0.5", "0.75", "0.9"]),
    ),
    max_size=12,
)


@settings(max_examples=25, deadline=None)
@given(RANDOM_FACTS)
def test_projection_counts_every_evidence_of_every_fact(
    facts: list[tuple[str, str, Predicate, str, str]],
) -> None:
    store = DatasetStore()
    by_document: dict[str, list[tuple[str, Predicate, str, str]]] = {}
    for doc_id, person, predicate, project, confidence in facts:
        by_document.setdefault(doc_id, []).append((person, predicate, project, confidence))
    for doc_id, statements in by_document.items():
        graph = Graph()
        for index, (person, predicate, project, confidence) in enumerate(statements):
            s = entity_iri(entity_key(EntityType.PERSON, person))
            o = entity_iri(entity_key(EntityType.PROJECT, project))
            graph.add((s, rdf_namespaces.RDF.type, MKG.Person))
            graph.add((s, rdf_namespaces.RDFS.label, Literal(person)))
            graph.add((o, rdf_namespaces.RDF.type, MKG.Project))
            graph.add((s, PROPERTY_OF[predicate], o))
            evidence = evidence_iri(doc_id, index)
            graph.add((evidence, rdf_namespaces.RDF.type, MKG.FactEvidence))
            graph.add((evidence, rdf_namespaces.RDF.subject, s))
            graph.add((evidence, rdf_namespaces.RDF.predicate, PROPERTY_OF[predicate]))
            graph.add((evidence, rdf_namespaces.RDF.object, o))
            graph.add((evidence, MKG.confidence, Literal(confidence, datatype=rdf_namespaces.XSD.decimal)))
        store.add_document(str(document_iri(doc_id)), graph.serialize(format="nt"))
    view = project_graph(store)
    expected_count: Counter[tuple[str, str, str]] = Counter()
    expected_confidence: dict[tuple[str, str, str], float] = {}
    expected_documents: dict[tuple[str, str, str], set[str]] = {}
    for doc_id, person, predicate, project, confidence in facts:
        fact = (
            entity_key(EntityType.PERSON, person),
            predicate.value,
            entity_key(EntityType.PROJECT, project),
        )
        expected_count[fact] += 1
        expected_confidence[fact] = max(expected_confidence.get(fact, 0.0), float(confidence))
        expected_documents.setdefault(fact, set()).add(doc_id)
    assert edges_of(view) == {(s, p, o) for s, p, o in expected_count}
    for (s, p, o), count in expected_count.items():
        data = view.get_edge_data(s, o, key=p)
        assert data["evidence_count"] == count
        assert data["confidence"] == pytest.approx(expected_confidence[(s, p, o)])
        assert data["documents"] == sorted(expected_documents[(s, p, o)])
    for key, data in view.nodes(data=True):
        assert data["degree"] == view.degree(key)
