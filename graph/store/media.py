"""What both store backends share: query forms, Accept negotiation, N-Triples checking and the updates
that replace a document graph while keeping the default graph the merge of all of them."""

from __future__ import annotations

import re
from enum import StrEnum

import pyoxigraph

from graph.errors import InvalidParameter, NotAcceptable


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


def checked_ntriples(ntriples: str) -> str:
    """The same triples re-serialized as canonical N-Triples, safe to embed in a SPARQL update.

    Raises InvalidParameter when the text is not N-Triples.
    """
    try:
        triples = list(pyoxigraph.parse(ntriples, format=pyoxigraph.RdfFormat.N_TRIPLES))
    except SyntaxError as error:
        raise InvalidParameter(f"The document graph is not valid N-Triples: {error}") from error
    data = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
    return data.decode("utf-8") if data else ""


# The default graph is kept as the RDF merge (a set) of all document graphs. Oxigraph 0.5's
# union-default-graph mode is a bag instead (a triple held by n graphs matches n times), which
# inflates counts and multiplies joins on entities shared by many documents.
REBUILD_UNION = "DROP SILENT DEFAULT ;\nINSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }"

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
