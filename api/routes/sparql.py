"""The read-only SPARQL 1.1 Protocol endpoint."""

from __future__ import annotations

import atexit
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Query, Request, Response

from api.deps import SettingsDep, StoreDep
from api.settings import Settings
from graph.errors import InvalidQuery, QueryTimeout, RequestTooLarge, UnsupportedMediaType
from graph.queries import PREFIXES, query_form, with_row_limit
from graph.store.base import Store

router = APIRouter(tags=["sparql"])

RESULT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")

EXAMPLE_QUERY = (
    PREFIXES
    + "SELECT ?person ?org WHERE { ?p mkg:worksAt ?o . ?p rdfs:label ?person . ?o rdfs:label ?org } LIMIT 10"
)

# Queries run here so that a slow one can be abandoned after MKG_QUERY_TIMEOUT; the store keeps
# computing it in the background, so the pool is bounded.
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sparql")
atexit.register(_pool.shutdown, wait=False, cancel_futures=True)


@dataclass(frozen=True)
class SparqlRequest:
    """A query as received, with the Accept header it came with."""

    query: str
    accept: str


def _single(values: list[str], name: str) -> str:
    if len(values) != 1:
        raise InvalidQuery(f"Give exactly one `{name}` parameter.")
    return values[0]


async def read_sparql_request(request: Request, settings: SettingsDep) -> SparqlRequest:
    """The query of a SPARQL Protocol request: GET ?query=, POST application/sparql-query, POST form."""
    accept = request.headers.get("accept", "")
    params = parse_qs(request.url.query, keep_blank_values=True)
    if request.method == "GET":
        if "update" in params:
            raise InvalidQuery("Updates are not accepted: this SPARQL endpoint is read-only.")
        return SparqlRequest(_single(params.get("query", []), "query"), accept)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "application/sparql-update":
        raise InvalidQuery("Updates are not accepted: this SPARQL endpoint is read-only.")
    if media_type not in ("application/sparql-query", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not a SPARQL query; send application/sparql-query "
            "or a form (application/x-www-form-urlencoded) with `query=`."
        )
    limit = settings.max_body_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RequestTooLarge(f"The query is larger than {limit} bytes (MKG_MAX_BODY_BYTES).")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidQuery("The query is not UTF-8 text.") from None
    if media_type == "application/sparql-query":
        return SparqlRequest(text, accept)
    form = parse_qs(text, keep_blank_values=True)
    if "update" in form:
        raise InvalidQuery("Updates are not accepted: this SPARQL endpoint is read-only.")
    if "query" in params and "query" not in form:
        form["query"] = params["query"]
    return SparqlRequest(_single(form.get("query", []), "query"), accept)


def _answer(sparql: SparqlRequest, store: Store, settings: Settings) -> Response:
    if not sparql.query.strip():
        raise InvalidQuery("The query is empty; send a SPARQL 1.1 SELECT, ASK, CONSTRUCT or DESCRIBE.")
    query_form(sparql.query)  # refuses updates, SERVICE and LOAD before the store sees them
    query = with_row_limit(sparql.query, settings.max_rows)
    timeout = settings.query_timeout
    # The store negotiates the format from Accept (q-values, wildcards) and raises NotAcceptable.
    future = _pool.submit(store.query_raw, query, sparql.accept.strip() or "*/*")
    try:
        body, returned_type = future.result(timeout=timeout)
    except FutureTimeout:
        raise QueryTimeout(
            f"The query ran longer than {timeout:g} s (MKG_QUERY_TIMEOUT); "
            "add a LIMIT or narrow its patterns."
        ) from None
    return Response(content=body, media_type=returned_type, headers={"Vary": "Accept"})


RESPONSES: dict[int | str, dict[str, object]] = {
    200: {
        "description": "Query results, in the negotiated format",
        "content": {media: {} for media in (*RESULT_TYPES, *GRAPH_TYPES)},
    },
    400: {"description": "Malformed query, an update, SERVICE or LOAD"},
    406: {"description": "No acceptable result format"},
    503: {"description": "Query timeout"},
}

SparqlDep = Annotated[SparqlRequest, Depends(read_sparql_request)]
GraphUris = Annotated[
    list[str] | None,
    Query(
        alias="default-graph-uri",
        description="Accepted for SPARQL Protocol clients; the dataset is always the union of all documents.",
    ),
]
NamedGraphUris = Annotated[
    list[str] | None,
    Query(alias="named-graph-uri", description="Accepted; every document graph is available with GRAPH."),
]


@router.get("/sparql", summary="SPARQL query (GET)", response_class=Response, responses=RESPONSES)
def sparql_get(
    sparql: SparqlDep,
    store: StoreDep,
    settings: SettingsDep,
    query: Annotated[str | None, Query(description="A SPARQL 1.1 query.", examples=[EXAMPLE_QUERY])] = None,
    default_graph_uri: GraphUris = None,
    named_graph_uri: NamedGraphUris = None,
) -> Response:
    """Run a read-only query over all documents (the default graph is their union; each document is a
    named graph). Results as SPARQL JSON by default; XML, CSV, TSV, Turtle, N-Triples, RDF/XML or JSON-LD
    by Accept. A SELECT or CONSTRUCT without LIMIT gets `LIMIT MKG_MAX_ROWS`."""
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
                        "properties": {"query": {"type": "string"}},
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
    """Same as GET, with the query in an `application/sparql-query` body or a `query=` form field.
    Updates (`update=`, `application/sparql-update`) are refused: the endpoint is read-only."""
    return _answer(sparql, store, settings)
