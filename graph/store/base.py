"""The store interface: everything above `graph/store/` talks to the triple store through this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# A SPARQL term as plain data: {"type": "uri"|"literal"|"bnode", "value": str,
# optional "datatype": str, optional "xml:lang": str} -- the SPARQL 1.1 JSON results shape.
Term = dict[str, str]


@dataclass(frozen=True)
class SelectResult:
    """Rows of a SELECT (variables in order; a row omits unbound variables)."""

    variables: tuple[str, ...]
    rows: tuple[dict[str, Term], ...]


class Store(Protocol):
    """A quad store holding one named graph per document; the default graph is their union.

    The union is a set (the RDF merge): a triple stated by several documents matches once outside
    `GRAPH`, and once per document inside `GRAPH ?g`.
    """

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        """Replace the named graph `graph_iri` with these N-Triples, atomically."""

    def drop_document(self, graph_iri: str) -> bool:
        """Remove a document's graph; False when it was not there."""

    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""

    def documents(self) -> list[str]:
        """IRIs of all named graphs, sorted."""

    def select(self, sparql: str) -> SelectResult:
        """Run a SELECT (or ASK, as one row {"boolean": ...}) over the union default graph."""

    def query_raw(self, sparql: str, accept: str) -> tuple[bytes, str]:
        """Run any query form; return the serialized result and its media type."""

    def update(self, sparql: str) -> None:
        """Run a SPARQL 1.1 Update."""

    def triple_count(self) -> int:
        """Number of quads in the document graphs."""

    def close(self) -> None:
        """Flush and release the store."""
