"""Extraction speed: the full `mkg` extraction against raw spaCy NER on the same texts, and ingest scaling."""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.measure import log_log_slope, run_in_child
from benchmarks.synthetic import write_corpus

# What raw NER keeps of the model: the embedding layer and the recogniser (as issue #7 defines it).
# In en_core_web_sm the recogniser embeds tokens itself; `tok2vec` feeds only the tagger and parser.
NER_PIPES = ("tok2vec", "ner")


def read_corpus(corpus_dir: Path | None, max_words: int, *, seed: int = 3) -> list[Any]:
    """Documents of the shared corpus (or synthetic posts when it is absent), up to about `max_words`."""
    from graph.ingest import discover, read_file

    if corpus_dir is None or not corpus_dir.is_dir():
        corpus_dir = Path(tempfile.mkdtemp(prefix="mkg-bench-corpus-"))
        write_corpus(corpus_dir, max(1, max_words // 2500), seed=seed)
    documents = []
    words = 0
    for path, source in discover([corpus_dir]):
        try:
            document = read_file(path, source)
        except Exception:  # a file the product refuses is not part of the measurement
            continue
        documents.append(document)
        words += len(document.text.split())
        if words >= max_words:
            break
    return documents


def _raw_ner() -> Any:
    import spacy

    from graph.extraction.pipeline import MODEL_PACKAGE

    probe = spacy.load(MODEL_PACKAGE)
    return spacy.load(MODEL_PACKAGE, disable=[name for name in probe.pipe_names if name not in NER_PIPES])


def throughput(
    corpus_dir: str | None, max_words: int, repeats: int, profile_to: str | None = None
) -> dict[str, Any]:
    """Words/second of raw NER, the full model, and the `mkg` extraction, passes interleaved.

    Runs in a child process. Each repeat times the three one after the other, so a change in machine
    load hits all three alike; ratios are taken per repeat, then the median.
    """
    from graph.extraction import PARSER_BATCH_SIZE, PIPE_BATCH_SIZE, extract_all
    from graph.extraction.mentions import find_mentions
    from graph.extraction.pipeline import build_nlp
    from graph.extraction.relations import find_facts
    from graph.resolution import resolve

    documents = read_corpus(Path(corpus_dir) if corpus_dir else None, max_words)
    texts = [document.text for document in documents]
    words = sum(len(text.split()) for text in texts)
    started = time.perf_counter()
    ours_nlp = build_nlp()
    load_ours = time.perf_counter() - started
    started = time.perf_counter()
    raw = _raw_ner()
    load_raw = time.perf_counter() - started
    # Warm both (first calls allocate and fill caches).
    list(raw.pipe(texts[:2]))
    list(extract_all(documents[:2]))

    rows: list[dict[str, float]] = []
    for _ in range(repeats):
        row: dict[str, float] = {}
        clock = _Clock()
        for _doc in raw.pipe(texts):
            pass
        clock.lap(row, "raw_ner")
        for _extracted in extract_all(documents):
            pass
        clock.lap(row, "ours")
        # Where our time goes: the model pass with our ruler (batched as `extract_all` batches it),
        # then each pure step (CPU seconds).
        docs = list(
            ours_nlp.pipe(
                texts,
                batch_size=PIPE_BATCH_SIZE,
                component_cfg={"parser": {"batch_size": PARSER_BATCH_SIZE}},
            )
        )
        clock.lap(row, "ours_nlp")
        steps = {"find_mentions_cpu_s": 0.0, "resolve_cpu_s": 0.0, "find_facts_cpu_s": 0.0}
        for doc, document in zip(docs, documents, strict=True):
            t0 = time.process_time()
            mentions = find_mentions(doc, document)
            t1 = time.process_time()
            resolution = resolve(document, mentions)
            t2 = time.process_time()
            find_facts(doc, document, resolution)
            t3 = time.process_time()
            steps["find_mentions_cpu_s"] += t1 - t0
            steps["resolve_cpu_s"] += t2 - t1
            steps["find_facts_cpu_s"] += t3 - t2
        row.update(steps)
        del docs
        rows.append(row)

    per_component = _component_times(ours_nlp, texts)
    result: dict[str, Any] = {
        "documents": len(documents),
        "words": words,
        "model_load_s": {"ours": round(load_ours, 2), "raw_ner": round(load_raw, 2)},
        "raw_ner_pipes": list(raw.pipe_names),
        "ours_pipes": list(ours_nlp.pipe_names),
        "repeats": [{k: round(v, 3) for k, v in row.items()} for row in rows],
        "raw_ner_words_per_s": round(words / statistics.median(r["raw_ner_wall_s"] for r in rows), 1),
        "ours_words_per_s": round(words / statistics.median(r["ours_wall_s"] for r in rows), 1),
        "raw_ner_words_per_cpu_s": round(words / statistics.median(r["raw_ner_cpu_s"] for r in rows), 1),
        "ours_words_per_cpu_s": round(words / statistics.median(r["ours_cpu_s"] for r in rows), 1),
        "ratio_ours_to_raw_ner_wall": _ratio(rows, "wall"),
        "ratio_ours_to_raw_ner_cpu": _ratio(rows, "cpu"),
        "share_of_our_time": _shares(rows),
        "spacy_component_cpu_s": per_component,
    }
    if profile_to:
        result["profile"] = _profile(documents, Path(profile_to))
    return result


class _Clock:
    """Wall and CPU seconds between laps. CPU time is what a busy machine disturbs least."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self, row: dict[str, float], name: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        row[f"{name}_wall_s"] = wall - self.wall
        row[f"{name}_cpu_s"] = cpu - self.cpu
        self.wall, self.cpu = time.perf_counter(), time.process_time()


def _ratio(rows: list[dict[str, float]], clock: str) -> float:
    """Speed of ours relative to raw NER (raw time / our time): 1.0 is as fast, 0.5 half as fast."""
    return round(statistics.median(r[f"raw_ner_{clock}_s"] / r[f"ours_{clock}_s"] for r in rows), 3)


def _shares(rows: list[dict[str, float]]) -> dict[str, float]:
    keys = ("ours_nlp_cpu_s", "find_mentions_cpu_s", "resolve_cpu_s", "find_facts_cpu_s")
    totals = {key: sum(row[key] for row in rows) for key in keys}
    whole = sum(totals.values()) or 1.0
    return {key.removesuffix("_cpu_s"): round(value / whole, 3) for key, value in totals.items()}


def _component_times(nlp: Any, texts: list[str]) -> dict[str, float]:
    """CPU seconds spent in the tokenizer and each pipeline component over the texts (one pass)."""
    times: dict[str, float] = {"tokenizer": 0.0}
    for text in texts:
        started = time.process_time()
        doc = nlp.make_doc(text)
        times["tokenizer"] += time.process_time() - started
        for name, component in nlp.pipeline:
            started = time.process_time()
            doc = component(doc)
            times[name] = times.get(name, 0.0) + time.process_time() - started
    return {name: round(value, 3) for name, value in times.items()}


def _profile(documents: list[Any], out: Path) -> str:
    """A pyinstrument profile of one extraction pass, written as text; returns the path (or why not)."""
    try:
        from pyinstrument import Profiler
    except ImportError:
        return "pyinstrument is not installed"
    from graph.extraction import extract_all

    profiler = Profiler(interval=0.002)
    profiler.start()
    for _extracted in extract_all(documents):
        pass
    profiler.stop()
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(profiler.output_text(unicode=False, color=False, show_all=False), encoding="utf-8")
    return str(out)


def workers_pass(corpus_dir: str | None, max_words: int, n_process: int) -> dict[str, Any]:
    """Wall time of `extract_all(n_process=...)` over the texts, worker start-up included (child process)."""
    from graph.extraction import extract_all
    from graph.extraction.pipeline import build_nlp

    documents = read_corpus(Path(corpus_dir) if corpus_dir else None, max_words)
    words = sum(len(document.text.split()) for document in documents)
    build_nlp()
    before = os.times()
    started = time.perf_counter()
    facts = sum(len(extraction.facts) for extraction in extract_all(documents, n_process=n_process))
    elapsed = time.perf_counter() - started
    after = os.times()
    # Worker processes are counted once they have ended and been waited for, which `nlp.pipe` does.
    cpu = sum(after[:4]) - sum(before[:4])
    return {
        "n_process": n_process,
        "documents": len(documents),
        "words": words,
        "facts": facts,
        "wall_s": round(elapsed, 3),
        "cpu_s_all_processes": round(cpu, 3),
        "words_per_s": round(words / elapsed, 1),
    }


def ingest_once(corpus_dir: str, store_dir: str, n_process: int) -> dict[str, Any]:
    """`ingest_paths` of a directory into a fresh on-disk store (child process; model load timed apart)."""
    from graph.extraction.pipeline import build_nlp
    from graph.ingest import ingest_paths
    from graph.store import open_store

    started = time.perf_counter()
    build_nlp()
    load = time.perf_counter() - started
    words = sum(len(p.read_text(encoding="utf-8").split()) for p in Path(corpus_dir).glob("*.md"))
    store = open_store(store_dir)
    started = time.perf_counter()
    cpu = time.process_time()
    report = ingest_paths([Path(corpus_dir)], store, n_process=n_process)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    store.close()
    return {
        "documents": len(report.documents),
        "failures": len(report.failures),
        "facts": report.facts,
        "words": words,
        "model_load_s": round(load, 2),
        "ingest_s": round(elapsed, 3),
        "ingest_cpu_s": round(cpu, 3),
        "words_per_s": round(words / elapsed, 1),
    }


def run(quick: bool, results_dir: Path, corpus_dir: Path | None) -> dict[str, Any]:
    """Every extraction figure: ratio to raw NER, workers 1 vs 2, ingest scaling 1x / 4x / 16x."""
    max_words = 3_000 if quick else 40_000
    corpus = str(corpus_dir) if corpus_dir and corpus_dir.is_dir() else None
    out: dict[str, Any] = {"corpus": corpus or "synthetic"}
    out["throughput"] = run_in_child(
        "benchmarks.extraction:throughput",
        1800,
        corpus_dir=corpus,
        max_words=max_words,
        repeats=1 if quick else 3,
        profile_to=None if quick else str(results_dir / "extraction-profile.txt"),
    )
    out["workers"] = [
        run_in_child(
            "benchmarks.extraction:workers_pass", 1800, corpus_dir=corpus, max_words=max_words, n_process=n
        )
        for n in (1, 2)
    ]
    out["ingest_scaling"] = ingest_scaling(quick)
    return out


def ingest_scaling(quick: bool) -> dict[str, Any]:
    """Ingest of 1x, 4x and 16x a synthetic corpus: wall time, peak RSS, and the log-log slope."""
    base_posts, words_per_post = (1, 1000) if quick else (4, 2500)
    points = []
    with tempfile.TemporaryDirectory(prefix="mkg-bench-ingest-") as tmp:
        for factor in (1, 4, 16):
            corpus = Path(tmp) / f"corpus-{factor}x"
            write_corpus(corpus, base_posts * factor, words_per_post=words_per_post, seed=factor)
            measured = run_in_child(
                "benchmarks.extraction:ingest_once",
                3600,
                corpus_dir=str(corpus),
                store_dir=str(Path(tmp) / f"store-{factor}x"),
                n_process=1,
            )
            measured["factor"] = factor
            points.append(measured)
    usable = [p for p in points if "ingest_s" in p]
    slope = (
        round(log_log_slope([p["words"] for p in usable], [p["ingest_s"] for p in usable]), 3)
        if len(usable) >= 2
        else None
    )
    cpu_slope = (
        round(log_log_slope([p["words"] for p in usable], [p["ingest_cpu_s"] for p in usable]), 3)
        if len(usable) >= 2
        else None
    )
    return {
        "posts_1x": base_posts,
        "words_per_post": words_per_post,
        "points": points,
        "slope_wall": slope,
        "slope_cpu": cpu_slope,
    }
