"""The ontology, the vocabulary that mirrors it, and the shapes every document graph conforms to."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import rdflib
from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.collection import Collection

from graph.rdf import ONTOLOGY_FILE, SHAPES_FILE, extraction_to_graph, validate_document_graph
from graph.records import SIGNATURES, EntityType, Extraction
from graph.vocab import CLASS_OF, MKG, ONTOLOGY_IRI, PROPERTY_OF, evidence_iri
from tests.test_rdf import sample_extraction

REPO = Path(__file__).resolve().parents[1]
SHARED_CORPUS = REPO.parent / "shared" / "corpus"
NAMESPACE = ONTOLOGY_IRI + "#"
DEFINING_TYPES = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


def _defined_terms(ontology: Graph) -> set[str]:
    return {
        str(term)[len(NAMESPACE) :]
        for kind in DEFINING_TYPES
        for term in ontology.subjects(RDF.type, kind)
        if isinstance(term, URIRef) and str(term).startswith(NAMESPACE)
    }


def _mkg_terms() -> set[str]:
    return set(MKG.__annotations__)


def _class_set(ontology: Graph, node: object) -> set[EntityType]:
    """The entity types a domain or range names: one class, or an owl:unionOf of classes."""
    types = {iri: kind for kind, iri in CLASS_OF.items()}
    if node in types:
        return {types[node]}  # type: ignore[index]
    members = ontology.value(node, OWL.unionOf)  # type: ignore[arg-type]
    assert members is not None, f"{node} is neither an entity class nor a union of them"
    return {types[member] for member in Collection(ontology, members)}  # type: ignore[index]


def test_the_ontology_is_an_owl_ontology_at_its_iri(ontology: Graph) -> None:
    assert (URIRef(ONTOLOGY_IRI), RDF.type, OWL.Ontology) in ontology


def test_the_ontology_defines_exactly_the_vocabulary_terms(ontology: Graph) -> None:
    defined = _defined_terms(ontology)
    assert defined - _mkg_terms() == set(), "defined in the ontology but missing from graph.vocab.MKG"
    assert _mkg_terms() - defined == set(), "in graph.vocab.MKG but not defined in the ontology"


def test_the_ontology_uses_no_undefined_term_of_its_namespace(ontology: Graph) -> None:
    used = {
        str(term)[len(NAMESPACE) :]
        for triple in ontology
        for term in triple
        if isinstance(term, URIRef) and str(term).startswith(NAMESPACE)
    }
    assert used <= _defined_terms(ontology)


def test_every_term_has_an_english_label_and_comment(ontology: Graph) -> None:
    for name in _mkg_terms():
        term = MKG[name]
        labels = list(ontology.objects(term, RDFS.label))
        comments = list(ontology.objects(term, RDFS.comment))
        assert labels and comments, f"mkg:{name} lacks rdfs:label or rdfs:comment"


def test_relation_domains_and_ranges_match_the_signatures(ontology: Graph) -> None:
    for predicate, (subjects, objects) in SIGNATURES.items():
        prop = PROPERTY_OF[predicate]
        assert (prop, RDF.type, OWL.ObjectProperty) in ontology
        assert _class_set(ontology, ontology.value(prop, RDFS.domain)) == set(subjects), predicate
        assert _class_set(ontology, ontology.value(prop, RDFS.range)) == set(objects), predicate


def test_the_ontology_aligns_to_foaf_doap_schema_org_and_prov(ontology: Graph) -> None:
    foaf = "http://xmlns.com/foaf/0.1/"
    assert (MKG.Person, RDFS.subClassOf, URIRef(foaf + "Person")) in ontology
    assert (MKG.Project, RDFS.subClassOf, URIRef("http://usefulinc.com/ns/doap#Project")) in ontology
    assert (MKG.Conference, RDFS.subClassOf, URIRef("https://schema.org/Event")) in ontology
    assert (MKG.knows, RDFS.subPropertyOf, URIRef(foaf + "knows")) in ontology
    assert (MKG.maintainerOf, OWL.inverseOf, URIRef("http://usefulinc.com/ns/doap#maintainer")) in ontology
    assert (MKG.FactEvidence, RDFS.subClassOf, URIRef("http://www.w3.org/ns/prov#Entity")) in ontology
    assert (MKG.FactEvidence, RDFS.subClassOf, RDF.Statement) in ontology


def test_asking_the_vocabulary_for_an_unknown_term_raises() -> None:
    with pytest.raises(AttributeError):
        _ = MKG.worksFor
    with pytest.raises(AttributeError):
        _ = MKG["maintainer"]


def test_the_shapes_parse() -> None:
    assert len(Graph().parse(SHAPES_FILE, format="turtle")) > 0


def test_a_hand_made_extraction_graph_conforms_to_the_shapes() -> None:
    conforms, report = validate_document_graph(extraction_to_graph(sample_extraction()))
    assert conforms, report


def _with_entity_type(extraction: Extraction, key: str, kind: EntityType) -> Extraction:
    entities = tuple(dataclasses.replace(e, type=kind) if e.key == key else e for e in extraction.entities)
    return dataclasses.replace(extraction, entities=entities)


def test_a_relation_end_of_the_wrong_type_does_not_conform() -> None:
    # worksAt must point at an Organization; here Datadog is a Project.
    broken = _with_entity_type(sample_extraction(), "organization/datadog", EntityType.PROJECT)
    conforms, report = validate_document_graph(extraction_to_graph(broken))
    assert not conforms
    assert "worksAt" in report


def test_a_relation_subject_of_the_wrong_type_does_not_conform() -> None:
    broken = _with_entity_type(sample_extraction(), "person/laurent-bernaille", EntityType.TECHNOLOGY)
    conforms, _ = validate_document_graph(extraction_to_graph(broken))
    assert not conforms


def _broken_evidence(change: str) -> Graph:
    graph = extraction_to_graph(sample_extraction())
    node = evidence_iri("k8s-blog/meet-laurent", 0)
    if change == "missing evidence text":
        graph.remove((node, MKG.evidenceText, None))
    elif change == "start after end":
        graph.set((node, MKG.startOffset, Literal(500, datatype=rdflib.XSD.integer)))
    elif change == "negative start":
        graph.set((node, MKG.startOffset, Literal(-1, datatype=rdflib.XSD.integer)))
    elif change == "confidence above one":
        graph.set((node, MKG.confidence, Literal("1.5", datatype=rdflib.XSD.decimal)))
    elif change == "no extractor version":
        graph.remove((node, MKG.extractorVersion, None))
    elif change == "no direct triple":
        graph.remove((graph.value(node, RDF.subject), MKG.worksAt, None))
    elif change == "two labels":
        graph.add((graph.value(node, RDF.subject), RDFS.label, Literal("Laurent B.")))
    elif change == "document without source path":
        graph.remove((None, MKG.sourcePath, None))
    return graph


@pytest.mark.parametrize(
    "change",
    [
        "missing evidence text",
        "start after end",
        "negative start",
        "confidence above one",
        "no extractor version",
        "no direct triple",
        "two labels",
        "document without source path",
    ],
)
def test_a_graph_with_broken_evidence_or_descriptions_does_not_conform(change: str) -> None:
    conforms, _ = validate_document_graph(_broken_evidence(change))
    assert not conforms, change


def _corpus_files() -> list[Path]:
    suffixes = (".md", ".mdx", ".markdown", ".txt")
    for root in (REPO / "corpus", SHARED_CORPUS):
        if not root.is_dir():
            continue
        files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in suffixes)
        if files:
            return files
    return []


def _extractions(files: list[Path]) -> list[Extraction]:
    """Extractions of the files; skips when the extraction stack is missing or fails on them."""
    try:
        from graph.documents import read_document
        from graph.extraction import extract_all
    except ImportError as error:
        pytest.skip(f"extraction is not importable: {error}")
    try:
        documents = [read_document(path.read_bytes(), str(path)) for path in files]
        return list(extract_all(documents))
    except Exception as error:  # noqa: BLE001 - any failure upstream means there is nothing to check
        pytest.skip(f"extraction does not run on the corpus: {error!r}")


@pytest.mark.slow
def test_every_corpus_document_graph_conforms_to_the_shapes() -> None:
    files = _corpus_files()
    if not files:
        pytest.skip("no corpus documents in corpus/ or ../shared/corpus")
    failures = []
    for extraction in _extractions(files):
        conforms, report = validate_document_graph(extraction_to_graph(extraction))
        if not conforms:
            failures.append(f"{extraction.document.source}:\n{report[:2000]}")
    assert not failures, "\n\n".join(failures)
