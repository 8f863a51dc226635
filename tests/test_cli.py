from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from graph.queries import PREFIXES
from graph.store import open_store
from tests.conftest import hand_made_extraction

GOOD = """---
title: "Meet the Maintainer: Laurent Bernaille"
date: 2024-05-02
---
Laurent Bernaille works at Datadog.

Laurent Bernaille contributed to Cilium.
"""

WORKS_AT = PREFIXES + "SELECT ?who ?org WHERE { ?p mkg:worksAt ?o . ?p rdfs:label ?who . ?o rdfs:label ?org }"

runner = CliRunner()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MKG_DATA_DIR", "MKG_STORE", "MKG_ADMIN_TOKEN"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def hand_made(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("graph.extraction.extract", hand_made_extraction)


@pytest.fixture
def data_dir(tmp_path: Path, hand_made: None) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "laurent.md").write_text(GOOD, encoding="utf-8")
    data = tmp_path / "data"
    result = runner.invoke(app, ["ingest", str(posts), "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    return data


def test_ingest_skips_a_bad_file_stores_the_good_one_and_exits_1(tmp_path: Path, hand_made: None) -> None:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "good.md").write_text(GOOD, encoding="utf-8")
    (posts / "bad.md").write_bytes(b"")
    data = tmp_path / "data"

    result = runner.invoke(app, ["ingest", str(posts), "--data-dir", str(data), "--verbose"])

    assert result.exit_code == 1
    assert "good.md: 3 entities, 2 facts" in result.stdout
    assert "bad.md" in result.stderr and "empty_document" in result.stderr
    assert "Traceback" not in result.output
    store = open_store(data)
    try:
        assert len(store.documents()) == 1
        assert store.select(WORKS_AT).rows[0]["org"]["value"] == "Datadog"
    finally:
        store.close()


def test_ingest_of_a_missing_path_is_one_error_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ingest", str(tmp_path / "nope"), "--data-dir", str(tmp_path / "data")])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1
    assert "nope" in result.stderr


def test_query_prints_a_table_json_or_csv(data_dir: Path) -> None:
    table = runner.invoke(app, ["query", WORKS_AT, "--data-dir", str(data_dir)])
    assert table.exit_code == 0, table.output
    assert "Laurent Bernaille" in table.stdout and "Datadog" in table.stdout

    as_json = runner.invoke(app, ["query", WORKS_AT, "--format", "json", "--data-dir", str(data_dir)])
    bindings = json.loads(as_json.stdout)["results"]["bindings"]
    assert [(b["who"]["value"], b["org"]["value"]) for b in bindings] == [("Laurent Bernaille", "Datadog")]

    as_csv = runner.invoke(app, ["query", WORKS_AT, "--format", "csv", "--data-dir", str(data_dir)])
    assert list(csv.reader(io.StringIO(as_csv.stdout))) == [["who", "org"], ["Laurent Bernaille", "Datadog"]]

    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o } LIMIT 2"
    triples = runner.invoke(app, ["query", construct, "--format", "csv", "--data-dir", str(data_dir)])
    assert triples.exit_code == 0, triples.output
    assert [line.endswith(" .") for line in triples.stdout.splitlines()] == [True, True]


def test_query_reads_a_file_and_refuses_updates(data_dir: Path, tmp_path: Path) -> None:
    query_file = tmp_path / "q.rq"
    query_file.write_text(WORKS_AT, encoding="utf-8")
    from_file = runner.invoke(
        app, ["query", "--file", str(query_file), "-f", "json", "--data-dir", str(data_dir)]
    )
    assert from_file.exit_code == 0
    assert "Datadog" in from_file.stdout

    refused = runner.invoke(app, ["query", "DROP ALL", "--data-dir", str(data_dir)])
    assert refused.exit_code == 1
    assert "invalid_query" in refused.stderr
    malformed = runner.invoke(app, ["query", "SELECT * WHERE { ?s ?p }", "--data-dir", str(data_dir)])
    assert malformed.exit_code == 1
    assert "Traceback" not in malformed.output


def test_documents_entities_and_show_read_the_store(data_dir: Path) -> None:
    documents = runner.invoke(app, ["documents", "--format", "json", "--data-dir", str(data_dir)])
    assert [d["source"] for d in json.loads(documents.stdout)] == ["laurent.md"]

    people = runner.invoke(app, ["entities", "--type", "Person", "-f", "json", "--data-dir", str(data_dir)])
    assert [e["key"] for e in json.loads(people.stdout)] == ["person/laurent-bernaille"]

    shown = runner.invoke(
        app, ["show", "person/laurent-bernaille", "-f", "json", "--data-dir", str(data_dir)]
    )
    profile = json.loads(shown.stdout)
    assert {f["predicate"] for f in profile["facts_out"]} == {"worksAt", "contributedTo"}
    table = runner.invoke(app, ["show", "person/laurent-bernaille", "--data-dir", str(data_dir)])
    assert "worksAt" in table.stdout and "organization/datadog" in table.stdout

    missing = runner.invoke(app, ["show", "person/nobody", "--data-dir", str(data_dir)])
    assert missing.exit_code == 1
    assert "not_found" in missing.stderr


def test_a_locked_store_is_reported_in_one_line(data_dir: Path) -> None:
    holder = open_store(data_dir)
    try:
        result = runner.invoke(app, ["documents", "--data-dir", str(data_dir)])
    finally:
        holder.close()
    assert result.exit_code == 1
    assert "store_unavailable" in result.stderr
    assert "Traceback" not in result.output


def test_serving_several_workers_needs_a_store_to_read(tmp_path: Path) -> None:
    # Several processes share the embedded store read-only, so there must be one already.
    result = runner.invoke(app, ["serve", "--workers", "2", "--data-dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "read-only" in result.stderr
    assert "ingest" in result.stderr
    assert "Traceback" not in result.output


def test_every_command_has_help() -> None:
    commands = ("ingest", "extract", "query", "documents", "entities", "show", "contributions", "delete")
    for command in (*commands, "serve", "evaluate"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Usage" in result.stdout


@pytest.mark.slow
def test_extract_prints_the_gold_json_shape(tmp_path: Path) -> None:
    post = tmp_path / "laurent.md"
    post.write_text(GOOD, encoding="utf-8")

    result = runner.invoke(app, ["extract", str(post), "--format", "json"])

    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert set(payload) == {"entities", "relations"}
    assert {"name", "type", "aliases", "iri"} <= set(payload["entities"][0])
    assert "Datadog" in {e["name"] for e in payload["entities"]}
    for relation in payload["relations"]:
        assert {"subject", "predicate", "object", "evidence", "confidence"} <= set(relation)
        evidence = relation["evidence"]
        assert GOOD[evidence["start"] : evidence["end"]] == evidence["text"]


def test_evaluate_prints_per_file_and_micro_scores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.evaluation import EvaluationReport, FileScore, Scores

    report = EvaluationReport(
        [
            FileScore("a.json", Scores(3, 1, 0), Scores(4, 0, 0), Scores(1, 1, 2)),
            FileScore("b.json", Scores(1, 0, 1), Scores(1, 0, 1), Scores(1, 0, 0)),
        ]
    )
    calls: list[tuple[Path, Path | None]] = []

    def fake_evaluate(gold: Path, corpus: Path | None = None) -> EvaluationReport:
        calls.append((gold, corpus))
        return report

    monkeypatch.setattr("graph.evaluation.evaluate_gold", fake_evaluate)

    as_json = runner.invoke(app, ["evaluate", "--gold", str(tmp_path), "--format", "json"])
    table = runner.invoke(app, ["evaluate", "--gold", str(tmp_path), "--corpus", str(tmp_path / "texts")])

    assert as_json.exit_code == table.exit_code == 0, as_json.output + table.output
    payload = json.loads(as_json.stdout)
    assert payload["micro"]["relations"] == {
        "tp": 2,
        "fp": 1,
        "fn": 2,
        "precision": 0.6667,
        "recall": 0.5,
        "f1": 0.5714,
    }
    assert calls == [(tmp_path, None), (tmp_path, tmp_path / "texts")]
    # micro entity typed P/R/F1: 4/5, 4/5, 0.8
    assert "0.800 0.800 0.800" in table.stdout
    missing = runner.invoke(app, ["evaluate", "--gold", str(tmp_path / "none")])
    assert missing.exit_code == 1


def test_contributions_and_delete(data_dir: Path) -> None:
    found = runner.invoke(
        app, ["contributions", "--project", "cilium", "-f", "json", "--data-dir", str(data_dir)]
    )
    assert [(c["person"]["key"], c["predicate"]) for c in json.loads(found.stdout)] == [
        ("person/laurent-bernaille", "contributedTo")
    ]
    listed = runner.invoke(app, ["documents", "-f", "json", "--data-dir", str(data_dir)])
    document_id = json.loads(listed.stdout)[0]["id"]

    deleted = runner.invoke(app, ["delete", document_id, "--data-dir", str(data_dir)])
    again = runner.invoke(app, ["delete", document_id, "--data-dir", str(data_dir)])

    assert deleted.exit_code == 0
    assert again.exit_code == 1
    assert "not found" in again.stderr
    empty = runner.invoke(app, ["documents", "-f", "json", "--data-dir", str(data_dir)])
    assert json.loads(empty.stdout) == []


def test_entities_group_lists_merges_and_refuses_to_split_an_unknown_key(data_dir: Path) -> None:
    merges = runner.invoke(app, ["entities", "merges", "--format", "json", "--data-dir", str(data_dir)])
    assert merges.exit_code == 0, merges.output
    assert json.loads(merges.stdout) == []

    split = runner.invoke(app, ["entities", "split", "person/nobody", "--data-dir", str(data_dir)])
    assert split.exit_code != 0
    assert "not_found" in split.output


def test_a_malformed_query_is_one_line_pointing_at_the_users_own_line(data_dir: Path) -> None:
    result = runner.invoke(app, ["query", "SELECT * WHERE {", "--data-dir", str(data_dir)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "invalid_query" in lines[0]
    assert "at 1:" in lines[0]


def test_reading_commands_work_beside_a_read_only_server_and_writes_are_refused(data_dir: Path) -> None:
    # What `mkg serve --workers 2` holds: the store open read-only in another process.
    reader = open_store(data_dir, read_only=True)
    try:
        listed = runner.invoke(app, ["documents", "--data-dir", str(data_dir)])
        shown = runner.invoke(app, ["show", "person/laurent-bernaille", "--data-dir", str(data_dir)])
        deleted = runner.invoke(app, ["delete", "laurent.md", "--data-dir", str(data_dir)])
    finally:
        reader.close()

    assert listed.exit_code == 0, listed.output
    assert "laurent.md" in listed.stdout
    assert shown.exit_code == 0, shown.output
    assert "Laurent Bernaille" in shown.stdout
    assert deleted.exit_code == 1
    assert "served read-only" in deleted.stderr
    assert "Traceback" not in deleted.output
