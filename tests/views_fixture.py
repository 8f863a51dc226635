"""A small hand-written graph in the stored RDF shape, and stores holding it, for view and export tests.

Two documents:
- doc-a: Laurent Bernaille worksAt Datadog, contributedTo Cilium, spokeAt KubeCon, knows Renée;
  Datadog uses eBPF.
- doc-b: Laurent Bernaille worksAt Datadog (second evidence); Renée maintainerOf Kubernetes,
  contributedTo Cilium and contributedTo Kubernetes (two predicates between one pair); CNCF develops
  Kubernetes; and a `knows` triple from Bob to Renée stored without an evidence node.
XDP is an entity with no facts. Texts hold quotes, a backslash, a newline and non-ASCII letters so
exports have to escape them.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from graph.records import EntityType, Predicate
from graph.store.base import SelectResult, Term
from graph.vocab import (
    CLASS_OF,
    DCTERMS,
    MKG,
    PROPERTY_OF,
    PROV,
    document_iri,
    entity_iri,
    entity_key,
    evidence_iri,
)

LAURENT = entity_key(EntityType.PERSON, "Laurent Bernaille")
RENEE = entity_key(EntityType.PERSON, "Renée O'Brien")
BOB = entity_key(EntityType.PERSON, "Bob")
DATADOG = entity_key(EntityType.ORGANIZATION, "Datadog")
CNCF = entity_key(EntityType.ORGANIZATION, "CNCF")
CILIUM = entity_key(EntityType.PROJECT, "Cilium")
KUBERNETES = entity_key(EntityType.PROJECT, "Kubernetes")
KUBECON = entity_key(EntityType.CONFERENCE, "KubeCon")
EBPF = entity_key(EntityType.TECHNOLOGY, "eBPF")
XDP = entity_key(EntityType.TECHNOLOGY, "XDP")

# (key, type, label, aliases, handles) per document
ENTITIES: dict[str, list[tuple[str, EntityType, str, tuple[str, ...], tuple[str, ...]]]] = {
    "doc-a": [
        (LAURENT, EntityType.PERSON, "Laurent Bernaille", ("Laurent",), ("@lbernail",)),
        (RENEE, EntityType.PERSON, "Renée O'Brien", ('Ree "the kernel"',), ()),
        (DATADOG, EntityType.ORGANIZATION, "Datadog", (), ()),
        (CILIUM, EntityType.PROJECT, "Cilium", ("Cilum",), ()),
        (KUBECON, EntityType.CONFERENCE, "KubeCon", (), ()),
        (EBPF, EntityType.TECHNOLOGY, "eBPF", (), ()),
        (XDP, EntityType.TECHNOLOGY, "XDP", (), ()),
    ],
    "doc-b": [
        (LAURENT, EntityType.PERSON, "Laurent", (), ()),
        (RENEE, EntityType.PERSON, "Renée O'Brien", ("Renée",), ()),
        (BOB, EntityType.PERSON, "Bob", (), ()),
        (DATADOG, EntityType.ORGANIZATION, "Datadog", (), ()),
        (CNCF, EntityType.ORGANIZATION, "CNCF", ("Cloud Native Computing Foundation",), ()),
        (CILIUM, EntityType.PROJECT, "Cilium", (), ()),
        (KUBERNETES, EntityType.PROJECT, "Kubernetes", ("k8s",), ()),
    ],
}

# (subject, predicate, object, evidence text, start, end, confidence) per document
FACTS: dict[str, list[tuple[str, Predicate, str, str, int, int, str]]] = {
    "doc-a": [
        (LAURENT, Predicate.WORKS_AT, DATADOG, "Laurent is an engineer at Datadog.", 10, 44, "0.9"),
        (LAURENT, Predicate.CONTRIBUTED_TO, CILIUM, 'He said "Cilium \\ eBPF" rocks.', 50, 80, "0.8"),
        (LAURENT, Predicate.SPOKE_AT, KUBECON, "He spoke at KubeCon\nEU 2019.", 90, 118, "0.7"),
        (DATADOG, Predicate.USES, EBPF, "Datadog uses eBPF.", 120, 138, "0.6"),
        (LAURENT, Predicate.KNOWS, RENEE, "Laurent met Renée <at> a meetup & more.", 140, 179, "0.5"),
    ],
    "doc-b": [
        (LAURENT, Predicate.WORKS_AT, DATADOG, "Laurent (Datadog) joined.", 5, 30, "0.95"),
        (RENEE, Predicate.MAINTAINER_OF, KUBERNETES, "Renée maintains Kubernetes.", 40, 67, "0.9"),
        (RENEE, Predicate.CONTRIBUTED_TO, CILIUM, "Renée also contributed to Cilium.", 70, 103, "0.75"),
        (RENEE, Predicate.CONTRIBUTED_TO, KUBERNETES, "She wrote Kubernetes' kubelet code.", 104, 109, "0.7"),
        (CNCF, Predicate.DEVELOPS, KUBERNETES, "The CNCF hosts Kubernetes.", 110, 136, "0.6"),
    ],
}
DATES = {"doc-a": "2021-08-03", "doc-b": "2023-05-01"}


def document_graph(doc_id: str) -> Graph:
    """The named graph of one fixture document, in the shape graph/rdf.py stores."""
    graph = Graph()
    doc = document_iri(doc_id)
    graph.add((doc, RDF.type, MKG.Document))
    graph.add((doc, MKG.sourcePath, Literal(f"{doc_id}.md")))
    graph.add((doc, DCTERMS.title, Literal(f"Title of {doc_id}")))
    for key, kind, label, aliases, handles in ENTITIES[doc_id]:
        node = entity_iri(key)
        graph.add((node, RDF.type, CLASS_OF[kind]))
        graph.add((node, RDFS.label, Literal(label)))
        for alias in aliases:
            graph.add((node, MKG.alias, Literal(alias)))
        for handle in handles:
            graph.add((node, MKG.handle, Literal(handle)))
    for index, (subject, predicate, obj, text, start, end, confidence) in enumerate(FACTS[doc_id]):
        s, p, o = entity_iri(subject), PROPERTY_OF[predicate], entity_iri(obj)
        graph.add((s, p, o))
        ev = evidence_iri(doc_id, index)
        graph.add((ev, RDF.type, MKG.FactEvidence))
        graph.add((ev, RDF.subject, s))
        graph.add((ev, RDF.predicate, p))
        graph.add((ev, RDF.object, o))
        graph.add((ev, PROV.wasDerivedFrom, doc))
        graph.add((ev, MKG.evidenceText, Literal(text)))
        graph.add((ev, MKG.startOffset, Literal(start, datatype=XSD.integer)))
        graph.add((ev, MKG.endOffset, Literal(end, datatype=XSD.integer)))
        graph.add((ev, MKG.confidence, Literal(Decimal(confidence), datatype=XSD.decimal)))
        graph.add((ev, DCTERMS.date, Literal(DATES[doc_id], datatype=XSD.date)))
    if doc_id == "doc-b":
        graph.add((entity_iri(BOB), PROPERTY_OF[Predicate.KNOWS], entity_iri(RENEE)))
    return graph


def document_ntriples(doc_id: str) -> str:
    text = document_graph(doc_id).serialize(format="nt", encoding="utf-8").decode("utf-8")
    return "".join(sorted(line + "\n" for line in text.splitlines() if line.strip()))


def _term(node: Any) -> Term:
    if isinstance(node, URIRef):
        return {"type": "uri", "value": str(node)}
    if isinstance(node, Literal):
        term: Term = {"type": "literal", "value": str(node)}
        if node.datatype is not None:
            term["datatype"] = str(node.datatype)
        if node.language:
            term["xml:lang"] = node.language
        return term
    return {"type": "bnode", "value": str(node)}


class DatasetStore:
    """A Store over an rdflib Dataset: a second SPARQL engine to run the views against."""

    def __init__(self) -> None:
        self.dataset = Dataset(default_union=True)

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        self.dataset.remove_graph(URIRef(graph_iri))
        self.dataset.graph(URIRef(graph_iri)).parse(data=ntriples, format="nt")

    def drop_document(self, graph_iri: str) -> bool:
        present = self.has_document(graph_iri)
        self.dataset.remove_graph(URIRef(graph_iri))
        return present

    def has_document(self, graph_iri: str) -> bool:
        return graph_iri in self.documents()

    def documents(self) -> list[str]:
        return sorted(
            str(g.identifier) for g in self.dataset.graphs() if isinstance(g.identifier, URIRef) and len(g)
        )

    def select(self, sparql: str) -> SelectResult:
        result = self.dataset.query(sparql)
        variables = tuple(str(v) for v in result.vars or ())
        rows = tuple(
            {var: _term(row[var]) for var in variables if row[var] is not None}
            for row in result  # type: ignore[union-attr]
        )
        return SelectResult(variables=variables, rows=rows)

    def query_raw(self, sparql: str, accept: str) -> tuple[bytes, str]:
        result = self.dataset.query(sparql)
        assert result.graph is not None, "the fake store only serves CONSTRUCT through query_raw"
        return result.graph.serialize(format="nt", encoding="utf-8"), "application/n-triples"

    def update(self, sparql: str) -> None:
        self.dataset.update(sparql)

    def triple_count(self) -> int:
        return sum(len(g) for g in self.dataset.graphs())

    def close(self) -> None:
        pass


def memory_stores() -> Iterator[tuple[str, Any]]:
    """Every store kind the tests run against: the rdflib fake, and the embedded one if present."""
    yield "rdflib", DatasetStore()
    try:
        from graph.store import open_memory_store
    except ImportError:
        try:
            from graph.store.oxigraph import OxigraphStore
        except ImportError:
            return
        yield "oxigraph", OxigraphStore()
        return
    yield "oxigraph", open_memory_store()


def load_fixture(store: Any) -> Any:
    for doc_id in sorted(ENTITIES):
        store.add_document(str(document_iri(doc_id)), document_ntriples(doc_id))
    return store
