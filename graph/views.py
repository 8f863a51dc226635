"""The stored graph as a networkx view: entities as nodes, facts (aggregated over evidence) as edges.

A view is an `nx.MultiDiGraph` so that two entities can be joined by several predicates:

- node id: the entity key (`person/laurent-bernaille`); attributes `label` (str), `type` (EntityType
  value), `iri` (str), `aliases` and `handles` (sorted lists of str), `documents` (sorted list of
  document ids whose graphs describe the entity), `degree` (int: facts touching the node in the view
  it was projected into);
- edge: one per (subject, predicate, object), edge key = the predicate value; attributes `predicate`
  (Predicate value), `confidence` (float: the highest over its evidence), `evidence_count` (int),
  `documents` (sorted list of document ids), `first_date` / `last_date` (ISO dates of the earliest and
  latest evidence, or None) and `evidence` (tuple of `EvidenceRef`, best first).

Nodes are inserted in key order and edges in (subject, predicate, object) order, so every function
over a view (layouts, communities, exports) is deterministic.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import islice, product
from typing import Any, Literal

import networkx as nx
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from graph.errors import InvalidParameter, NotFound
from graph.records import EntityType, Predicate
from graph.store.base import SelectResult, Store, Term
from graph.vocab import (
    CLASS_OF,
    DCTERMS,
    MKG,
    PREDICATE_OF_PROPERTY,
    PROPERTY_OF,
    document_id_of_iri,
    document_iri,
    entity_iri,
    key_of_entity_iri,
    slugify,
)

MAX_PATH_HOPS = 6
MAX_PATHS = 50


@dataclass(frozen=True)
class EvidenceRef:
    """One piece of evidence behind an edge: where the fact was read (raw offsets) and how sure."""

    iri: str
    document_id: str
    text: str
    start: int | None
    end: int | None
    confidence: float
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "document": self.document_id,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "confidence": self.confidence,
            "date": self.date,
        }


@dataclass(frozen=True)
class Hop:
    """One step of a path, walked from `source` to `target`.

    `direction` is "forward" when the fact reads source -predicate-> target and "backward" when it
    reads target -predicate-> source.
    """

    source: str
    target: str
    predicate: Predicate
    direction: Literal["forward", "backward"]
    confidence: float
    evidence: tuple[EvidenceRef, ...] = field(default=())

    @property
    def subject(self) -> str:
        return self.source if self.direction == "forward" else self.target

    @property
    def object(self) -> str:
        return self.target if self.direction == "forward" else self.source

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "target": self.target,
            "subject": self.subject,
            "predicate": self.predicate.value,
            "object": self.object,
            "direction": self.direction,
            "confidence": self.confidence,
            "evidence": [ref.to_dict() for ref in self.evidence],
        }


def _values(variable: str, terms: Iterable[URIRef]) -> str:
    """A SPARQL VALUES clause binding `variable` to these IRIs."""
    return f"VALUES ?{variable} {{ {' '.join(sorted(term.n3() for term in terms))} }}"


def _graph_filter(documents: set[str] | None) -> str:
    if documents is None:
        return ""
    return _values("g", (document_iri(doc) for doc in documents))


def _document_ids(documents: set[str] | None) -> set[str] | None:
    """Document ids from ids or document IRIs."""
    if documents is None:
        return None
    return {document_id_of_iri(doc) or doc for doc in documents}


def _text(row: dict[str, Term], var: str) -> str | None:
    term = row.get(var)
    return term["value"] if term is not None else None


def _number(row: dict[str, Term], var: str, cast: type[int] | type[float]) -> Any:
    value = _text(row, var)
    if value is None:
        return None
    try:
        return cast(value)
    except ValueError:
        return None


def type_of_key(key: str) -> EntityType | None:
    """The entity type an entity key starts with (`person/...` -> PERSON); None for other keys."""
    prefix = key.split("/", 1)[0]
    return next((kind for kind in EntityType if kind.value.lower() == prefix), None)


def _pick_label(labels: Counter[str], key: str) -> str:
    """The label the key was made from if one is; else the one most documents give; then the longest
    (fullest form), then alphabetical."""
    slug = key.split("/", 1)[-1]
    if not labels:
        return slug
    return min(labels, key=lambda label: (slugify(label) != slug, -labels[label], -len(label), label))


def _rows(store: Store, sparql: str) -> tuple[dict[str, Term], ...]:
    result: SelectResult = store.select(sparql)
    return result.rows


def project_graph(
    store: Store,
    *,
    types: set[EntityType] | None = None,
    predicates: set[Predicate] | None = None,
    documents: set[str] | None = None,
) -> nx.MultiDiGraph:
    """Project the store (or some of its documents) onto a networkx view (see the module docstring).

    `types` keeps only entities of those types (and the facts between them); `predicates` keeps only
    those facts, but every entity of the kept types stays, facts or not; `documents` (ids or document
    IRIs) restricts everything to those documents' graphs (NotFound names any that is not stored).
    """
    doc_ids = _document_ids(documents)
    if doc_ids is not None:
        missing = sorted(doc for doc in doc_ids if not store.has_document(str(document_iri(doc))))
        if missing:
            raise NotFound(
                f"No stored document with id {', '.join(missing)}; list documents to see their ids."
            )
    graph_filter = _graph_filter(doc_ids)
    kept_types = set(types) if types is not None else set(EntityType)
    kept_predicates = set(predicates) if predicates is not None else set(Predicate)

    nodes: dict[str, dict[str, Any]] = {}
    labels: dict[str, Counter[str]] = defaultdict(Counter)

    def node(key: str) -> dict[str, Any] | None:
        if key not in nodes:
            kind = type_of_key(key)
            if kind is None:
                return None
            nodes[key] = {"type": kind, "aliases": set(), "handles": set(), "documents": set()}
        return nodes[key]

    # Grouped in the store: one row per entity (and per label) rather than one per document.
    class_values = _values("class", CLASS_OF.values())
    for row in _rows(
        store,
        f"SELECT ?e (GROUP_CONCAT(DISTINCT STR(?g); separator=' ') AS ?graphs) WHERE {{ {class_values} "
        f"{graph_filter} GRAPH ?g {{ ?e {RDF.type.n3()} ?class }} }} GROUP BY ?e",
    ):
        key = key_of_entity_iri(row["e"]["value"])
        attrs = node(key) if key is not None else None
        if attrs is None:
            continue
        # IRIs hold no spaces, so the separator cannot occur inside one.
        for graph_iri in (_text(row, "graphs") or "").split():
            doc = document_id_of_iri(graph_iri)
            if doc is not None:
                attrs["documents"].add(doc)

    for row in _rows(
        store,
        f"SELECT ?e ?value (COUNT(DISTINCT ?g) AS ?votes) WHERE {{ {graph_filter} "
        f"GRAPH ?g {{ ?e {RDFS.label.n3()} ?value }} }} GROUP BY ?e ?value",
    ):
        key = key_of_entity_iri(row["e"]["value"])
        if key is not None and key in nodes:
            labels[key][row["value"]["value"]] = _number(row, "votes", int) or 1
    for prop, slot in ((MKG.alias, "aliases"), (MKG.handle, "handles")):
        for row in _rows(
            store,
            f"SELECT DISTINCT ?e ?value WHERE {{ {graph_filter} GRAPH ?g {{ ?e {prop.n3()} ?value }} }}",
        ):
            key = key_of_entity_iri(row["e"]["value"])
            if key is not None and key in nodes:
                nodes[key][slot].add(row["value"]["value"])

    # Evidence nodes carry the provenance of each fact; the direct triples are read as well so a fact
    # stored without evidence (added by hand through SPARQL Update) still shows.
    predicate_values = _values("p", PROPERTY_OF.values())
    facts: dict[tuple[str, Predicate, str], list[EvidenceRef]] = defaultdict(list)
    fact_documents: dict[tuple[str, Predicate, str], set[str]] = defaultdict(set)
    for row in _rows(
        store,
        # The optional parts sit outside GRAPH (evidence IRIs are unique to their document): Oxigraph
        # answers this form about twice as fast.
        f"SELECT ?ev ?s ?p ?o ?g ?text ?start ?end ?confidence ?date WHERE {{ {graph_filter} "
        f"GRAPH ?g {{ ?ev {RDF.type.n3()} {MKG.FactEvidence.n3()} ; "
        f"{RDF.subject.n3()} ?s ; {RDF.predicate.n3()} ?p ; {RDF.object.n3()} ?o . }} "
        f"OPTIONAL {{ ?ev {MKG.evidenceText.n3()} ?text }} "
        f"OPTIONAL {{ ?ev {MKG.startOffset.n3()} ?start }} "
        f"OPTIONAL {{ ?ev {MKG.endOffset.n3()} ?end }} "
        f"OPTIONAL {{ ?ev {MKG.confidence.n3()} ?confidence }} "
        f"OPTIONAL {{ ?ev {DCTERMS.date.n3()} ?date }} }}",
    ):
        fact = _fact_of_row(row)
        if fact is None:
            continue
        doc = document_id_of_iri(row["g"]["value"]) or row["g"]["value"]
        confidence = _number(row, "confidence", float)
        facts[fact].append(
            EvidenceRef(
                iri=row["ev"]["value"],
                document_id=doc,
                text=_text(row, "text") or "",
                start=_number(row, "start", int),
                end=_number(row, "end", int),
                confidence=confidence if confidence is not None else 0.0,
                date=_text(row, "date"),
            )
        )
        fact_documents[fact].add(doc)
    for row in _rows(
        store,
        f"SELECT DISTINCT ?s ?p ?o ?g WHERE {{ {predicate_values} {graph_filter} GRAPH ?g {{ ?s ?p ?o }} }}",
    ):
        fact = _fact_of_row(row)
        if fact is None:
            continue
        facts.setdefault(fact, [])
        doc = document_id_of_iri(row["g"]["value"])
        if doc is not None:
            fact_documents[fact].add(doc)

    for subject, predicate, obj in list(facts):
        for key in (subject, obj):
            attrs = node(key)
            if attrs is not None:
                attrs["documents"].update(fact_documents[(subject, predicate, obj)])

    view = nx.MultiDiGraph()
    for key in sorted(nodes):
        attrs = nodes[key]
        if attrs["type"] not in kept_types:
            continue
        label = _pick_label(labels[key], key)
        aliases = (attrs["aliases"] | set(labels[key])) - {label}
        view.add_node(
            key,
            label=label,
            type=attrs["type"].value,
            iri=str(entity_iri(key)),
            aliases=sorted(aliases),
            handles=sorted(attrs["handles"]),
            documents=sorted(attrs["documents"]),
            degree=0,
        )
    for subject, predicate, obj in sorted(facts):
        if predicate not in kept_predicates or subject not in view or obj not in view:
            continue
        evidence = tuple(
            sorted(
                set(facts[(subject, predicate, obj)]),
                key=lambda ref: (-ref.confidence, ref.document_id, ref.start or 0, ref.iri),
            )
        )
        dates = [ref.date for ref in evidence if ref.date]
        view.add_edge(
            subject,
            obj,
            key=predicate.value,
            predicate=predicate.value,
            confidence=max((ref.confidence for ref in evidence), default=0.0),
            evidence_count=len(evidence),
            documents=sorted(fact_documents[(subject, predicate, obj)]),
            first_date=min(dates, default=None),
            last_date=max(dates, default=None),
            evidence=evidence,
        )
    for key, degree in view.degree():
        view.nodes[key]["degree"] = degree
    return view


def _fact_of_row(row: dict[str, Term]) -> tuple[str, Predicate, str] | None:
    predicate = PREDICATE_OF_PROPERTY.get(URIRef(row["p"]["value"]))
    subject = key_of_entity_iri(row["s"]["value"])
    obj = key_of_entity_iri(row["o"]["value"])
    if predicate is None or subject is None or obj is None:
        return None
    if type_of_key(subject) is None or type_of_key(obj) is None:
        return None
    return subject, predicate, obj


def _require_node(graph: nx.MultiDiGraph, key: str) -> None:
    if key not in graph:
        raise NotFound(f"No entity with key '{key}' in the graph; list entities to find its key.")


def neighbourhood(graph: nx.MultiDiGraph, key: str, hops: int = 1) -> nx.MultiDiGraph:
    """The entities within `hops` facts of `key` (either direction) and all facts among them.

    Node attributes are copied unchanged, so `degree` stays the degree in the whole view.
    """
    _require_node(graph, key)
    if hops < 0:
        raise InvalidParameter(f"hops must be 0 or more, got {hops}.")
    reach = nx.single_source_shortest_path_length(graph.to_undirected(as_view=True), key, cutoff=hops)
    kept = sorted(reach)
    sub = nx.MultiDiGraph()
    sub.add_nodes_from((node, graph.nodes[node]) for node in kept)
    sub.add_edges_from(
        (u, v, k, data) for u, v, k, data in graph.edges(keys=True, data=True) if u in reach and v in reach
    )
    return sub


def _hops_between(graph: nx.MultiDiGraph, source: str, target: str) -> list[Hop]:
    hops: list[Hop] = []
    for a, b, direction in ((source, target, "forward"), (target, source, "backward")):
        for data in (graph.get_edge_data(a, b) or {}).values():
            hops.append(
                Hop(
                    source=source,
                    target=target,
                    predicate=Predicate(data["predicate"]),
                    direction=direction,  # type: ignore[arg-type]
                    confidence=float(data.get("confidence", 0.0)),
                    evidence=tuple(data.get("evidence", ())),
                )
            )
    if source == target:
        # A self-loop shows up in both directions; keep it once.
        hops = [hop for hop in hops if hop.direction == "forward"]
    return sorted(hops, key=lambda hop: (hop.predicate.value, hop.direction))


def shortest_paths(
    graph: nx.MultiDiGraph,
    from_key: str,
    to_key: str,
    max_hops: int = 4,
    *,
    limit: int = 10,
) -> list[list[Hop]]:
    """The shortest paths from one entity to another, walking facts in either direction.

    Only paths of the shortest length are returned, and none when that length exceeds `max_hops`.
    Two entities joined by several predicates give one path per predicate. Paths are ordered by their
    node sequence then predicates; at most `limit` are returned. The path from an entity to itself is
    the empty path.
    """
    _require_node(graph, from_key)
    _require_node(graph, to_key)
    if not 0 <= max_hops <= MAX_PATH_HOPS:
        raise InvalidParameter(f"max_hops must be between 0 and {MAX_PATH_HOPS}, got {max_hops}.")
    if not 1 <= limit <= MAX_PATHS:
        raise InvalidParameter(f"limit must be between 1 and {MAX_PATHS}, got {limit}.")
    if from_key == to_key:
        return [[]]
    undirected = graph.to_undirected(as_view=True)
    try:
        node_paths = sorted(nx.all_shortest_paths(undirected, from_key, to_key))
    except nx.NetworkXNoPath:
        return []
    if not node_paths or len(node_paths[0]) - 1 > max_hops:
        return []
    paths: list[list[Hop]] = []
    for nodes in node_paths:
        steps = [_hops_between(graph, a, b) for a, b in zip(nodes, nodes[1:], strict=False)]
        for combination in islice(product(*steps), limit - len(paths)):
            paths.append(list(combination))
        if len(paths) >= limit:
            break
    return paths


def entity_summary(graph: nx.MultiDiGraph, key: str) -> dict[str, Any]:
    """A node's attributes as plain data, with its key."""
    _require_node(graph, key)
    return {"key": key, **graph.nodes[key]}


def plain_edges(graph: nx.MultiDiGraph) -> list[dict[str, Any]]:
    """Every edge as plain data (evidence as dicts), in the view's order."""
    return [
        {
            "subject": u,
            "predicate": data["predicate"],
            "object": v,
            "confidence": data["confidence"],
            "evidence_count": data["evidence_count"],
            "documents": list(data["documents"]),
            "evidence": [ref.to_dict() for ref in data.get("evidence", ())],
        }
        for u, v, data in graph.edges(data=True)
    ]


__all__ = [
    "MAX_PATHS",
    "MAX_PATH_HOPS",
    "EvidenceRef",
    "Hop",
    "entity_summary",
    "neighbourhood",
    "plain_edges",
    "project_graph",
    "shortest_paths",
    "type_of_key",
]
