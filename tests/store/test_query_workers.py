"""Public queries run in worker processes that a timeout really stops."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.errors import InvalidQuery, QueryTimeout
from graph.store import OxigraphStore
from graph.store.base import QueryAnswer
from graph.store.workers import ProcessQueryRunner, PublicQuery, ThreadQueryRunner

G1 = "https://example.org/graph/one"
NAME = "<https://example.org/name>"
JSON = "application/sparql-results+json"
NAMES = PublicQuery("SELECT ?n WHERE { ?s <https://example.org/name> ?n }", JSON, max_rows=1000)
# Three-way cartesian product over a few hundred triples: hundreds of millions of rows to count.
SLOW = PublicQuery("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }", JSON)


def _names(runner: ProcessQueryRunner) -> list[str]:
    payload = json.loads(runner.run(NAMES, timeout=30).body)
    return sorted(row["n"]["value"] for row in payload["results"]["bindings"])


@pytest.fixture(params=["memory", "disk"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OxigraphStore]:
    store = OxigraphStore(None if request.param == "memory" else tmp_path / "store")
    yield store
    store.close()


@pytest.fixture
def runner(store: OxigraphStore) -> Iterator[ProcessQueryRunner]:
    runner = ProcessQueryRunner(store, workers=1)
    yield runner
    runner.close()


def test_workers_see_each_write_made_before_the_query(
    store: OxigraphStore, runner: ProcessQueryRunner
) -> None:
    store.add_document(G1, f'<https://example.org/a> {NAME} "Alice" .\n')
    assert _names(runner) == ["Alice"]
    store.add_document(G1, f'<https://example.org/b> {NAME} "Bob" .\n')
    assert _names(runner) == ["Bob"]


def test_a_query_over_its_time_is_stopped_and_the_next_one_is_answered(
    store: OxigraphStore, runner: ProcessQueryRunner
) -> None:
    triples = "".join(f'<https://example.org/s{i}> {NAME} "{i}" .\n' for i in range(300))
    store.add_document(G1, triples)
    with pytest.raises(QueryTimeout):
        runner.run(SLOW, timeout=0.5)
    assert len(_names(runner)) == 300


def test_a_syntax_error_comes_back_with_the_parser_message(runner: ProcessQueryRunner) -> None:
    with pytest.raises(InvalidQuery, match="does not parse"):
        runner.run(PublicQuery("SELECT * WHERE { ?s ?p ", JSON), timeout=30)


def test_disk_snapshots_are_removed_with_the_store(tmp_path: Path) -> None:
    store = OxigraphStore(tmp_path / "store")
    store.add_document(G1, f'<https://example.org/a> {NAME} "Alice" .\n')
    snapshot = store.snapshot()
    assert snapshot.path is not None and Path(snapshot.path).is_dir()
    assert store.snapshot() == snapshot  # no write since: the same copy
    store.close()
    assert not Path(snapshot.path).exists()


def test_snapshots_left_by_an_earlier_process_are_cleared_on_open(tmp_path: Path) -> None:
    stale = tmp_path / "store.snapshots" / "00000099"
    stale.mkdir(parents=True)
    store = OxigraphStore(tmp_path / "store")
    try:
        assert not stale.exists()
        store.add_document(G1, f'<https://example.org/a> {NAME} "Alice" .\n')
        runner = ProcessQueryRunner(store, workers=1)
        try:
            assert _names(runner) == ["Alice"]
        finally:
            runner.close()
    finally:
        store.close()


def test_warmed_up_workers_answer_queries(store: OxigraphStore) -> None:
    store.add_document(G1, f'<https://example.org/a> {NAME} "Alice" .\n')
    runner = ProcessQueryRunner(store, workers=2)
    try:
        runner.warm_up()
        assert _names(runner) == ["Alice"]
        assert _names(runner) == ["Alice"]
    finally:
        runner.close()


def test_the_thread_runner_stops_waiting_at_the_timeout() -> None:
    release = threading.Event()

    class SlowRemote:
        def answer(self, sparql: str, accept: str, **options: object) -> QueryAnswer:
            release.wait(timeout=30)
            return QueryAnswer(b"{}", accept)

    store = SlowRemote()
    runner = ThreadQueryRunner(store)  # type: ignore[arg-type]
    try:
        with pytest.raises(QueryTimeout):
            runner.run(NAMES, timeout=0.05)
    finally:
        release.set()
        runner.close()
