"""Backup and restore: every named graph as N-Quads, behind a one-line header that describes them.

The file is plain N-Quads (the header is an N-Quads comment, so any RDF tool reads the file):

    # maintainer-kg backup {"format": 1, "version": ..., "created": ..., "graphs": N, "quads": M,
    #   "sha256": <of the quad lines>, "documents": {<graph IRI>: <content hash>, ...}}

The default graph is not written: the store keeps it as the merge of the named graphs and rebuilds it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graph import __version__
from graph.errors import InvalidBackup, InvalidParameter
from graph.store.base import Store

BACKUP_FORMAT = 1
HEADER_PREFIX = "# maintainer-kg backup "
_NTRIPLES = "application/n-triples"
_GRAPH_AT_END = re.compile(r"^(?P<triple>.*\S)\s+<(?P<graph>[^\x00-\x20<>\"{}|\\^`]*)>\s*\.\s*$")


@dataclass(frozen=True)
class BackupManifest:
    """What a backup holds: made by which version and when, how much, and a checksum of it."""

    format: int
    version: str
    created: str
    graphs: int
    quads: int
    sha256: str
    documents: dict[str, str] = field(default_factory=dict)  # document graph IRI -> content hash


def dump_nquads(store: Store) -> str:
    """Every quad of the named graphs, one per line, lines sorted: equal stores give equal text."""
    lines: list[str] = []
    for graph_iri in store.documents():
        ntriples = store.get_graph(graph_iri, _NTRIPLES).decode("utf-8")
        for line in ntriples.splitlines():
            triple = line.strip()
            if not triple or triple.startswith("#"):
                continue
            if not triple.endswith("."):
                raise InvalidBackup(f"The store gave a line that is not N-Triples: {triple[:80]!r}")
            lines.append(f"{triple[:-1].rstrip()} <{graph_iri}> .\n")
    return "".join(sorted(lines))


def backup_text(store: Store, *, at: str | None = None) -> tuple[BackupManifest, str]:
    """The whole backup file (header line and quads) and its header."""
    from graph.ingest import stored_content_hashes

    body = dump_nquads(store)
    manifest = BackupManifest(
        format=BACKUP_FORMAT,
        version=__version__,
        created=at or dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        graphs=len(store.documents()),
        quads=body.count("\n"),
        sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        documents={iri: hashes[0] for iri, hashes in sorted(stored_content_hashes(store).items())},
    )
    header = HEADER_PREFIX + json.dumps(asdict(manifest), sort_keys=True, ensure_ascii=True) + "\n"
    return manifest, header + body


def backup(store: Store, path: Path, *, at: str | None = None) -> BackupManifest:
    """Write the store's named graphs to `path` (replaced atomically) and return the header written."""
    manifest, text = backup_text(store, at=at)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed over it: a crash leaves the old backup or the new one.
    handle, temporary = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return manifest


def read_backup(path: Path) -> tuple[BackupManifest, dict[str, str]]:
    """The header of a backup and its graphs as N-Triples by graph IRI, checked against the header."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidBackup(f"{path} is not a maintainer-kg backup (not UTF-8 text).") from None
    first, _, body = text.partition("\n")
    if not first.startswith(HEADER_PREFIX):
        raise InvalidBackup(f"{path} is not a maintainer-kg backup: its first line is not the backup header.")
    manifest = _manifest(first[len(HEADER_PREFIX) :], path)
    if hashlib.sha256(body.encode("utf-8")).hexdigest() != manifest.sha256:
        raise InvalidBackup(f"{path} is damaged: its checksum does not match its header; use another backup.")
    graphs: dict[str, list[str]] = {}
    for number, line in enumerate(body.splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _GRAPH_AT_END.match(line)
        if match is None:
            raise InvalidBackup(f"{path}:{number}: not an N-Quads line in a named graph.")
        graphs.setdefault(match.group("graph"), []).append(match.group("triple") + " .\n")
    quads = sum(len(lines) for lines in graphs.values())
    if quads != manifest.quads or len(graphs) > manifest.graphs:
        raise InvalidBackup(
            f"{path} holds {quads} quads in {len(graphs)} graphs, but its header says "
            f"{manifest.quads} in {manifest.graphs}; use another backup."
        )
    return manifest, {iri: "".join(lines) for iri, lines in graphs.items()}


def _manifest(header: str, path: Path) -> BackupManifest:
    try:
        data: Any = json.loads(header)
        if not isinstance(data, dict) or data.get("format") != BACKUP_FORMAT:
            raise ValueError("unknown backup format")
        return BackupManifest(
            format=int(data["format"]),
            version=str(data["version"]),
            created=str(data["created"]),
            graphs=int(data["graphs"]),
            quads=int(data["quads"]),
            sha256=str(data["sha256"]),
            documents={str(k): str(v) for k, v in dict(data.get("documents", {})).items()},
        )
    except (ValueError, KeyError, TypeError) as error:
        raise InvalidBackup(f"{path}: the backup header does not read ({error}).") from None


# Graphs written per call when restoring.
_RESTORE_BATCH = 300


def restore(store: Store, path: Path, *, replace: bool = False) -> BackupManifest:
    """Load a backup into `store`, many named graphs at a time (each replaced atomically).

    The backup is read and checked whole before anything is written. An empty store is filled; a store
    that holds graphs is refused unless `replace`, which also drops the graphs the backup does not hold.
    """
    manifest, graphs = read_backup(path)
    present = store.documents()
    if present and not replace:
        raise InvalidParameter(
            f"The store already holds {len(present)} graphs; restore into an empty store, or replace its "
            "contents with the backup's (`mkg restore --replace`)."
        )
    # Many graphs a call: the store writes a large batch in one step (each graph still atomic).
    ordered = sorted(graphs)
    for start in range(0, len(ordered), _RESTORE_BATCH):
        store.add_documents([(iri, graphs[iri]) for iri in ordered[start : start + _RESTORE_BATCH]])
    for graph_iri in present:
        if graph_iri not in graphs:
            store.drop_document(graph_iri)
    return manifest
