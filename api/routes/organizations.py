"""Profiles of organisations."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from api.caching import CachedRoute, error_example, json_example
from api.deps import StoreDep
from api.routes.filters import EvidenceLimit
from api.routes.people import EVIDENCE_EXAMPLE
from graph.profiles import OrganizationProfile, organization_profile

router = APIRouter(tags=["organizations"], route_class=CachedRoute)

ORGANIZATION_EXAMPLE = {
    "key": "organization/datadog",
    "name": "Datadog",
    "type": "Organization",
    "aliases": [],
    "handles": [],
    "documents": [
        {
            "id": "meet-the-maintainer-laurent",
            "source": "blog/meet-laurent.md",
            "title": "Meet the Maintainer: Laurent Bernaille",
            "date": "2024-05-02",
        }
    ],
    "members": [
        {
            "entity": {"key": "person/laurent-bernaille", "name": "Laurent Bernaille", "type": "Person"},
            "predicate": "worksAt",
            "direction": "in",
            "confidence": 0.9,
            "evidence": [EVIDENCE_EXAMPLE],
        }
    ],
    "develops": [],
    "uses": [],
}


@router.get(
    "/organizations/{id:path}",
    response_model=OrganizationProfile,
    summary="Profile of an organisation",
    responses={
        200: json_example("The organisation, with every fact grouped by role", ORGANIZATION_EXAMPLE),
        404: error_example(
            "No such organisation, or the id names another type",
            "not_found",
            "person/laurent-bernaille is a Person, not an Organization; "
            "GET /people/person/laurent-bernaille shows it.",
        ),
    },
)
def get_organization(
    id: Annotated[
        str, Path(description="An organisation key or its bare slug.", examples=["organization/datadog"])
    ],
    store: StoreDep,
    evidence_limit: EvidenceLimit = 10,
) -> OrganizationProfile:
    """Its members (people who work there), the projects it develops and the projects and technologies
    it uses, each with its best pieces of evidence, up to `evidence_limit` (sentence, raw span,
    document id and source path, date, confidence). `id` is `organization/datadog` or `datadog`."""
    return organization_profile(store, id, evidence_limit=evidence_limit)
