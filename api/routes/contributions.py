"""Who contributed to what."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import SettingsDep, StoreDep
from graph.queries import Contribution, contributions

router = APIRouter(tags=["contributions"])


@router.get("/contributions", response_model=list[Contribution], summary="Contributions to projects")
def get_contributions(
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
) -> list[Contribution]:
    """`contributedTo` and `maintainerOf` facts, each with its evidence, sorted by project and person."""
    return contributions(store, person=person, project=project, limit=settings.max_rows)
