"""The store interface: everything above `graph/store/` talks to the triple store through this."""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized query result; `truncated` when the row cap cut it short."""

    body: bytes
    media_type: str
    truncated: bool = False


class Store(Protocol):
    """A quad store holding one named graph per document; the default graph is their union.

    The union is a set (the RDF merge): a triple stated by several documents matches once outside
    `GRAPH`, and once per document inside `GRAPH ?g`.
    """

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        """Replace the named graph `graph_iri` with these N-Triples, atomically."""

    def add_documents(self, documents: Sequence[tuple[str, str]]) -> None:
        """Replace many named graphs at once: (graph IRI, N-Triples) pairs, the last one winning for an IRI.

        All are checked before any is written (InvalidParameter names the bad one). Each document is
        replaced atomically, as by `add_document`; the batch as a whole is not: an interruption can
        leave some documents written, each of them whole. Much faster than one call per document.
        """

    def drop_document(self, graph_iri: str) -> bool:
        """Remove a document's graph; False when it was not there."""

    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""

    def documents(self) -> list[str]:
        """IRIs of all named graphs, sorted."""

    def select(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> SelectResult:
        """Run a SELECT (or ASK, as one row {"boolean": ...}) over the union default graph.

        `default_graphs` / `named_graphs` set the dataset as the SPARQL Protocol's `default-graph-uri` /
        `named-graph-uri` do: when either is given, the other defaults to no graphs.
        """

    def query_raw(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> tuple[bytes, str]:
        """Run any query form; return the serialized result and its media type."""

    def answer(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryAnswer:
        """Run any query form, keeping at most `max_rows` rows (or triples) of its result.

        `timeout` bounds the wait where the backend can enforce it (the remote one); the embedded store
        cannot stop a running query, so the public endpoint runs it in a killable worker process.
        """

    def put_graph(self, graph_iri: str, data: bytes, media_type: str) -> bool:
        """Replace a named graph with RDF in `media_type`; True when the graph did not exist before."""

    def post_graph(self, graph_iri: str, data: bytes, media_type: str) -> bool:
        """Add RDF in `media_type` to a named graph; True when the graph did not exist before."""

    def get_graph(self, graph_iri: str | None, media_type: str) -> bytes:
        """A named graph (None: the default graph, the union) serialized as `media_type`.

        Raises NotFound when the named graph does not exist.
        """

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update; relative IRIs resolve against `base_iri` when the update sets no BASE."""

    def triple_count(self) -> int:
        """Number of quads in the document graphs."""

    def close(self) -> None:
        """Flush and release the store."""
