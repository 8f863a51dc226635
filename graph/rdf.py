"""The RDF mapping: one document's extraction as the triples of its named graph.

Every fact appears twice: as the direct triple (`<subject> mkg:worksAt <object>`), which is what
queries join on, and as a reified `mkg:FactEvidence` node that says where the fact was read (the
document, the sentence, its raw character span, the date, the confidence and the rule).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import re
from decimal import Decimal

from rdflib import RDF, RDFS, XSD, BNode, Graph, Literal, URIRef
from rdflib.term import Node

from graph.records import Document, Entity, Extraction, Fact
from graph.vocab import (
    CLASS_OF,
    DCTERMS,
    MKG,
    PREFIXES,
    PROPERTY_OF,
    PROV,
    document_iri,
    entity_iri,
    evidence_iri,
)
from ontology import ONTOLOGY_FILE as ONTOLOGY_FILE  # re-exported: the ttl files ship as package data
from ontology import SHAPES_FILE

# N-Triples escapes for the characters that may not stand for themselves in a quoted literal, and
# \\uXXXX for the other control characters, which some parsers read as line breaks.
_ESCAPES: dict[int, str] = {code: f"\\u{code:04X}" for code in [*range(0x20), 0x7F, 0x85, 0x2028, 0x2029]}
_ESCAPES.update({ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})

_YEAR = re.compile(r"^\d{4}$")
_YEAR_MONTH = re.compile(r"^\d{4}-\d{2}$")


def content_hash(raw: str) -> str:
    """Lower-case hex SHA-256 of the raw text encoded as UTF-8 (the value of mkg:contentHash)."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def extraction_to_graph(extraction: Extraction) -> Graph:
    """The triples of one document's named graph: the document, its entities, facts and evidence."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    document = extraction.document
    doc_node = document_iri(document.id)
    _add_document(graph, doc_node, document, extraction.extractor_version)
    for entity in extraction.entities:
        _add_entity(graph, entity)
    for index, fact in enumerate(extraction.facts):
        _add_fact(graph, doc_node, document, index, fact, extraction.extractor_version)
    return graph


def to_ntriples(graph: Graph) -> str:
    """The graph as N-Triples, one triple per line, lines sorted: byte-identical for equal graphs.

    Control characters in literals are escaped, so every line is plain printable text. Blank nodes keep
    rdflib's labels; `extraction_to_graph` mints none.
    """
    lines = {f"{_nt_term(s)} {_nt_term(p)} {_nt_term(o)} .\n" for s, p, o in graph}
    return "".join(sorted(lines))


def _nt_term(term: Node) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return f"_:{term}"
    if isinstance(term, Literal):
        text = '"' + str(term).translate(_ESCAPES) + '"'
        if term.language:
            return f"{text}@{term.language}"
        if term.datatype is not None and term.datatype != XSD.string:
            return f"{text}^^<{term.datatype}>"
        return text
    raise TypeError(f"cannot write {term!r} as an N-Triples term")


def validate_document_graph(graph: Graph) -> tuple[bool, str]:
    """Check a document graph against `ontology/shapes.ttl`; return (conforms, report text)."""
    # pyshacl is slow to import and only needed here.
    from pyshacl import validate

    conforms, _, report = validate(graph, shacl_graph=_shapes(), advanced=True, allow_warnings=False)
    return bool(conforms), str(report)


@functools.cache
def _shapes() -> Graph:
    return Graph().parse(SHAPES_FILE, format="turtle")


def _add_document(graph: Graph, node: URIRef, document: Document, extractor_version: str) -> None:
    metadata = document.metadata
    graph.add((node, RDF.type, MKG.Document))
    graph.add((node, MKG.sourcePath, Literal(document.source)))
    graph.add((node, MKG.contentHash, Literal(content_hash(document.raw))))
    graph.add((node, MKG.extractorVersion, Literal(extractor_version)))
    if metadata.title:
        graph.add((node, DCTERMS.title, Literal(metadata.title)))
    date = _date_literal(metadata.date)
    if date is not None:
        graph.add((node, DCTERMS.date, date))
    for author in metadata.authors:
        if author.strip():
            graph.add((node, DCTERMS.creator, Literal(author)))


def _add_entity(graph: Graph, entity: Entity) -> None:
    node = entity_iri(entity.key)
    graph.add((node, RDF.type, CLASS_OF[entity.type]))
    graph.add((node, RDFS.label, Literal(entity.name)))
    for alias in entity.aliases:
        if alias and alias != entity.name:
            graph.add((node, MKG.alias, Literal(alias)))
    for handle in entity.handles:
        if handle:
            graph.add((node, MKG.handle, Literal(handle)))


def _add_fact(
    graph: Graph, doc_node: URIRef, document: Document, index: int, fact: Fact, extractor_version: str
) -> None:
    subject = entity_iri(fact.subject)
    predicate = PROPERTY_OF[fact.predicate]
    obj = entity_iri(fact.object)
    graph.add((subject, predicate, obj))

    evidence = fact.evidence
    node = evidence_iri(document.id, index)
    graph.add((node, RDF.type, MKG.FactEvidence))
    graph.add((node, RDF.subject, subject))
    graph.add((node, RDF.predicate, predicate))
    graph.add((node, RDF.object, obj))
    graph.add((node, PROV.wasDerivedFrom, doc_node))
    graph.add((node, MKG.evidenceText, Literal(evidence.text)))
    graph.add((node, MKG.startOffset, Literal(evidence.start, datatype=XSD.integer)))
    graph.add((node, MKG.endOffset, Literal(evidence.end, datatype=XSD.integer)))
    graph.add((node, MKG.confidence, _confidence_literal(fact.confidence)))
    graph.add((node, MKG.extractorVersion, Literal(extractor_version)))
    if fact.rule:
        graph.add((node, MKG.extractionRule, Literal(fact.rule)))
    date = _date_literal(evidence.date or document.metadata.date)
    if date is not None:
        graph.add((node, DCTERMS.date, date))
    since = _since_literal(fact.since)
    if since is not None:
        graph.add((node, MKG.since, since))


def _confidence_literal(confidence: float) -> Literal:
    # A decimal with a fixed number of places keeps the N-Triples stable across platforms.
    clamped = min(1.0, max(0.0, float(confidence)))
    return Literal(Decimal(f"{clamped:.4f}").normalize(), datatype=XSD.decimal)


def _date_literal(value: str | None) -> Literal | None:
    """An xsd:date for an ISO date (a longer ISO timestamp keeps its date part); None otherwise."""
    if not value:
        return None
    text = value.strip()[:10]
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return Literal(day.isoformat(), datatype=XSD.date)


def _since_literal(value: str | None) -> Literal | None:
    if not value:
        return None
    text = value.strip()
    if _YEAR.match(text):
        return Literal(text, datatype=XSD.gYear)
    if _YEAR_MONTH.match(text):
        return Literal(text, datatype=XSD.gYearMonth)
    return _date_literal(text)
