from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app as cli_app
from graph.backup import HEADER_PREFIX, backup, dump_nquads, read_backup, restore
from graph.documents import document_id_for, read_document
from graph.errors import InvalidBackup, InvalidParameter
from graph.ingest import ingest_document
from graph.rdf import content_hash
from graph.store import Store, open_memory_store, open_store
from graph.vocab import document_iri
from tests.conftest import hand_made_extraction

FIRST = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.

Laurent Bernaille contributed to Cilium, "quoted" \\ back\tslash é 🚀.
"""
SECOND = "Cilium was created by Thomas Graf.\n"


def fill(store: Store) -> None:
    for text, source in ((FIRST, "first.md"), (SECOND, "blog/second.md")):
        ingest_document(read_document(text, source), store, extractor=hand_made_extraction)


@pytest.fixture
def filled(memory_store: Store) -> Store:
    fill(memory_store)
    return memory_store


def test_backup_then_restore_into_an_empty_store_gives_an_identical_dump(
    filled: Store, tmp_path: Path
) -> None:
    file = tmp_path / "backup.nq"
    manifest = backup(filled, file, at="2026-01-01T00:00:00Z")
    fresh = open_memory_store()
    try:
        restored = restore(fresh, file)
        assert dump_nquads(fresh) == dump_nquads(filled)
        assert fresh.triple_count() == filled.triple_count()
        assert restored == manifest
    finally:
        fresh.close()


def test_the_header_gives_version_date_counts_and_content_hashes(filled: Store, tmp_path: Path) -> None:
    file = tmp_path / "backup.nq"
    backup(filled, file, at="2026-01-01T00:00:00Z")

    header = json.loads(file.read_text(encoding="utf-8").splitlines()[0][len(HEADER_PREFIX) :])

    assert header["created"] == "2026-01-01T00:00:00Z"
    assert header["format"] == 1 and header["version"]
    assert header["graphs"] == len(filled.documents())
    assert header["quads"] == filled.triple_count()
    assert header["documents"][str(document_iri(document_id_for("blog/second.md")))] == content_hash(SECOND)


def test_restore_over_a_full_store_is_refused_unless_replacing(filled: Store, tmp_path: Path) -> None:
    file = tmp_path / "backup.nq"
    backup(filled, file)
    other = open_memory_store()
    try:
        ingest_document(read_document("Thomas Graf.\n", "extra.md"), other, extractor=hand_made_extraction)
        before = dump_nquads(other)
        with pytest.raises(InvalidParameter):
            restore(other, file)
        assert dump_nquads(other) == before

        restore(other, file, replace=True)

        assert dump_nquads(other) == dump_nquads(filled)
    finally:
        other.close()


@pytest.mark.parametrize(
    "damage",
    [
        lambda text: text.replace("Datadog", "Datadoq", 1),  # checksum no longer matches
        lambda text: text.split("\n", 1)[1],  # header gone
        lambda text: "# maintainer-kg backup {not json\n" + text.split("\n", 1)[1],
        lambda text: text + "<a> <b> <c> <d> .\n",  # a quad the header does not count
    ],
)
def test_a_damaged_backup_is_refused_before_anything_is_written(
    filled: Store, tmp_path: Path, damage: object
) -> None:
    file = tmp_path / "backup.nq"
    backup(filled, file)
    assert callable(damage)
    file.write_text(damage(file.read_text(encoding="utf-8")), encoding="utf-8")
    target = open_memory_store()
    try:
        with pytest.raises(InvalidBackup):
            restore(target, file)
        assert target.documents() == []
    finally:
        target.close()


def test_read_backup_gives_each_graph_as_ntriples(filled: Store, tmp_path: Path) -> None:
    file = tmp_path / "backup.nq"
    backup(filled, file)
    manifest, graphs = read_backup(file)
    assert sorted(graphs) == filled.documents()
    assert sum(text.count("\n") for text in graphs.values()) == manifest.quads


def test_mkg_backup_wipe_restore_round_trip_on_disk(tmp_path: Path) -> None:
    data = tmp_path / "data"
    store = open_store(data)
    try:
        fill(store)
        original = dump_nquads(store)
    finally:
        store.close()
    file = tmp_path / "out" / "kg.nq"
    runner = CliRunner()

    made = runner.invoke(cli_app, ["backup", str(file), "--data-dir", str(data)])
    assert made.exit_code == 0, made.output
    assert "backed up" in made.output
    wiped = tmp_path / "wiped"
    restored = runner.invoke(cli_app, ["restore", str(file), "--data-dir", str(wiped)])
    assert restored.exit_code == 0, restored.output
    refused = runner.invoke(cli_app, ["restore", str(file), "--data-dir", str(wiped)])
    assert refused.exit_code == 1
    assert "--replace" in refused.output

    store = open_store(wiped)
    try:
        assert dump_nquads(store) == original
    finally:
        store.close()


def test_get_backup_gives_the_file_mkg_restore_reads(filled: Store, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.deps import get_store
    from api.settings import Settings

    app = create_app(Settings(data_dir=tmp_path / "unused", admin_token="s3cret"))
    app.dependency_overrides[get_store] = lambda: filled
    client = TestClient(app, raise_server_exceptions=False)

    assert client.get("/backup").status_code == 401
    response = client.get("/backup", headers={"Authorization": "Bearer s3cret"})

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/n-quads")
    file = tmp_path / "from-api.nq"
    file.write_bytes(response.content)
    fresh = open_memory_store()
    try:
        manifest = restore(fresh, file)
        assert manifest.quads == int(response.headers["X-Mkg-Quads"]) == filled.triple_count()
        assert dump_nquads(fresh) == dump_nquads(filled)
    finally:
        fresh.close()
