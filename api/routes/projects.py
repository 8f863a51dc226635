"""Profiles of projects."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.caching import CachedRoute, error_example, json_example
from api.deps import StoreDep
from api.routes.filters import EvidenceLimit
from api.routes.people import EVIDENCE_EXAMPLE
from graph.profiles import ProjectProfile, project_profile

router = APIRouter(tags=["projects"], route_class=CachedRoute)

PROJECT_EXAMPLE = {
    "key": "project/cilium",
    "name": "Cilium",
    "type": "Project",
    "aliases": [],
    "handles": [],
    "documents": [
        {"id": "cilium-history", "source": "blog/cilium.md", "title": "Cilium history", "date": None}
    ],
    "contributors": [
        {
            "entity": {"key": "person/laurent-bernaille", "name": "Laurent Bernaille", "type": "Person"},
            "predicate": "contributedTo",
            "direction": "in",
            "confidence": 0.9,
            "evidence": [
                {**EVIDENCE_EXAMPLE, "text": "I have contributed to Cilium since 2018.", "since": "2018"}
            ],
        }
    ],
    "maintainers": [],
    "creators": [],
    "developed_by": [],
    "users": [],
}


@router.get(
    "/projects/{id:path}",
    response_model=ProjectProfile,
    summary="Profile of a project",
    responses={
        200: json_example("The project, with every fact grouped by role", PROJECT_EXAMPLE),
        404: error_example(
            "No such project, or the id names another type",
            "not_found",
            "No Project with id 'cilum'; GET /search?q=NAME&type=Project finds ids.",
        ),
    },
)
def get_project(
    id: Annotated[str, Path(description="A project key or its bare slug.", examples=["project/cilium"])],
    store: StoreDep,
    evidence_limit: EvidenceLimit = 10,
) -> ProjectProfile:
    """Contributors, maintainers, creators, the organisations that develop it and those who use it,
    each with its best pieces of evidence, up to `evidence_limit` (sentence, raw span, document id and
    source path, date, confidence). `id` is `project/cilium` or `cilium`."""
    return project_profile(store, id, evidence_limit=evidence_limit)
