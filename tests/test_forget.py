from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.cli import app as cli_app
from api.deps import get_extractor, get_store
from api.settings import Settings
from graph.backup import dump_nquads
from graph.documents import read_document
from graph.errors import InvalidParameter, NotFound
from graph.forget import forget_entity, forgotten_key_hashes, key_hash, without_forgotten
from graph.ingest import ingest_document
from graph.store import Store, open_store
from graph.vocab import MKG, entity_iri, forgotten_graph_iri
from tests.conftest import hand_made_extraction

INTERVIEW = """---
title: "Meet Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.
Cilium was created by Thomas Graf.
Laurent said Cilium was created by Thomas Graf.
"""

OTHER = """Thomas Graf created Cilium, Cilium created by Thomas Graf.
Laurent Bernaille maintains kube-proxy.
"""

LAURENT = "person/laurent-bernaille"


def ingest(store: Store, text: str, source: str) -> None:
    ingest_document(read_document(text, source), store, extractor=hand_made_extraction)


@pytest.fixture
def populated(memory_store: Store) -> Store:
    ingest(memory_store, INTERVIEW, "interview.md")
    ingest(memory_store, OTHER, "notes/other.md")
    return memory_store


def names_laurent(dump: str) -> bool:
    return str(entity_iri(LAURENT)) in dump or re.search(r"laurent", dump, re.IGNORECASE) is not None


def test_forgetting_removes_every_fact_and_mention_of_the_person(populated: Store) -> None:
    assert names_laurent(dump_nquads(populated))

    report = forget_entity(populated, "Laurent Bernaille")

    assert report.key == LAURENT
    assert len(report.graphs) == 2
    dump = dump_nquads(populated)
    outside_forget_list = "".join(
        line for line in dump.splitlines(keepends=True) if str(forgotten_graph_iri()) not in line
    )
    assert not names_laurent(outside_forget_list)
    assert report.triples_removed > 0


def test_forgetting_keeps_facts_about_others_that_other_sentences_support(populated: Store) -> None:
    forget_entity(populated, LAURENT)

    rows = populated.select(
        f"SELECT ?text WHERE {{ ?e <{MKG.evidenceText}> ?text ; "
        f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{MKG.createdBy}> }}"
    ).rows
    texts = sorted(row["text"]["value"] for row in rows)
    # The sentence naming Laurent is gone; the two that do not name him still hold the fact.
    assert texts == [
        "Cilium was created by Thomas Graf.",
        "Thomas Graf created Cilium, Cilium created by Thomas Graf.",
    ]
    cilium, thomas = entity_iri("project/cilium"), entity_iri("person/thomas-graf")
    assert (
        populated.select(f"ASK {{ <{cilium}> <{MKG.createdBy}> <{thomas}> }}").rows[0]["boolean"]["value"]
        == "true"
    )


def test_the_forget_list_keeps_only_a_hash_of_the_key(populated: Store) -> None:
    forget_entity(populated, LAURENT)

    assert forgotten_key_hashes(populated) == {key_hash(LAURENT)}
    listing = populated.get_graph(str(forgotten_graph_iri()), "application/n-triples").decode()
    assert "laurent" not in listing.lower()


def test_ingesting_again_does_not_bring_a_forgotten_person_back(populated: Store) -> None:
    forget_entity(populated, LAURENT)
    before = dump_nquads(populated)

    ingest(populated, INTERVIEW, "interview.md")
    ingest(populated, OTHER, "notes/other.md")
    ingest(populated, "Laurent Bernaille contributed to Cilium.\n", "new.md")

    dump = dump_nquads(populated)
    assert str(entity_iri(LAURENT)) not in dump
    assert "Laurent" not in dump
    assert dump.count("\n") >= before.count("\n")


def test_without_forgotten_drops_entity_facts_mentions_and_naming_title() -> None:
    document = read_document(INTERVIEW, "interview.md")
    extraction = hand_made_extraction(document)

    kept = without_forgotten(extraction, frozenset({key_hash(LAURENT)}))

    assert LAURENT not in {e.key for e in kept.entities}
    assert all("Laurent" not in f.evidence.text for f in kept.facts)
    assert kept.document.metadata.title is None
    assert [f.evidence.text for f in kept.facts] == ["Cilium was created by Thomas Graf."]
    assert without_forgotten(extraction, frozenset()) is extraction


def test_forgetting_an_unknown_person_is_not_found_and_changes_nothing(populated: Store) -> None:
    before = dump_nquads(populated)
    with pytest.raises(NotFound):
        forget_entity(populated, "Nobody Atall")
    assert dump_nquads(populated) == before


def test_only_people_can_be_forgotten(populated: Store) -> None:
    before = dump_nquads(populated)
    with pytest.raises(InvalidParameter):
        forget_entity(populated, "organization/datadog")
    assert dump_nquads(populated) == before


def test_forgetting_twice_is_harmless(populated: Store) -> None:
    forget_entity(populated, LAURENT)
    once = dump_nquads(populated)
    report = forget_entity(populated, LAURENT)
    assert report.graphs == ()
    assert dump_nquads(populated) == once


def test_delete_entity_with_forget_forgets_them_over_the_api(populated: Store, tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path / "unused", admin_token="secret"))
    app.dependency_overrides[get_store] = lambda: populated
    app.dependency_overrides[get_extractor] = lambda: hand_made_extraction
    client = TestClient(app, raise_server_exceptions=False)
    admin = {"Authorization": "Bearer secret"}

    assert client.delete(f"/entities/{LAURENT}?forget=true").status_code == 401
    unconfirmed = client.delete(f"/entities/{LAURENT}", headers=admin)
    assert unconfirmed.status_code == 400
    assert unconfirmed.json()["error"] == "invalid_parameter"
    assert client.get(f"/entities/{LAURENT}").status_code == 200

    done = client.delete(f"/entities/{LAURENT}?forget=true", headers=admin)

    assert done.status_code == 200, done.text
    assert done.json()["key"] == LAURENT
    assert client.get(f"/entities/{LAURENT}").status_code == 404
    missing = client.delete("/entities/person/nobody?forget=true", headers=admin)
    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "detail"}


def test_mkg_forget_forgets_a_person_in_the_data_directory(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    try:
        ingest(store, INTERVIEW, "interview.md")
    finally:
        store.close()

    result = CliRunner().invoke(cli_app, ["forget", "Laurent Bernaille", "--data-dir", str(data)])

    assert result.exit_code == 0, result.output
    assert "forgot person/laurent-bernaille" in result.output
    store = open_store(data)
    try:
        assert forgotten_key_hashes(store) == {key_hash(LAURENT)}
    finally:
        store.close()
    again = CliRunner().invoke(cli_app, ["forget", "person/nobody", "--data-dir", str(data)])
    assert again.exit_code == 1
    assert "not_found" in again.output


def test_importing_a_maintainers_list_does_not_bring_a_forgotten_person_back(populated: Store) -> None:
    from graph.maintainers import import_maintainers

    forget_entity(populated, LAURENT)
    listing = ",Project,Maintainer Name,Company,Github Name\n,Cilium,Laurent Bernaille,Datadog,lbernail\n"

    import_maintainers(populated, listing.encode("utf-8"), "cncf/maintainers.csv", date="2025-10-01")

    assert str(entity_iri(LAURENT)) not in dump_nquads(populated)
