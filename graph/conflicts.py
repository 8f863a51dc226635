"""Sources that disagree: a person said to work at different organizations by different documents.

Both facts stay in the graph with their own source and date; this module finds the disagreement and
says which employer is current: the one stated by the most recent source. A fact's time is its
`mkg:since` when the text gives one (valid from), else its evidence's `dcterms:date` (observed at).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from graph.errors import InvalidParameter
from graph.queries import PREFIXES, is_entity_key, sparql_iri
from graph.store.base import Store, Term
from graph.vocab import document_id_of_iri, entity_iri, key_of_entity_iri


@dataclass(frozen=True)
class EmploymentClaim:
    """One source saying a person works at an organization."""

    organization: str  # Entity.key
    organization_name: str
    document_id: str
    source: str | None
    text: str  # the evidence: raw[start:end] of the document
    start: int
    end: int
    date: str | None = None  # observed at: the source's date
    since: str | None = None  # valid from, when the text says
    confidence: float | None = None

    @property
    def time(self) -> str:
        """When the claim holds from, as far as known (ISO; empty when undated)."""
        return self.since or self.date or ""


@dataclass(frozen=True)
class EmploymentConflict:
    """A person whose employer differs between sources; `current` is the most recent claim."""

    person: str
    organizations: tuple[str, ...]
    claims: tuple[EmploymentClaim, ...]  # newest first
    current: EmploymentClaim


def current_employer(claims: Sequence[EmploymentClaim]) -> EmploymentClaim | None:
    """The claim of the most recent source (by valid-from, else observed-at date; then confidence)."""
    if not claims:
        return None
    return max(claims, key=lambda c: (c.time, c.date or "", c.confidence or 0.0, c.document_id))


def find_conflict(person: str, claims: Sequence[EmploymentClaim]) -> EmploymentConflict | None:
    """The conflict among one person's claims: different organizations stated by different documents.

    None when every source agrees, or when only one document names several employers (a text telling
    a career is not a disagreement between sources).
    """
    organizations = {c.organization for c in claims}
    documents = {c.document_id for c in claims}
    if len(organizations) < 2 or len(documents) < 2:
        return None
    disagree = any(
        a.organization != b.organization and a.document_id != b.document_id for a in claims for b in claims
    )
    if not disagree:
        return None
    ordered = tuple(
        sorted(claims, key=lambda c: (c.time, c.date or "", c.document_id, c.start), reverse=True)
    )
    current = current_employer(claims)
    assert current is not None  # claims is not empty here
    return EmploymentConflict(person, tuple(sorted(organizations)), ordered, current)


def _v(row: dict[str, Term], name: str) -> str | None:
    term = row.get(name)
    return term["value"] if term is not None else None


def employment_claims(store: Store, person_key: str | None = None) -> dict[str, list[EmploymentClaim]]:
    """Every worksAt claim with its evidence, by person key (only `person_key`'s when given)."""
    subject = "?person"
    if person_key is not None:
        if not is_entity_key(person_key):
            raise InvalidParameter(f"{person_key!r} is not an entity id such as person/laurent-bernaille.")
        subject = sparql_iri(entity_iri(person_key))
    # Oxigraph joins patterns in the order written: one person's facts first when there is one.
    first = (
        f"?ev rdf:subject {subject} ; rdf:predicate mkg:worksAt"
        if person_key is not None
        else f"?ev rdf:predicate mkg:worksAt ; rdf:subject {subject}"
    )
    result = store.select(
        PREFIXES
        + f"""SELECT ?person ?org ?orgName ?doc ?source ?text ?start ?end ?date ?since ?confidence WHERE {{
  GRAPH ?doc {{
    {first} ; rdf:object ?org ;
        mkg:evidenceText ?text ; mkg:startOffset ?start ; mkg:endOffset ?end .
    OPTIONAL {{ ?ev dcterms:date ?date }}
    OPTIONAL {{ ?ev mkg:since ?since }}
    OPTIONAL {{ ?ev mkg:confidence ?confidence }}
    OPTIONAL {{ ?org rdfs:label ?orgName }}
    OPTIONAL {{ ?doc mkg:sourcePath ?source }}
    {"BIND(" + subject + " AS ?person)" if person_key is not None else ""}
  }}
}}"""
    )
    claims: dict[str, list[EmploymentClaim]] = {}
    for row in result.rows:
        person = key_of_entity_iri(_v(row, "person") or "")
        organization = key_of_entity_iri(_v(row, "org") or "")
        document_id = document_id_of_iri(_v(row, "doc") or "")
        if person is None or organization is None or document_id is None:
            continue
        confidence = _v(row, "confidence")
        claim = EmploymentClaim(
            organization=organization,
            organization_name=_v(row, "orgName") or organization,
            document_id=document_id,
            source=_v(row, "source"),
            text=_v(row, "text") or "",
            start=int(_v(row, "start") or 0),
            end=int(_v(row, "end") or 0),
            date=_v(row, "date"),
            since=_v(row, "since"),
            confidence=float(confidence) if confidence is not None else None,
        )
        found = claims.setdefault(person, [])
        if claim not in found:
            found.append(claim)
    return claims


def conflicts(store: Store, person_key: str) -> list[EmploymentConflict]:
    """The employment conflict of one person, as a list (empty when the sources agree)."""
    claims = employment_claims(store, person_key).get(person_key, [])
    conflict = find_conflict(person_key, claims)
    return [conflict] if conflict is not None else []


def all_conflicts(store: Store) -> list[EmploymentConflict]:
    """Every person whose sources disagree on the employer, by person key."""
    found = []
    for person, claims in sorted(employment_claims(store).items()):
        conflict = find_conflict(person, claims)
        if conflict is not None:
            found.append(conflict)
    return found
