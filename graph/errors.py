"""The error catalogue: one exception tree, each with a stable code, an HTTP status and a message
that says what went wrong and what to do."""

from __future__ import annotations


class MkgError(Exception):
    """Base of every error the product reports to a user."""

    code = "internal_error"
    status = 500

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidDocument(MkgError):
    """The input cannot be read as a document (empty, binary, not UTF-8, too large)."""

    code = "invalid_document"
    status = 400


class EmptyDocument(InvalidDocument):
    code = "empty_document"


class BinaryDocument(InvalidDocument):
    code = "binary_document"


class DocumentTooLarge(InvalidDocument):
    code = "document_too_large"
    status = 413


class FrontMatterError(InvalidDocument):
    """The YAML front matter does not parse; the detail names the file and line."""

    code = "invalid_front_matter"
    status = 422


class UnsupportedMediaType(MkgError):
    code = "unsupported_media_type"
    status = 415


class NotFound(MkgError):
    code = "not_found"
    status = 404


class InvalidQuery(MkgError):
    """A SPARQL query that does not parse or is refused (SERVICE, LOAD, update on the query endpoint)."""

    code = "invalid_query"
    status = 400


class QueryTimeout(MkgError):
    code = "query_timeout"
    status = 503


class NotAcceptable(MkgError):
    code = "not_acceptable"
    status = 406


class Forbidden(MkgError):
    code = "forbidden"
    status = 403


class Unauthorized(MkgError):
    code = "unauthorized"
    status = 401


class StoreUnavailable(MkgError):
    """The store cannot be opened or reached (lock held by another process, server down)."""

    code = "store_unavailable"
    status = 503


class InvalidParameter(MkgError):
    code = "invalid_parameter"
    status = 400


class RequestTooLarge(MkgError):
    """A request body (other than a document) over MKG_MAX_BODY_BYTES."""

    code = "request_too_large"
    status = 413


class InvalidMaintainersList(InvalidDocument):
    """A file that is not a maintainers list: no header naming its columns, or not UTF-8."""

    code = "invalid_maintainers_list"
    status = 422


class InvalidBackup(MkgError):
    """A backup file that is not one, is damaged, or does not match its own header."""

    code = "invalid_backup"
    status = 400


class ReadOnlyStore(MkgError):
    """A write to a store opened read-only (a server run with several worker processes)."""

    code = "read_only_store"
    status = 409


class ExportSpaceExhausted(MkgError):
    """A sorted RDF export could not write its temporary runs (disk full, TMPDIR not writable)."""

    code = "export_space_exhausted"
    status = 507
