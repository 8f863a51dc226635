"""Queries from the public endpoint, run where a timeout can really stop them.

Oxigraph cannot cancel a running query, so for the embedded store each query runs in one of a few
worker processes that read a snapshot of the store (`OxigraphStore.snapshot`: an Oxigraph backup on
disk, opened read-only; an N-Quads copy for an in-memory store). A worker still busy when the timeout
expires is killed and replaced; the other requests never wait on it. For the remote backend the
timeout bounds the HTTP exchange, and a few threads keep slow answers off the request threads.
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from graph.errors import InvalidQuery, MkgError, QueryTimeout, StoreUnavailable
from graph.store.base import QueryAnswer, Store
from graph.store.oxigraph import OxigraphStore, StoreSnapshot

DEFAULT_WORKERS = 2
_START_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class PublicQuery:
    """One query of the public endpoint, with its dataset and limits."""

    sparql: str
    accept: str
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    max_rows: int | None = None


class QueryRunner(Protocol):
    """Runs public queries with a timeout that stops the work."""

    def run(self, query: PublicQuery, timeout: float) -> QueryAnswer:
        """The answer, or QueryTimeout when it takes longer than `timeout` seconds."""

    def close(self) -> None:
        """Stop the workers."""


def _timeout_error(timeout: float) -> QueryTimeout:
    return QueryTimeout(
        f"The query ran longer than {timeout:g} s (MKG_QUERY_TIMEOUT) and was stopped; "
        "add a LIMIT or narrow its patterns."
    )


# ---- the worker process ----------------------------------------------------------------------------


def _serve_pair(requests: Connection, replies: Connection) -> None:
    """Main loop of a worker process: open snapshots, answer queries, until the pipe closes."""
    import pyoxigraph

    from graph.store.media import dataset_arguments, limited_answer, negotiate

    opened_key: str | None = None
    store: Any = None
    replies.send(("ready", None))
    while True:
        try:
            message = requests.recv()
        except (EOFError, OSError):
            return
        snapshot, query = message
        try:
            if snapshot is not None and snapshot.key != opened_key:
                store = None
                if snapshot.path is not None:
                    store = pyoxigraph.Store.read_only(snapshot.path)
                else:
                    store = pyoxigraph.Store()
                    if snapshot.nquads:
                        store.bulk_load(snapshot.nquads, format=pyoxigraph.RdfFormat.N_QUADS)
                opened_key = snapshot.key
            try:
                result = store.query(
                    query.sparql, **dataset_arguments(query.default_graphs, query.named_graphs)
                )
                media_type = negotiate(query.accept, graph_result=isinstance(result, pyoxigraph.QueryTriples))
                answer = limited_answer(result, media_type, query.max_rows)
            except SyntaxError as error:
                raise InvalidQuery(f"The SPARQL query does not parse: {error}") from None
            except OSError as error:
                raise StoreUnavailable(f"The query failed while reading the store: {error}") from None
            reply: tuple[str, Any] = ("ok", answer)
        except MkgError as error:
            reply = ("error", error)
        except Exception as error:  # reported to the caller, which keeps serving other requests
            reply = ("error", StoreUnavailable(f"The query failed: {type(error).__name__}: {error}"))
        replies.send(reply)


def serve_on(read_fd: int, write_fd: int) -> None:
    """Entry point of a worker process: serve the parent on these pipe file descriptors."""
    _serve_pair(Connection(read_fd, writable=False), Connection(write_fd, readable=False))


# The worker is started as a fresh interpreter running this, not by multiprocessing's spawn, which
# re-imports the parent's main module (a script without a __main__ guard would run again).
_WORKER_CODE = (
    "import sys; from graph.store.workers import serve_on; serve_on(int(sys.argv[1]), int(sys.argv[2]))"
)
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])


class _Worker:
    """One worker process, started on first use."""

    def __init__(self) -> None:
        self.process: subprocess.Popen[bytes] | None = None
        self.requests: Connection | None = None
        self.replies: Connection | None = None
        self.snapshot_key: str | None = None

    def ensure_started(self) -> tuple[Connection, Connection]:
        if (
            self.process is None
            or self.requests is None
            or self.replies is None
            or self.process.poll() is not None
        ):
            self.kill()
            to_child_r, to_child_w = os.pipe()
            from_child_r, from_child_w = os.pipe()
            env = dict(os.environ)
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [_PACKAGE_ROOT, env.get("PYTHONPATH")]))
            try:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", _WORKER_CODE, str(to_child_r), str(from_child_w)],
                    pass_fds=(to_child_r, from_child_w),
                    stdin=subprocess.DEVNULL,
                    env=env,
                )
            finally:
                os.close(to_child_r)
                os.close(from_child_w)
            self.requests = Connection(to_child_w, readable=False)
            self.replies = Connection(from_child_r, writable=False)
            self.snapshot_key = None
            # Wait for the interpreter to start, so that its start-up is not counted as query time.
            if not self.replies.poll(_START_TIMEOUT_S) or self.replies.recv() != ("ready", None):
                self.kill()
                raise StoreUnavailable("A query worker did not start; check the server log.")
        return self.requests, self.replies

    def kill(self) -> None:
        for connection in (self.requests, self.replies):
            if connection is not None:
                connection.close()
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process = None
        self.requests = self.replies = None
        self.snapshot_key = None


class ProcessQueryRunner:
    """A few worker processes over snapshots of an embedded store; a timed-out worker is killed."""

    def __init__(self, store: OxigraphStore, workers: int = DEFAULT_WORKERS) -> None:
        # Weak, so that the registry (store -> runner) does not keep a store alive.
        self._store_ref = weakref.ref(store)
        self._idle: queue.Queue[_Worker] = queue.Queue()
        # Fresh interpreters, not forks: the server has threads and RocksDB handles a fork would copy.
        self._all = [_Worker() for _ in range(max(1, workers))]
        for worker in self._all:
            self._idle.put(worker)
        self._closed = False

    def run(self, query: PublicQuery, timeout: float) -> QueryAnswer:
        """The answer, or QueryTimeout when it runs longer than `timeout` seconds (or no worker is
        free for that long)."""
        if self._closed:
            raise StoreUnavailable("The query workers are stopped; restart the server.")
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(
                f"Every query worker stayed busy for {timeout:g} s (MKG_QUERY_TIMEOUT); try again later."
            ) from None
        try:
            try:
                return self._run_on(worker, query, timeout)
            except StoreUnavailable:
                # Writes may have replaced the snapshot the worker was sent (old ones are removed) before
                # it opened it: try once more on the newest one.
                worker.snapshot_key = None
                return self._run_on(worker, query, timeout)
        finally:
            self._idle.put(worker)

    def _run_on(self, worker: _Worker, query: PublicQuery, timeout: float) -> QueryAnswer:
        store = self._store_ref()
        if store is None:
            raise StoreUnavailable("The store is closed; restart the server.")
        snapshot: StoreSnapshot | None = store.snapshot()
        try:
            requests, replies = worker.ensure_started()
            # The clock starts when the query is handed over: starting a worker is not the query's time.
            deadline = time.monotonic() + timeout
            if snapshot is not None and snapshot.key == worker.snapshot_key:
                snapshot = None  # the worker has it open already
            requests.send((snapshot, query))
            if snapshot is not None:
                worker.snapshot_key = snapshot.key
            if not replies.poll(max(0.0, deadline - time.monotonic())):
                worker.kill()
                raise _timeout_error(timeout)
            status, payload = replies.recv()
        except (EOFError, OSError, BrokenPipeError) as error:
            worker.kill()
            raise StoreUnavailable(f"A query worker stopped unexpectedly ({error}); try again.") from None
        if status == "ok":
            answer: QueryAnswer = payload
            return answer
        error_raised: MkgError = payload
        raise error_raised

    def warm_up(self) -> None:
        """Start the worker processes in the background, so the first queries do not wait for them."""

        def start_all() -> None:
            for _ in range(len(self._all)):
                worker = self._idle.get()
                try:
                    if not self._closed:
                        worker.ensure_started()
                except (StoreUnavailable, OSError, EOFError):
                    # Stopped meanwhile, or failed to start: the first query that needs it tries again
                    # and reports the failure.
                    pass
                finally:
                    self._idle.put(worker)

        threading.Thread(target=start_all, name="mkg-query-warm-up", daemon=True).start()

    def close(self) -> None:
        """Kill the workers."""
        self._closed = True
        for worker in self._all:
            worker.kill()


class ThreadQueryRunner:
    """For backends that bound their own wait (remote): the timeout is passed down, and a few threads
    keep a slow answer from holding a request thread past it."""

    def __init__(self, store: Store, workers: int = 4) -> None:
        self._store_ref = weakref.ref(store)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="sparql")

    def run(self, query: PublicQuery, timeout: float) -> QueryAnswer:
        """The answer, or QueryTimeout after `timeout` seconds."""
        store = self._store_ref()
        if store is None:
            raise StoreUnavailable("The store is closed; restart the server.")
        future = self._pool.submit(
            store.answer,
            query.sparql,
            query.accept,
            default_graphs=query.default_graphs,
            named_graphs=query.named_graphs,
            max_rows=query.max_rows,
            timeout=timeout,
        )
        try:
            return future.result(timeout=timeout)
        except FutureTimeout:
            raise _timeout_error(timeout) from None

    def close(self) -> None:
        """Stop taking queries."""
        self._pool.shutdown(wait=False, cancel_futures=True)


_runners: weakref.WeakKeyDictionary[Any, QueryRunner] = weakref.WeakKeyDictionary()
_runners_lock = threading.Lock()


def query_runner(store: Store, workers: int = DEFAULT_WORKERS) -> QueryRunner:
    """The runner of a store (made on first use, one per store): processes for the embedded store,
    threads for the remote one."""
    with _runners_lock:
        runner = _runners.get(store)
        if runner is None:
            runner = (
                ProcessQueryRunner(store, workers)
                if isinstance(store, OxigraphStore)
                else ThreadQueryRunner(store, workers)
            )
            _runners[store] = runner
            # Workers stop with their store, even one nobody closes explicitly (tests, tools).
            weakref.finalize(store, runner.close)
        return runner


def close_query_runner(store: Store) -> None:
    """Stop the workers of a store, if it has any."""
    with _runners_lock:
        runner = _runners.pop(store, None)
    if runner is not None:
        runner.close()


def _close_all() -> None:
    with _runners_lock:
        runners = list(_runners.values())
        _runners.clear()
    for runner in runners:
        runner.close()


atexit.register(_close_all)


def dataset_of(
    default_graphs: Sequence[str], named_graphs: Sequence[str]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """Protocol dataset parameters as PublicQuery fields: None for both when neither is given."""
    if not default_graphs and not named_graphs:
        return None, None
    return tuple(default_graphs), tuple(named_graphs)
