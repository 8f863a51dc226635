"""The only source of IRIs: the ontology's closed namespace and the data namespaces.

`MKG` mirrors `ontology/maintainer-kg.ttl` term for term (a test checks that they agree); asking it
for a term it does not define raises, so a typo cannot mint a new IRI.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

from graph.records import EntityType, Predicate

ONTOLOGY_IRI = "https://w3id.org/maintainer-kg/ontology"


class MKG(DefinedNamespace):
    """maintainer-kg ontology terms."""

    _NS = Namespace(ONTOLOGY_IRI + "#")
    _fail = True

    # classes
    Person: URIRef
    Project: URIRef
    Organization: URIRef
    Conference: URIRef
    Technology: URIRef
    Document: URIRef
    FactEvidence: URIRef

    # the ten relations
    contributedTo: URIRef
    maintainerOf: URIRef
    createdBy: URIRef
    worksAt: URIRef
    uses: URIRef
    spokeAt: URIRef
    attended: URIRef
    knows: URIRef
    interviewedBy: URIRef
    develops: URIRef

    # entity and document descriptions
    alias: URIRef
    handle: URIRef
    sourcePath: URIRef
    contentHash: URIRef

    # evidence
    evidenceText: URIRef
    startOffset: URIRef
    endOffset: URIRef
    confidence: URIRef
    extractorVersion: URIRef
    extractionRule: URIRef
    since: URIRef

    # reconciliation across documents and sources (graph/reconcile.py, graph/maintainers.py)
    Merge: URIRef
    Separation: URIRef
    mergedEntity: URIRef
    mergedInto: URIRef
    mergeFeature: URIRef
    mergeScore: URIRef
    separatedEntity: URIRef
    extractedAs: URIRef
    sourceRow: URIRef

    # people forgotten on request (graph/forget.py)
    Forgetting: URIRef
    forgottenKeyHash: URIRef


# Data namespaces: entities, documents and evidence nodes minted by the product.
DATA = Namespace("https://w3id.org/maintainer-kg/id/")

# External vocabularies the ontology aligns to.
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
DOAP = Namespace("http://usefulinc.com/ns/doap#")
SCHEMA = Namespace("https://schema.org/")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, Namespace] = {
    "mkg": Namespace(ONTOLOGY_IRI + "#"),
    "id": DATA,
    "foaf": FOAF,
    "doap": DOAP,
    "schema": SCHEMA,
    "org": ORG,
    "prov": PROV,
    "dcterms": DCTERMS,
}

CLASS_OF: dict[EntityType, URIRef] = {
    EntityType.PERSON: MKG.Person,
    EntityType.PROJECT: MKG.Project,
    EntityType.ORGANIZATION: MKG.Organization,
    EntityType.CONFERENCE: MKG.Conference,
    EntityType.TECHNOLOGY: MKG.Technology,
}
TYPE_OF_CLASS: dict[URIRef, EntityType] = {iri: kind for kind, iri in CLASS_OF.items()}

PROPERTY_OF: dict[Predicate, URIRef] = {p: MKG[p.value] for p in Predicate}
PREDICATE_OF_PROPERTY: dict[URIRef, Predicate] = {iri: p for p, iri in PROPERTY_OF.items()}


def slugify(name: str) -> str:
    """Lower-case ASCII slug of a name: 'Laurent Bernaille' -> 'laurent-bernaille'."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", folded).strip("-")
    return slug or "x" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]


def entity_key(kind: EntityType, name: str) -> str:
    """Stable cross-document key of an entity: 'person/laurent-bernaille'."""
    return f"{kind.value.lower()}/{slugify(name)}"


def entity_iri(key: str) -> URIRef:
    """IRI of an entity from its key."""
    return DATA[key]


def key_of_entity_iri(iri: str) -> str | None:
    """Inverse of `entity_iri`; None for IRIs outside the data namespace."""
    return iri[len(str(DATA)) :] if iri.startswith(str(DATA)) else None


def document_iri(document_id: str) -> URIRef:
    """IRI of a document; it also names the document's graph in the store."""
    return DATA["document/" + document_id]


def document_id_of_iri(iri: str) -> str | None:
    """Inverse of `document_iri`; None for IRIs that do not name a document."""
    prefix = str(DATA) + "document/"
    return iri[len(prefix) :] if iri.startswith(prefix) else None


def evidence_iri(document_id: str, index: int) -> URIRef:
    """IRI of the evidence node for the index-th fact of a document."""
    return DATA[f"document/{document_id}/fact/{index}"]


def reconciliation_graph_iri() -> URIRef:
    """IRI of the named graph holding merge and separation records (not a document graph)."""
    return DATA["reconciliation"]


def merge_iri(merged_key: str) -> URIRef:
    """IRI of the record that folds the entity `merged_key` into another (one per folded key)."""
    return DATA["merge/" + merged_key]


def separation_iri(first_key: str, second_key: str) -> URIRef:
    """IRI of the record that keeps two entity keys apart (order-independent)."""
    low, high = sorted((first_key, second_key))
    return DATA[f"separation/{low}/{high}"]


def forgotten_graph_iri() -> URIRef:
    """IRI of the named graph listing forgotten entities (not a document graph)."""
    return DATA["forgotten"]


def forgetting_iri(key_hash: str) -> URIRef:
    """IRI of the record that one entity key (given by its SHA-256) was forgotten."""
    return DATA["forgotten/" + key_hash]
