"""The embedded backend: an Oxigraph store in a directory, or in memory."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph
from rdflib import XSD

from graph.errors import InvalidQuery, ReadOnlyStore, StoreUnavailable
from graph.store.base import QueryAnswer, SelectResult, Term
from graph.store.graph_store import GraphStoreOperations
from graph.store.media import (
    GRAPH_MEDIA_TYPES,
    NAMED_QUAD_COUNT,
    REBUILD_UNION,
    RESULTS_MEDIA_TYPES,
    checked_documents,
    checked_iri,
    dataset_arguments,
    drop_graph_update,
    limited_answer,
    negotiate,
    replace_graph_update,
    union_nquads,
    with_union_rebuilt,
)

# Snapshots kept for query workers: the newest and a few before it, which queries still running
# may be reading.
_SNAPSHOTS_KEPT = 8

# New documents are written with pyoxigraph's bulk loader once a batch holds this many quads (named and
# default-graph copies): it writes index files directly instead of going through a transaction, its
# write-ahead log and memtables, which costs about half the CPU and leaves no log behind. Smaller
# batches go through a transaction, since every bulk write adds a set of small files to compact later.
_BULK_MIN_QUADS = 20_000
# The bulk loader turns up to 1,000,000 quads into one set of files ingested in one atomic step; past
# that it ingests in several steps, so a batch stays well below it (and a crash keeps documents whole).
_BULK_MAX_QUADS = 400_000
# RocksDB keeps its write-ahead log until every memtable it covers is flushed, and Oxigraph's memtables
# are large: unflushed, the log grew to 1.0 GiB for 1M triples. Flushing after this many quads written
# through transactions bounds it.
_FLUSH_AFTER_QUADS = 200_000


@dataclass(frozen=True)
class StoreSnapshot:
    """A read-only copy of a store at one moment, which another process can open.

    `path` is an Oxigraph directory (`pyoxigraph.Store.read_only`) for an on-disk store; `nquads` the
    whole dataset for an in-memory one. `key` changes whenever the store has been written since.
    """

    key: str
    path: str | None = None
    nquads: bytes | None = None


_XSD_BOOLEAN = str(XSD.boolean)


class OxigraphStore(GraphStoreOperations):
    """A quad store holding one named graph per document; the default graph is their merge.

    `path=None` keeps everything in memory. A directory is opened read-write and locked: one process
    at a time. Every write keeps the default graph equal to the set union of the named graphs, so
    queries see each triple once however many documents state it.
    """

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path is not None else None
        # Read-only opens take no lock, so any number of processes may serve one directory; they see
        # the data as it was when opened.
        self.read_only = read_only
        self._store: pyoxigraph.Store | None
        # Counting scans the store; this process is the only writer (the directory is locked), so a
        # count stays right until the next write, which bumps the generation.
        self._count: tuple[int, int] | None = None  # (generation, count)
        self._generation = 0
        self._snapshot: StoreSnapshot | None = None
        self._snapshot_lock = threading.Lock()
        self._snapshot_serial = 0
        # One writer at a time: a document's absence is checked before its quads are written.
        self._write_lock = threading.RLock()
        self._unflushed_quads = 0
        # The descriptor of the access lock file (see _hold_access_lock), while the store is open.
        self._access: int | None = None
        if self.path is None:
            if read_only:
                raise StoreUnavailable("A read-only store needs a directory; give the store's path.")
            self._store = pyoxigraph.Store()
            return
        if read_only:
            if not holds_store(self.path):
                raise StoreUnavailable(
                    f"There is no store at {self.path} to open read-only; "
                    "ingest documents first (mkg ingest), then serve it."
                )
            try:
                self._access = _hold_access_lock(self.path, shared=True)
            except BlockingIOError:
                raise StoreUnavailable(
                    f"The store at {self.path} is in use by another process that writes to it (an `mkg "
                    "ingest`, or `mkg serve` with one worker); reading it meanwhile is unsafe. Stop that "
                    "process first, or work through it (its HTTP API)."
                ) from None
            try:
                self._store = pyoxigraph.Store.read_only(str(self.path))
            except OSError as error:
                self._release_access_lock()
                raise StoreUnavailable(_open_failure(self.path, error)) from error
            return
        try:
            self.path.mkdir(parents=True, exist_ok=True)
            self._store = pyoxigraph.Store(str(self.path))
        except OSError as error:
            raise StoreUnavailable(_open_failure(self.path, error)) from error
        try:
            self._access = _hold_access_lock(self.path, shared=False)
        except BlockingIOError:
            self._store = None  # releases RocksDB's lock
            raise StoreUnavailable(
                f"The store at {self.path} is being served read-only by another process "
                "(`mkg serve --workers N`); stop it before writing to the store."
            ) from None
        # Snapshots left by an earlier process (killed before close) are stale; this one holds the lock.
        shutil.rmtree(self._snapshot_root(), ignore_errors=True)
        if self._union_is_missing():
            self.rebuild_union()

    @property
    def write_count(self) -> int:
        """Grows with every write through this object; equal counts mean the data has not changed.

        Only this process writes the store (the directory is locked, or opened read-only), so an answer
        computed at one count stays right until the count moves.
        """
        return self._generation

    @property
    def _live(self) -> pyoxigraph.Store:
        if self._store is None:
            raise StoreUnavailable("The store is closed; open it again with graph.store.open_store.")
        return self._store

    def add_document(self, graph_iri: str, ntriples: str) -> None:
        """Replace the named graph `graph_iri` with these N-Triples, atomically."""
        self.add_documents([(graph_iri, ntriples)])

    def add_documents(self, documents: Sequence[tuple[str, str]]) -> None:
        """Replace many named graphs; each atomically, all checked before any is written.

        A document not yet stored is written with its default-graph copy in one step (a transaction, or
        one bulk ingestion for a large batch); one already stored is replaced by a SPARQL update that
        also removes what only it held from the default graph.
        """
        checked = checked_documents(documents, fresh_blank_nodes=True)
        with self._write_lock:
            self._refuse_if_read_only()
            self._generation += 1
            try:
                new: list[tuple[str, str]] = []
                for iri, ntriples in checked.items():
                    if self._live.contains_named_graph(pyoxigraph.NamedNode(iri)):
                        # One update is one transaction: readers see the old graph or the new one.
                        self._run_update(replace_graph_update(iri, ntriples))
                        self._count_written(2 * ntriples.count("\n"))
                    elif ntriples:
                        new.append((iri, ntriples))
                self._write_new(new)
            except OSError as error:
                raise StoreUnavailable(f"The store could not be written: {error}") from error
            finally:
                # A count taken while the documents were written may predate them.
                self._generation += 1

    def _write_new(self, documents: list[tuple[str, str]]) -> None:
        """Write documents that have no graph yet, in batches of whole documents."""
        batch: list[str] = []
        size = 0
        for iri, ntriples in documents:
            quads = 2 * ntriples.count("\n")
            if batch and size + quads > _BULK_MAX_QUADS:
                self._write_quads(batch, size)
                batch, size = [], 0
            batch.append(union_nquads(iri, ntriples))
            size += quads
        if batch:
            self._write_quads(batch, size)

    def _write_quads(self, nquads: list[str], size: int) -> None:
        data = "".join(nquads).encode("utf-8")
        if _BULK_MIN_QUADS <= size <= _BULK_MAX_QUADS:
            self._live.bulk_load(input=data, format=pyoxigraph.RdfFormat.N_QUADS)
        else:
            # A transaction: all of these quads are written, or none.
            self._live.load(input=data, format=pyoxigraph.RdfFormat.N_QUADS)
            self._count_written(size)

    def _count_written(self, quads: int) -> None:
        self._unflushed_quads += quads
        if self.path is not None and self._unflushed_quads >= _FLUSH_AFTER_QUADS:
            self._live.flush()
            self._unflushed_quads = 0

    def drop_document(self, graph_iri: str) -> bool:
        """Remove a document's graph; False when it was not there."""
        node = pyoxigraph.NamedNode(checked_iri(graph_iri))
        with self._write_lock:
            if not self._live.contains_named_graph(node):
                return False
            self._run_update(drop_graph_update(node.value))
        return True

    def has_document(self, graph_iri: str) -> bool:
        """True when the named graph exists."""
        return bool(self._live.contains_named_graph(pyoxigraph.NamedNode(checked_iri(graph_iri))))

    def documents(self) -> list[str]:
        """IRIs of all named graphs, sorted."""
        return sorted(
            graph.value for graph in self._live.named_graphs() if isinstance(graph, pyoxigraph.NamedNode)
        )

    def select(
        self,
        sparql: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> SelectResult:
        """Run a SELECT (or ASK, as one row {"boolean": ...}) over the union default graph."""
        result = self._query(sparql, default_graphs, named_graphs)
        try:
            if isinstance(result, pyoxigraph.QueryBoolean):
                return select_result_from_json({"boolean": bool(result)})
            if isinstance(result, pyoxigraph.QuerySolutions):
                data = result.serialize(format=pyoxigraph.QueryResultsFormat.JSON) or b"{}"
                return select_result_from_json(json.loads(data))
        finally:
            del result  # see _query
        raise InvalidQuery("select() runs SELECT and ASK queries; use query_raw for CONSTRUCT or DESCRIBE.")

    def query_raw(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> tuple[bytes, str]:
        """Run any query form; return the serialized result and its media type."""
        result = self._query(sparql, default_graphs, named_graphs)
        try:
            if isinstance(result, pyoxigraph.QueryTriples):
                media_type = negotiate(accept, graph_result=True)
                data = result.serialize(format=GRAPH_MEDIA_TYPES[media_type])
            else:
                media_type = negotiate(accept, graph_result=False)
                data = result.serialize(format=RESULTS_MEDIA_TYPES[media_type])
        finally:
            del result  # see _query
        return (data or b""), media_type

    def answer(
        self,
        sparql: str,
        accept: str,
        *,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
        max_rows: int | None = None,
        timeout: float | None = None,
    ) -> QueryAnswer:
        """Run any query form, keeping at most `max_rows` rows (or triples).

        `timeout` is not enforced here: Oxigraph cannot stop a running query (see graph.store.workers).
        """
        result = self._query(sparql, default_graphs, named_graphs)
        try:
            media_type = negotiate(accept, graph_result=isinstance(result, pyoxigraph.QueryTriples))
            return limited_answer(result, media_type, max_rows)
        except SyntaxError as error:
            raise InvalidQuery(f"The SPARQL query failed: {error}") from error
        finally:
            del result  # see _query

    def snapshot(self) -> StoreSnapshot:
        """A read-only copy of the store as it is now, for query workers in other processes.

        On disk it is an Oxigraph backup (hard links, cheap) beside the store directory, remade only
        after a write; older ones are removed.
        """
        if self.read_only:
            # Nothing in this process writes it: the directory itself is the snapshot.
            return StoreSnapshot(key=f"{id(self)}/read-only/0", path=str(self.path))
        with self._snapshot_lock:
            # Read before copying: a write that lands during the copy makes the next call copy again.
            generation = self._generation
            current = self._snapshot
            if current is not None and current.key.endswith(f"/{generation}"):
                return current
            self._snapshot_serial += 1
            key = f"{id(self)}/{self._snapshot_serial}/{generation}"
            if self.path is None:
                data = self._live.dump(format=pyoxigraph.RdfFormat.N_QUADS)
                snapshot = StoreSnapshot(key=key, nquads=data or b"")
            else:
                root = self._snapshot_root()
                target = root / f"{self._snapshot_serial:08d}"
                shutil.rmtree(target, ignore_errors=True)
                root.mkdir(parents=True, exist_ok=True)
                try:
                    self._live.backup(str(target))
                except OSError as error:
                    raise StoreUnavailable(f"The store could not be copied for querying: {error}") from error
                snapshot = StoreSnapshot(key=key, path=str(target))
                for old in sorted(root.iterdir())[:-_SNAPSHOTS_KEPT]:
                    shutil.rmtree(old, ignore_errors=True)
            self._snapshot = snapshot
            return snapshot

    def _snapshot_root(self) -> Path:
        assert self.path is not None
        return self.path.with_name(self.path.name + ".snapshots")

    def update(self, sparql: str, *, base_iri: str | None = None) -> None:
        """Run a SPARQL 1.1 Update on the document graphs, then recompute the default graph.

        Both happen in one transaction; what the update writes to the default graph itself is replaced.
        """
        self._run_update(with_union_rebuilt(sparql), base_iri)

    def optimize(self) -> None:
        """Compact the indexes; worth it once after loading many documents with `add_documents`.

        Each large batch lands as its own sorted run per index until RocksDB merges them; a query that
        scans much of the store reads every run (about 1.4x slower with two runs at 100k triples).
        """
        self._refuse_if_read_only()
        with self._write_lock:
            try:
                self._live.optimize()
            except OSError as error:
                raise StoreUnavailable(f"The store could not be compacted: {error}") from error

    def rebuild_union(self) -> None:
        """Recompute the default graph as the merge of all document graphs."""
        self._run_update(REBUILD_UNION)

    def triple_count(self) -> int:
        """Number of quads in the document graphs (the default graph's copies are not counted)."""
        generation = self._generation
        if self._count is not None and self._count[0] == generation:
            return self._count[1]
        rows = self.select(NAMED_QUAD_COUNT).rows
        count = int(rows[0]["n"]["value"]) if rows else 0
        if self._generation == generation:
            self._count = (generation, count)
        return count

    def close(self) -> None:
        """Flush and release the store (and, on disk, its lock)."""
        if self._store is None:
            return
        if self.path is not None and not self.read_only:
            self._store.flush()
        # Dropping the last reference releases the RocksDB lock.
        self._store = None
        if self.path is not None and not self.read_only:
            shutil.rmtree(self._snapshot_root(), ignore_errors=True)
            if self._generation:
                _purge_write_ahead_log(self.path)
        self._release_access_lock()

    def _release_access_lock(self) -> None:
        if self._access is not None:
            os.close(self._access)  # closing the descriptor releases its flock
            self._access = None

    def _query(
        self,
        sparql: str,
        default_graphs: Sequence[str] | None = None,
        named_graphs: Sequence[str] | None = None,
    ) -> Any:
        """The lazy pyoxigraph result of a query.

        Results may only be freed on the thread that made them: callers delete their reference before
        an exception leaves, or its traceback would carry the result to another thread (the API runs
        queries on a worker pool).
        """
        try:
            return self._live.query(sparql, **dataset_arguments(default_graphs, named_graphs))
        except SyntaxError as error:
            raise InvalidQuery(f"The SPARQL query does not parse: {error}") from error
        except OSError as error:
            raise StoreUnavailable(f"The store could not be read: {error}") from error

    def _write_graph_update(self, sparql: str) -> None:
        self._run_update(sparql)

    def _refuse_if_read_only(self) -> None:
        if self.read_only:
            raise ReadOnlyStore(
                "This store is open read-only (a server with several worker processes serves it so); "
                "stop the server and write with `mkg ingest`, or serve with one worker to write through it."
            )

    def _run_update(self, sparql: str, base_iri: str | None = None) -> None:
        self._refuse_if_read_only()
        with self._write_lock:
            self._generation += 1
            try:
                self._live.update(sparql, base_iri=base_iri)
            except SyntaxError as error:
                raise InvalidQuery(f"The SPARQL update does not parse: {error}") from error
            except OSError as error:
                raise StoreUnavailable(f"The store could not be written: {error}") from error
            finally:
                # A count taken while the update ran may predate it.
                self._generation += 1

    def _union_is_missing(self) -> bool:
        # A store written before the default graph was kept as the merge has only named graphs.
        store = self._live
        has_default = bool(store.query("ASK { ?s ?p ?o }"))
        return not has_default and bool(store.query("ASK { GRAPH ?g { ?s ?p ?o } }"))


def select_result_from_json(payload: dict[str, Any]) -> SelectResult:
    """A SelectResult from a SPARQL 1.1 JSON results document (SELECT or ASK)."""
    if "boolean" in payload:
        value = "true" if payload["boolean"] else "false"
        term: Term = {"type": "literal", "value": value, "datatype": _XSD_BOOLEAN}
        return SelectResult(variables=("boolean",), rows=({"boolean": term},))
    variables = tuple(payload.get("head", {}).get("vars", []))
    # SPARQL JSON terms are already {str: str}, except RDF 1.2 triple terms, whose value is an object;
    # copying every term cost about 3 ms per 1,000 rows of 7 variables.
    rows = tuple(
        binding
        if all(term.get("type") != "triple" for term in binding.values())
        else {name: {key: str(value) for key, value in term.items()} for name, term in binding.items()}
        for binding in payload.get("results", {}).get("bindings", [])
    )
    return SelectResult(variables=variables, rows=rows)


def holds_store(path: Path) -> bool:
    """True when the directory holds an Oxigraph store (RocksDB's CURRENT file names its database)."""
    return (path / "CURRENT").is_file()


def _purge_write_ahead_log(path: Path) -> None:
    """Open and release a closed store once, so that RocksDB deletes its flushed write-ahead log.

    A flush leaves the last log file in place (up to hundreds of MiB after a large load) until the
    database is next opened; doing it now leaves the directory at its real size.
    """
    if not holds_store(path):
        return  # the directory is gone: opening would create an empty store in its place
    try:
        reopened = pyoxigraph.Store(str(path))
    except OSError:
        return  # another process took the directory meanwhile; the log goes at its next opening
    del reopened


# RocksDB locks a store against a second writer but not against readers opened read-only, which
# Oxigraph leaves undefined while another process writes. This file in the store directory settles it:
# read-only processes hold it shared, the writing process exclusively.
_ACCESS_LOCK = "mkg-access.lock"


def _hold_access_lock(path: Path, *, shared: bool) -> int | None:
    """The descriptor holding the store's access lock, shared or exclusive.

    Raises BlockingIOError when a process holds it the other way. None when the lock file can be
    neither created nor opened (a read-only directory: no process can write that store anyway).
    """
    lock = path / _ACCESS_LOCK
    try:
        descriptor = os.open(lock, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        try:
            descriptor = os.open(lock, os.O_RDONLY)
        except OSError:
            return None
    try:
        fcntl.flock(descriptor, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        raise
    except OSError:  # a file system without locks: nothing to coordinate with
        os.close(descriptor)
        return None
    return descriptor


def _open_failure(path: Path, error: OSError) -> str:
    message = str(error)
    if "lock" in message.lower():
        return (
            f"The store at {path} is in use by another process (for example a running `mkg serve`). "
            "Stop that process first, or work through it (its HTTP API), or use another store "
            f"directory. ({message})"
        )
    return f"The store at {path} cannot be opened: {message}. Check the path and its permissions."
