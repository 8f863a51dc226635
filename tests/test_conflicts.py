"""Sources that disagree on where someone works: both facts kept, the newest source is current."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.conflicts import (
    EmploymentClaim,
    all_conflicts,
    conflicts,
    current_employer,
    employment_claims,
    find_conflict,
)
from graph.errors import InvalidParameter
from graph.ingest import store_extraction
from graph.maintainers import import_maintainers
from graph.records import Predicate
from graph.store import Store
from tests.test_reconcile import post

LIST = "Project,Maintainer Name,Company,Github Name\nCilium,Ana Ruiz,Isovalent,anaruiz\n"


def claim(organization: str, document_id: str, date: str | None, since: str | None = None) -> EmploymentClaim:
    return EmploymentClaim(organization, organization, document_id, None, "t", 0, 1, date, since, 0.9)


def test_different_employers_from_different_sources_conflict_and_the_newest_is_current() -> None:
    old = claim("organization/vmware", "post-2022", "2022-03-01")
    new = claim("organization/isovalent", "list", "2025-10-01")
    conflict = find_conflict("person/ana-ruiz", [old, new])
    assert conflict is not None
    assert conflict.organizations == ("organization/isovalent", "organization/vmware")
    assert conflict.current == new
    assert conflict.claims == (new, old)


def test_one_document_telling_a_career_is_not_a_conflict() -> None:
    career = [
        claim("organization/vmware", "post", "2022-03-01"),
        claim("organization/isovalent", "post", "2022-03-01"),
    ]
    assert find_conflict("person/ana-ruiz", career) is None


def test_sources_that_agree_are_not_a_conflict() -> None:
    agreeing = [
        claim("organization/isovalent", "a", "2022-03-01"),
        claim("organization/isovalent", "b", "2024-01-01"),
    ]
    assert find_conflict("person/ana-ruiz", agreeing) is None


def test_a_stated_start_time_beats_the_publication_date() -> None:
    joined_late = claim("organization/acme", "a", "2020-01-01", since="2024")
    published_later = claim("organization/globex", "b", "2023-01-01")
    assert current_employer([joined_late, published_later]) == joined_late
    assert current_employer([]) is None


def test_a_post_and_the_maintainers_list_disagreeing_are_both_kept(memory_store: Store) -> None:
    store_extraction(
        post(
            "post-2022",
            "2022-03-01",
            [("Ana Ruiz", Predicate.WORKS_AT, "VMware"), ("Ana Ruiz", Predicate.MAINTAINER_OF, "Cilium")],
        ),
        memory_store,
    )
    import_maintainers(memory_store, LIST, "cncf/maintainers.csv", date="2025-10-01")

    claims = employment_claims(memory_store, "person/ana-ruiz")["person/ana-ruiz"]
    assert {(c.organization, c.document_id, c.date) for c in claims} == {
        ("organization/vmware", "post-2022", "2022-03-01"),
        ("organization/isovalent", "cncf/maintainers.csv", "2025-10-01"),
    }
    found = conflicts(memory_store, "person/ana-ruiz")
    assert len(found) == 1
    assert found[0].current.organization == "organization/isovalent"
    assert found[0].current.text == "Cilium,Ana Ruiz,Isovalent,anaruiz"
    assert [c.person for c in all_conflicts(memory_store)] == ["person/ana-ruiz"]
    assert conflicts(memory_store, "person/nobody") == []


def test_a_malformed_person_id_is_refused(memory_store: Store) -> None:
    with pytest.raises(InvalidParameter):
        conflicts(memory_store, "person/<x>")


def test_the_documented_conflict_query_finds_both_claims(memory_store: Store) -> None:
    from graph.queries import PREFIXES

    guide = (Path(__file__).resolve().parents[1] / "docs" / "reconciliation.md").read_text(encoding="utf-8")
    section = guide[guide.index("SPARQL that finds people whose sources disagree") :]
    query = section.split("```sparql\n", 1)[1].split("```", 1)[0]
    store_extraction(
        post("post-2022", "2022-03-01", [("Ana Ruiz", Predicate.WORKS_AT, "VMware")]), memory_store
    )
    import_maintainers(memory_store, LIST, "cncf/maintainers.csv", date="2025-10-01")

    rows = memory_store.select(PREFIXES + query).rows

    assert [(r["who"]["value"], r["employer"]["value"], r["date"]["value"]) for r in rows] == [
        ("Ana Ruiz", "Isovalent", "2025-10-01"),
        ("Ana Ruiz", "VMware", "2022-03-01"),
    ]


def test_a_person_profile_carries_its_conflicts(memory_store: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_store
    from api.settings import Settings

    store_extraction(
        post("post-2022", "2022-03-01", [("Ana Ruiz", Predicate.WORKS_AT, "VMware")]), memory_store
    )
    import_maintainers(memory_store, LIST, "cncf/maintainers.csv", date="2025-10-01")
    app = create_app(Settings(data_dir=tmp_path / "unused"))
    app.dependency_overrides[get_store] = lambda: memory_store

    profile = TestClient(app).get("/people/person/ana-ruiz").json()

    assert [c["current"]["organization"] for c in profile["conflicts"]] == ["organization/isovalent"]
    assert {c["document_id"] for c in profile["conflicts"][0]["claims"]} == {
        "post-2022",
        "cncf/maintainers.csv",
    }
