"""Profiles of people."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Path

from api.caching import CachedRoute, error_example, json_example
from api.deps import StoreDep
from api.routes.filters import EvidenceLimit
from graph.conflicts import EmploymentConflict, conflicts
from graph.profiles import PersonProfile, person_profile

router = APIRouter(tags=["people"], route_class=CachedRoute)


@dataclass(frozen=True)
class PersonWithConflicts(PersonProfile):
    """A person's profile, with the employers its sources disagree on (graph/conflicts.py)."""

    conflicts: tuple[EmploymentConflict, ...] = ()


EVIDENCE_EXAMPLE = {
    "document_id": "meet-the-maintainer-laurent",
    "source": "blog/meet-laurent.md",
    "text": "I am a staff engineer at Datadog.",
    "start": 112,
    "end": 145,
    "date": "2024-05-02",
    "confidence": 0.9,
    "since": None,
    "rule": "works_at.copula",
}

PERSON_EXAMPLE = {
    "key": "person/laurent-bernaille",
    "name": "Laurent Bernaille",
    "type": "Person",
    "aliases": ["Laurent"],
    "handles": ["lbernail"],
    "documents": [
        {
            "id": "meet-the-maintainer-laurent",
            "source": "blog/meet-laurent.md",
            "title": "Meet the Maintainer: Laurent Bernaille",
            "date": "2024-05-02",
        }
    ],
    "contributed_to": [],
    "maintains": [],
    "created": [],
    "employers": [
        {
            "entity": {"key": "organization/datadog", "name": "Datadog", "type": "Organization"},
            "predicate": "worksAt",
            "direction": "out",
            "confidence": 0.9,
            "evidence": [EVIDENCE_EXAMPLE],
        }
    ],
    "talks": [],
    "attended": [],
    "uses": [],
    "knows": [],
    "known_by": [],
    "interviewed_by": [],
    "interviewed": [],
    "conflicts": [],
}


@router.get(
    "/people/{id:path}",
    response_model=PersonWithConflicts,
    summary="Profile of a person",
    responses={
        200: json_example("The person, with every fact grouped by role", PERSON_EXAMPLE),
        404: error_example(
            "No such person, or the id names another type",
            "not_found",
            "project/cilium is a Project, not a Person; GET /projects/project/cilium shows it.",
        ),
    },
)
def get_person(
    id: Annotated[
        str, Path(description="A person key or its bare slug.", examples=["person/laurent-bernaille"])
    ],
    store: StoreDep,
    evidence_limit: EvidenceLimit = 10,
) -> PersonWithConflicts:
    """Projects contributed to, maintained and created; employers; talks and events attended;
    technologies and projects used; people known (both ways); interviews given and taken. Each related
    entity comes with its best pieces of evidence, up to `evidence_limit`: the sentence, its raw span,
    the document id and source path, the date and the confidence. `id` is `person/laurent-bernaille`
    or `laurent-bernaille`.
    `conflicts` lists employers that different sources disagree on, the most recent source current."""
    profile = person_profile(store, id, evidence_limit=evidence_limit)
    fields = {field.name: getattr(profile, field.name) for field in dataclasses.fields(profile)}
    return PersonWithConflicts(**fields, conflicts=tuple(conflicts(store, profile.key)))
