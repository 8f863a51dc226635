"""The RDF mapping of an extraction: direct triples, evidence nodes, determinism."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from pathlib import Path

import rdflib
from hypothesis import given, settings
from hypothesis import strategies as st
from rdflib import RDF, RDFS, Literal, URIRef
from rdflib.compare import isomorphic

from graph.rdf import content_hash, extraction_to_graph, to_ntriples
from graph.records import (
    Document,
    DocumentMetadata,
    Entity,
    EntityType,
    Evidence,
    Extraction,
    Fact,
    Predicate,
)
from graph.store import open_memory_store
from graph.vocab import DCTERMS, MKG, PROV, document_iri, entity_iri, evidence_iri

RAW = (
    "---\ntitle: Meet Laurent\ndate: 2021-06-01\nauthor: Ana\n---\n"
    "Laurent Bernaille works at Datadog. He has maintained Cilium since 2019.\n"
)
SENTENCES = ("Laurent Bernaille works at Datadog.", "He has maintained Cilium since 2019.")


def sample_extraction() -> Extraction:
    """A hand-made extraction of RAW: three entities, two facts."""
    text = " ".join(SENTENCES)
    start = RAW.index(text)
    document = Document(
        id="k8s-blog/meet-laurent",
        source="k8s-blog/meet-laurent.md",
        raw=RAW,
        text=text,
        offsets=tuple(range(start, start + len(text) + 1)),
        metadata=DocumentMetadata(title="Meet Laurent", date="2021-06-01", authors=("Ana",)),
    )
    laurent = Entity(
        "person/laurent-bernaille", "Laurent Bernaille", EntityType.PERSON, ("Laurent", "He"), ("lbernail",)
    )
    datadog = Entity("organization/datadog", "Datadog", EntityType.ORGANIZATION)
    cilium = Entity("project/cilium", "Cilium", EntityType.PROJECT, ("Cilium",))
    first = RAW.index(SENTENCES[0])
    second = RAW.index(SENTENCES[1])
    facts = (
        Fact(
            laurent.key,
            Predicate.WORKS_AT,
            datadog.key,
            Evidence(document.id, SENTENCES[0], first, first + len(SENTENCES[0]), "2021-06-01"),
            0.9,
            "works_at",
        ),
        Fact(
            laurent.key,
            Predicate.MAINTAINER_OF,
            cilium.key,
            Evidence(document.id, SENTENCES[1], second, second + len(SENTENCES[1]), None),
            0.75,
            "maintainer_of",
            since="2019",
        ),
    )
    return Extraction(document, (), (laurent, datadog, cilium), facts, "test-1")


def test_each_fact_is_a_direct_triple_and_an_evidence_node() -> None:
    graph = extraction_to_graph(sample_extraction())
    laurent = entity_iri("person/laurent-bernaille")
    datadog = entity_iri("organization/datadog")
    node = evidence_iri("k8s-blog/meet-laurent", 0)

    assert (laurent, MKG.worksAt, datadog) in graph
    assert (node, RDF.type, MKG.FactEvidence) in graph
    assert (node, RDF.subject, laurent) in graph
    assert (node, RDF.predicate, MKG.worksAt) in graph
    assert (node, RDF.object, datadog) in graph
    assert (node, PROV.wasDerivedFrom, document_iri("k8s-blog/meet-laurent")) in graph
    assert len(list(graph.subjects(RDF.type, MKG.FactEvidence))) == 2


def test_evidence_offsets_point_at_the_evidence_in_the_raw_file() -> None:
    graph = extraction_to_graph(sample_extraction())
    for node in graph.subjects(RDF.type, MKG.FactEvidence):
        start = graph.value(node, MKG.startOffset)
        end = graph.value(node, MKG.endOffset)
        assert isinstance(start, Literal) and start.datatype == rdflib.XSD.integer
        assert RAW[int(start) : int(end)] == str(graph.value(node, MKG.evidenceText))


def test_evidence_carries_date_confidence_rule_version_and_since() -> None:
    graph = extraction_to_graph(sample_extraction())
    first = evidence_iri("k8s-blog/meet-laurent", 0)
    second = evidence_iri("k8s-blog/meet-laurent", 1)

    assert graph.value(first, DCTERMS.date) == Literal("2021-06-01", datatype=rdflib.XSD.date)
    # A fact without its own date takes the document's publication date.
    assert graph.value(second, DCTERMS.date) == Literal("2021-06-01", datatype=rdflib.XSD.date)
    confidence = graph.value(first, MKG.confidence)
    assert isinstance(confidence, Literal) and confidence.datatype == rdflib.XSD.decimal
    assert float(confidence) == 0.9
    assert str(graph.value(first, MKG.extractionRule)) == "works_at"
    assert str(graph.value(first, MKG.extractorVersion)) == "test-1"
    assert graph.value(first, MKG.since) is None
    assert graph.value(second, MKG.since) == Literal("2019", datatype=rdflib.XSD.gYear)


def test_document_node_describes_the_source() -> None:
    graph = extraction_to_graph(sample_extraction())
    doc = document_iri("k8s-blog/meet-laurent")
    assert (doc, RDF.type, MKG.Document) in graph
    assert str(graph.value(doc, DCTERMS.title)) == "Meet Laurent"
    assert graph.value(doc, DCTERMS.date) == Literal("2021-06-01", datatype=rdflib.XSD.date)
    assert [str(c) for c in graph.objects(doc, DCTERMS.creator)] == ["Ana"]
    assert str(graph.value(doc, MKG.sourcePath)) == "k8s-blog/meet-laurent.md"
    assert str(graph.value(doc, MKG.contentHash)) == hashlib.sha256(RAW.encode()).hexdigest()
    assert str(graph.value(doc, MKG.extractorVersion)) == "test-1"


def test_entities_have_their_class_name_aliases_and_handles() -> None:
    graph = extraction_to_graph(sample_extraction())
    laurent = entity_iri("person/laurent-bernaille")
    cilium = entity_iri("project/cilium")
    assert (laurent, RDF.type, MKG.Person) in graph
    assert list(graph.objects(laurent, RDFS.label)) == [Literal("Laurent Bernaille")]
    assert {str(a) for a in graph.objects(laurent, MKG.alias)} == {"Laurent", "He"}
    assert [str(h) for h in graph.objects(laurent, MKG.handle)] == ["lbernail"]
    # An alias equal to the name adds nothing.
    assert list(graph.objects(cilium, MKG.alias)) == []


def test_a_date_that_is_not_iso_is_left_out() -> None:
    extraction = sample_extraction()
    document = dataclasses.replace(
        extraction.document, metadata=DocumentMetadata(title="T", date="June 2021")
    )
    facts = tuple(
        dataclasses.replace(f, evidence=dataclasses.replace(f.evidence, date=None)) for f in extraction.facts
    )
    graph = extraction_to_graph(dataclasses.replace(extraction, document=document, facts=facts))
    assert list(graph.objects(None, DCTERMS.date)) == []


def test_confidence_is_clamped_to_the_unit_interval() -> None:
    extraction = sample_extraction()
    facts = (dataclasses.replace(extraction.facts[0], confidence=1.7),)
    graph = extraction_to_graph(dataclasses.replace(extraction, facts=facts))
    assert float(graph.value(evidence_iri("k8s-blog/meet-laurent", 0), MKG.confidence)) == 1.0


def test_the_same_extraction_gives_byte_identical_ntriples() -> None:
    first = to_ntriples(extraction_to_graph(sample_extraction()))
    second = to_ntriples(extraction_to_graph(sample_extraction()))
    assert first == second
    lines = first.splitlines()
    assert lines == sorted(lines)
    assert first.endswith("\n")


def test_ntriples_parse_back_to_the_same_graph() -> None:
    graph = extraction_to_graph(sample_extraction())
    parsed = rdflib.Graph().parse(data=to_ntriples(graph), format="nt")
    assert isomorphic(graph, parsed)


def test_content_hash_is_sha256_of_the_utf8_raw() -> None:
    assert content_hash("é") == hashlib.sha256("é".encode()).hexdigest()


@settings(max_examples=60, deadline=None)
@given(name=st.text(min_size=1, max_size=40), evidence=st.text(min_size=1, max_size=80))
def test_any_text_survives_the_ntriples_round_trip(name: str, evidence: str) -> None:
    extraction = sample_extraction()
    entities = (dataclasses.replace(extraction.entities[0], name=name), *extraction.entities[1:])
    facts = (
        dataclasses.replace(
            extraction.facts[0], evidence=dataclasses.replace(extraction.facts[0].evidence, text=evidence)
        ),
    )
    graph = extraction_to_graph(dataclasses.replace(extraction, entities=entities, facts=facts))
    parsed = rdflib.Graph().parse(data=to_ntriples(graph), format="nt")
    laurent = entity_iri("person/laurent-bernaille")
    assert str(parsed.value(laurent, RDFS.label)) == name
    assert str(parsed.value(evidence_iri("k8s-blog/meet-laurent", 0), MKG.evidenceText)) == evidence
    assert isinstance(parsed.value(laurent, RDFS.label), Literal)
    assert URIRef(laurent) in set(parsed.subjects())


def _doc_queries() -> list[str]:
    text = (Path(__file__).resolve().parents[1] / "docs" / "evidence-model.md").read_text(encoding="utf-8")
    return re.findall(r"```sparql\n(.*?)```", text, flags=re.DOTALL)


def test_the_queries_of_the_evidence_model_page_find_the_fact_and_its_span() -> None:
    extraction = sample_extraction()
    store = open_memory_store()
    try:
        graph_iri = str(document_iri(extraction.document.id))
        store.add_document(graph_iri, to_ntriples(extraction_to_graph(extraction)))
        by_person, by_document = _doc_queries()

        (row,) = store.select(by_person).rows
        start, end = int(row["start"]["value"]), int(row["end"]["value"])
        assert RAW[start:end] == row["sentence"]["value"] == SENTENCES[0]
        assert row["source"]["value"] == "k8s-blog/meet-laurent.md"
        assert row["date"]["value"] == "2021-06-01"

        rows = store.select(by_document).rows
        facts = [(r["subject"]["value"], r["predicate"]["value"], r["object"]["value"]) for r in rows]
        assert facts == [
            ("Laurent Bernaille", str(MKG.worksAt), "Datadog"),
            ("Laurent Bernaille", str(MKG.maintainerOf), "Cilium"),
        ]
    finally:
        store.close()
