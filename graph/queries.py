"""Relationship questions over the store: documents, entities, profiles and contributions.

Every question is a SPARQL query built from `graph.vocab` terms; user input enters only as an escaped
string literal or as an IRI minted by the vocabulary from a validated key.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from graph.errors import InvalidParameter, InvalidQuery
from graph.records import Entity, EntityType, Evidence, Predicate
from graph.store.base import SelectResult, Store, Term
from graph.vocab import (
    CLASS_OF,
    DCTERMS,
    MKG,
    PREDICATE_OF_PROPERTY,
    PROPERTY_OF,
    PROV,
    TYPE_OF_CLASS,
    document_id_of_iri,
    document_iri,
    entity_iri,
    key_of_entity_iri,
)

# An entity key as `graph.vocab.entity_key` makes it: type, slash, slug.
ENTITY_KEY = re.compile(r"[a-z]+/[a-z0-9][a-z0-9-]*")
# Characters that may not appear inside an IRI reference in SPARQL.
_IRI_FORBIDDEN = re.compile(r"[\x00-\x20<>\"{}|\\^`]")


# ---------------------------------------------------------------------------------------------------
# Records returned to the API and the CLI
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document."""

    id: str
    iri: str
    source: str | None = None
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class EntityRef:
    """One end of a fact: the entity's key, its name in the document and its type."""

    key: str
    name: str
    type: EntityType | None = None


@dataclass(frozen=True)
class EntitySummary:
    """An entity as listed by a search: every name and alias it has across documents."""

    key: str
    name: str
    type: EntityType
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class FactView:
    """A fact seen from one entity: the predicate, the entity at the other end and the evidence."""

    predicate: Predicate
    other: EntityRef
    evidence: Evidence
    confidence: float | None = None
    since: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Profile:
    """Everything the graph says about one entity, with evidence for each fact."""

    key: str
    name: str
    type: EntityType
    aliases: tuple[str, ...]
    handles: tuple[str, ...]
    documents: tuple[str, ...]
    facts_out: tuple[FactView, ...]
    facts_in: tuple[FactView, ...]
    # Facts over all pages; equal to the lengths above when the profile is not paged.
    facts_out_total: int = 0
    facts_in_total: int = 0


@dataclass(frozen=True)
class DocumentFact:
    """A fact read from one document, with both ends named as that document names them."""

    subject: EntityRef
    predicate: Predicate
    object: EntityRef
    evidence: Evidence
    confidence: float | None = None
    rule: str | None = None


@dataclass(frozen=True)
class DocumentDetail:
    """A stored document with the entities and facts read from it."""

    document: DocumentInfo
    entities: tuple[EntityRef, ...]
    facts: tuple[DocumentFact, ...]


@dataclass(frozen=True)
class Contribution:
    """A person who contributed to or maintains a project, with the evidence."""

    person: EntityRef
    predicate: Predicate
    project: EntityRef
    evidence: Evidence
    confidence: float | None = None


# ---------------------------------------------------------------------------------------------------
# Building queries safely
# ---------------------------------------------------------------------------------------------------


def sparql_string(value: str) -> str:
    """`value` as a SPARQL string literal, every special character escaped."""
    escaped = (
        value.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
        .replace("\b", "\\b")
        .replace("\f", "\\f")
    )
    return f'"{escaped}"'


def sparql_iri(iri: URIRef | str) -> str:
    """`iri` as a SPARQL IRI reference; refuses IRIs that would break out of the brackets."""
    text = str(iri)
    if _IRI_FORBIDDEN.search(text):
        raise InvalidParameter(f'{text!r} is not a valid identifier (it holds spaces or <>"{{}}|\\^`).')
    return f"<{text}>"


def is_entity_key(key: str) -> bool:
    """True when `key` has the shape of an entity key ('person/laurent-bernaille')."""
    return ENTITY_KEY.fullmatch(key) is not None


def _values(variable: str, terms: Iterable[str]) -> str:
    return f"VALUES ?{variable} {{ {' '.join(terms)} }}"


def _prefixes() -> str:
    names = {"rdf": RDF, "rdfs": RDFS, "mkg": MKG, "prov": PROV, "dcterms": DCTERMS}
    return "".join(f"PREFIX {name}: <{namespace}>\n" for name, namespace in names.items())


PREFIXES = _prefixes()

_CLASSES = " ".join(sparql_iri(iri) for iri in CLASS_OF.values())


def _value(row: dict[str, Term], name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term is not None else None


def _int(row: dict[str, Term], name: str) -> int:
    value = _value(row, name)
    return int(value) if value is not None else 0


def _float(row: dict[str, Term], name: str) -> float | None:
    value = _value(row, name)
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _select(store: Store, body: str) -> SelectResult:
    return store.select(PREFIXES + body)


def _best_name(names: Iterable[str]) -> str:
    """The fullest of the names different documents give an entity (ties: alphabetical)."""
    return sorted(names, key=lambda n: (-len(n), n))[0]


# ---------------------------------------------------------------------------------------------------
# Documents
# ---------------------------------------------------------------------------------------------------


def document_graphs(store: Store) -> list[str]:
    """IRIs of the stored documents' graphs, sorted; other named graphs (merge records) left out."""
    return [iri for iri in store.documents() if document_id_of_iri(iri) is not None]


def count_documents(store: Store) -> int:
    """Number of stored documents."""
    return len(document_graphs(store))


def list_documents(store: Store, *, limit: int | None = None, offset: int = 0) -> list[DocumentInfo]:
    """Stored documents sorted by IRI, with their source path, title and date when the graph gives them."""
    graphs = document_graphs(store)
    return _document_infos(store, graphs[offset : None if limit is None else offset + limit])


def _document_infos(store: Store, page: Sequence[str], *, only_stored: bool = False) -> list[DocumentInfo]:
    """Source, title and date of these document graphs; with `only_stored`, graphs that are not a
    stored document are left out rather than given with their id alone."""
    if not page:
        return []
    result = _select(
        store,
        # VALUES inside GRAPH: Oxigraph then reads only these graphs instead of joining with all of them.
        f"""SELECT ?doc ?source ?title ?date WHERE {{
  GRAPH ?doc {{
    {_values("doc", (sparql_iri(iri) for iri in page))}
    ?doc a mkg:Document .
    OPTIONAL {{ ?doc mkg:sourcePath ?source }}
    OPTIONAL {{ ?doc dcterms:title ?title }}
    OPTIONAL {{ ?doc dcterms:date ?date }}
  }}
}}""",
    )
    found = {_value(row, "doc"): row for row in result.rows}
    documents = []
    for iri in page:
        if only_stored and iri not in found:
            continue
        row = found.get(iri, {})
        documents.append(
            DocumentInfo(
                id=document_id_of_iri(iri) or iri,
                iri=iri,
                source=_value(row, "source"),
                title=_value(row, "title"),
                date=_value(row, "date"),
            )
        )
    return documents


def document_detail(store: Store, document_id: str) -> DocumentDetail | None:
    """The document with this id, its entities and its facts in text order; None when unknown."""
    try:
        graph = document_graph(document_id)
    except InvalidParameter:
        return None
    if not store.has_document(graph):
        return None
    info = next(iter(_document_infos(store, [graph])))
    entities = _select(
        store,
        f"""SELECT ?e ?name ?class WHERE {{
  GRAPH {sparql_iri(graph)} {{
    ?e a ?class . {_values("class", [_CLASSES])}
    OPTIONAL {{ ?e rdfs:label ?name }}
  }}
}}""",
    )
    refs = {_ref(row, "e", "name", "class") for row in entities.rows}
    facts = _select(
        store,
        f"""SELECT ?ev ?p ?s ?sName ?sClass ?o ?oName ?oClass
       ?text ?start ?end ?doc ?confidence ?date ?since ?rule
WHERE {{
  GRAPH {sparql_iri(graph)} {{
    ?ev a mkg:FactEvidence ;
      rdf:subject ?s ;
      rdf:predicate ?p ;
      rdf:object ?o ;{_FACT_FIELDS}
    OPTIONAL {{ ?s rdfs:label ?sName }}
    OPTIONAL {{ ?o rdfs:label ?oName }}
    OPTIONAL {{ ?s a ?sClass . {_values("sClass", [_CLASSES])} }}
    OPTIONAL {{ ?o a ?oClass . {_values("oClass", [_CLASSES])} }}
  }}
}}""",
    )
    found: dict[str, DocumentFact] = {}
    for row in facts.rows:
        node = _value(row, "ev") or ""
        predicate = PREDICATE_OF_PROPERTY.get(URIRef(_value(row, "p") or ""))
        if predicate is None or node in found:
            continue
        found[node] = DocumentFact(
            subject=_ref(row, "s", "sName", "sClass"),
            predicate=predicate,
            object=_ref(row, "o", "oName", "oClass"),
            evidence=_evidence(row),
            confidence=_float(row, "confidence"),
            rule=_value(row, "rule"),
        )
    return DocumentDetail(
        document=info,
        entities=tuple(sorted(refs, key=lambda r: r.key)),
        facts=tuple(
            sorted(
                found.values(),
                key=lambda f: (f.evidence.start, f.subject.key, f.predicate.value, f.object.key),
            )
        ),
    )


# ---------------------------------------------------------------------------------------------------
# Entities
# ---------------------------------------------------------------------------------------------------


def find_entities(
    store: Store,
    type: EntityType | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[EntitySummary]:
    """Entities of `type` whose name, an alias or a handle contains `q` (case-insensitive), sorted by key."""
    if limit < 1 or offset < 0:
        raise InvalidParameter("limit must be at least 1 and offset at least 0.")
    classes = sparql_iri(CLASS_OF[type]) if type is not None else _CLASSES
    search = ""
    if q and q.strip():
        needle = sparql_string(q.strip().lower())
        search = f"""
    ?e rdfs:label|mkg:alias|mkg:handle ?form .
    FILTER(CONTAINS(LCASE(STR(?form)), {needle}))"""
    page = _select(
        store,
        f"""SELECT DISTINCT ?e WHERE {{
    {_values("class", [classes])}
    ?e a ?class .{search}
}} ORDER BY ?e LIMIT {int(limit)} OFFSET {int(offset)}""",
    )
    iris = [_value(row, "e") for row in page.rows]
    keys = [iri for iri in iris if iri is not None]
    return _describe_entities(store, keys)


def _describe_entities(store: Store, iris: Sequence[str]) -> list[EntitySummary]:
    if not iris:
        return []
    result = _select(
        store,
        f"""SELECT ?e ?class ?name ?alias WHERE {{
    {_values("e", (sparql_iri(iri) for iri in iris))}
    ?e a ?class .
    {_values("class", [_CLASSES])}
    OPTIONAL {{ ?e rdfs:label ?name }}
    OPTIONAL {{ ?e mkg:alias ?alias }}
}}""",
    )
    types: dict[str, EntityType] = {}
    names: dict[str, set[str]] = {}
    aliases: dict[str, set[str]] = {}
    for row in result.rows:
        iri = _value(row, "e")
        kind = TYPE_OF_CLASS.get(URIRef(_value(row, "class") or ""))
        if iri is None or kind is None:
            continue
        types.setdefault(iri, kind)
        if (name := _value(row, "name")) is not None:
            names.setdefault(iri, set()).add(name)
        if (alias := _value(row, "alias")) is not None:
            aliases.setdefault(iri, set()).add(alias)
    summaries = []
    for iri in iris:
        if iri not in types:
            continue
        key = key_of_entity_iri(iri) or iri
        all_names = names.get(iri, set())
        name = _best_name(all_names) if all_names else key
        others = (all_names | aliases.get(iri, set())) - {name}
        summaries.append(EntitySummary(key=key, name=name, type=types[iri], aliases=tuple(sorted(others))))
    return summaries


_FACT_FIELDS = """
      mkg:evidenceText ?text ;
      mkg:startOffset ?start ;
      mkg:endOffset ?end ;
      prov:wasDerivedFrom ?doc .
    OPTIONAL { ?ev mkg:confidence ?confidence }
    OPTIONAL { ?ev dcterms:date ?date }
    OPTIONAL { ?ev mkg:since ?since }
    OPTIONAL { ?ev mkg:extractionRule ?rule }"""


def _evidence(row: dict[str, Term]) -> Evidence:
    doc = _value(row, "doc") or ""
    return Evidence(
        document_id=document_id_of_iri(doc) or doc,
        text=_value(row, "text") or "",
        start=_int(row, "start"),
        end=_int(row, "end"),
        date=_value(row, "date"),
    )


def _ref(row: dict[str, Term], node: str, name: str, kind: str) -> EntityRef:
    iri = _value(row, node) or ""
    key = key_of_entity_iri(iri) or iri
    return EntityRef(
        key=key,
        name=_value(row, name) or key,
        type=TYPE_OF_CLASS.get(URIRef(_value(row, kind) or "")),
    )


def _evidence_page(store: Store, iri: str, this: str, limit: int, offset: int) -> tuple[list[str], int]:
    """One page of the evidence nodes of the entity's facts, and how many there are in all.

    No ORDER BY: sorting every evidence node of a much-cited entity costs far more than reading a
    page, and the store's own order is stable while its data is unchanged. A page is sorted after.
    """
    # The default graph (the merge of the documents) holds each evidence node once; only evidence
    # nodes carry rdf:subject and rdf:object, so no type test (which would cost a join per node).
    pattern = f"?ev {this} {sparql_iri(iri)} ."
    total = _select(store, f"SELECT (COUNT(?ev) AS ?n) WHERE {{ {pattern} }}").rows
    page = _select(store, f"SELECT ?ev WHERE {{ {pattern} }} LIMIT {int(limit)} OFFSET {int(offset)}").rows
    nodes = [node for row in page if (node := _value(row, "ev")) is not None]
    return nodes, _int(total[0], "n") if total else 0


def _facts(
    store: Store, iri: str, direction: str, *, limit: int | None = None, offset: int = 0
) -> tuple[tuple[FactView, ...], int]:
    """Facts whose subject (direction 'out') or object ('in') is the entity, one per evidence node,
    and their number over all pages.

    With `limit`, only that many facts after `offset` (in the store's order, then sorted).
    """
    this, other = ("rdf:subject", "rdf:object") if direction == "out" else ("rdf:object", "rdf:subject")
    only = ""
    total: int | None = None
    if limit is not None:
        nodes, total = _evidence_page(store, iri, this, limit, offset)
        if not nodes:
            return (), total
        only = _values("ev", (sparql_iri(node) for node in nodes))
    result = _select(
        store,
        f"""SELECT ?ev ?p ?other ?otherName ?otherClass ?text ?start ?end ?doc ?confidence ?date ?since ?rule
WHERE {{
  GRAPH ?g {{
    {only}
    ?ev a mkg:FactEvidence ;
      {this} {sparql_iri(iri)} ;
      rdf:predicate ?p ;
      {other} ?other ;{_FACT_FIELDS}
    OPTIONAL {{ ?other rdfs:label ?otherName }}
    OPTIONAL {{ ?other a ?otherClass . {_values("otherClass", [_CLASSES])} }}
  }}
}}""",
    )
    facts: dict[str, FactView] = {}
    for row in result.rows:
        evidence_node = _value(row, "ev") or ""
        predicate = PREDICATE_OF_PROPERTY.get(URIRef(_value(row, "p") or ""))
        if predicate is None or evidence_node in facts:
            continue
        facts[evidence_node] = FactView(
            predicate=predicate,
            other=_ref(row, "other", "otherName", "otherClass"),
            evidence=_evidence(row),
            confidence=_float(row, "confidence"),
            since=_value(row, "since"),
            rule=_value(row, "rule"),
        )
    ordered = tuple(
        sorted(
            facts.values(),
            key=lambda f: (f.predicate.value, f.other.name.lower(), f.evidence.document_id, f.evidence.start),
        )
    )
    return ordered, len(ordered) if total is None else total


def entity_profile(store: Store, key: str, *, limit: int | None = None, offset: int = 0) -> Profile | None:
    """The entity with this key, its names and the facts about it in and out; None when unknown.

    Every fact by default; with `limit`, at most that many in each direction after skipping `offset`
    (the totals say how many there are).
    """
    if not is_entity_key(key):
        return None
    iri = str(entity_iri(key))
    described_by = _values("p", ["rdf:type", "rdfs:label", "mkg:alias", "mkg:handle"])
    # Names once each from the merged default graph, then the graphs that describe the entity: a
    # much-cited entity is described in thousands of documents, with the same few names.
    result = _select(store, f"SELECT DISTINCT ?p ?v WHERE {{ {described_by} {sparql_iri(iri)} ?p ?v . }}")
    graphs = _select(
        store, f"SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ {described_by} {sparql_iri(iri)} ?p ?v . }} }}"
    )
    documents = {document_id_of_iri(graph) or graph for row in graphs.rows if (graph := _value(row, "g"))}
    kinds: set[EntityType] = set()
    names: set[str] = set()
    aliases: set[str] = set()
    handles: set[str] = set()
    for row in result.rows:
        prop, value = _value(row, "p"), _value(row, "v") or ""
        if prop == str(RDF.type):
            if (kind := TYPE_OF_CLASS.get(URIRef(value))) is not None:
                kinds.add(kind)
        elif prop == str(RDFS.label):
            names.add(value)
        elif prop == str(MKG.alias):
            aliases.add(value)
        elif prop == str(MKG.handle):
            handles.add(value)
    if not kinds:
        return None
    name = _best_name(names) if names else key
    facts_out, out_total = _facts(store, iri, "out", limit=limit, offset=offset)
    facts_in, in_total = _facts(store, iri, "in", limit=limit, offset=offset)
    return Profile(
        key=key,
        name=name,
        type=sorted(kinds)[0],
        aliases=tuple(sorted((names | aliases) - {name})),
        handles=tuple(sorted(handles)),
        documents=tuple(sorted(documents)),
        facts_out=facts_out,
        facts_in=facts_in,
        facts_out_total=out_total,
        facts_in_total=in_total,
    )


# ---------------------------------------------------------------------------------------------------
# Contributions
# ---------------------------------------------------------------------------------------------------


def _end_filter(variable: str, name_variable: str, value: str | None) -> str:
    """Restrict one end of a fact to an entity key, or to names containing `value` (case-insensitive)."""
    if not value or not value.strip():
        return ""
    value = value.strip()
    if is_entity_key(value):
        return f"FILTER(?{variable} = {sparql_iri(entity_iri(value))})"
    return f"FILTER(CONTAINS(LCASE(STR(?{name_variable})), {sparql_string(value.lower())}))"


CONTRIBUTION_PREDICATES = (Predicate.CONTRIBUTED_TO, Predicate.MAINTAINER_OF)


def contributions(
    store: Store, person: str | None = None, project: str | None = None, *, limit: int = 1000
) -> list[Contribution]:
    """Who contributed to (or maintains) which project, with evidence.

    `person` and `project` are entity keys ('project/cilium') or parts of a name ('cilium').
    """
    predicates = [sparql_iri(PROPERTY_OF[p]) for p in CONTRIBUTION_PREDICATES]
    # Oxigraph joins patterns in the order written: start from an end given by key when there is one,
    # so only that entity's facts are read, and from the two predicates otherwise.
    ends = {"person": ("rdf:subject", person), "project": ("rdf:object", project)}
    keyed = [end for end, (_, value) in ends.items() if value is not None and is_entity_key(value.strip())]
    filters = {end: _end_filter(end, f"{end}Name", value) for end, (_, value) in ends.items()}
    if keyed:
        end = keyed[0]
        role, value = ends[end]
        assert value is not None
        start = f"""{_values(end, [sparql_iri(entity_iri(value.strip()))])}
    ?ev {role} ?{end} ; rdf:predicate ?p .
    FILTER(?p IN ({", ".join(predicates)}))"""
        filters[end] = ""  # bound by VALUES already
    else:
        start = _values("p", [" ".join(predicates)])
    result = _select(
        store,
        f"""SELECT ?ev ?p ?person ?personName ?personClass ?project ?projectName ?projectClass
       ?text ?start ?end ?doc ?confidence ?date ?since ?rule
WHERE {{
  GRAPH ?g {{
    {start}
    ?ev a mkg:FactEvidence ;
      rdf:subject ?person ;
      rdf:predicate ?p ;
      rdf:object ?project ;{_FACT_FIELDS}
    OPTIONAL {{ ?person rdfs:label ?personName }}
    OPTIONAL {{ ?project rdfs:label ?projectName }}
    OPTIONAL {{ ?person a ?personClass . {_values("personClass", [_CLASSES])} }}
    OPTIONAL {{ ?project a ?projectClass . {_values("projectClass", [_CLASSES])} }}
    {filters["person"]}
    {filters["project"]}
  }}
}} ORDER BY ?projectName ?personName ?doc ?start LIMIT {int(limit)}""",
    )
    seen: set[str] = set()
    found = []
    for row in result.rows:
        evidence_node = _value(row, "ev") or ""
        predicate = PREDICATE_OF_PROPERTY.get(URIRef(_value(row, "p") or ""))
        if predicate is None or evidence_node in seen:
            continue
        seen.add(evidence_node)
        found.append(
            Contribution(
                person=_ref(row, "person", "personName", "personClass"),
                predicate=predicate,
                project=_ref(row, "project", "projectName", "projectClass"),
                evidence=_evidence(row),
                confidence=_float(row, "confidence"),
            )
        )
    return found


# ---------------------------------------------------------------------------------------------------
# The read-only SPARQL endpoint
# ---------------------------------------------------------------------------------------------------

_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"}
)
_QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
# Things that may hold keyword-like text and are not keywords: comments, strings, IRIs, variables,
# prefixed names. Order matters: long strings before short ones.
_NOT_KEYWORDS = re.compile(
    r"""\#[^\n]*
      | '''(?:[^'\\]|\\.|'(?!''))*'''
      | \"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
      | '(?:[^'\\\n]|\\.)*'
      | "(?:[^"\\\n]|\\.)*"
      | <[^<>"{}|^`\\\s]*>
      | [?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+
      | [A-Za-z_][\w.\-]*:[\w.\-:%]*
      | :[\w.\-:%]*""",
    re.VERBOSE,
)
_WORD = re.compile(r"[A-Za-z]+")


def _keywords(sparql: str) -> list[str]:
    return [w.upper() for w in _WORD.findall(_NOT_KEYWORDS.sub(" ", sparql))]


def query_form(sparql: str) -> str:
    """The form of a read-only query: 'SELECT', 'ASK', 'CONSTRUCT' or 'DESCRIBE'.

    Raises InvalidQuery for updates (the endpoint is read-only), SERVICE (no federated queries) and
    text that names no query form; other syntax errors are left to the store's parser.
    """
    words = _keywords(sparql)
    first = next((w for w in words if w not in {"PREFIX", "BASE"}), None)
    if first in _UPDATE_KEYWORDS or "LOAD" in words:
        keyword = first if first in _UPDATE_KEYWORDS else "LOAD"
        raise InvalidQuery(
            f"{keyword} is an update; this SPARQL endpoint is read-only. "
            "Add documents with POST /documents or `mkg ingest`."
        )
    if "SERVICE" in words:
        raise InvalidQuery("SERVICE (federated query) is not allowed; query this store only.")
    form = next((w for w in words if w in _QUERY_FORMS), None)
    if form is None:
        raise InvalidQuery("The query has no SELECT, ASK, CONSTRUCT or DESCRIBE; send a SPARQL 1.1 query.")
    return form


def document_graph(document_id: str) -> str:
    """The named graph IRI of a document id, checked to be a safe IRI."""
    iri = str(document_iri(document_id))
    sparql_iri(iri)
    return iri


def with_row_limit(sparql: str, max_rows: int) -> str:
    """The query with `LIMIT max_rows` appended when it is a SELECT or CONSTRUCT that sets no LIMIT.

    Queries with a trailing VALUES clause, or any LIMIT (even in a sub-query), are left as they are.
    """
    words = _keywords(sparql)
    form = next((w for w in words if w in _QUERY_FORMS), None)
    if form not in {"SELECT", "CONSTRUCT"} or "LIMIT" in words or "VALUES" in words:
        return sparql
    # On its own line, so that a trailing comment cannot swallow it.
    return f"{sparql}\nLIMIT {int(max_rows)}"


# ---------------------------------------------------------------------------------------------------
# Pages, types of keys, source documents
# ---------------------------------------------------------------------------------------------------


def count_entities(store: Store, type: EntityType | None = None, q: str | None = None) -> int:
    """How many entities `find_entities` would list with these filters, over all pages."""
    classes = sparql_iri(CLASS_OF[type]) if type is not None else _CLASSES
    search = ""
    if q and q.strip():
        needle = sparql_string(q.strip().lower())
        search = f"""
    ?e rdfs:label|mkg:alias|mkg:handle ?form .
    FILTER(CONTAINS(LCASE(STR(?form)), {needle}))"""
    result = _select(
        store,
        f"""SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {{
    {_values("class", [classes])}
    ?e a ?class .{search}
}}""",
    )
    return _int(result.rows[0], "n") if result.rows else 0


def contribution_page(
    store: Store,
    person: str | None = None,
    project: str | None = None,
    *,
    limit: int = 100,
    offset: int = 0,
    max_rows: int = 10_000,
) -> tuple[list[Contribution], int]:
    """One page of `contributions` and how many there are (counting at most `max_rows`)."""
    if limit < 1 or offset < 0:
        raise InvalidParameter("limit must be at least 1 and offset at least 0.")
    found = contributions(store, person=person, project=project, limit=max_rows)
    return found[offset : offset + limit], len(found)


def entity_types(store: Store, keys: Iterable[str]) -> dict[str, EntityType]:
    """The type of each of these keys that names a stored entity (keys of another shape are skipped)."""
    iris = [str(entity_iri(key)) for key in dict.fromkeys(keys) if is_entity_key(key)]
    if not iris:
        return {}
    result = _select(
        store,
        f"""SELECT DISTINCT ?e ?class WHERE {{
    {_values("e", (sparql_iri(iri) for iri in iris))}
    {_values("class", [_CLASSES])}
    ?e a ?class .
}}""",
    )
    found: dict[str, set[EntityType]] = {}
    for row in result.rows:
        key = key_of_entity_iri(_value(row, "e") or "")
        kind = TYPE_OF_CLASS.get(URIRef(_value(row, "class") or ""))
        if key is not None and kind is not None:
            found.setdefault(key, set()).add(kind)
    # An entity typed twice (by hand, through SPARQL Update) is read as the type its key names.
    return {key: _type_named_by(key, kinds) for key, kinds in found.items()}


def _type_named_by(key: str, kinds: set[EntityType]) -> EntityType:
    prefix = key.split("/", 1)[0]
    return next((kind for kind in kinds if kind.value.lower() == prefix), sorted(kinds)[0])


def document_infos(store: Store, document_ids: Iterable[str]) -> dict[str, DocumentInfo]:
    """Source path, title and date of each of these stored documents, by id (unknown ids are skipped)."""
    graphs: list[str] = []
    for document_id in dict.fromkeys(document_ids):
        try:
            graphs.append(document_graph(document_id))
        except InvalidParameter:
            continue
    return {info.id: info for info in _document_infos(store, graphs, only_stored=True)}


# ---------------------------------------------------------------------------------------------------
# Search by name: exact > prefix > substring > fuzzy
# ---------------------------------------------------------------------------------------------------

MatchKind = Literal["exact", "prefix", "substring", "fuzzy"]
NameField = Literal["name", "alias", "handle"]

# Lowest similarity (difflib ratio) that counts as a fuzzy match: one or two typos in a word.
FUZZY_THRESHOLD = 0.75
_FIELD_ORDER: dict[str, int] = {"name": 0, "alias": 1, "handle": 2}


@dataclass(frozen=True)
class SearchHit:
    """An entity found by name: the form that matched, how, and a score in [0, 1] (1 = exact)."""

    key: str
    name: str
    type: EntityType
    matched: str
    field: NameField
    match: MatchKind
    score: float


@functools.lru_cache(maxsize=65536)
def fold_name(text: str) -> str:
    """A name as search compares it: accents and case folded, punctuation and `@` read as spaces."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
    return " ".join(re.sub(r"[\W_]+", " ", bare).split())


def name_match(query: str, form: str) -> tuple[MatchKind, float] | None:
    """How a folded query matches one folded name, with its score; None when it does not.

    Scores keep the tiers apart: exact 1; prefix of the name 0.80-0.95; prefix of a later word
    0.70-0.80; substring 0.60-0.70; fuzzy under 0.55. Within a tier, covering more of the name wins.
    """
    if not query or not form:
        return None
    if query == form:
        return "exact", 1.0
    coverage = len(query) / len(form)
    if form.startswith(query):
        return "prefix", round(0.8 + 0.15 * coverage, 4)
    words = form.split()
    if f" {query}" in f" {form}":
        return "prefix", round(0.7 + 0.1 * coverage, 4)
    if query in form:
        return "substring", round(0.6 + 0.1 * coverage, 4)
    similarity = _similarity(query, form, words)
    if similarity >= FUZZY_THRESHOLD:
        return "fuzzy", round(0.55 * similarity, 4)
    return None


def _similarity(query: str, form: str, words: list[str]) -> float:
    """Best difflib ratio of the query against the whole name and against runs of as many words."""
    width = len(query.split())
    candidates = [form] + [" ".join(words[i : i + width]) for i in range(len(words) - width + 1)]
    best = 0.0
    for candidate in dict.fromkeys(candidates):
        matcher = difflib.SequenceMatcher(None, query, candidate, autojunk=False)
        # The quick ratios are upper bounds of ratio(): skip candidates that cannot match or cannot
        # beat the best so far.
        floor = max(best, FUZZY_THRESHOLD)
        if matcher.real_quick_ratio() < floor or matcher.quick_ratio() < floor:
            continue
        best = max(best, matcher.ratio())
    return best


def rank_by_name(query: str, entities: Iterable[Entity], type: EntityType | None = None) -> list[SearchHit]:
    """Entities matching `query` by name, alias or handle, best first (ties: name, then key)."""
    folded_query = fold_name(query)
    hits: list[SearchHit] = []
    if not folded_query:
        return hits
    for entity in entities:
        if type is not None and entity.type is not type:
            continue
        forms: list[tuple[NameField, str]] = [("name", entity.name)]
        forms += [("alias", alias) for alias in entity.aliases]
        forms += [("handle", handle) for handle in entity.handles]
        matches = []
        for field_name, form in forms:
            found = name_match(folded_query, fold_name(form))
            if found is not None:
                kind, score = found
                matches.append((-score, _FIELD_ORDER[field_name], form, kind, field_name))
        if matches:
            negative_score, _, form, kind, field_name = min(matches)
            score = -negative_score
            hits.append(SearchHit(entity.key, entity.name, entity.type, form, field_name, kind, score))
    return sorted(hits, key=lambda hit: (-hit.score, hit.name.casefold(), hit.key))


def entity_names(store: Store, type: EntityType | None = None) -> list[Entity]:
    """Every entity (of `type`) with its canonical name, aliases and handles across documents, by key."""
    classes = sparql_iri(CLASS_OF[type]) if type is not None else _CLASSES
    result = _select(
        store,
        f"""SELECT DISTINCT ?e ?class ?field ?form WHERE {{
    {_values("class", [classes])}
    ?e a ?class .
    {{ ?e rdfs:label ?form BIND("name" AS ?field) }}
    UNION {{ ?e mkg:alias ?form BIND("alias" AS ?field) }}
    UNION {{ ?e mkg:handle ?form BIND("handle" AS ?field) }}
}}""",
    )
    kinds: dict[str, set[EntityType]] = {}
    forms: dict[str, dict[str, set[str]]] = {}
    for row in result.rows:
        key = key_of_entity_iri(_value(row, "e") or "")
        kind = TYPE_OF_CLASS.get(URIRef(_value(row, "class") or ""))
        field_name, form = _value(row, "field"), _value(row, "form")
        if key is None or kind is None or field_name is None or form is None:
            continue
        kinds.setdefault(key, set()).add(kind)
        forms.setdefault(key, {}).setdefault(field_name, set()).add(form)
    entities = []
    for key in sorted(kinds):
        by_field = forms.get(key, {})
        names = by_field.get("name", set())
        name = _best_name(names) if names else key
        entities.append(
            Entity(
                key=key,
                name=name,
                type=_type_named_by(key, kinds[key]),
                aliases=tuple(sorted((names | by_field.get("alias", set())) - {name})),
                handles=tuple(sorted(by_field.get("handle", set()))),
            )
        )
    return entities


def search_entities(store: Store, query: str, type: EntityType | None = None) -> list[SearchHit]:
    """Entities whose name, alias or handle matches `query` exactly, by prefix, inside, or nearly."""
    return rank_by_name(query, entity_names(store, type), type)
