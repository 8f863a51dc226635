"""Add, list and delete documents."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, Field

from api.caching import CachedRoute, add_page_links, json_example
from api.deps import AdminDep, ExtractorDep, SettingsDep, StoreDep, WriteLockDep, request_media_type
from graph.documents import read_document
from graph.errors import DocumentTooLarge, InvalidParameter, NotFound, UnsupportedMediaType
from graph.ingest import store_extraction
from graph.queries import DocumentDetail, count_documents, document_detail, document_graph, list_documents

router = APIRouter(tags=["documents"], route_class=CachedRoute)
_extraction_lock = threading.Lock()

RAW_MEDIA_TYPES = ("text/markdown", "text/x-markdown", "text/plain", "application/octet-stream")
JSON_MEDIA_TYPE = "application/json"

EXAMPLE_MARKDOWN = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
**What do you work on?**

I am a staff engineer at Datadog and I have contributed to Cilium since 2018.
"""


@dataclass(frozen=True)
class Upload:
    """A posted document: its bytes (or text) and the source name given with it, if any."""

    data: bytes | str
    source: str | None


class DocumentCreated(BaseModel):
    id: str = Field(examples=["meet-the-maintainer-laurent"])
    iri: str
    entities: int = Field(description="Entities found in the document.")
    facts: int = Field(description="Facts stored, each with its evidence.")


class DocumentItem(BaseModel):
    id: str
    iri: str
    source: str | None = None
    title: str | None = None
    date: str | None = None


class DocumentPage(BaseModel):
    items: list[DocumentItem]
    total: int
    limit: int
    offset: int


def _too_large(limit: int) -> DocumentTooLarge:
    return DocumentTooLarge(
        f"The request body is larger than {limit} bytes (MKG_MAX_BODY_BYTES); split the document."
    )


async def read_upload(request: Request, settings: SettingsDep) -> Upload:
    """Read the posted body, refusing unknown media types and bodies over the limit before reading them."""
    media_type = request_media_type(request)
    if media_type not in (*RAW_MEDIA_TYPES, JSON_MEDIA_TYPE):
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not accepted; send the document as text/markdown, "
            'text/plain or application/octet-stream, or as JSON {"text": ..., "source": ...}.'
        )
    limit = settings.max_body_bytes
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(limit)
    if media_type != JSON_MEDIA_TYPE:
        return Upload(bytes(body), request.query_params.get("source") or None)
    try:
        payload: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        # RecursionError: nesting too deep for the parser, which is no document body either.
        reason = "nested too deeply" if isinstance(error, RecursionError) else str(error)
        raise InvalidParameter(
            f'The JSON body does not parse ({reason}); send {{"text": ..., "source": ...}}.'
        ) from None
    text = payload.get("text") if isinstance(payload, dict) else None
    source = payload.get("source") if isinstance(payload, dict) else None
    if not isinstance(text, str) or not (source is None or isinstance(source, str)):
        raise InvalidParameter('The JSON body must be an object {"text": string, "source": optional string}.')
    return Upload(text, source or request.query_params.get("source") or None)


def _source_for(upload: Upload) -> str:
    if upload.source:
        return upload.source
    # Without a name, the content names the document, so posting the same text again replaces it.
    data = upload.data.encode("utf-8") if isinstance(upload.data, str) else upload.data
    return f"posted-{hashlib.sha256(data).hexdigest()[:16]}"


@router.post(
    "/documents",
    status_code=201,
    response_model=DocumentCreated,
    summary="Add a document",
    responses={
        400: {"description": "Empty, binary or unreadable document"},
        413: {"description": "Body over MKG_MAX_BODY_BYTES"},
        415: {"description": "Unsupported Content-Type"},
        422: {"description": "Front matter that does not parse"},
    },
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "text/markdown": {"schema": {"type": "string"}, "example": EXAMPLE_MARKDOWN},
                "text/plain": {"schema": {"type": "string"}},
                "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                "application/json": {
                    "schema": {
                        "type": "object",
                        "required": ["text"],
                        "properties": {"text": {"type": "string"}, "source": {"type": "string"}},
                    },
                    "example": {"text": EXAMPLE_MARKDOWN, "source": "blog/meet-laurent.md"},
                },
            },
        }
    },
)
def add_document(
    response: Response,
    _: AdminDep,
    upload: Annotated[Upload, Depends(read_upload)],
    store: StoreDep,
    lock: WriteLockDep,
    settings: SettingsDep,
    extract: ExtractorDep,
    source: Annotated[
        str | None,
        Query(description="Name of the document (a path); it fixes its id. Default: a hash of the content."),
    ] = None,
) -> DocumentCreated:
    """Read Markdown or text (raw body, or JSON `{"text", "source"}`), extract its facts and store them as
    the document's named graph. Posting the same source again replaces that document."""
    document = read_document(upload.data, _source_for(upload), max_bytes=settings.max_body_bytes)
    # One extraction at a time: the spaCy pipeline is shared and not documented as thread-safe, and
    # extraction is CPU-bound, so parallel threads would not finish sooner.
    with _extraction_lock:
        extraction = extract(document)
    with lock:
        summary = store_extraction(extraction, store)
    response.headers["Location"] = f"/documents/{quote(summary.document_id, safe='/')}"
    return DocumentCreated(
        id=summary.document_id, iri=summary.iri, entities=summary.entities, facts=summary.facts
    )


DOCUMENTS_EXAMPLE = {
    "items": [
        {
            "id": "meet-the-maintainer-laurent",
            "iri": "https://w3id.org/maintainer-kg/id/document/meet-the-maintainer-laurent",
            "source": "blog/meet-laurent.md",
            "title": "Meet the Maintainer: Laurent Bernaille",
            "date": "2024-05-02",
        }
    ],
    "total": 1,
    "limit": 100,
    "offset": 0,
}


@router.get(
    "/documents",
    response_model=DocumentPage,
    summary="List documents",
    responses={
        200: json_example("One page of documents; `Link` names the next and previous", DOCUMENTS_EXAMPLE)
    },
)
def get_documents(
    request: Request,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Documents to skip.")] = 0,
) -> DocumentPage:
    """Stored documents sorted by id, with source, title and date."""
    limit = min(limit, settings.max_rows)
    items = list_documents(store, limit=limit, offset=offset)
    total = count_documents(store)
    add_page_links(request, response, total, limit, offset)
    return DocumentPage(
        items=[DocumentItem(**vars(item)) for item in items],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/documents/{id:path}",
    response_model=DocumentDetail,
    summary="A document with its entities and facts",
    responses={404: {"description": "No such document"}},
)
def get_document(id: str, store: StoreDep) -> DocumentDetail:
    """The document's source, title and date, the entities named in it and every fact read from it, in
    text order, each with its evidence span in the raw file."""
    detail = document_detail(store, id)
    if detail is None:
        raise NotFound(f"No document with id {id!r}; GET /documents lists the ids.")
    return detail


@router.delete(
    "/documents/{id:path}",
    status_code=204,
    summary="Delete a document",
    responses={404: {"description": "No such document"}},
)
def delete_document(id: str, _: AdminDep, store: StoreDep, lock: WriteLockDep) -> Response:
    """Remove the document's named graph and every fact read from it."""
    try:
        graph = document_graph(id)
    except InvalidParameter:
        raise NotFound(f"No document with id {id!r}; GET /documents lists the ids.") from None
    with lock:
        dropped = store.drop_document(graph)
    if not dropped:
        raise NotFound(f"No document with id {id!r}; GET /documents lists the ids.")
    return Response(status_code=204)
