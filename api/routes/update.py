"""SPARQL 1.1 Update at `/update`, for the holder of the admin token only."""

from __future__ import annotations

import hmac
from typing import Annotated
from urllib.parse import parse_qs

from fastapi import APIRouter, Depends, Header, Request, Response
from starlette.exceptions import HTTPException

from api.deps import SettingsDep, StoreDep, WriteLockDep, request_media_type
from api.routes.sparql import read_body
from graph.errors import Forbidden, InvalidQuery, UnsupportedMediaType
from graph.sparql_safety import check_update, with_using_graphs

router = APIRouter(tags=["sparql"])


def require_store_admin(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> None:
    """Let a request through only with `Authorization: Bearer <MKG_ADMIN_TOKEN>`.

    No token configured: 403 (writes through SPARQL are off). Missing or wrong token: 401 with
    `WWW-Authenticate: Bearer`.
    """
    if not settings.admin_token:
        raise Forbidden(
            "SPARQL Update and the Graph Store Protocol are off: set MKG_ADMIN_TOKEN on the server to "
            "enable them for holders of that token."
        )
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(
        given.strip().encode("utf-8"), settings.admin_token.encode("utf-8")
    ):
        raise HTTPException(
            status_code=401,
            detail="Send `Authorization: Bearer <MKG_ADMIN_TOKEN>` with the token set on the server.",
            headers={"WWW-Authenticate": 'Bearer realm="maintainer-kg"'},
        )


StoreAdminDep = Annotated[None, Depends(require_store_admin)]


async def read_update(request: Request, settings: SettingsDep) -> str:
    """The checked update text of a request: an `application/sparql-update` body or a form `update=`."""
    media_type = request_media_type(request)
    params = parse_qs(request.url.query, keep_blank_values=True)
    if media_type not in ("application/sparql-update", "application/x-www-form-urlencoded"):
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not an update; send application/sparql-update or "
            "a form (application/x-www-form-urlencoded) with `update=`."
        )
    text = await read_body(request, settings.max_body_bytes)
    if media_type == "application/x-www-form-urlencoded":
        form = parse_qs(text, keep_blank_values=True)
        if "query" in form:
            raise InvalidQuery("This is the update endpoint; send queries to /sparql.")
        updates = form.get("update", [])
        if len(updates) != 1:
            raise InvalidQuery("Give exactly one `update` field.")
        text = updates[0]
        params = {**params, **form}
    check_update(text, max_chars=settings.max_query_chars)
    return with_using_graphs(text, params.get("using-graph-uri", []), params.get("using-named-graph-uri", []))


UpdateDep = Annotated[str, Depends(read_update)]

RESPONSES: dict[int | str, dict[str, object]] = {
    204: {"description": "The update ran"},
    400: {"description": "Malformed update (the parser's message), LOAD or SERVICE"},
    401: {"description": "Missing or wrong bearer token"},
    403: {"description": "No admin token is configured on the server"},
    415: {"description": "Not application/sparql-update or a form"},
}


@router.post(
    "/update",
    summary="SPARQL 1.1 Update",
    status_code=204,
    response_class=Response,
    responses=RESPONSES,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/sparql-update": {"schema": {"type": "string"}},
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {"update": {"type": "string"}},
                        "required": ["update"],
                    }
                },
            },
        }
    },
)
def sparql_update(
    request: Request, _admin: StoreAdminDep, update: UpdateDep, store: StoreDep, lock: WriteLockDep
) -> Response:
    """Run a SPARQL 1.1 Update (body `application/sparql-update`, or a form with `update=`), in one
    transaction. Afterwards the default graph is again the union of the named graphs: what an update
    writes to the default graph directly is replaced. LOAD and SERVICE are refused (no outbound requests).
    Relative IRIs resolve against this endpoint's URL unless the update sets a BASE.
    """
    # The service's base IRI (which the protocol lets it define) is the endpoint's own URL.
    base_iri = str(request.url.replace(query=""))
    with lock:
        store.update(update, base_iri=base_iri)
    return Response(status_code=204)
