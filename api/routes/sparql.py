"""The read-only SPARQL 1.1 Protocol endpoint, safe to expose: bounded in time, rows and size, and
making no outbound requests."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from api.caching import CachedRoute
from api.deps import SettingsDep, StoreDep, request_media_type
from api.settings import Settings
from graph.errors import InvalidQuery, RequestTooLarge, UnsupportedMediaType
from graph.queries import PREFIXES
from graph.sparql_safety import check_query, with_base, with_lowercase_booleans, without_base_line
from graph.store.base import Store
from graph.store.media import negotiate
from graph.store.workers import PublicQuery, dataset_of, query_runner

# GET answers carry an ETag and are kept until the store is written (api/caching.py).
router = APIRouter(tags=["sparql"], route_class=CachedRoute)

RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
TRUNCATED_HEADER = "X-MKG-Truncated"
# Graphs named by FROM, FROM NAMED or the dataset parameters that are not in the store (read as empty).
UNKNOWN_GRAPHS_HEADER = "X-MKG-Unknown-Graphs"

EXAMPLE_QUERY = (
    PREFIXES
    + "SELECT ?person ?org WHERE { ?p mkg:worksAt ?o . ?p rdfs:label ?person . ?o rdfs:label ?org } LIMIT 10"
)
_READ_ONLY = (
    "Updates are not accepted: this SPARQL endpoint is read-only. Send updates to POST /update "
    "with the admin token."
)


@dataclass(frozen=True)
class SparqlRequest:
    """A query as received: text, Accept header and protocol dataset (empty lists: not given)."""

    query: str | None
    accept: str
    default_graphs: list[str]
    named_graphs: list[str]
    # The endpoint's URL: the base IRI of a query that has none.
    base: str = ""


def _single(values: list[str], name: str) -> str | None:
    if len(values) > 1:
        raise InvalidQuery(f"Give exactly one `{name}` parameter.")
    return values[0] if values else None


async def read_body(request: Request, limit: int) -> str:
    """The request body as UTF-8 text, refused beyond `limit` bytes."""
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RequestTooLarge(f"The request body is larger than {limit} bytes (MKG_MAX_BODY_BYTES).")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidQuery("The request body is not UTF-8 text.") from None


async def read_sparql_request(request: Request, settings: SettingsDep) -> SparqlRequest:
    """The query of a SPARQL Protocol request: GET ?query=, POST application/sparql-query (dataset in
    the URL), POST form (everything in the body)."""
    accept = request.headers.get("accept", "")
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method in ("GET", "HEAD"):
        if "update" in params:
            raise InvalidQuery(_READ_ONLY)
        fields = params
    else:
        media_type = request_media_type(request)
        if media_type == "application/sparql-update":
            raise InvalidQuery(_READ_ONLY)
        if media_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
            raise UnsupportedMediaType(
                f"Content-Type {media_type or '(none)'} is not a SPARQL query; send application/sparql-query"
                " or a form (application/x-www-form-urlencoded) with `query=`."
            )
        text = await read_body(request, settings.max_body_bytes)
        if media_type == "application/sparql-query":
            if "query" in params:
                raise InvalidQuery("Send the query either in the body or as `query=`, not both.")
            fields = {**params, "query": [text]}
        else:
            fields = parse_qs(text, keep_blank_values=True)
            if "update" in fields:
                raise InvalidQuery(_READ_ONLY)
    return SparqlRequest(
        query=_single(fields.get("query", []), "query"),
        accept=accept,
        default_graphs=fields.get("default-graph-uri", []),
        named_graphs=fields.get("named-graph-uri", []),
        base=str(request.url.replace(query="", fragment="")),
    )


def _unknown_graphs(store: Store, graphs: list[str]) -> list[str]:
    """The graph IRIs the store does not hold. They are read as empty graphs, never fetched."""
    return [iri for iri in dict.fromkeys(graphs) if not store.has_document(iri)]


def _answer(sparql: SparqlRequest, store: Store, settings: Settings) -> Response:
    if sparql.query is None:
        raise InvalidQuery(
            "Give a `query` parameter (GET ?query=, or POST application/sparql-query or a form)."
        )
    checked = check_query(sparql.query, max_chars=settings.max_query_chars)
    # Before any work: a 406 costs nothing.
    media_type = negotiate(sparql.accept.strip() or "*/*", graph_result=checked.gives_graph)
    # A dataset naming a graph this store does not hold gets an empty graph for it (nothing is
    # dereferenced); the answer names such graphs so a mistyped IRI is easy to spot.
    unknown = _unknown_graphs(store, [*sparql.default_graphs, *sparql.named_graphs, *checked.graphs])
    default_graphs, named_graphs = dataset_of(sparql.default_graphs, sparql.named_graphs)
    # Lowering booleans keeps every token's position, so the checked tokens serve both rewrites.
    normalized = with_lowercase_booleans(sparql.query, checked.tokens)
    sent = with_base(normalized, sparql.base, checked.tokens) if sparql.base else normalized
    query = PublicQuery(
        sparql=sent,
        accept=media_type,
        default_graphs=default_graphs,
        named_graphs=named_graphs,
        max_rows=settings.max_rows,
    )
    try:
        answer = query_runner(store, settings.query_workers).run(query, settings.query_timeout)
    except InvalidQuery as error:
        # Positions in the parser's message count the BASE line this endpoint may have added.
        raise InvalidQuery(without_base_line(error.detail, normalized, sent)) from None
    headers = {"Vary": "Accept", TRUNCATED_HEADER: "true" if answer.truncated else "false"}
    if unknown:
        headers[UNKNOWN_GRAPHS_HEADER] = " ".join(f"<{iri}>" for iri in unknown)
    return Response(content=answer.body, media_type=answer.media_type, headers=headers)


def _wants_page(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "text/html" in accept.lower() and not request.url.query


def query_page() -> HTMLResponse:
    """The YASGUI query editor, aimed at this endpoint."""
    from api.routes.explorer import STATIC_DIR

    # A template (not served as a static file): the example query is filled in here.
    page = (STATIC_DIR / "yasgui" / "query-page.html.in").read_text(encoding="utf-8")
    example = json.dumps(EXAMPLE_QUERY).replace("</", "<\\/")
    return HTMLResponse(page.replace("{{EXAMPLE_QUERY}}", example))


RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Query results, in the negotiated format (or, for a browser without `query`, "
        f"the query editor). Header {TRUNCATED_HEADER}: true when MKG_MAX_ROWS cut the result.",
        "content": {media: {} for media in (*RESULT_TYPES, *GRAPH_TYPES, "text/html")},
    },
    400: {
        "description": "Malformed query (the parser's message), an update, SERVICE, LOAD, or a graph "
        "that is not in the store"
    },
    406: {"description": "No acceptable result format"},
    413: {"description": "Query longer than MKG_MAX_QUERY_CHARS or body over MKG_MAX_BODY_BYTES"},
    503: {"description": "Query timeout (MKG_QUERY_TIMEOUT): the query was stopped"},
}

SparqlDep = Annotated[SparqlRequest, Depends(read_sparql_request)]
GraphUris = Annotated[
    list[str] | None,
    Query(
        alias="default-graph-uri",
        description="Graphs whose merge is the default graph (default: the union of all documents).",
    ),
]
NamedGraphUris = Annotated[
    list[str] | None,
    Query(alias="named-graph-uri", description="Graphs GRAPH may match (default: every document graph)."),
]


@router.get("/sparql", summary="SPARQL query (GET)", response_class=Response, responses=RESPONSES)
def sparql_get(
    request: Request,
    sparql: SparqlDep,
    store: StoreDep,
    settings: SettingsDep,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query.", examples=[EXAMPLE_QUERY])] = None,
    default_graph_uri: GraphUris = None,
    named_graph_uri: NamedGraphUris = None,
) -> Response:
    """Run a read-only query over all documents (the default graph is their union; each document is a
    named graph). Results as SPARQL JSON by default; XML, CSV, TSV, Turtle, N-Triples, RDF/XML or JSON-LD
    by Accept. At most MKG_MAX_ROWS rows; stopped after MKG_QUERY_TIMEOUT seconds. A browser asking
    for HTML without a query gets the query editor."""
    if sparql.query is None and _wants_page(request):
        return query_page()
    return _answer(sparql, store, settings)


@router.post(
    "/sparql",
    summary="SPARQL query (POST)",
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-query": {"schema": {"type": "string"}, "example": EXAMPLE_QUERY},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "query": {"type": "string"},
                            "default-graph-uri": {"type": "array", "items": {"type": "string"}},
                            "named-graph-uri": {"type": "array", "items": {"type": "string"}},
                        },
                        "required": ["query"],
                    }
                },
            },
        }
    },
)
def sparql_post(
    sparql: SparqlDep,
    store: StoreDep,
    settings: SettingsDep,
    default_graph_uri: GraphUris = None,
    named_graph_uri: NamedGraphUris = None,
) -> Response:
    """Same as GET, with the query in an `application/sparql-query` body (dataset parameters in the URL)
    or a form. Updates (`update=`, `application/sparql-update`) are refused: the endpoint is read-only."""
    return _answer(sparql, store, settings)
