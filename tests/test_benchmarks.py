"""The benchmark tools: synthetic inputs, the dataset file format, the representative queries, statistics."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmarks.measure import log_log_slope, percentiles, run_in_child
from benchmarks.store import GRAPH_MARK, documents_of, representative_queries
from benchmarks.synthetic import (
    GraphShape,
    synthetic_extractions,
    synthetic_ntriples,
    synthetic_post,
    write_corpus,
)
from graph.documents import read_document
from graph.records import fits_signature
from graph.store import open_memory_store
from graph.vocab import entity_iri

SMALL = GraphShape(documents=6, people=300, projects=40, organizations=20, conferences=5, technologies=10)


def test_synthetic_posts_are_the_same_for_a_seed_and_differ_across_seeds(tmp_path: Path) -> None:
    first = [p.read_text() for p in write_corpus(tmp_path / "a", 3, words_per_post=400, seed=5)]
    again = [p.read_text() for p in write_corpus(tmp_path / "b", 3, words_per_post=400, seed=5)]
    other = [p.read_text() for p in write_corpus(tmp_path / "c", 3, words_per_post=400, seed=6)]
    assert first == again
    assert first != other


def test_a_synthetic_post_reaches_its_word_count_and_reads_as_a_document() -> None:
    text = synthetic_post(random.Random(1), 0, 1200)
    assert 1200 <= len(text.split()) < 1400
    document = read_document(text, "post.md")
    assert document.metadata.title is not None and document.metadata.title.startswith("Meet the Maintainer")
    assert document.metadata.date is not None


def test_synthetic_facts_fit_the_ontology_and_their_evidence_is_the_raw_span() -> None:
    extractions = list(synthetic_extractions(SMALL, seed=3))
    assert len(extractions) == 6
    for extraction in extractions:
        types = {e.key: e.type for e in extraction.entities}
        assert len(extraction.facts) == SMALL.facts_per_document
        for fact in extraction.facts:
            assert fits_signature(fact.predicate, types[fact.subject], types[fact.object])
            raw = extraction.document.raw
            assert raw[fact.evidence.start : fact.evidence.end] == fact.evidence.text


def test_a_synthetic_graph_is_the_same_for_a_seed() -> None:
    assert list(synthetic_ntriples(SMALL, seed=2)) == list(synthetic_ntriples(SMALL, seed=2))
    assert list(synthetic_ntriples(SMALL, seed=2)) != list(synthetic_ntriples(SMALL, seed=4))


IRIS = st.from_regex(r"https://example\.org/g/[a-z0-9]{1,8}", fullmatch=True)
LINES = st.lists(
    st.from_regex(
        r"<https://example\.org/[a-z]{1,5}> <https://example\.org/p> \"[a-z #]*\" \.", fullmatch=True
    ),
    max_size=5,
)


@given(st.lists(st.tuples(IRIS, LINES), max_size=6))
def test_documents_of_reads_back_what_was_written(
    tmp_path_factory: pytest.TempPathFactory, graphs: list[tuple[str, list[str]]]
) -> None:
    path = tmp_path_factory.mktemp("dataset") / "documents.txt"
    with path.open("w", encoding="utf-8") as handle:
        for iri, lines in graphs:
            handle.write(f"{GRAPH_MARK}{iri}\n" + "".join(line + "\n" for line in lines))
    expected = [(iri, "".join(line + "\n" for line in lines)) for iri, lines in graphs]
    assert list(documents_of(path)) == expected


def test_representative_queries_answer_on_a_synthetic_graph() -> None:
    store = open_memory_store()
    extractions = list(synthetic_extractions(SMALL, seed=1))
    for iri, ntriples in synthetic_ntriples(SMALL, seed=1):
        store.add_document(iri, ntriples)
    first = extractions[0]
    by_key = {e.key: e for e in first.entities}
    fact = next(f for f in first.facts if f.predicate.value in ("contributedTo", "maintainerOf"))
    probes = {
        "person": str(entity_iri(fact.subject)),
        "project": str(entity_iri(fact.object)),
        "name_fragment": by_key[fact.subject].name[:4].lower(),
    }
    queries = representative_queries(probes)
    assert set(queries) == {
        "person_profile",
        "project_contributors",
        "top_people_by_facts",
        "co_contributors_path",
        "name_filter",
    }
    rows = {name: store.select(sparql).rows for name, sparql in queries.items()}
    assert rows["person_profile"]
    assert probes["person"] in {row["person"]["value"] for row in rows["project_contributors"]}
    assert 0 < len(rows["top_people_by_facts"]) <= 10
    assert by_key[fact.subject].name in {row["name"]["value"] for row in rows["name_filter"]}
    store.close()


def test_percentiles_use_the_nearest_rank() -> None:
    summary = percentiles([float(n) for n in range(1, 101)])
    assert (summary["p50_ms"], summary["p95_ms"], summary["p99_ms"]) == (50.0, 95.0, 99.0)
    assert summary["count"] == 100
    assert percentiles([]) == {"count": 0}


def test_log_log_slope_recovers_the_exponent() -> None:
    sizes = [1.0, 4.0, 16.0]
    assert log_log_slope(sizes, [3 * s for s in sizes]) == pytest.approx(1.0)
    assert log_log_slope(sizes, [0.5 * s**2 for s in sizes]) == pytest.approx(2.0)


def test_run_in_child_reports_a_failure_of_the_child() -> None:
    result = run_in_child("benchmarks.measure:log_log_slope", 120, sizes=[1.0], times=[1.0])
    assert result["error"].startswith("ZeroDivisionError")
    assert result["child_wall_s"] > 0


def test_the_report_puts_the_figures_between_the_markers(tmp_path: Path) -> None:
    from benchmarks.report import END, START, render, write_into

    results = {
        "mode": "quick",
        "machine": {"cpu": "Test CPU", "cores": 2},
        "extraction": {
            "corpus": "synthetic",
            "throughput": {
                "raw_ner_words_per_s": 2000.0,
                "ours_words_per_s": 1500.0,
                "ratio_ours_to_raw_ner_wall": 0.75,
            },
            "ingest_scaling": {"points": [{"factor": 1, "words": 1000, "ingest_s": 1.0}], "slope_wall": 1.02},
        },
    }
    figures = render(results)
    assert "| words/s (wall) | 2000.0 | 1500.0 | 0.75 |" in figures
    assert "1.02 (wall)" in figures
    document = tmp_path / "performance.md"
    document.write_text(f"# Title\n\n{START}\nold figures\n{END}\n\nAfter.\n", encoding="utf-8")
    write_into(document, figures)
    text = document.read_text(encoding="utf-8")
    assert "old figures" not in text
    assert text.startswith("# Title\n\n" + START + "\nRun: `quick` mode")
    assert text.endswith(END + "\n\nAfter.\n")


@pytest.mark.parametrize(
    ("argv", "written"),
    [([], True), (["--quick"], False), (["--only", "store"], False)],
)
def test_only_a_full_run_of_every_part_writes_the_performance_figures(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], written: bool
) -> None:
    import benchmarks.__main__ as entry
    from benchmarks.report import END, START

    document = tmp_path / "performance.md"
    document.write_text(f"{START}\nold figures\n{END}\n", encoding="utf-8")
    monkeypatch.setattr(entry, "PERFORMANCE_DOC", document)
    monkeypatch.setattr(
        entry, "run_benchmarks", lambda **_: {"mode": "full", "machine": {"cpu": "Test CPU", "cores": 2}}
    )

    assert entry.main(["--results", str(tmp_path), *argv]) == 0

    assert ("old figures" not in document.read_text(encoding="utf-8")) is written
