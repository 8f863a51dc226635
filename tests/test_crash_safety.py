"""kill -9 during a large `mkg ingest`: the store opens again, every document is whole or absent, and
`mkg ingest --resume` finishes the job without extracting the stored documents again. The same for
batches written with `Store.add_documents`."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rdflib import Graph

from graph.documents import read_document
from graph.rdf import extraction_to_graph, to_ntriples
from graph.store import Store, open_store
from graph.vocab import document_id_of_iri, document_iri
from tests.conftest import hand_made_extraction

REPO = Path(__file__).resolve().parents[1]
DOCUMENTS = 60
# `mkg ingest` with the hand-made extractor, which counts the documents it extracted in a file (so the
# test knows the run is under way) and takes a moment per document (so the run is still going when
# it is killed).
DRIVER = """
import sys, time
from pathlib import Path
import graph.extraction
from tests.conftest import hand_made_extraction

counter = Path(sys.argv[1])
seen = 0

def counting(document):
    global seen
    seen += 1
    counter.write_text(str(seen))
    time.sleep(0.01)
    return hand_made_extraction(document)

graph.extraction.extract = counting
graph.extraction.EXTRACTOR_VERSION = "hand-made/1"
from api.cli import app
app(sys.argv[2:], prog_name="mkg")
"""


def write_corpus(folder: Path) -> None:
    folder.mkdir(parents=True)
    for i in range(DOCUMENTS):
        # Sizes vary, so that some writes are large and a kill may land in one.
        lines = ["Laurent Bernaille works at Datadog.", f"Post number {i}."]
        lines += ["Laurent Bernaille contributed to Cilium and Cilium was created by Thomas Graf."] * (
            1 + (i * 37) % 400
        )
        (folder / f"post-{i:03d}.md").write_text(
            f'---\ntitle: "Post {i}"\ndate: 2024-01-{1 + i % 28:02d}\n---\n' + "\n".join(lines) + "\n",
            encoding="utf-8",
        )


def start_ingest(corpus: Path, data: Path, counter: Path, *extra: str) -> subprocess.Popen[bytes]:
    # Output goes to files: a pipe nobody reads would fill up and stall the run.
    out = counter.with_suffix(".out").open("wb")
    err = counter.with_suffix(".err").open("wb")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("MKG_STORE", "MKG_DATA_DIR", "MKG_ADMIN_TOKEN"):
        env.pop(name, None)
    return subprocess.Popen(
        [sys.executable, "-c", DRIVER, str(counter), "ingest", str(corpus), "--data-dir", str(data), *extra],
        cwd=REPO,
        env=env,
        stdout=out,
        stderr=err,
    )


def wait_for_count(process: subprocess.Popen[bytes], counter: Path, at_least: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = counter.with_suffix(".err").read_text(errors="replace")[-2000:]
            raise AssertionError(f"ingest ended before the kill: {log}")
        text = counter.read_text().strip() if counter.exists() else ""
        if text.isdigit() and int(text) >= at_least:
            return
        time.sleep(0.02)
    raise AssertionError("ingest did not get going")


def expected_graph(corpus: Path, document_id: str) -> Graph:
    source = f"{document_id}" if document_id.endswith(".md") else f"{document_id}.md"
    document = read_document((corpus / source).read_bytes(), source)
    return Graph().parse(data=to_ntriples(extraction_to_graph(hand_made_extraction(document))), format="nt")


def check_whole_or_absent(store: Store, corpus: Path) -> int:
    """Every stored document graph equals a fresh extraction of its file; returns how many are stored."""
    ids = [d for iri in store.documents() if (d := document_id_of_iri(iri)) is not None]
    for document_id in ids:
        stored = Graph().parse(
            data=store.get_graph(str(document_iri(document_id)), "application/n-triples").decode(),
            format="nt",
        )
        expected = expected_graph(corpus, document_id)
        assert set(stored) == set(expected), f"{document_id} is stored incompletely"
    return len(ids)


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_during_ingest_leaves_whole_documents_and_resume_finishes(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    data = tmp_path / "data"
    counter = tmp_path / "extracted"
    write_corpus(corpus)
    stored_after_kills: list[int] = []
    for kill_after in (8, 20, 35):
        counter.unlink(missing_ok=True)
        process = start_ingest(corpus, data, counter, "--resume")
        wait_for_count(process, counter, kill_after - (stored_after_kills[-1] if stored_after_kills else 0))
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        assert process.returncode == -signal.SIGKILL

        store = open_store(data)  # opens again: no lock left behind, no repair needed
        try:
            stored = check_whole_or_absent(store, corpus)
        finally:
            store.close()
        assert 0 < stored < DOCUMENTS
        if stored_after_kills:
            assert stored >= stored_after_kills[-1]
        stored_after_kills.append(stored)

    counter.unlink(missing_ok=True)
    process = start_ingest(corpus, data, counter, "--resume", "--verbose")
    process.wait(timeout=300)
    stdout = counter.with_suffix(".out").read_bytes()
    assert process.returncode == 0, counter.with_suffix(".err").read_text(errors="replace")[-2000:]
    extracted_again = int(counter.read_text()) if counter.exists() else 0
    stored_lines = re.findall(r"^post-\d{3}\.md: ", stdout.decode(), flags=re.MULTILINE)

    # Only the documents missing after the last kill were extracted and stored.
    assert extracted_again == DOCUMENTS - stored_after_kills[-1]
    assert len(stored_lines) == DOCUMENTS - stored_after_kills[-1]
    store = open_store(data)
    try:
        assert check_whole_or_absent(store, corpus) == DOCUMENTS
    finally:
        store.close()


def test_resume_skips_documents_stored_with_the_same_content(tmp_path: Path, memory_store: Store) -> None:
    from graph.ingest import ingest_paths

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in ("a.md", "b.md", "c.md"):
        (corpus / name).write_text(f"Laurent Bernaille works at Datadog.\n{name}\n", encoding="utf-8")
    ingest_paths([corpus / "a.md", corpus / "b.md"], memory_store, extractor=hand_made_extraction)
    (corpus / "b.md").write_text("Laurent Bernaille contributed to Cilium.\n", encoding="utf-8")

    report = ingest_paths([corpus], memory_store, extractor=hand_made_extraction, skip_unchanged=True)

    assert report.skipped == ["a.md"]
    assert sorted(summary.source for summary in report.documents) == ["b.md", "c.md"]
    again = ingest_paths([corpus], memory_store, extractor=hand_made_extraction, skip_unchanged=True)
    assert again.skipped == ["a.md", "b.md", "c.md"] and again.documents == []
    fresh = ingest_paths([corpus], memory_store, extractor=hand_made_extraction)
    assert fresh.skipped == [] and len(fresh.documents) == 3


# Writes batches of large documents with `add_documents` (the bulk path) until killed, counting the
# batches it finished in a file.
BATCH_WRITER = """
import sys
from pathlib import Path
from graph.store import OxigraphStore

store_dir, counter = sys.argv[1], Path(sys.argv[2])
store = OxigraphStore(store_dir)
for batch in range(40):
    documents = []
    for d in range(batch * 50, batch * 50 + 50):
        own = [f'<https://example.org/d{d}/t{k}> <https://example.org/p> "{k}" .' for k in range(2900)]
        shared = [f'<https://example.org/shared{k}> <https://example.org/p> "{k}" .' for k in range(100)]
        documents.append((f"https://example.org/graph/{d}", "\\n".join(own + shared) + "\\n"))
    store.add_documents(documents)
    counter.write_text(str(batch + 1))
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_kill_9_during_batch_writes_leaves_whole_documents_and_the_default_graph_their_merge(
    tmp_path: Path,
) -> None:
    store_dir, counter = tmp_path / "store", tmp_path / "batches"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        [sys.executable, "-c", BATCH_WRITER, str(store_dir), str(counter)], cwd=REPO, env=env
    )
    deadline = time.monotonic() + 120
    while not (counter.exists() and counter.read_text().strip() == "2"):
        assert process.poll() is None, "the writer ended before the kill"
        assert time.monotonic() < deadline, "the writer did not get going"
        time.sleep(0.01)
    time.sleep(0.3)  # into the third batch (300,000 quads in one bulk ingestion)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)

    store = open_store(store_dir)
    try:
        sizes = store.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g").rows
        stored = len(sizes)
        assert stored >= 100 and stored % 50 == 0  # whole batches: one ingestion each
        assert {row["n"]["value"] for row in sizes} == {"3000"}
        (row,) = store.select("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
        assert int(row["n"]["value"]) == stored * 2900 + 100
    finally:
        store.close()
