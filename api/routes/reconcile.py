"""Entities across sources: merges (list, split), employer conflicts, and the maintainers list import."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field

from api.deps import AdminDep, SettingsDep, StoreDep, WriteLockDep, request_media_type
from graph.errors import RequestTooLarge, UnsupportedMediaType

router = APIRouter(tags=["reconciliation"])

CSV_MEDIA_TYPES = ("text/csv", "text/plain", "application/octet-stream")
DEFAULT_SOURCE = "cncf/project-maintainers.csv"


class MergeItem(BaseModel):
    """A merge: every document now names `merged` by `into`."""

    merged: str = Field(examples=["person/laurent"])
    into: str = Field(examples=["person/laurent-bernaille"])
    features: list[str] = Field(examples=[["first_name", "shared_project"]])
    score: float = Field(examples=[0.7])
    at: str = Field(description="When the merge was made (ISO 8601, UTC).")


class RowProblemItem(BaseModel):
    line: int
    detail: str


class MaintainersImported(BaseModel):
    """What an import of the maintainers list stored."""

    id: str = Field(description="Document id of the list's named graph.")
    rows: int
    people: int
    projects: int
    organizations: int
    facts: int
    merges: int = Field(description="People of the list merged with people read from texts.")
    problems: list[RowProblemItem] = Field(description="Rows skipped, with their line.")


class ClaimItem(BaseModel):
    organization: str
    organization_name: str
    document_id: str
    source: str | None
    text: str
    start: int
    end: int
    date: str | None
    since: str | None
    confidence: float | None


class ConflictItem(BaseModel):
    """A person whose employer differs between sources; `current` comes from the most recent one."""

    person: str
    organizations: list[str]
    current: ClaimItem
    claims: list[ClaimItem]


def _merge_item(merge: object) -> MergeItem:
    return MergeItem.model_validate(merge, from_attributes=True)


@router.get("/merges", response_model=list[MergeItem], summary="Entity merges, newest first")
def get_merges(store: StoreDep) -> list[MergeItem]:
    """Keys found to name one entity across documents, with the features and score behind each merge."""
    from graph.reconcile import merge_records

    return [_merge_item(m) for m in merge_records(store)]


@router.post(
    "/merges/{key:path}/split",
    response_model=MergeItem,
    summary="Undo a merge",
    responses={404: {"description": "No merge folded this key"}},
)
def split_merge(
    key: Annotated[str, Path(description="The key the merge folded away.", examples=["person/laurent"])],
    _: AdminDep,
    store: StoreDep,
    lock: WriteLockDep,
) -> MergeItem:
    """The documents that named `key` name it again, and the two keys are never merged again."""
    from graph.reconcile import split

    with lock:
        return _merge_item(split(store, key))


@router.get("/conflicts", response_model=list[ConflictItem], summary="Employers that sources disagree on")
def get_conflicts(
    store: StoreDep,
    person: Annotated[str | None, Query(description="Only this person key.")] = None,
) -> list[ConflictItem]:
    """People said to work at different organizations by different sources; both facts are kept."""
    from graph.conflicts import all_conflicts, conflicts

    found = conflicts(store, person) if person else all_conflicts(store)
    return [ConflictItem.model_validate(c, from_attributes=True) for c in found]


async def read_csv_body(request: Request, settings: SettingsDep) -> bytes:
    """The posted CSV, refused before reading when its type is wrong or it is over the size limit."""
    media_type = request_media_type(request)
    if media_type not in CSV_MEDIA_TYPES:
        raise UnsupportedMediaType(
            f"Content-Type {media_type or '(none)'} is not accepted; send the list as text/csv."
        )
    limit = settings.max_body_bytes
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise RequestTooLarge(f"The CSV is larger than {limit} bytes (MKG_MAX_BODY_BYTES).")
    return bytes(body)


@router.post(
    "/maintainers",
    response_model=MaintainersImported,
    status_code=201,
    summary="Import the CNCF maintainers list",
)
def post_maintainers(
    _: AdminDep,
    body: Annotated[bytes, Depends(read_csv_body)],
    store: StoreDep,
    lock: WriteLockDep,
    source: Annotated[str, Query(description="Name of the list; it fixes its document id.")] = DEFAULT_SOURCE,
    date: Annotated[
        str | None,
        Query(description="Date of the list (YYYY-MM-DD); default today.", examples=["2025-11-01"]),
    ] = None,
) -> MaintainersImported:
    """Store the list as its own named graph (a row is the evidence of its facts), then merge its people
    with those read from texts. Rows that cannot be read are skipped and listed in `problems`."""
    from graph.maintainers import import_maintainers

    with lock:
        report = import_maintainers(store, body, source, date=date or dt.date.today().isoformat())
    return MaintainersImported(
        id=report.document_id,
        rows=report.rows,
        people=report.people,
        projects=report.projects,
        organizations=report.organizations,
        facts=report.facts,
        merges=report.merges,
        problems=[RowProblemItem(line=p.line, detail=p.detail) for p in report.problems],
    )
