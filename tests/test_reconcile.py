"""Entities across documents: name variants, handles, shared projects, merges, splits, same-name people."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from rdflib import Graph
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.documents import read_document
from graph.ingest import store_extraction
from graph.queries import entity_profile, find_entities
from graph.rdf import extraction_to_graph, to_ntriples
from graph.reconcile import (
    Candidate,
    Employment,
    KnownEntity,
    Merge,
    Separation,
    canonical_keys,
    choose_merges,
    find_candidates,
    load_merges,
    load_separations,
    name_tokens,
    name_variants,
    reconcile,
    record_merges,
    rekey_ntriples,
    score_pair,
    split,
)
from graph.records import (
    Document,
    DocumentMetadata,
    Entity,
    EntityType,
    Evidence,
    Extraction,
    Fact,
    Predicate,
)
from graph.store import Store
from graph.vocab import MKG, document_iri, entity_iri, entity_key

PERSON = EntityType.PERSON
ORG = EntityType.ORGANIZATION
PROJECT = EntityType.PROJECT
TYPE_OF_PREDICATE_OBJECT = {
    Predicate.WORKS_AT: ORG,
    Predicate.MAINTAINER_OF: PROJECT,
    Predicate.CONTRIBUTED_TO: PROJECT,
}


def post(
    document_id: str,
    date: str,
    facts: Sequence[tuple[str, Predicate, str]],
    *,
    handles: dict[str, tuple[str, ...]] | None = None,
    keys: dict[str, str] | None = None,
) -> Extraction:
    """A post that states each fact on its own line ('Name worksAt Org.'), the line being the evidence."""
    header = f"---\ndate: {date}\n---\n"
    lines = [f"{s} {p.value} {o}." for s, p, o in facts]
    raw = header + "\n".join(lines) + "\n"
    document = Document(
        id=document_id,
        source=document_id + ".md",
        raw=raw,
        text=raw,
        offsets=tuple(range(len(raw) + 1)),
        metadata=DocumentMetadata(date=date),
    )
    keys = dict(keys or {})
    entities: dict[str, Entity] = {}

    def key_of(name: str, kind: EntityType) -> str:
        key = keys.get(name) or entity_key(kind, name)
        entities.setdefault(key, Entity(key, name, kind, handles=(handles or {}).get(name, ())))
        return key

    records = []
    position = len(header)
    for line, (subject, predicate, obj) in zip(lines, facts, strict=True):
        evidence = Evidence(document_id, line, position, position + len(line), date)
        position += len(line) + 1
        records.append(
            Fact(
                key_of(subject, PERSON),
                predicate,
                key_of(obj, TYPE_OF_PREDICATE_OBJECT[predicate]),
                evidence,
                0.9,
                "hand-made",
            )
        )
    return Extraction(document, (), tuple(entities.values()), tuple(records), "hand-made/1")


def person(key: str, *names: str, **signals: object) -> KnownEntity:
    return KnownEntity(key=key, type=PERSON, names=names, **signals)  # type: ignore[arg-type]


def graph_keys(store: Store, document_id: str) -> set[str]:
    rows = store.select(
        f"SELECT DISTINCT ?e WHERE {{ GRAPH <{document_iri(document_id)}> {{ ?e a <{MKG.Person}> }} }}"
    ).rows
    return {row["e"]["value"].rsplit("/id/", 1)[1] for row in rows}


# ---------------------------------------------------------------------------------------------------
# names
# ---------------------------------------------------------------------------------------------------


def test_name_tokens_fold_case_accents_suffixes_and_parentheses() -> None:
    assert name_tokens("Jan Šafránek") == ("jan", "safranek")
    assert name_tokens("Carlos Tadeu Panato Jr.") == ("carlos", "tadeu", "panato")
    assert name_tokens("David (Mengqi) Yu") == ("david", "yu")
    assert name_tokens("Carabiner Systems, Inc", ORG) == ("carabiner", "systems")


def test_a_parenthesised_nickname_is_a_variant() -> None:
    assert ("mengqi", "yu") in name_variants("David (Mengqi) Yu")


@given(st.text(max_size=40))
def test_name_tokens_never_fail_and_are_lower_case_words(name: str) -> None:
    tokens = name_tokens(name)
    assert all(token and token == token.casefold() and " " not in token for token in tokens)


# ---------------------------------------------------------------------------------------------------
# scoring
# ---------------------------------------------------------------------------------------------------


def test_a_middle_name_variant_is_enough_to_merge_into_the_fuller_name() -> None:
    a = person("person/carlos-panato", "Carlos Panato", documents=frozenset({"d1"}))
    b = person("person/carlos-tadeu-panato-jr", "Carlos Tadeu Panato Jr.", documents=frozenset({"d2"}))
    candidate = score_pair(a, b)
    assert candidate == Candidate(
        "person/carlos-panato", "person/carlos-tadeu-panato-jr", ("name_variant",), 0.7
    )


def test_a_first_name_alone_needs_a_shared_project_or_employer() -> None:
    alone = person("person/laurent", "Laurent", documents=frozenset({"d1"}))
    full = person(
        "person/laurent-bernaille",
        "Laurent Bernaille",
        documents=frozenset({"d2"}),
        projects=frozenset({"project/cilium"}),
    )
    weak = score_pair(alone, full)
    assert weak is not None and weak.score < 0.7
    sharing = person(
        "person/laurent", "Laurent", documents=frozenset({"d1"}), projects=frozenset({"project/cilium"})
    )
    strong = score_pair(sharing, full)
    assert strong is not None
    assert strong.into == "person/laurent-bernaille"
    assert set(strong.features) == {"first_name", "shared_project"}
    assert strong.score >= 0.7


def test_a_shared_handle_merges_different_spellings() -> None:
    a = person("person/paco-xu", "Paco Xu", handles=frozenset({"pacoxu"}), documents=frozenset({"d1"}))
    b = person("person/xu-junjie", "Xu Junjie", handles=frozenset({"@PacoXu"}), documents=frozenset({"d2"}))
    candidate = score_pair(a, b)
    assert candidate is not None and candidate.features == ("shared_handle",) and candidate.score >= 0.7


def test_different_handles_do_not_keep_people_apart() -> None:
    # A text may give someone's X or Slack handle where the list gives the GitHub one.
    a = person(
        "person/j-a-smith", "John A. Smith", handles=frozenset({"jsmith"}), documents=frozenset({"d1"})
    )
    b = person(
        "person/john-smith", "John Smith", handles=frozenset({"JohnSmithDev"}), documents=frozenset({"d2"})
    )
    candidate = score_pair(a, b)
    assert candidate is not None and candidate.features == ("name_variant",)


def test_a_full_name_with_a_first_name_alias_is_not_known_by_its_first_name_only() -> None:
    santana = person("person/carlos-santana", "Carlos Santana", "Carlos", documents=frozenset({"d1"}))
    panato = person(
        "person/carlos-panato", "Carlos Panato", documents=frozenset({"d2"}), projects=frozenset()
    )
    assert score_pair(santana, panato) is None
    thomas = person("person/thomas", "Thomas", documents=frozenset({"d1"}))
    graf = person("person/thomas-graf", "Thomas Graf", "Thomas", documents=frozenset({"d2"}))
    only_first = score_pair(thomas, graf)
    assert only_first is not None and only_first.features == ("first_name",) and only_first.score < 0.7


def test_keys_named_together_in_one_document_are_never_candidates() -> None:
    a = person("person/carlos-panato", "Carlos Panato", documents=frozenset({"d1"}))
    b = person("person/carlos-tadeu-panato", "Carlos Tadeu Panato", documents=frozenset({"d1", "d2"}))
    assert score_pair(a, b) is None


def test_different_employers_in_the_same_period_outweigh_a_name_variant() -> None:
    a = person(
        "person/anna-k-lee",
        "Anna K. Lee",
        documents=frozenset({"d1"}),
        employments=(Employment("organization/acme", "d1", "2023-03-01"),),
    )
    b = person(
        "person/anna-lee",
        "Anna Lee",
        documents=frozenset({"d2"}),
        employments=(Employment("organization/globex", "d2", "2023-06-01"),),
    )
    candidate = score_pair(a, b)
    assert candidate is not None and "different_employer" in candidate.features
    assert candidate.score < 0.7


def test_different_employers_years_apart_are_a_job_change_not_another_person() -> None:
    a = person(
        "person/anna-k-lee",
        "Anna K. Lee",
        documents=frozenset({"d1"}),
        employments=(Employment("organization/acme", "d1", "2019-03-01"),),
    )
    b = person(
        "person/anna-lee",
        "Anna Lee",
        documents=frozenset({"d2"}),
        employments=(Employment("organization/globex", "d2", "2024-06-01"),),
    )
    candidate = score_pair(a, b)
    assert candidate is not None and candidate.features == ("name_variant",)


def test_an_ambiguous_first_name_is_not_merged() -> None:
    alone = person("person/anna", "Anna", documents=frozenset({"d1"}), projects=frozenset({"project/x"}))
    first = person(
        "person/anna-lee", "Anna Lee", documents=frozenset({"d2"}), projects=frozenset({"project/x"})
    )
    second = person(
        "person/anna-ng", "Anna Ng", documents=frozenset({"d3"}), projects=frozenset({"project/x"})
    )
    candidates = find_candidates([alone, first, second])
    assert {c.into for c in candidates if c.merged == "person/anna"} == {"person/anna-lee", "person/anna-ng"}
    assert choose_merges(candidates) == []


def test_a_separated_pair_is_not_merged_again() -> None:
    candidate = Candidate("person/carlos-panato", "person/carlos-tadeu-panato", ("name_variant",), 0.7)
    apart = Separation(
        ("person/carlos-panato", "person/carlos-tadeu-panato"), ("split",), "2025-01-01T00:00:00Z"
    )
    assert choose_merges([candidate], separations=[apart]) == []
    assert choose_merges([candidate]) == [candidate]


def test_focus_limits_candidates_to_pairs_touching_those_documents() -> None:
    a = person("person/carlos-panato", "Carlos Panato", documents=frozenset({"d1"}))
    b = person("person/carlos-tadeu-panato", "Carlos Tadeu Panato", documents=frozenset({"d2"}))
    assert find_candidates([a, b], focus=["d3"]) == []
    assert len(find_candidates([a, b], focus=["d2"])) == 1


def test_canonical_keys_follow_chains() -> None:
    merges = [
        Merge("person/a", "person/b", ("name_variant",), 0.7, ""),
        Merge("person/b", "person/c", ("name_variant",), 0.7, ""),
    ]
    assert canonical_keys(merges) == {"person/a": "person/c", "person/b": "person/c"}


def test_rekeying_marks_the_documents_own_key_and_restoring_it_drops_the_mark() -> None:
    extraction = post("d1", "2024-01-01", [("Laurent", Predicate.CONTRIBUTED_TO, "Cilium")])
    original = to_ntriples(extraction_to_graph(extraction))
    kept, old = entity_iri("person/laurent-bernaille"), entity_iri("person/laurent")

    merged = rekey_ntriples(original, {"person/laurent": "person/laurent-bernaille"})
    graph = Graph().parse(data=merged, format="nt")
    assert (kept, MKG.contributedTo, entity_iri("project/cilium")) in graph
    assert (kept, MKG.extractedAs, old) in graph
    assert not any(s == old for s in graph.subjects())

    # A later merge moves the mark along; giving the entity its own key back drops it.
    moved = rekey_ntriples(merged, {"person/laurent-bernaille": "person/laurent-b"})
    assert (entity_iri("person/laurent-b"), MKG.extractedAs, old) in Graph().parse(data=moved, format="nt")
    assert rekey_ntriples(moved, {"person/laurent-b": "person/laurent"}) == original


def test_rekeying_leaves_an_entity_alone_when_the_document_names_the_new_key_too() -> None:
    extraction = post(
        "d1",
        "2024-01-01",
        [
            ("Laurent", Predicate.CONTRIBUTED_TO, "Cilium"),
            ("Laurent Bernaille", Predicate.WORKS_AT, "Datadog"),
        ],
    )
    original = to_ntriples(extraction_to_graph(extraction))
    assert rekey_ntriples(original, {"person/laurent": "person/laurent-bernaille"}) == original


# ---------------------------------------------------------------------------------------------------
# the store: merge on ingest, queries see one node, split undoes it
# ---------------------------------------------------------------------------------------------------


def test_a_first_name_in_one_post_merges_with_the_full_name_sharing_a_project(memory_store: Store) -> None:
    store_extraction(
        post("full", "2024-01-01", [("Laurent Bernaille", Predicate.MAINTAINER_OF, "Cilium")]), memory_store
    )
    store_extraction(
        post("short", "2024-02-01", [("Laurent", Predicate.CONTRIBUTED_TO, "Cilium")]), memory_store
    )

    merges = load_merges(memory_store)
    assert [(m.merged, m.into) for m in merges] == [("person/laurent", "person/laurent-bernaille")]
    assert set(merges[0].features) == {"first_name", "shared_project"}
    assert graph_keys(memory_store, "short") == {"person/laurent-bernaille"}
    profile = entity_profile(memory_store, "person/laurent-bernaille")
    assert profile is not None
    assert {f.predicate for f in profile.facts_out} == {Predicate.MAINTAINER_OF, Predicate.CONTRIBUTED_TO}
    assert entity_profile(memory_store, "person/laurent") is None
    assert [e.key for e in find_entities(memory_store, type=PERSON)] == ["person/laurent-bernaille"]


def test_a_later_post_naming_a_merged_key_is_stored_under_the_kept_key(memory_store: Store) -> None:
    store_extraction(
        post("full", "2024-01-01", [("Laurent Bernaille", Predicate.MAINTAINER_OF, "Cilium")]), memory_store
    )
    store_extraction(
        post("short", "2024-02-01", [("Laurent", Predicate.CONTRIBUTED_TO, "Cilium")]), memory_store
    )
    store_extraction(post("again", "2024-03-01", [("Laurent", Predicate.WORKS_AT, "Datadog")]), memory_store)
    assert graph_keys(memory_store, "again") == {"person/laurent-bernaille"}


def test_split_restores_the_documents_own_key_and_keeps_the_pair_apart(memory_store: Store) -> None:
    store_extraction(
        post("full", "2024-01-01", [("Laurent Bernaille", Predicate.MAINTAINER_OF, "Cilium")]), memory_store
    )
    short = post("short", "2024-02-01", [("Laurent", Predicate.CONTRIBUTED_TO, "Cilium")])
    store_extraction(short, memory_store)
    assert graph_keys(memory_store, "short") == {"person/laurent-bernaille"}

    undone = split(memory_store, "person/laurent")

    assert undone.into == "person/laurent-bernaille"
    assert load_merges(memory_store) == []
    assert graph_keys(memory_store, "short") == {"person/laurent"}
    assert graph_keys(memory_store, "full") == {"person/laurent-bernaille"}
    assert [s.keys for s in load_separations(memory_store)] == [
        ("person/laurent", "person/laurent-bernaille")
    ]
    # The graph is again exactly what the document said: no marker left.
    stored = memory_store.get_graph(str(document_iri("short")), "application/n-triples").decode("utf-8")
    assert set(stored.splitlines()) == set(to_ntriples(extraction_to_graph(short)).splitlines())
    # Reconciling again does not bring the merge back.
    reconcile(memory_store)
    assert load_merges(memory_store) == []


def test_splitting_an_unknown_merge_says_how_to_list_merges(memory_store: Store) -> None:
    from graph.errors import NotFound

    try:
        split(memory_store, "person/nobody")
    except NotFound as error:
        assert "mkg merges" in error.detail
    else:
        raise AssertionError("split of an unknown key must raise NotFound")


def test_same_name_different_employers_same_period_are_keyed_apart(memory_store: Store) -> None:
    store_extraction(
        post(
            "a-acme",
            "2023-03-01",
            [("John Smith", Predicate.WORKS_AT, "Acme"), ("John Smith", Predicate.MAINTAINER_OF, "Rocket")],
        ),
        memory_store,
    )
    store_extraction(
        post(
            "b-globex",
            "2023-05-01",
            [
                ("John Smith", Predicate.WORKS_AT, "Globex"),
                ("John Smith", Predicate.CONTRIBUTED_TO, "Widget"),
            ],
        ),
        memory_store,
    )
    assert graph_keys(memory_store, "a-acme") == {"person/john-smith"}
    assert graph_keys(memory_store, "b-globex") == {"person/john-smith--globex"}
    assert [s.keys for s in load_separations(memory_store)] == [
        ("person/john-smith", "person/john-smith--globex")
    ]
    # A third post about the Globex one joins the disambiguated key, not a new one.
    store_extraction(
        post("c-globex", "2023-07-01", [("John Smith", Predicate.CONTRIBUTED_TO, "Widget")]), memory_store
    )
    assert graph_keys(memory_store, "c-globex") == {"person/john-smith--globex"}


def test_same_name_sharing_a_project_stays_one_person_despite_a_job_change(memory_store: Store) -> None:
    store_extraction(
        post(
            "old",
            "2022-01-01",
            [("Ana Ruiz", Predicate.WORKS_AT, "VMware"), ("Ana Ruiz", Predicate.MAINTAINER_OF, "Contour")],
        ),
        memory_store,
    )
    store_extraction(
        post(
            "new",
            "2022-06-01",
            [("Ana Ruiz", Predicate.WORKS_AT, "Isovalent"), ("Ana Ruiz", Predicate.MAINTAINER_OF, "Contour")],
        ),
        memory_store,
    )
    assert graph_keys(memory_store, "old") == graph_keys(memory_store, "new") == {"person/ana-ruiz"}
    assert load_separations(memory_store) == []


# ---------------------------------------------------------------------------------------------------
# the command line and the HTTP API
# ---------------------------------------------------------------------------------------------------

MAINTAINERS_CSV = "Project,Maintainer Name,Company,Github Name\nCilium,Laurent Bernaille,Datadog,lbernail\n"
SHORT_POST = "---\ndate: 2024-02-01\n---\nLaurent contributed to Cilium.\n"


def _short_post_extraction(document: Document) -> Extraction:
    """Reads 'Laurent' (first name only) contributing to Cilium from any document."""
    line = "Laurent contributed to Cilium."
    start = document.raw.index(line)
    evidence = Evidence(document.id, line, start, start + len(line), document.metadata.date)
    return Extraction(
        document,
        (),
        (
            Entity("person/laurent", "Laurent", PERSON),
            Entity("project/cilium", "Cilium", PROJECT),
        ),
        (Fact("person/laurent", Predicate.CONTRIBUTED_TO, "project/cilium", evidence, 0.8, "hand-made"),),
        "hand-made/1",
    )


def test_cli_imports_the_list_lists_the_merge_and_splits_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("MKG_DATA_DIR", "MKG_STORE", "MKG_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("graph.extraction.extract", _short_post_extraction)
    runner = CliRunner()
    data = tmp_path / "data"
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "laurent.md").write_text(SHORT_POST, encoding="utf-8")
    listing = tmp_path / "maintainers.csv"
    listing.write_text(MAINTAINERS_CSV + ",,broken\n", encoding="utf-8")

    ingested = runner.invoke(app, ["ingest", str(posts), "--data-dir", str(data)])
    assert ingested.exit_code == 0, ingested.output
    imported = runner.invoke(
        app,
        ["import-maintainers", str(listing), "--date", "2025-10-01", "--data-dir", str(data), "-f", "json"],
    )
    # The broken last row is reported with its line, and the exit status says something was skipped.
    assert imported.exit_code == 1
    report = json.loads(imported.stdout)
    assert (report["rows"], report["people"], report["merges"]) == (1, 1, 1)
    assert report["problems"] == [{"line": 3, "detail": "3 cell(s) where 4 were expected"}]

    listed = runner.invoke(app, ["merges", "--data-dir", str(data), "-f", "json"])
    assert listed.exit_code == 0, listed.output
    merges = json.loads(listed.stdout)
    assert [(m["merged"], m["into"]) for m in merges] == [("person/laurent", "person/laurent-bernaille")]
    assert set(merges[0]["features"]) == {"first_name", "shared_project"}

    undone = runner.invoke(app, ["split", "person/laurent", "--data-dir", str(data)])
    assert undone.exit_code == 0, undone.output
    assert "split person/laurent from person/laurent-bernaille" in undone.stdout
    again = runner.invoke(app, ["split", "person/laurent", "--data-dir", str(data)])
    assert again.exit_code == 1
    assert "mkg merges" in again.output


def test_api_imports_the_list_with_the_admin_token_and_splits_merges(
    memory_store: Store, tmp_path: Path
) -> None:
    app_ = create_app(Settings(data_dir=tmp_path / "unused", admin_token="secret"))
    app_.dependency_overrides[get_store] = lambda: memory_store
    app_.dependency_overrides[get_extractor] = lambda: _short_post_extraction
    client = TestClient(app_, raise_server_exceptions=False)
    admin = {"Authorization": "Bearer secret"}
    store_extraction(_short_post_extraction(read_document(SHORT_POST, "laurent.md")), memory_store)

    refused = client.post("/maintainers", content=MAINTAINERS_CSV, headers={"content-type": "text/csv"})
    assert refused.status_code == 401
    wrong_type = client.post(
        "/maintainers", content=MAINTAINERS_CSV, headers={"content-type": "image/png", **admin}
    )
    assert wrong_type.status_code == 415
    not_a_list = client.post(
        "/maintainers", content="hello,world\n", headers={"content-type": "text/csv", **admin}
    )
    assert not_a_list.status_code == 422
    assert not_a_list.json()["error"] == "invalid_maintainers_list"

    created = client.post(
        "/maintainers",
        content=MAINTAINERS_CSV,
        params={"date": "2025-10-01", "source": "cncf/list.csv"},
        headers={"content-type": "text/csv", **admin},
    )
    assert created.status_code == 201, created.text
    assert created.json()["id"] == "cncf/list.csv"
    assert created.json()["merges"] == 1

    merges = client.get("/merges").json()
    assert [(m["merged"], m["into"]) for m in merges] == [("person/laurent", "person/laurent-bernaille")]
    assert client.post("/merges/person/laurent/split").status_code == 401
    split_response = client.post("/merges/person/laurent/split", headers=admin)
    assert split_response.status_code == 200, split_response.text
    assert client.get("/merges").json() == []
    assert client.post("/merges/person/laurent/split", headers=admin).status_code == 404
    assert client.get("/conflicts", params={"person": "person/laurent-bernaille"}).json() == []


def test_splitting_the_middle_of_a_chain_sends_each_document_back_to_the_right_key(
    memory_store: Store,
) -> None:
    for document_id, name in (("d-a", "Al Roe"), ("d-b", "Al B. Roe"), ("d-c", "Al B. C. Roe")):
        store_extraction(
            post(document_id, "2024-01-01", [(name, Predicate.CONTRIBUTED_TO, "Rocket")]),
            memory_store,
            reconcile=False,
        )
    record_merges(memory_store, [Candidate("person/al-roe", "person/al-b-roe", ("name_variant",), 0.7)])
    record_merges(memory_store, [Candidate("person/al-b-roe", "person/al-b-c-roe", ("name_variant",), 0.7)])
    assert graph_keys(memory_store, "d-a") == graph_keys(memory_store, "d-b") == {"person/al-b-c-roe"}

    split(memory_store, "person/al-b-roe")

    assert graph_keys(memory_store, "d-a") == {"person/al-b-roe"}
    assert graph_keys(memory_store, "d-b") == {"person/al-b-roe"}
    assert graph_keys(memory_store, "d-c") == {"person/al-b-c-roe"}
    assert [(m.merged, m.into) for m in load_merges(memory_store)] == [("person/al-roe", "person/al-b-roe")]


def test_an_organization_abbreviation_merges_into_its_long_form() -> None:
    short = KnownEntity("organization/aws", ORG, ("AWS",), documents=frozenset({"d1"}))
    long = KnownEntity(
        "organization/amazon-web-services", ORG, ("Amazon Web Services",), documents=frozenset({"d2"})
    )
    found = find_candidates([short, long])
    assert [(c.merged, c.into, c.features) for c in found] == [
        ("organization/aws", "organization/amazon-web-services", ("abbreviation",))
    ]
    # People are never matched by initials.
    al = person("person/abc", "ABC", documents=frozenset({"d1"}))
    ann = person("person/ann-bea-cole", "Ann Bea Cole", documents=frozenset({"d2"}))
    assert score_pair(al, ann) is None


def test_ingesting_a_folder_reconciles_once_at_the_end(tmp_path: Path, memory_store: Store) -> None:
    from graph.ingest import ingest_paths

    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "a-full.md").write_text("---\ndate: 2024-01-01\n---\nfull\n", encoding="utf-8")
    (folder / "b-short.md").write_text("---\ndate: 2024-02-01\n---\nshort\n", encoding="utf-8")

    def extractor(document: Document) -> Extraction:
        name = "Laurent Bernaille" if "full" in document.raw else "Laurent"
        made = post(document.id, "2024-01-01", [(name, Predicate.CONTRIBUTED_TO, "Cilium")])
        return Extraction(document, (), made.entities, made.facts, made.extractor_version)

    report = ingest_paths([folder], memory_store, extractor=extractor)

    assert len(report.documents) == 2
    assert [(m.merged, m.into) for m in load_merges(memory_store)] == [
        ("person/laurent", "person/laurent-bernaille")
    ]
    assert graph_keys(memory_store, "b-short.md") == {"person/laurent-bernaille"}
