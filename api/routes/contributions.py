"""Who contributed to what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from api.caching import CachedRoute, Page, add_page_links, json_example
from api.deps import SettingsDep, StoreDep
from graph.queries import Contribution, contribution_page

router = APIRouter(tags=["contributions"], route_class=CachedRoute)


CONTRIBUTIONS_EXAMPLE = {
    "items": [
        {
            "person": {"key": "person/laurent-bernaille", "name": "Laurent Bernaille", "type": "Person"},
            "predicate": "contributedTo",
            "project": {"key": "project/cilium", "name": "Cilium", "type": "Project"},
            "evidence": {
                "document_id": "meet-the-maintainer-laurent",
                "text": "I have contributed to Cilium since 2018.",
                "start": 146,
                "end": 186,
                "date": "2024-05-02",
            },
            "confidence": 0.9,
        }
    ],
    "total": 1,
    "limit": 100,
    "offset": 0,
}


@router.get(
    "/contributions",
    response_model=Page[Contribution],
    summary="Contributions to projects",
    responses={200: json_example("One page of contributions, each with its evidence", CONTRIBUTIONS_EXAMPLE)},
)
def get_contributions(
    request: Request,
    response: Response,
    store: StoreDep,
    settings: SettingsDep,
    person: Annotated[
        str | None,
        Query(
            max_length=200,
            description="A person key or part of a name.",
            examples=["person/laurent-bernaille"],
        ),
    ] = None,
    project: Annotated[
        str | None,
        Query(max_length=200, description="A project key or part of a name.", examples=["project/cilium"]),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Page size.")] = 100,
    offset: Annotated[int, Query(ge=0, description="Contributions to skip.")] = 0,
) -> Page[Contribution]:
    """`contributedTo` and `maintainerOf` facts, each with its evidence, sorted by project and person."""
    limit = min(limit, settings.max_rows)
    items, total = contribution_page(
        store, person=person, project=project, limit=limit, offset=offset, max_rows=settings.max_rows
    )
    add_page_links(request, response, total, limit, offset)
    return Page[Contribution](items=items, total=total, limit=limit, offset=offset)
