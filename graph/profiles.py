"""Typed profiles: what the graph says about a person, a project or an organisation, fact by fact.

A profile groups an entity's facts by role (a person's employers, a project's maintainers); each
related entity appears once per role with every piece of evidence for it, best first.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from graph.errors import NotFound
from graph.queries import (
    DocumentInfo,
    EntityRef,
    FactView,
    Profile,
    document_infos,
    entity_profile,
    entity_types,
    is_entity_key,
)
from graph.records import EntityType, Predicate
from graph.store.base import Store
from graph.vocab import slugify

Direction = Literal["out", "in"]

# The route that serves each profile type, for messages that point to the right one.
ROUTE_OF_TYPE: dict[EntityType, str] = {
    EntityType.PERSON: "/people",
    EntityType.PROJECT: "/projects",
    EntityType.ORGANIZATION: "/organizations",
    EntityType.CONFERENCE: "/entities",
    EntityType.TECHNOLOGY: "/entities",
}

# Role name -> (predicate, direction as seen from the profiled entity), per profile type.
ROLES: dict[EntityType, dict[str, tuple[Predicate, Direction]]] = {
    EntityType.PERSON: {
        "contributed_to": (Predicate.CONTRIBUTED_TO, "out"),
        "maintains": (Predicate.MAINTAINER_OF, "out"),
        "created": (Predicate.CREATED_BY, "in"),
        "employers": (Predicate.WORKS_AT, "out"),
        "talks": (Predicate.SPOKE_AT, "out"),
        "attended": (Predicate.ATTENDED, "out"),
        "uses": (Predicate.USES, "out"),
        "knows": (Predicate.KNOWS, "out"),
        "known_by": (Predicate.KNOWS, "in"),
        "interviewed_by": (Predicate.INTERVIEWED_BY, "out"),
        "interviewed": (Predicate.INTERVIEWED_BY, "in"),
    },
    EntityType.PROJECT: {
        "contributors": (Predicate.CONTRIBUTED_TO, "in"),
        "maintainers": (Predicate.MAINTAINER_OF, "in"),
        "creators": (Predicate.CREATED_BY, "out"),
        "developed_by": (Predicate.DEVELOPS, "in"),
        "users": (Predicate.USES, "in"),
    },
    EntityType.ORGANIZATION: {
        "members": (Predicate.WORKS_AT, "in"),
        "develops": (Predicate.DEVELOPS, "out"),
        "uses": (Predicate.USES, "out"),
    },
}


@dataclass(frozen=True)
class SourceDocument:
    """A document a profile draws on."""

    id: str
    source: str | None = None
    title: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class FactEvidence:
    """One place a fact was read: `raw[start:end]` of document `document_id` is `text`."""

    document_id: str
    source: str | None
    text: str
    start: int
    end: int
    date: str | None = None
    confidence: float | None = None
    since: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Relation:
    """An entity related to the profiled one by `predicate`, with all the evidence for it.

    `direction` is "out" when the profiled entity is the subject of the fact, "in" when it is the
    object; `confidence` is the best over the evidence. `evidence` may be cut to the best few;
    `evidence_total` counts it all.
    """

    entity: EntityRef
    predicate: Predicate
    direction: Direction
    confidence: float | None
    evidence: tuple[FactEvidence, ...]
    evidence_total: int = 0


@dataclass(frozen=True)
class ProfileHead:
    """Who the profile is about."""

    key: str
    name: str
    type: EntityType
    aliases: tuple[str, ...]
    handles: tuple[str, ...]
    documents: tuple[SourceDocument, ...]


@dataclass(frozen=True)
class PersonProfile(ProfileHead):
    """A person: projects, employers, events, tools and people, each with evidence."""

    contributed_to: tuple[Relation, ...] = ()
    maintains: tuple[Relation, ...] = ()
    created: tuple[Relation, ...] = ()
    employers: tuple[Relation, ...] = ()
    talks: tuple[Relation, ...] = ()
    attended: tuple[Relation, ...] = ()
    uses: tuple[Relation, ...] = ()
    knows: tuple[Relation, ...] = ()
    known_by: tuple[Relation, ...] = ()
    interviewed_by: tuple[Relation, ...] = ()
    interviewed: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class ProjectProfile(ProfileHead):
    """A project: who contributes, maintains, created, develops and uses it, each with evidence."""

    contributors: tuple[Relation, ...] = ()
    maintainers: tuple[Relation, ...] = ()
    creators: tuple[Relation, ...] = ()
    developed_by: tuple[Relation, ...] = ()
    users: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class OrganizationProfile(ProfileHead):
    """An organisation: its people, the projects it develops and what it uses, each with evidence."""

    members: tuple[Relation, ...] = ()
    develops: tuple[Relation, ...] = ()
    uses: tuple[Relation, ...] = ()


TypedProfile = PersonProfile | ProjectProfile | OrganizationProfile

_PROFILE_CLASS: dict[EntityType, type[PersonProfile] | type[ProjectProfile] | type[OrganizationProfile]] = {
    EntityType.PERSON: PersonProfile,
    EntityType.PROJECT: ProjectProfile,
    EntityType.ORGANIZATION: OrganizationProfile,
}


def _evidence(fact: FactView, documents: Mapping[str, DocumentInfo]) -> FactEvidence:
    info = documents.get(fact.evidence.document_id)
    return FactEvidence(
        document_id=fact.evidence.document_id,
        source=info.source if info is not None else None,
        text=fact.evidence.text,
        start=fact.evidence.start,
        end=fact.evidence.end,
        date=fact.evidence.date,
        confidence=fact.confidence,
        since=fact.since,
        rule=fact.rule,
    )


def _relations(
    facts: Sequence[FactView],
    predicate: Predicate,
    direction: Direction,
    documents: Mapping[str, DocumentInfo],
    evidence_limit: int | None = None,
) -> tuple[Relation, ...]:
    grouped: dict[str, list[FactView]] = defaultdict(list)
    names: dict[str, EntityRef] = {}
    for fact in facts:
        if fact.predicate is not predicate:
            continue
        grouped[fact.other.key].append(fact)
        # The fullest name any document gives the other end.
        current = names.get(fact.other.key)
        if current is None or (-len(fact.other.name), fact.other.name) < (-len(current.name), current.name):
            names[fact.other.key] = fact.other
    relations = []
    for key, group in grouped.items():
        evidence = sorted(
            (_evidence(fact, documents) for fact in group),
            key=lambda e: (-(e.confidence or 0.0), e.document_id, e.start, e.end),
        )
        confidences = [e.confidence for e in evidence if e.confidence is not None]
        relations.append(
            Relation(
                entity=names[key],
                predicate=predicate,
                direction=direction,
                confidence=max(confidences) if confidences else None,
                evidence=tuple(evidence[:evidence_limit]),
                evidence_total=len(evidence),
            )
        )
    return tuple(
        sorted(relations, key=lambda r: (-(r.confidence or 0.0), r.entity.name.casefold(), r.entity.key))
    )


def typed_profile(
    profile: Profile, documents: Mapping[str, DocumentInfo], *, evidence_limit: int | None = None
) -> TypedProfile:
    """The typed profile of a person, project or organisation from its plain profile.

    `documents` gives source paths and titles by document id; missing ids keep only their id.
    `evidence_limit` keeps only the best that many pieces of evidence per related entity.
    """
    cls = _PROFILE_CLASS.get(profile.type)
    if cls is None:
        raise NotFound(
            f"{profile.key} is a {profile.type.value}; typed profiles cover people, projects and "
            f"organisations. GET /entities/{profile.key} shows it."
        )
    roles = {
        role: _relations(
            profile.facts_out if direction == "out" else profile.facts_in,
            predicate,
            direction,
            documents,
            evidence_limit,
        )
        for role, (predicate, direction) in ROLES[profile.type].items()
    }
    return cls(
        key=profile.key,
        name=profile.name,
        type=profile.type,
        aliases=profile.aliases,
        handles=profile.handles,
        documents=tuple(
            SourceDocument(id=doc, source=info.source, title=info.title, date=info.date)
            if (info := documents.get(doc)) is not None
            else SourceDocument(id=doc)
            for doc in profile.documents
        ),
        **roles,
    )


def _a(kind: EntityType) -> str:
    return ("an " if kind.value[0] in "AEIOU" else "a ") + kind.value


def profile_key(store: Store, type: EntityType, id: str) -> str:
    """The key of the entity of `type` that `id` names: a key ('person/ada') or a bare slug ('ada').

    Raises NotFound when no entity of that type has it, saying what type it has if it exists.
    """
    id = id.strip().strip("/")
    if is_entity_key(id.lower()):
        id = id.lower()
    prefix = type.value.lower() + "/"
    slug = id if is_entity_key(id) else slugify(id)
    candidates = [id] if is_entity_key(id) else [kind.value.lower() + "/" + slug for kind in EntityType]
    found = entity_types(store, candidates)
    own = id if is_entity_key(id) else prefix + slug
    if found.get(own) is type:
        return own
    others = sorted((key, kind) for key, kind in found.items() if kind is not type)
    if others:
        key, kind = others[0]
        raise NotFound(f"{key} is {_a(kind)}, not {_a(type)}; GET {ROUTE_OF_TYPE[kind]}/{key} shows it.")
    raise NotFound(
        f"No {type.value} with id {id!r}; GET /search?q=NAME&type={type.value} finds ids "
        f"(such as {prefix}laurent-bernaille)."
    )


def load_profile(
    store: Store, type: EntityType, id: str, *, evidence_limit: int | None = None
) -> TypedProfile:
    """The typed profile of the entity of `type` named by `id` (a key or a bare slug).

    `evidence_limit` keeps the best that many pieces of evidence per related entity (all by default).
    Raises NotFound when the id is unknown or names an entity of another type.
    """
    key = profile_key(store, type, id)
    profile = entity_profile(store, key)
    if profile is None:
        raise NotFound(f"No {type.value} with id {id!r}; GET /search?q=NAME&type={type.value} finds ids.")
    # The type its key names wins over any extra type stated by hand.
    profile = Profile(
        key=profile.key,
        name=profile.name,
        type=type,
        aliases=profile.aliases,
        handles=profile.handles,
        documents=profile.documents,
        facts_out=profile.facts_out,
        facts_in=profile.facts_in,
        facts_out_total=profile.facts_out_total,
        facts_in_total=profile.facts_in_total,
    )
    document_ids = set(profile.documents)
    document_ids.update(f.evidence.document_id for f in (*profile.facts_out, *profile.facts_in))
    return typed_profile(profile, document_infos(store, sorted(document_ids)), evidence_limit=evidence_limit)


def person_profile(store: Store, id: str, *, evidence_limit: int | None = None) -> PersonProfile:
    """The profile of the person `id` names ('person/ada' or 'ada'); NotFound otherwise."""
    profile = load_profile(store, EntityType.PERSON, id, evidence_limit=evidence_limit)
    assert isinstance(profile, PersonProfile)
    return profile


def project_profile(store: Store, id: str, *, evidence_limit: int | None = None) -> ProjectProfile:
    """The profile of the project `id` names ('project/cilium' or 'cilium'); NotFound otherwise."""
    profile = load_profile(store, EntityType.PROJECT, id, evidence_limit=evidence_limit)
    assert isinstance(profile, ProjectProfile)
    return profile


def organization_profile(store: Store, id: str, *, evidence_limit: int | None = None) -> OrganizationProfile:
    """The profile of the organisation `id` names ('organization/datadog' or 'datadog').

    Raises NotFound otherwise."""
    profile = load_profile(store, EntityType.ORGANIZATION, id, evidence_limit=evidence_limit)
    assert isinstance(profile, OrganizationProfile)
    return profile
