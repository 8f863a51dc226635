"""Markdown tables of a results file: `python -m benchmarks.report RESULTS.json [--write DOC.md]`.

With `--write`, the tables replace what stands between the figures markers of the document.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

START, END = "<!-- figures:start -->", "<!-- figures:end -->"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join("" if cell is None else str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _get(data: dict[str, Any], *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _load_test(runs: dict[str, Any]) -> list[str]:
    """The API-under-load tables: one per server configuration (answer cache on, off)."""
    parts: list[str] = []
    titles = {"cache_on": "answer cache on (the default)", "cache_off": "answer cache off"}
    for label, load in runs.items():
        if not isinstance(load, dict) or "routes" not in load:
            continue
        mix = load.get("mix") or {}
        parts.append(
            f"### API under load: {titles.get(label, label)} ({load.get('clients')} clients, "
            f"{load.get('seconds')} s, {load.get('server_workers')} uvicorn workers)"
        )
        first = (load.get("first_pass") or {}).get("routes") or {}
        rows = []
        for name, r in (load.get("routes") or {}).items():
            alone = first.get(name) or {}
            rows.append(
                [
                    name,
                    r.get("count"),
                    r.get("p50_ms"),
                    r.get("p95_ms"),
                    r.get("p99_ms"),
                    f"{alone.get('p50_ms')} / {alone.get('p99_ms')}" if alone else "",
                ]
            )
        overall = load.get("all_routes") or {}
        rows.append(
            [
                "all",
                overall.get("count"),
                overall.get("p50_ms"),
                overall.get("p95_ms"),
                overall.get("p99_ms"),
                "",
            ]
        )
        parts.append(
            _table(
                ["route", "requests", "p50 ms", "p95 ms", "p99 ms", "first pass, one client: p50 / p99 ms"],
                rows,
            )
        )
        parts.append(
            f"Throughput {load.get('throughput_rps')} requests/s; {load.get('requests_failed')} failed "
            f"{load.get('errors') or ''}. Mix: {mix.get('distinct_requests')} distinct requests over "
            f"{mix.get('people')} people and {mix.get('projects')} projects, weights {mix.get('weights')}."
        )
    return parts


def render(results: dict[str, Any]) -> str:
    """The figures of one run as Markdown."""
    parts: list[str] = []
    machine = results.get("machine", {})
    parts.append(
        f"Run: `{results.get('mode')}` mode, {machine.get('date_utc')}, {results.get('total_s')} s in all. "
        f"Machine: {machine.get('cpu')}, {machine.get('cores')} cores, {machine.get('memory_gib')} GiB; "
        f"load average {machine.get('load_average')} at the start, "
        f"{machine.get('load_average_end')} at the end. "
        f"Python {machine.get('python')}, spaCy {machine.get('spacy')}, "
        f"pyoxigraph {machine.get('pyoxigraph')}, rdflib {machine.get('rdflib')}."
    )
    extraction = results.get("extraction")
    if extraction:
        t = extraction.get("throughput", {})
        parts.append("### Extraction against raw spaCy NER (same texts, same run)")
        parts.append(
            _table(
                ["", "raw NER (tok2vec+ner)", "mkg extraction", "ours / raw"],
                [
                    [
                        "words/s (wall)",
                        t.get("raw_ner_words_per_s"),
                        t.get("ours_words_per_s"),
                        t.get("ratio_ours_to_raw_ner_wall"),
                    ],
                    [
                        "words/s (CPU)",
                        t.get("raw_ner_words_per_cpu_s"),
                        t.get("ours_words_per_cpu_s"),
                        t.get("ratio_ours_to_raw_ner_cpu"),
                    ],
                ],
            )  # fmt: skip
        )
        parts.append(
            f"{t.get('documents')} documents, {t.get('words')} words ({extraction.get('corpus')}); "
            f"median of {len(t.get('repeats', []))} interleaved repeats; "
            f"peak RSS {t.get('peak_rss_mib')} MiB (both pipelines loaded)."
        )
        shares = t.get("share_of_our_time") or {}
        components = t.get("spacy_component_cpu_s") or {}
        parts.append(
            "Where our CPU time goes: "
            + ", ".join(f"{name} {share:.1%}" for name, share in shares.items())
            + ". Inside the spaCy pass (CPU s, one pass): "
            + ", ".join(f"{name} {value}" for name, value in components.items())
            + "."
        )
        workers = extraction.get("workers") or []
        parts.append("### `extract_all` with 1 and 2 processes (worker start-up included)")
        parts.append(
            _table(
                [
                    "n_process",
                    "words",
                    "wall s",
                    "CPU s (all processes)",
                    "words/s",
                    "peak RSS MiB (parent / child)",
                ],
                [
                    [
                        w.get("n_process"),
                        w.get("words"),
                        w.get("wall_s"),
                        w.get("cpu_s_all_processes"),
                        w.get("words_per_s"),
                        f"{w.get('peak_rss_mib')} / {w.get('peak_rss_children_mib')}",
                    ]
                    for w in workers
                ],
            )  # fmt: skip
        )
        scaling = extraction.get("ingest_scaling") or {}
        parts.append("### Ingest scaling (synthetic posts, `ingest_paths` into an on-disk store)")
        parts.append(
            _table(
                ["size", "documents", "words", "facts", "wall s", "CPU s", "words/s", "peak RSS MiB"],
                [
                    [
                        f"{p.get('factor')}x",
                        p.get("documents"),
                        p.get("words"),
                        p.get("facts"),
                        p.get("ingest_s"),
                        p.get("ingest_cpu_s"),
                        p.get("words_per_s"),
                        p.get("peak_rss_mib"),
                    ]
                    for p in scaling.get("points", [])
                ],
            )  # fmt: skip
        )
        parts.append(
            f"Log-log slope of time against words: {scaling.get('slope_wall')} (wall), "
            f"{scaling.get('slope_cpu')} (CPU). Model load is outside the timed part."
        )
    store = results.get("store")
    if store:
        dataset = store.get("dataset", {})
        ours, raw = store.get("load_ours", {}), store.get("load_raw", {})
        parts.append("### Store: load and size")
        parts.append(
            f"Synthetic graph: {dataset.get('documents')} documents, "
            f"{dataset.get('named_triples')} triples in document graphs, "
            f"{dataset.get('default_graph_triples')} in the default graph (their merge), "
            f"{dataset.get('stored_quads')} quads stored."
        )
        single = store.get("load_ours_per_document", {})
        rows = []
        for label, run in (
            (f"mkg `Store.add_documents`, {ours.get('batch_documents')} documents a call", ours),
            ("mkg `Store.add_document`, one document a call (what ingest does)", single),
            ("pyoxigraph `bulk_load` of the same quads", raw),
        ):
            if run:
                rows.append(
                    [
                        label,
                        run.get("load_s"),
                        run.get("load_cpu_s"),
                        run.get("disk_mib"),
                        run.get("peak_rss_mib"),
                    ]
                )
        parts.append(_table(["", "load wall s", "load CPU s", "disk MiB", "peak RSS MiB"], rows))
        cpu_ratio = (
            round(ours["load_cpu_s"] / raw["load_cpu_s"], 2)
            if ours.get("load_cpu_s") and raw.get("load_cpu_s")
            else None
        )
        add = single.get("add_document_ms", {})
        parts.append(
            f"Load ratio ours (batched) / raw: {store.get('ratio_load_ours_to_raw')} wall, {cpu_ratio} CPU. "
            f"One document a call: p50 {add.get('p50_ms')} ms, p95 {add.get('p95_ms')} ms a document; "
            "mean of the first tenth "
            f"{single.get('add_document_first_tenth_mean_ms')} ms, of the last tenth "
            f"{single.get('add_document_last_tenth_mean_ms')} ms."
        )
        queries = _get(store, "queries", "queries") or {}
        parts.append("### Queries: pyoxigraph directly, `Store.select`, HTTP `/sparql` (ms)")
        parts.append(
            _table(
                [
                    "query",
                    "rows",
                    "raw p50",
                    "raw p95",
                    "Store p50",
                    "Store p95",
                    "HTTP p50",
                    "HTTP p95",
                    "Store / raw (p50)",
                    "HTTP / raw (p50)",
                ],
                [
                    [
                        name,
                        q["rows"]["raw"],
                        q["raw"].get("p50_ms"),
                        q["raw"].get("p95_ms"),
                        q["store"].get("p50_ms"),
                        q["store"].get("p95_ms"),
                        q["http"].get("p50_ms"),
                        q["http"].get("p95_ms"),
                        q.get("ratio_store_to_raw_p50"),
                        q.get("ratio_http_to_raw_p50"),
                    ]
                    for name, q in queries.items()
                ],
            )  # fmt: skip
        )
        functions = _get(store, "queries", "api_functions") or {}
        parts.append("Functions behind the routes, called on the store (ms):")
        parts.append(
            _table(
                ["function", "p50", "p95"],
                [[name, f.get("p50_ms"), f.get("p95_ms")] for name, f in functions.items()],
            )
        )
        second = store.get("second_process") or {}
        parts.append(
            "A second process opening the store while a one-worker server writes to it "
            f"(`open_store`): read-write {second.get('read_write')} Read-only {second.get('read_only')}"
        )
        parts.extend(_load_test(store.get("load_test") or {}))
        exports = _get(store, "exports", "formats") or {}
        if exports:
            parts.append(
                "### Exports of the whole store "
                f"(each in a fresh process, {dataset.get('named_triples')} triples)"
            )
            rows = [
                [
                    name,
                    e.get("seconds"),
                    e.get("cpu_seconds"),
                    e.get("output_mib"),
                    e.get("peak_rss_mib"),
                    e.get("error", ""),
                ]
                for name, e in exports.items()
            ]
            floors = {
                "read_floor": "floor of the RDF formats: read every document graph, write nothing",
                "view_floor": "floor of the view formats: build the view, write nothing",
            }
            for floor, label in floors.items():
                f = _get(store, "exports", floor) or {}
                if f:
                    rows.append(
                        [f"({label})", f.get("seconds"), f.get("cpu_seconds"), "", f.get("peak_rss_mib"), ""]
                    )
            parts.append(_table(["format", "seconds", "CPU s", "output MiB", "peak RSS MiB", "note"], rows))
    dask = results.get("dask")
    if dask:
        parts.append("### Extraction on a Dask LocalCluster against one process")
        if "skipped" in dask or "error" in dask:
            parts.append(str(dask.get("skipped") or dask.get("error")))
        else:
            parts.append(
                _table(
                    [
                        "documents",
                        "words",
                        "workers",
                        "one process s",
                        "Dask s",
                        "speed-up",
                        "cluster start + model load s",
                        "identical graphs",
                    ],
                    [
                        [
                            dask.get("documents"),
                            dask.get("words"),
                            dask.get("workers"),
                            dask.get("single_process_s"),
                            dask.get("dask_s"),
                            dask.get("speedup"),
                            dask.get("cluster_start_and_model_load_s"),
                            dask.get("identical_graphs"),
                        ]
                    ],
                )  # fmt: skip
            )
    return "\n\n".join(parts) + "\n"


def write_into(document: Path, figures: str) -> None:
    """Replace the text between the figures markers of `document`."""
    text = document.read_text(encoding="utf-8")
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{document}: no {START} ... {END} markers")
    document.write_text(pattern.sub(lambda _: f"{START}\n{figures}{END}", text), encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__)
    parser.add_argument("results", type=Path)
    parser.add_argument("--write", type=Path, default=None, help="Markdown file with figures markers")
    args = parser.parse_args(argv)
    figures = render(json.loads(args.results.read_text(encoding="utf-8")))
    if args.write:
        write_into(args.write, figures)
    else:
        sys.stdout.write(figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
