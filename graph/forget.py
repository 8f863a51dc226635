"""Forget a person: remove every fact about and mention of them, and keep them out of later ingests.

Forgetting rewrites each named graph that names the entity (document graphs and the reconciliation
records), dropping the entity node, facts in and out, and every evidence node that names the entity or
whose sentence names them; a direct fact left without evidence goes too. A record with only the SHA-256
of the entity key is kept in its own named graph (`graph.vocab.forgotten_graph_iri()`), and
`without_forgotten` drops the entity from any later extraction before it is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from rdflib import RDF, RDFS, XSD, Graph, Literal, URIRef
from rdflib.term import Node

from graph.errors import InvalidParameter, NotFound
from graph.records import EntityType, Extraction
from graph.store.base import Store
from graph.vocab import (
    DCTERMS,
    MKG,
    PROPERTY_OF,
    entity_iri,
    entity_key,
    forgetting_iri,
    forgotten_graph_iri,
    key_of_entity_iri,
)

_NTRIPLES = "application/n-triples"
_UNSAFE_IRI = re.compile(r"[\x00-\x20<>\"{}|\\^`]")
_KEY = re.compile(r"^[a-z]+/\S+$")
# Nodes that stand for a statement about entities rather than an entity: dropped whole when they
# name a forgotten entity.
_RECORD_CLASSES = frozenset({MKG.FactEvidence, MKG.Merge, MKG.Separation})
_RELATIONS = frozenset(PROPERTY_OF.values())
# Document fields that may carry a person's name.
_NAMING_FIELDS = frozenset({DCTERMS.creator, DCTERMS.title})


@dataclass(frozen=True)
class ForgetReport:
    """What forgetting one entity changed."""

    key: str
    keys: tuple[str, ...]  # the key and every key merged into it, all forgotten
    graphs: tuple[str, ...]  # IRIs of the named graphs rewritten
    triples_removed: int


def key_hash(key: str) -> str:
    """Lower-case hex SHA-256 of an entity key: what the forget list keeps instead of the key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _iri(iri: str) -> str:
    if _UNSAFE_IRI.search(iri):
        raise InvalidParameter(f"{iri!r} is not a valid identifier.")
    return f"<{iri}>"


def forgotten_key_hashes(store: Store) -> frozenset[str]:
    """Hashes of every forgotten entity key (empty when nobody was forgotten)."""
    graph = str(forgotten_graph_iri())
    if not store.has_document(graph):
        return frozenset()
    rows = store.select(
        f"SELECT ?h WHERE {{ GRAPH {_iri(graph)} {{ ?r {_iri(str(MKG.forgottenKeyHash))} ?h }} }}"
    ).rows
    return frozenset(row["h"]["value"] for row in rows if "h" in row)


def find_person_key(store: Store, person: str) -> str:
    """The entity key `person` names: a key as given (`person/jane-doe`), or a person's name or alias.

    Raises NotFound when no person has that name, InvalidParameter when several do.
    """
    text = person.strip()
    if not text:
        raise InvalidParameter("Name the person to forget: a key such as person/jane-doe, or a name.")
    if _KEY.match(text):
        return text
    label = Literal(text).n3()
    rows = store.select(
        "SELECT DISTINCT ?e WHERE { ?e a "
        + _iri(str(MKG.Person))
        + " . { ?e "
        + _iri(str(RDFS.label))
        + " ?n } UNION { ?e "
        + _iri(str(MKG.alias))
        + " ?n } FILTER(LCASE(STR(?n)) = LCASE("
        + label
        + ")) }"
    ).rows
    keys = sorted({k for row in rows if (k := key_of_entity_iri(row["e"]["value"])) is not None})
    if len(keys) > 1:
        raise InvalidParameter(f"{text!r} names several people: {', '.join(keys)}; give one of these keys.")
    if keys:
        return keys[0]
    return entity_key(EntityType.PERSON, text)


def _merged_keys(store: Store, key: str) -> set[str]:
    """`key` with every key reconciliation folded into it (or it into)."""
    from graph.reconcile import load_canonical_keys

    canonical = load_canonical_keys(store)
    kept = canonical.get(key, key)
    return {key, kept} | {merged for merged, into in canonical.items() if into == kept}


def _graphs_naming(store: Store, iris: Iterable[str]) -> list[str]:
    values = " ".join(_iri(iri) for iri in sorted(iris))
    rows = store.select(
        f"SELECT DISTINCT ?g WHERE {{ VALUES ?e {{ {values} }} "
        "GRAPH ?g { { ?e ?p ?o } UNION { ?s ?p ?e } } }"
    ).rows
    return sorted(row["g"]["value"] for row in rows if "g" in row)


def _names_of(store: Store, iris: Iterable[str]) -> set[str]:
    values = " ".join(_iri(iri) for iri in sorted(iris))
    rows = store.select(
        f"SELECT DISTINCT ?n WHERE {{ VALUES ?e {{ {values} }} "
        f"{{ ?e {_iri(str(RDFS.label))} ?n }} UNION {{ ?e {_iri(str(MKG.alias))} ?n }} "
        f"UNION {{ ?e {_iri(str(MKG.handle))} ?n }} }}"
    ).rows
    return {row["n"]["value"] for row in rows if "n" in row}


def names_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any of `names` as whole words; None when there are none."""
    usable = sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=lambda n: (-len(n), n))
    if not usable:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in usable) + r")(?!\w)", re.IGNORECASE)


def scrub_graph(
    graph: Graph, targets: frozenset[URIRef], keys: frozenset[str], names: re.Pattern[str] | None
) -> Graph:
    """The graph without the target entities, the records naming them, and facts left without evidence."""

    def names_them(node: Node) -> bool:
        if node in targets:
            return True
        if isinstance(node, Literal):
            return str(node) in keys or (names is not None and names.search(str(node)) is not None)
        return False

    records = {s for s, _, o in graph.triples((None, RDF.type, None)) if o in _RECORD_CLASSES}
    dropped_records = {s for s in records if any(names_them(o) for _, o in graph.predicate_objects(s))}
    supported_before = _evidenced(graph, records)
    kept = Graph()
    for s, p, o in graph:
        if s in targets or o in targets or s in dropped_records:
            continue
        if isinstance(o, Literal) and str(o) in keys:
            continue
        if p in _NAMING_FIELDS and names_them(o):
            continue
        kept.add((s, p, o))
    supported_after = _evidenced(kept, records - dropped_records)
    for statement in supported_before - supported_after:
        kept.remove(statement)
    return kept


def _evidenced(graph: Graph, records: set[Node]) -> set[tuple[Node, Node, Node]]:
    """Direct fact triples that some evidence record in `graph` supports."""
    facts = set()
    for record in records:
        s = graph.value(record, RDF.subject)
        p = graph.value(record, RDF.predicate)
        o = graph.value(record, RDF.object)
        if s is not None and p is not None and p in _RELATIONS and o is not None and (s, p, o) in graph:
            facts.add((s, p, o))
    return facts


def _record_forgotten(store: Store, keys: Sequence[str], at: str) -> None:
    graph_iri = str(forgotten_graph_iri())
    records = Graph()
    if store.has_document(graph_iri):
        records.parse(data=store.get_graph(graph_iri, _NTRIPLES).decode("utf-8"), format="nt")
    for key in keys:
        digest = key_hash(key)
        node = forgetting_iri(digest)
        if (node, MKG.forgottenKeyHash, None) in records:
            continue
        records.add((node, RDF.type, MKG.Forgetting))
        records.add((node, MKG.forgottenKeyHash, Literal(digest)))
        records.add((node, DCTERMS.date, Literal(at, datatype=XSD.dateTime)))
    from graph.rdf import to_ntriples

    store.add_document(graph_iri, to_ntriples(records))


def forget_entity(store: Store, person: str, *, at: str | None = None) -> ForgetReport:
    """Remove every fact about and mention of a person in every graph, and add them to the forget list.

    `person` is a key or a name (see `find_person_key`). The forget list is written first, so an
    interrupted run is finished by running it again. Raises NotFound when the store never named them.
    """
    from graph.rdf import to_ntriples

    key = find_person_key(store, person)
    if not key.startswith(EntityType.PERSON.value.lower() + "/"):
        raise InvalidParameter(
            f"{key} is not a person; only people can be forgotten (delete documents to remove other facts)."
        )
    keys = frozenset(_merged_keys(store, key))
    iris = {str(entity_iri(k)) for k in keys}
    graphs = [g for g in _graphs_naming(store, iris) if g != str(forgotten_graph_iri())]
    already = forgotten_key_hashes(store)
    if not graphs and key_hash(key) not in already:
        raise NotFound(f"No person {key} in the store; `mkg entities --type Person` lists them.")
    names = names_pattern(_names_of(store, iris) | {key.split("/", 1)[1].replace("-", " ")})
    _record_forgotten(store, sorted(keys), at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    targets = frozenset(URIRef(iri) for iri in iris)
    removed = 0
    for graph_iri in graphs:
        before = Graph().parse(data=store.get_graph(graph_iri, _NTRIPLES).decode("utf-8"), format="nt")
        after = scrub_graph(before, targets, keys, names)
        removed += len(before) - len(after)
        # One graph at a time, each replaced atomically.
        store.add_document(graph_iri, to_ntriples(after))
    return ForgetReport(key=key, keys=tuple(sorted(keys)), graphs=tuple(graphs), triples_removed=removed)


def without_forgotten(extraction: Extraction, forgotten: frozenset[str]) -> Extraction:
    """The extraction without forgotten entities, their facts, the facts and mentions whose text names
    them, and author or title fields naming them."""
    if not forgotten:
        return extraction
    gone = [e for e in extraction.entities if key_hash(e.key) in forgotten]
    if not gone:
        return extraction
    gone_keys = {e.key for e in gone}
    names = names_pattern(n for e in gone for n in (e.name, *e.aliases, *e.handles))

    def named(text: str | None) -> bool:
        return bool(text) and names is not None and names.search(text or "") is not None

    document = extraction.document
    metadata = document.metadata
    metadata = replace(
        metadata,
        authors=tuple(a for a in metadata.authors if not named(a)),
        title=None if named(metadata.title) else metadata.title,
    )
    return replace(
        extraction,
        document=replace(document, metadata=metadata),
        entities=tuple(e for e in extraction.entities if e.key not in gone_keys),
        facts=tuple(
            f
            for f in extraction.facts
            if f.subject not in gone_keys and f.object not in gone_keys and not named(f.evidence.text)
        ),
        mentions=tuple(m for m in extraction.mentions if not named(m.text)),
    )
