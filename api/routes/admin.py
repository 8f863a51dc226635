"""Administration: a backup of the whole store, taken while the server runs."""

from __future__ import annotations

from fastapi import APIRouter, Response

from api.deps import AdminDep, StoreDep, WriteLockDep
from graph.backup import backup_text

router = APIRouter(tags=["service"])

NQUADS = "application/n-quads"


@router.get(
    "/backup",
    response_class=Response,
    summary="Back up the store",
    responses={
        200: {"description": "Every named graph as N-Quads behind a header line", "content": {NQUADS: {}}},
        401: {"description": "MKG_ADMIN_TOKEN is set and no token was given"},
        403: {"description": "Wrong admin token"},
    },
)
def get_backup(_: AdminDep, store: StoreDep, lock: WriteLockDep) -> Response:
    """The backup `mkg backup` writes (the CLI cannot open a store a running server holds): N-Quads of
    every named graph behind a header with version, date, counts, checksum and content hashes. Load it
    with `mkg restore FILE` into a stopped server's data directory."""
    # Writes wait meanwhile, so the copy is of one moment.
    with lock:
        manifest, text = backup_text(store)
    return Response(
        text,
        media_type=NQUADS,
        headers={
            "Content-Disposition": 'attachment; filename="maintainer-kg-backup.nq"',
            "X-Mkg-Quads": str(manifest.quads),
        },
    )
