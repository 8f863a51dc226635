"""Measuring tools: runs in a fresh child process (wall time, peak RSS), percentiles, fits, the machine."""

from __future__ import annotations

import importlib
import math
import multiprocessing
import os
import platform
import resource
import statistics
import time
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MIB = 1024 * 1024


def peak_rss_mib() -> dict[str, float]:
    """Peak resident memory of this process and of its largest finished child, in MiB (Linux: KiB units)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"peak_rss_mib": round(own, 1), "peak_rss_children_mib": round(children, 1)}


def _child(target: str, kwargs: dict[str, Any], conn: Any) -> None:
    module_name, _, function_name = target.partition(":")
    try:
        function: Callable[..., dict[str, Any]] = getattr(importlib.import_module(module_name), function_name)
        result = function(**kwargs)
        result.update(peak_rss_mib())
        conn.send(result)
    except BaseException as error:  # reported to the parent, which records the failure
        conn.send({"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()})
    finally:
        conn.close()


def run_in_child(target: str, timeout: float, **kwargs: Any) -> dict[str, Any]:
    """Run `module:function(**kwargs)` in a fresh process; its dict result gains its peak RSS.

    A fresh process per measurement keeps peaks apart and caches cold. After `timeout` seconds the child
    is killed and the result says so.
    """
    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(target, kwargs, send))
    started = time.perf_counter()
    process.start()
    send.close()
    result: dict[str, Any]
    if receive.poll(timeout):
        try:
            result = receive.recv()
        except EOFError:
            result = {"error": "the child process died without a result"}
    else:
        result = {"error": f"timed out after {timeout:g} s", "timed_out": True}
        process.kill()
    process.join(10)
    if process.is_alive():
        process.kill()
        process.join()
    result.setdefault("child_wall_s", round(time.perf_counter() - started, 3))
    return result


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / p99 (nearest rank), mean and count of latency samples in milliseconds."""
    if not samples_ms:
        return {"count": 0}
    ordered = sorted(samples_ms)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]

    return {
        "count": len(ordered),
        "p50_ms": round(rank(0.50), 3),
        "p95_ms": round(rank(0.95), 3),
        "p99_ms": round(rank(0.99), 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
    }


def log_log_slope(sizes: Sequence[float], times: Sequence[float]) -> float:
    """Least-squares slope of log(time) against log(size): 1.0 means linear scaling."""
    xs = [math.log(size) for size in sizes]
    ys = [math.log(value) for value in times]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    numerator = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    denominator = sum((x - mean_x) ** 2 for x in xs)
    return numerator / denominator


def directory_size_mib(path: Path) -> float:
    """Bytes of all files under `path`, in MiB."""
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / MIB, 2)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return 0.0


def machine_info() -> dict[str, Any]:
    """The machine, its load and the versions of the engines measured."""
    import pyoxigraph
    import rdflib
    import spacy

    return {
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "load_average": [round(value, 2) for value in os.getloadavg()],
        "python": platform.python_version(),
        "platform": platform.platform(),
        "spacy": spacy.__version__,
        "pyoxigraph": pyoxigraph.__version__,
        "rdflib": rdflib.__version__,
    }
