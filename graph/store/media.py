"""What both store backends share: query forms, Accept negotiation, N-Triples checking and the updates
that replace a document graph while keeping the default graph the merge of all of them."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from enum import StrEnum
from itertools import islice
from typing import Any

import pyoxigraph

from graph.errors import InvalidParameter, NotAcceptable, UnsupportedMediaType
from graph.store.base import QueryAnswer


class QueryForm(StrEnum):
    """The four SPARQL query forms."""

    SELECT = "SELECT"
    ASK = "ASK"
    CONSTRUCT = "CONSTRUCT"
    DESCRIBE = "DESCRIBE"

    @property
    def gives_graph(self) -> bool:
        """True for CONSTRUCT and DESCRIBE, whose result is RDF rather than a results table."""
        return self in (QueryForm.CONSTRUCT, QueryForm.DESCRIBE)


# Media types each kind of result can be served as, the first being the default for `*/*`.
RESULTS_MEDIA_TYPES: dict[str, pyoxigraph.QueryResultsFormat] = {
    "application/sparql-results+json": pyoxigraph.QueryResultsFormat.JSON,
    "application/sparql-results+xml": pyoxigraph.QueryResultsFormat.XML,
    "text/csv": pyoxigraph.QueryResultsFormat.CSV,
    "text/tab-separated-values": pyoxigraph.QueryResultsFormat.TSV,
}
GRAPH_MEDIA_TYPES: dict[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
    "application/ld+json": pyoxigraph.RdfFormat.JSON_LD,
}
# Common names for the same formats; answers always carry the canonical media type.
_ALIASES = {
    "application/json": "application/sparql-results+json",
    "application/xml": "application/sparql-results+xml",
    "text/xml": "application/sparql-results+xml",
    "application/x-turtle": "text/turtle",
    "text/plain": "application/n-triples",
    "text/n-triples": "application/n-triples",
}

_IRI_OR_STRING = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'")
_COMMENT = re.compile(r"#[^\n]*")
_FORM = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)


def query_form(sparql: str) -> QueryForm | None:
    """The form of a query from its first keyword; None when there is none (not a query)."""
    # IRIs and strings may hold '#' or keywords; blank them before looking.
    text = _IRI_OR_STRING.sub(" ", sparql)
    text = _COMMENT.sub(" ", text)
    match = _FORM.search(text)
    return QueryForm(match.group(1).upper()) if match else None


def _accepted(accept: str) -> list[str]:
    """Media ranges of an Accept header, best first (stable for equal q), q=0 left out."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(accept.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality > 0:
            ranked.append((-quality, position, media))
    return [media for _, _, media in sorted(ranked)]


def negotiate(accept: str | None, graph_result: bool) -> str:
    """The canonical media type to answer with, for a table (SELECT/ASK) or graph result.

    Raises NotAcceptable when the Accept header names nothing this kind of result can be served as.
    """
    offered = list(GRAPH_MEDIA_TYPES if graph_result else RESULTS_MEDIA_TYPES)
    ranges = _accepted(accept or "*/*") or ["*/*"]
    for media in ranges:
        media = _ALIASES.get(media, media)
        if media in offered:
            return media
        if media == "*/*":
            return offered[0]
        if media.endswith("/*"):
            prefix = media[:-1]
            for candidate in offered:
                if candidate.startswith(prefix):
                    return candidate
    kind = "CONSTRUCT and DESCRIBE results" if graph_result else "SELECT and ASK results"
    raise NotAcceptable(f"Cannot serve {kind} as {accept!r}. Ask for one of: {', '.join(offered)}.")


def checked_ntriples(ntriples: str, *, fresh_blank_nodes: bool = False) -> str:
    """The same triples re-serialized as canonical N-Triples (one per line), safe to embed in a SPARQL
    update; with `fresh_blank_nodes`, each blank node gets a new label no other document uses.

    Raises InvalidParameter when the text is not N-Triples.
    """
    try:
        triples = list(pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES))
    except SyntaxError as error:
        raise InvalidParameter(f"The document graph is not valid N-Triples: {error}") from error
    if fresh_blank_nodes and "_:" in ntriples:
        renamed: dict[str, pyoxigraph.BlankNode] = {}
        triples = [_with_fresh_blank_nodes(triple, renamed) for triple in triples]
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return data.decode("utf-8") if data else ""


def _with_fresh_blank_nodes(triple: Any, renamed: dict[str, pyoxigraph.BlankNode]) -> Any:
    def fresh(term: Any) -> Any:
        if isinstance(term, pyoxigraph.BlankNode):
            if term.value not in renamed:
                renamed[term.value] = pyoxigraph.BlankNode()  # a random, store-wide unique label
            return renamed[term.value]
        if isinstance(term, pyoxigraph.Triple):
            return _with_fresh_blank_nodes(term, renamed)
        return term

    return pyoxigraph.Triple(fresh(triple.subject), triple.predicate, fresh(triple.object))


def checked_documents(
    documents: Sequence[tuple[str, str]], *, fresh_blank_nodes: bool = False
) -> dict[str, str]:
    """Canonical N-Triples of each (graph IRI, N-Triples) pair by IRI, in order; a repeated IRI keeps
    its last text. Raises InvalidParameter naming the first document that is not N-Triples."""
    checked: dict[str, str] = {}
    for graph_iri, ntriples in documents:
        iri = checked_iri(graph_iri)
        try:
            text = checked_ntriples(ntriples, fresh_blank_nodes=fresh_blank_nodes)
        except InvalidParameter as error:
            raise InvalidParameter(f"<{iri}>: {error.detail}") from error
        checked.pop(iri, None)  # a later text for the same graph replaces the earlier one, in its place
        checked[iri] = text
    return checked


def union_nquads(graph_iri: str, ntriples: str) -> str:
    """N-Quads stating canonical N-Triples (from `checked_ntriples`) twice: in the named graph
    `graph_iri` and in the default graph, the merge of all document graphs."""
    if not ntriples:
        return ""
    graph = f"<{checked_iri(graph_iri)}> .\n"
    # Each canonical line ends with " .": drop the dot and name the graph instead. (Not splitlines():
    # literals may hold characters it also splits on, such as U+2028.)
    named = "".join(line[:-1] + graph for line in ntriples.split("\n") if line)
    return named + ntriples


# The default graph is kept as the RDF merge (a set) of all document graphs. Oxigraph 0.5's
# union-default-graph mode is a bag instead (a triple held by n graphs matches n times), which
# inflates counts and multiplies joins on entities shared by many documents.
#
# Bringing the default graph back to the merge touches only what differs: dropping and re-inserting it
# whole rewrote every triple (22 s of CPU at 500k triples against 4-6 s for this; reads are cheap,
# transactional writes are not).
REBUILD_UNION = (
    "DELETE { ?s ?p ?o } WHERE { ?s ?p ?o FILTER NOT EXISTS { GRAPH ?g { ?s ?p ?o } } } ;\n"
    "INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER NOT EXISTS { ?s ?p ?o } }"
)

NAMED_QUAD_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def _forget_from_union(iri: str) -> str:
    """Update operation: remove from the default graph what only graph `iri` holds."""
    return (
        f"DELETE {{ ?s ?p ?o }} WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} "
        f"FILTER NOT EXISTS {{ GRAPH ?other {{ ?s ?p ?o }} FILTER(?other != <{iri}>) }} }}"
    )


def replace_graph_update(graph_iri: str, ntriples: str) -> str:
    """One SPARQL update that replaces a named graph with these (checked) N-Triples.

    It also keeps the default graph equal to the merge of all named graphs.
    """
    iri = checked_iri(graph_iri)
    operations = [_forget_from_union(iri), f"DROP SILENT GRAPH <{iri}>"]
    if ntriples.strip():
        # One INSERT DATA for both copies, so blank node labels name the same nodes in each.
        operations.append(f"INSERT DATA {{\n{ntriples}GRAPH <{iri}> {{\n{ntriples}}} }}")
    return " ;\n".join(operations)


def drop_graph_update(graph_iri: str) -> str:
    """One SPARQL update that removes a named graph and its share of the default graph."""
    iri = checked_iri(graph_iri)
    return f"{_forget_from_union(iri)} ;\nDROP SILENT GRAPH <{iri}>"


def with_union_rebuilt(update: str) -> str:
    """A user update followed, in the same request, by recomputing the default graph."""
    # The newline ends a trailing comment; a final ';' (outside comments) may not be doubled.
    code = _COMMENT.sub(" ", _IRI_OR_STRING.sub(" ", update)).rstrip()
    separator = "\n" if code.endswith(";") else "\n;\n"
    return f"{update}{separator}{REBUILD_UNION}"


def checked_iri(iri: str) -> str:
    """The IRI, if it can be written between angle brackets in SPARQL; raises InvalidParameter."""
    try:
        return pyoxigraph.NamedNode(iri).value
    except ValueError as error:
        raise InvalidParameter(f"{iri!r} is not a valid graph IRI: {error}") from error


# ---- row caps, datasets and graph uploads (shared by the backends) -------------------------------

# RDF a graph may be uploaded as (Graph Store Protocol); quads formats lose their graph names.
UPLOAD_MEDIA_TYPES: dict[str, pyoxigraph.RdfFormat] = {
    "text/turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/x-turtle": pyoxigraph.RdfFormat.TURTLE,
    "application/n-triples": pyoxigraph.RdfFormat.N_TRIPLES,
    "text/plain": pyoxigraph.RdfFormat.N_TRIPLES,
    "application/n-quads": pyoxigraph.RdfFormat.N_QUADS,
    "application/trig": pyoxigraph.RdfFormat.TRIG,
    "application/rdf+xml": pyoxigraph.RdfFormat.RDF_XML,
}
# Marker added at the top level of a cut SPARQL JSON result; readers of SPARQL JSON ignore it.
TRUNCATED_FIELD = "truncated"


def dataset_arguments(
    default_graphs: Sequence[str] | None, named_graphs: Sequence[str] | None
) -> dict[str, Any]:
    """pyoxigraph `Store.query` keywords for a protocol dataset (none given: the store's own)."""
    if default_graphs is None and named_graphs is None:
        return {}
    return {
        "default_graph": [pyoxigraph.NamedNode(checked_iri(iri)) for iri in default_graphs or ()],
        "named_graphs": [pyoxigraph.NamedNode(checked_iri(iri)) for iri in named_graphs or ()],
    }


def upload_as_ntriples(data: bytes, media_type: str, base_iri: str) -> str:
    """Uploaded RDF as canonical N-Triples (relative IRIs resolved against `base_iri`).

    Raises UnsupportedMediaType for a format not in UPLOAD_MEDIA_TYPES, InvalidParameter when the data
    does not parse.
    """
    media = media_type.split(";")[0].strip().lower()
    fmt = UPLOAD_MEDIA_TYPES.get(media)
    if fmt is None:
        raise UnsupportedMediaType(
            f"Content-Type {media or '(none)'} is not an RDF format this store reads; send one of: "
            f"{', '.join(UPLOAD_MEDIA_TYPES)}."
        )
    try:
        parsed = list(pyoxigraph.parse(data, format=fmt, base_iri=base_iri))
    except (SyntaxError, ValueError) as error:
        raise InvalidParameter(f"The {media} data does not parse: {error}") from error
    triples = [item.triple if isinstance(item, pyoxigraph.Quad) else item for item in parsed]
    text = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return text.decode("utf-8") if text else ""


def put_graph_update(graph_iri: str, ntriples: str) -> str:
    """One update replacing a named graph (it exists afterwards, even when empty)."""
    iri = checked_iri(graph_iri)
    return f"{replace_graph_update(iri, ntriples)} ;\nCREATE SILENT GRAPH <{iri}>"


def post_graph_update(graph_iri: str, ntriples: str) -> str:
    """One update adding triples to a named graph and to the default graph (the merge)."""
    iri = checked_iri(graph_iri)
    operations = [f"CREATE SILENT GRAPH <{iri}>"]
    if ntriples.strip():
        operations.append(f"INSERT DATA {{\n{ntriples}GRAPH <{iri}> {{\n{ntriples}}} }}")
    return " ;\n".join(operations)


def graph_construct(graph_iri: str | None) -> str:
    """A CONSTRUCT of every triple of a named graph, or of the default graph when None."""
    if graph_iri is None:
        return "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"
    return f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{checked_iri(graph_iri)}> {{ ?s ?p ?o }} }}"


def _term_json(term: Any) -> dict[str, Any]:
    if isinstance(term, pyoxigraph.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, pyoxigraph.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, pyoxigraph.Literal):
        data: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            data["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            data["datatype"] = term.datatype.value
        return data
    return {
        "type": "triple",
        "value": {
            "subject": _term_json(term.subject),
            "predicate": _term_json(term.predicate),
            "object": _term_json(term.object),
        },
    }


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def limited_answer(result: Any, media_type: str, max_rows: int | None) -> QueryAnswer:
    """Serialize a pyoxigraph query result as `media_type`, keeping at most `max_rows` rows or triples.

    Only `max_rows + 1` items are read from the lazy result, so the cap also bounds the work.
    """
    if isinstance(result, pyoxigraph.QueryBoolean):
        data = result.serialize(format=RESULTS_MEDIA_TYPES[media_type])
        return QueryAnswer(data or b"", media_type)
    if isinstance(result, pyoxigraph.QueryTriples):
        triples = list(islice(result, max_rows + 1)) if max_rows is not None else list(result)
        truncated = max_rows is not None and len(triples) > max_rows
        if truncated:
            del triples[max_rows:]
        data = pyoxigraph.serialize(triples, format=GRAPH_MEDIA_TYPES[media_type])
        return QueryAnswer(data or b"", media_type, truncated)
    variables = [variable.value for variable in result.variables]
    rows = islice(result, max_rows + 1) if max_rows is not None else result
    bindings = [
        {name: _term_json(solution[name]) for name in variables if solution[name] is not None}
        for solution in rows
    ]
    truncated = max_rows is not None and len(bindings) > max_rows
    if truncated:
        del bindings[max_rows:]
    payload: dict[str, Any] = {"head": {"vars": variables}, "results": {"bindings": bindings}}
    if media_type == "application/sparql-results+json":
        if truncated:
            payload[TRUNCATED_FIELD] = True
        return QueryAnswer(json.dumps(payload, ensure_ascii=False).encode("utf-8"), media_type, truncated)
    solutions = pyoxigraph.parse_query_results(json.dumps(payload), pyoxigraph.QueryResultsFormat.JSON)
    data = solutions.serialize(format=RESULTS_MEDIA_TYPES[media_type])
    return QueryAnswer(data or b"", media_type, truncated)
