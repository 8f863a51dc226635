"""How two entities are connected: the k shortest simple paths between them, each step with evidence.

Paths walk facts in either direction over the networkx view of the store (`graph.views`). A path is a
sequence of distinct entities; each step names the fact that joins two neighbours (the most confident
one when several do) and lists the others.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

import networkx as nx

from graph.errors import InvalidParameter, NotFound
from graph.profiles import FactEvidence
from graph.queries import PREFIXES, EntityRef, document_infos, fold_name, is_entity_key
from graph.records import EntityType, Predicate
from graph.store.base import Store
from graph.views import EvidenceRef, project_graph

DEFAULT_MAX_HOPS = 4
MAX_HOPS = 6
DEFAULT_PATHS = 3
MAX_PATHS = 10
# How many paths of the k-th path's length are compared, per path asked for.
_TIE_BREAK_FACTOR = 10

Direction = Literal["forward", "backward"]


@dataclass(frozen=True)
class StepFact:
    """A fact joining two neighbours on a path; "backward" when it reads target -> source."""

    predicate: Predicate
    direction: Direction
    confidence: float
    evidence: tuple[FactEvidence, ...]


@dataclass(frozen=True)
class PathStep:
    """One hop from `source` to `target`: the most confident fact between them, then the others."""

    source: EntityRef
    target: EntityRef
    predicate: Predicate
    direction: Direction
    subject: str
    object: str
    confidence: float
    evidence: tuple[FactEvidence, ...]
    other_facts: tuple[StepFact, ...] = ()


@dataclass(frozen=True)
class Connection:
    """A path between two entities; `confidence` is that of its weakest step."""

    length: int
    entities: tuple[EntityRef, ...]
    steps: tuple[PathStep, ...]
    confidence: float


def _ref(view: nx.MultiDiGraph, key: str) -> EntityRef:
    attrs = view.nodes[key]
    kind = attrs.get("type")
    return EntityRef(key=key, name=str(attrs.get("label") or key), type=EntityType(kind) if kind else None)


def _evidence(ref: EvidenceRef, sources: Mapping[str, str | None]) -> FactEvidence:
    return FactEvidence(
        document_id=ref.document_id,
        source=sources.get(ref.document_id),
        text=ref.text,
        start=ref.start if ref.start is not None else 0,
        end=ref.end if ref.end is not None else 0,
        date=ref.date,
        confidence=ref.confidence,
    )


def _step_facts(
    view: nx.MultiDiGraph, source: str, target: str, sources: Mapping[str, str | None]
) -> list[StepFact]:
    facts: list[StepFact] = []
    walks: tuple[tuple[str, str, Direction], ...] = (
        (source, target, "forward"),
        (target, source, "backward"),
    )
    for a, b, direction in walks:
        for data in (view.get_edge_data(a, b) or {}).values():
            facts.append(
                StepFact(
                    predicate=Predicate(data["predicate"]),
                    direction=direction,
                    confidence=float(data.get("confidence", 0.0)),
                    evidence=tuple(_evidence(ref, sources) for ref in data.get("evidence", ())),
                )
            )
    return sorted(
        facts, key=lambda f: (-f.confidence, -len(f.evidence), f.predicate.value, f.direction != "forward")
    )


def _step(view: nx.MultiDiGraph, source: str, target: str, sources: Mapping[str, str | None]) -> PathStep:
    best, *others = _step_facts(view, source, target, sources)
    forward = best.direction == "forward"
    return PathStep(
        source=_ref(view, source),
        target=_ref(view, target),
        predicate=best.predicate,
        direction=best.direction,
        subject=source if forward else target,
        object=target if forward else source,
        confidence=best.confidence,
        evidence=best.evidence,
        other_facts=tuple(others),
    )


def connecting_paths(
    view: nx.MultiDiGraph,
    from_key: str,
    to_key: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    k: int = DEFAULT_PATHS,
    sources: Mapping[str, str | None] | None = None,
) -> list[Connection]:
    """Up to `k` shortest simple paths of at most `max_hops` facts between two entities of the view.

    Shorter paths come first. `sources` gives the source path of each document id for the evidence.
    The path from an entity to itself is one empty path.
    """
    return [
        _connection(view, nodes, sources or {}) for nodes in _node_paths(view, from_key, to_key, max_hops, k)
    ]


def _node_paths(view: nx.MultiDiGraph, from_key: str, to_key: str, max_hops: int, k: int) -> list[list[str]]:
    for key in (from_key, to_key):
        if key not in view:
            raise NotFound(f"No entity with key {key!r} in the graph; GET /search?q=NAME finds keys.")
    if not 1 <= max_hops <= MAX_HOPS:
        raise InvalidParameter(f"max must be between 1 and {MAX_HOPS} hops, got {max_hops}.")
    if not 1 <= k <= MAX_PATHS:
        raise InvalidParameter(f"k must be between 1 and {MAX_PATHS} paths, got {k}.")
    if from_key == to_key:
        return [[from_key]]
    # Simple paths on the undirected simple graph: several facts between two entities are one hop.
    simple = nx.Graph(view.to_undirected(as_view=True))
    found: list[list[str]] = []
    try:
        # Paths come shortest first, so the first one over a limit ends the search. Paths of equal
        # length come in no useful order: a few more of the k-th path's length are read, so that the
        # most confident ones are kept.
        for nodes in nx.shortest_simple_paths(simple, from_key, to_key):
            if len(nodes) - 1 > max_hops or len(found) >= k * _TIE_BREAK_FACTOR:
                break
            if len(found) >= k and len(nodes) > len(found[k - 1]):
                break
            found.append(nodes)
    except nx.NetworkXNoPath:
        return []
    found.sort(key=lambda nodes: (len(nodes), -_path_confidence(view, nodes), nodes))
    return found[:k]


def _path_confidence(view: nx.MultiDiGraph, nodes: list[str]) -> float:
    """Confidence of the weakest hop, a hop counting the best fact between its two entities."""
    best = []
    for a, b in zip(nodes, nodes[1:], strict=False):
        edges = [*(view.get_edge_data(a, b) or {}).values(), *(view.get_edge_data(b, a) or {}).values()]
        best.append(max(float(data.get("confidence", 0.0)) for data in edges))
    return min(best, default=1.0)


def _connection(view: nx.MultiDiGraph, nodes: list[str], sources: Mapping[str, str | None]) -> Connection:
    steps = tuple(_step(view, a, b, sources) for a, b in zip(nodes, nodes[1:], strict=False))
    return Connection(
        length=len(steps),
        entities=tuple(_ref(view, node) for node in nodes),
        steps=steps,
        confidence=min((step.confidence for step in steps), default=1.0),
    )


def _documents_along(view: nx.MultiDiGraph, nodes: list[str]) -> set[str]:
    found: set[str] = set()
    for a, b in zip(nodes, nodes[1:], strict=False):
        for u, v in ((a, b), (b, a)):
            for data in (view.get_edge_data(u, v) or {}).values():
                found.update(ref.document_id for ref in data.get("evidence", ()))
    return found


def find_entity_key(view: nx.MultiDiGraph, name_or_key: str) -> str:
    """The key of the entity named `name_or_key`: a key of the view, or a name, alias or handle.

    One entity whose canonical name it is wins over others that have it as an alias. Raises NotFound
    when nothing is named so and InvalidParameter when several entities are.
    """
    value = name_or_key.strip()
    if value in view:
        return value
    if is_entity_key(value):
        raise NotFound(f"No entity with key {value!r}; GET /search?q=NAME finds keys.")
    folded = fold_name(value)
    by_label = sorted(
        key for key, attrs in view.nodes(data=True) if folded and fold_name(attrs.get("label", "")) == folded
    )
    if len(by_label) == 1:
        # A canonical name wins over the same words used as another entity's alias.
        return by_label[0]
    matches = sorted(
        key
        for key, attrs in view.nodes(data=True)
        if folded
        and any(
            fold_name(form) == folded
            for form in (attrs.get("label", ""), *attrs.get("aliases", ()), *attrs.get("handles", ()))
        )
    )
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise InvalidParameter(
            f"{value!r} names several entities ({', '.join(matches)}); give one of these keys."
        )
    raise NotFound(f"No entity named {value!r}; GET /search?q={value} finds near matches and their keys.")


@dataclass(frozen=True)
class PathSearch:
    """The answer to "how are these two connected": both ends, the limits used and the paths found."""

    source: EntityRef
    target: EntityRef
    max_hops: int
    k: int
    paths: tuple[Connection, ...]


def find_paths(
    store: Store,
    from_entity: str,
    to_entity: str,
    *,
    max_hops: int = DEFAULT_MAX_HOPS,
    k: int = DEFAULT_PATHS,
) -> PathSearch:
    """Up to `k` shortest paths of at most `max_hops` facts between two entities of the store.

    Each end is an entity key or a name (an exact name, alias or handle of exactly one entity).
    Raises NotFound for an unknown end, InvalidParameter for an ambiguous name or limits out of range.
    """
    view = store_view(store)
    from_key = find_entity_key(view, from_entity)
    to_key = find_entity_key(view, to_entity)
    node_paths = _node_paths(view, from_key, to_key, max_hops, k)
    documents = set().union(*(_documents_along(view, nodes) for nodes in node_paths))
    infos = document_infos(store, sorted(documents)) if documents else {}
    sources = {doc: info.source for doc, info in infos.items()}
    return PathSearch(
        source=_ref(view, from_key),
        target=_ref(view, to_key),
        max_hops=max_hops,
        k=k,
        paths=tuple(_connection(view, nodes, sources) for nodes in node_paths),
    )


# The last projection, with the store it came from and that store's state; projecting a store of a
# few hundred documents takes a tenth of a second, checking its state well under a millisecond.
_last_view: tuple[Store, tuple[object, ...], nx.MultiDiGraph] | None = None
_last_view_lock = threading.Lock()
_STATE = PREFIXES + "SELECT ?g ?hash WHERE { GRAPH ?g { ?g mkg:contentHash ?hash } } ORDER BY ?g"


def _store_state(store: Store) -> tuple[object, ...]:
    """What changes when a document is added, replaced or removed, or triples are edited by hand."""
    rows = store.select(_STATE).rows
    hashes = tuple((row["g"]["value"], row["hash"]["value"]) for row in rows if "g" in row and "hash" in row)
    return (store.triple_count(), hashes)


def store_view(store: Store) -> nx.MultiDiGraph:
    """The networkx view of the whole store, projected again only when the store has changed.

    The view is shared: read it, never change it.
    """
    global _last_view
    state = _store_state(store)
    with _last_view_lock:
        if _last_view is not None and _last_view[0] is store and _last_view[1] == state:
            return _last_view[2]
    view = project_graph(store)
    with _last_view_lock:
        _last_view = (store, state, view)
    return view
