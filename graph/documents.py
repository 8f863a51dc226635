"""Reading a source text: raw bytes or str -> `Document` (clean prose, offset map, metadata, blocks).

Markdown (with YAML front matter, MDX/JSX and Hugo shortcodes) is reduced to the prose a reader sees;
plain text is kept as it is. Every character of `Document.text` points back into `Document.raw`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.token import Token

from graph.errors import (
    BinaryDocument,
    DocumentTooLarge,
    EmptyDocument,
    FrontMatterError,
    InvalidDocument,
    InvalidParameter,
    MkgError,
)
from graph.records import Block, Document, DocumentMetadata

MAX_DOCUMENT_BYTES = 5_000_000
DOCUMENT_SUFFIXES = (".md", ".mdx", ".markdown", ".txt")
MARKDOWN_SUFFIXES = (".md", ".mdx", ".markdown")
MAX_FRONT_MATTER_ALIASES = 8
MAX_DOCUMENT_ID_LENGTH = 200

# Stands in for masked markup (JSX, shortcodes) inside a line so that the line keeps its shape
# (no accidental indented code block) while every masked character is dropped from the text.
_MASK = "\ue000"

_NEWLINE = re.compile(r"\r\n?|\n")
_FOLDABLE_WHITESPACE = re.compile(r"\s{2,}|[^\S ]")
_OPENING_FENCE = re.compile(r"(-{3,}|\+\+\+)[ \t]*(?:\r\n?|\n)")
_TOML_ERROR_LINE = re.compile(r"\s*\(at line (\d+), column \d+\)|\s*\(at end of document\)")
_CLOSING_FENCES = ("---", "...")
# What the first line of YAML front matter can look like: a comment, a list item, a closing fence,
# a flow collection or tag/anchor, or a `key:`.
_YAML_START = re.compile(
    r"""\s*(?:#|-(?:\s|$)|(?:---|\.\.\.)\s*$|[\[{!&*?]|["'][^"']*["']\s*:|[^\s:#][^:]*:(?:\s|$))"""
)
_YAML_KEY_LINE = re.compile(r"[ \t]*[\w\"'-][\w \"'-]*:(?:[ \t]|$)")
_ISO_DATE = re.compile(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})(?![\d])")
_AUTHOR_EMAIL = re.compile(r"\s*<[^<>\s@]+@[^<>\s]+>")
_AUTHOR_SEPARATOR = re.compile(r"\s+(?:and|&)\s+|\s*;\s*")

_MDX_IMPORT = re.compile(
    r"^import(?:[ \t]+[^\n]{0,500}?[ \t}]from[ \t]*|[ \t]*\{[^}]{0,2000}\}[ \t]*from[ \t]*|[ \t]*)"
    r"['\"][^'\"\n]{1,500}['\"][ \t]*;?",
    re.MULTILINE,
)
_MDX_EXPORT = re.compile(r"^export[ \t]+(?:default|const|let|var|function|async|class|\{)", re.MULTILINE)
_MAX_MARKUP_LENGTH = 5000
_SHORTCODE_TEXT = re.compile(r"""\btext=["']([^"'\n]+)["']""")
_BLANK_LINE = re.compile(r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)|\Z")
_BLANK_LINE_INSIDE = re.compile(r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)")
_JSX_TAG_START = re.compile(r"<(?:/?[A-Za-z][\w.:-]*|/?>)")

_MARKDOWN_HINTS = re.compile(
    r"^(?:#{1,6}[ \t]|[ \t]{0,3}(?:[-*+]|\d{1,9}[.)])[ \t]|>|```|~~~|[ \t]{0,3}\|.*\|)"
    r"|\*\*[^*\n]+\*\*|__[^_\n]+__|\[[^\]\n]+\]\([^)\n]*\)|!\[|</?[A-Za-z][\w-]*(?:\s[^<>]*)?>|\{\{[<%]",
    re.MULTILINE,
)

_MARKDOWN = MarkdownIt("commonmark").enable(["table", "strikethrough"])
# Entities and backslash escapes stay separate tokens, so their decoded text can point at the markup.
_MARKDOWN.core.ruler.disable("text_join")


@dataclass(frozen=True)
class _FrontMatter:
    """Where the front matter sits in raw: [0, end) with its fences; the YAML (or TOML between `+++`
    fences) is [yaml_start, yaml_end)."""

    end: int
    yaml_start: int
    yaml_end: int
    toml: bool = False


@dataclass
class _Piece:
    """Text of one block under construction: text fragments, and the raw index of each character."""

    chars: list[str]
    positions: list[int]


@dataclass
class _Clean:
    """Finished clean text of one block and the raw index of each of its characters."""

    text: str
    positions: list[int]


def document_id_for(source: str) -> str:
    """Stable, URL-path-safe document id for a source path.

    Rule: the path is read as posix (backslashes become '/'); each segment is folded to lower-case
    ASCII (accents dropped), every run of characters other than letters, digits, '.', '_' and '-' becomes
    '-', and leading/trailing '.' and '-' are stripped, so no segment starts with '.' and none is '..'.
    Empty segments are dropped. `seeds/003_3A.txt` -> `seeds/003_3a.txt`. Ids longer than
    200 characters are cut and end with a hash of the full path; a path with nothing usable gives
    'sha256-' and 16 hex digits of the path.
    """
    folded = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode("ascii").lower()
    segments = []
    for segment in folded.replace("\\", "/").split("/"):
        slug = re.sub(r"[^a-z0-9._-]+", "-", segment).strip(".-")
        slug = re.sub(r"\.{2,}", ".", slug)
        if slug:
            segments.append(slug)
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    if not segments:
        return "sha256-" + digest
    ident = "/".join(segments)
    if len(ident) > MAX_DOCUMENT_ID_LENGTH:
        ident = ident[: MAX_DOCUMENT_ID_LENGTH - 17].rstrip("./-") + "-" + digest
    return ident


_DOCUMENT_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*(?:/[A-Za-z0-9_-][A-Za-z0-9._-]*)*")


def read_document(
    data: bytes | str,
    source: str,
    *,
    document_id: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> Document:
    """Read one source text into a `Document`.

    `source` is the path or name shown in messages ('' when there is none: the id then comes from the
    content hash). Raises only `graph.errors` exceptions: EmptyDocument, BinaryDocument,
    DocumentTooLarge, FrontMatterError (naming the raw line), InvalidParameter for a bad `document_id`.
    """
    source = source if isinstance(source, str) else ""
    name = source or "<input>"
    raw = _decode(data, name, max_bytes)
    if not raw.strip():
        raise EmptyDocument(f"{name}: the document is empty; send a Markdown or plain-text file with prose")
    if document_id is None:
        if source:
            document_id = document_id_for(source)
        else:
            document_id = "sha256-" + hashlib.sha256(raw.encode("utf-8")).hexdigest()[:16]
    elif not _is_document_id(document_id):
        raise InvalidParameter(
            f"document id {document_id[:80]!r} is not usable; use letters, digits, '.', '_', '-' and '/' "
            "(no segment starting with '.')"
        )
    try:
        return _parse(raw, source, name, document_id)
    except MkgError:
        raise
    except Exception as exc:  # the contract is: only catalogue errors leave this function
        raise InvalidDocument(
            f"{name}: the document could not be read ({type(exc).__name__}); check that it is Markdown "
            "or plain text"
        ) from exc


def _is_document_id(ident: str) -> bool:
    return (
        0 < len(ident) <= MAX_DOCUMENT_ID_LENGTH * 2
        and _DOCUMENT_ID.fullmatch(ident) is not None
        and ".." not in ident
    )


def _decode(data: bytes | str, name: str, max_bytes: int) -> str:
    """Bytes or str -> str without BOM; size, NUL and UTF-8 checks."""
    too_large = DocumentTooLarge(
        f"{name}: the document is larger than {max_bytes} bytes; split it or raise the size limit"
    )
    if isinstance(data, str):
        if len(data) > max_bytes:
            raise too_large
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError as exc:
            raise BinaryDocument(
                f"{name}: character {exc.start} cannot be encoded as UTF-8; send valid Unicode text"
            ) from exc
        if size > max_bytes:
            raise too_large
        text = data
    elif isinstance(data, bytes | bytearray | memoryview):
        blob = bytes(data)
        if len(blob) > max_bytes:
            raise too_large
        if b"\x00" in blob:
            raise BinaryDocument(f"{name}: the file contains NUL bytes, so it is not text; send a text file")
        try:
            text = blob.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BinaryDocument(
                f"{name}: byte {exc.start} is not valid UTF-8; save the file as UTF-8 text"
            ) from exc
    else:
        raise InvalidDocument(f"{name}: expected bytes or text, got {type(data).__name__}")
    if "\x00" in text:
        raise BinaryDocument(f"{name}: the text contains NUL characters, so it is not text; send a text file")
    return text[1:] if text.startswith("\ufeff") else text


def _parse(raw: str, source: str, name: str, document_id: str) -> Document:
    line_starts = _line_starts(raw)
    front = _find_front_matter(raw, line_starts, name)
    if front is None and _is_plain_text(raw, source):
        return _plain_document(raw, source, document_id)

    metadata = DocumentMetadata()
    pieces: list[tuple[str, _Clean, str | None]] = []
    masked = raw
    if front is not None:
        metadata, pieces = _read_front_matter(raw, front, line_starts, name)
        masked = _blank(raw, 0, front.end)
    masked = _mask_markup(masked, 0 if front is None else front.end)
    pieces.extend(_body_pieces(masked, raw, line_starts))
    return _assemble(raw, source, document_id, metadata, pieces)


def _line_starts(raw: str) -> list[int]:
    """Index of the first character of every line (a line break is \\r\\n, \\r or \\n, as in markdown-it)."""
    starts = [0]
    starts.extend(m.end() for m in _NEWLINE.finditer(raw))
    return starts


def _line_number(line_starts: list[int], index: int) -> int:
    """1-based line of a raw index."""
    lo, hi = 0, len(line_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if line_starts[mid] <= index:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def _line_text(raw: str, line_starts: list[int], line: int) -> str:
    """Text of the 0-based line, without its line break."""
    start = line_starts[line]
    end = line_starts[line + 1] if line + 1 < len(line_starts) else len(raw)
    return raw[start:end].rstrip("\r\n")


# --- front matter ---------------------------------------------------------------------------------


def _find_front_matter(raw: str, line_starts: list[int], name: str) -> _FrontMatter | None:
    opening = _OPENING_FENCE.match(raw)
    if opening is None:
        return None
    toml = opening[1] == "+++"
    # A Markdown rule can open a post too ("---" or "------" then prose): front matter only when the
    # first line inside looks like YAML.
    first = next(
        (text for i in range(1, len(line_starts)) if (text := _line_text(raw, line_starts, i)).strip()),
        "",
    )
    if not toml:
        looks_like_yaml = _YAML_START.match(first) is not None
        if not looks_like_yaml or (len(opening[1]) > 3 and not _YAML_KEY_LINE.match(first)):
            return None
    closing_fences = ("+++",) if toml else _CLOSING_FENCES
    for line in range(1, len(line_starts)):
        if _line_text(raw, line_starts, line).rstrip(" \t") in closing_fences:
            end = line_starts[line + 1] if line + 1 < len(line_starts) else len(raw)
            return _FrontMatter(end=end, yaml_start=line_starts[1], yaml_end=line_starts[line], toml=toml)
    # A lone opening fence is front matter someone forgot to close (`+++` is never anything else).
    if toml or _YAML_KEY_LINE.match(first):
        fence = opening[1][:3]
        raise FrontMatterError(
            f"{name}: front matter line 1: the {fence} that opens the front matter is never closed; "
            f"add a {fence} line after the last {'TOML' if toml else 'YAML'} line"
        )
    return None


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML loader that refuses documents with more than a few aliases (no alias bombs)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_FRONT_MATTER_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.composer.ComposerError(
                    None, None, f"more than {MAX_FRONT_MATTER_ALIASES} aliases (*name) are not accepted", mark
                )
        return super().compose_node(parent, index)


def _construct_timestamp(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    # A date that is not a real day (2024-02-31) stays a string instead of failing the whole file.
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except ValueError:
        return loader.construct_scalar(node)  # type: ignore[arg-type]


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def _load_yaml(
    raw: str, front: _FrontMatter, line_starts: list[int], name: str
) -> tuple[Any, yaml.Node | None]:
    text = raw[front.yaml_start : front.yaml_end]
    loader = _FrontMatterLoader(text)
    try:
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = _line_number(line_starts, front.yaml_start + mark.index) if mark else 2
        problem = exc.problem or exc.context or "invalid YAML"
        raise FrontMatterError(
            f"{name}: front matter line {line}: {problem}; fix the YAML between the --- lines"
        ) from exc
    except RecursionError as exc:
        raise FrontMatterError(
            f"{name}: front matter line 2: the YAML is nested too deeply; simplify the front matter"
        ) from exc
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "mark", None)
        index = getattr(mark, "index", 0) or 0
        line = _line_number(line_starts, front.yaml_start + index) if mark else 2
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise FrontMatterError(
            f"{name}: front matter line {line}: {problem}; fix the YAML between the --- lines"
        ) from exc
    finally:
        loader.dispose()
    return value, node


def _load_toml(raw: str, front: _FrontMatter, name: str) -> Any:
    try:
        return tomllib.loads(raw[front.yaml_start : front.yaml_end])
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        where = _TOML_ERROR_LINE.search(message)
        line = int(where[1]) + 1 if where and where[1] else 2
        problem = _TOML_ERROR_LINE.sub("", message) or "invalid TOML"
        raise FrontMatterError(
            f"{name}: front matter line {line}: {problem}; fix the TOML between the +++ lines"
        ) from exc
    except RecursionError as exc:
        raise FrontMatterError(
            f"{name}: front matter line 2: the TOML is nested too deeply; simplify the front matter"
        ) from exc


def _toml_value_span(raw: str, front: _FrontMatter, key: str) -> tuple[int, int]:
    """Raw span from the value of a top-level `key = value` line to the end of the front matter."""
    pattern = re.compile(rf"""^[ \t]*["']?{re.escape(key)}["']?[ \t]*=[ \t]*""", re.MULTILINE | re.IGNORECASE)
    match = pattern.search(raw, front.yaml_start, front.yaml_end)
    return (match.end() if match else front.yaml_start), front.yaml_end


def _read_front_matter(
    raw: str, front: _FrontMatter, line_starts: list[int], name: str
) -> tuple[DocumentMetadata, list[tuple[str, _Clean, str | None]]]:
    """Metadata, and the title/summary/author blocks mapped onto their values in raw."""
    if front.toml:
        value, node = _load_toml(raw, front, name), None
    else:
        value, node = _load_yaml(raw, front, line_starts, name)
    if value is None:
        return DocumentMetadata(), []
    if not isinstance(value, dict) or not (front.toml or isinstance(node, yaml.MappingNode)):
        kind = type(value).__name__
        raise FrontMatterError(
            f"{name}: front matter line 2: the front matter is a {kind}, not a mapping of `key: value` "
            "lines; fix the YAML between the --- lines"
        )
    nodes: dict[str, yaml.Node] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                nodes.setdefault(str(key_node.value).strip().lower(), value_node)
    fields: dict[str, Any] = {}
    for key, field_value in value.items():
        if isinstance(key, str | int | float):
            fields.setdefault(str(key).strip().lower(), field_value)

    pieces: list[tuple[int, str, _Clean, str | None]] = []

    # Several authors can share one value ("A and B"): each continues where the last one ended.
    cursors: dict[int, int] = {}

    def add(kind: str, text: str, value_node: yaml.Node | None, key: str) -> str | None:
        if front.toml:
            start, end = _toml_value_span(raw, front, key)
        else:
            start, end = _node_span(front, value_node)
        span_start = start
        start = max(start, cursors.get(span_start, start))
        piece, cursors[span_start] = _inline_piece(text, raw, start, end)
        clean = piece.text
        if not clean:
            return None
        pieces.append((piece.positions[0], kind, piece, None))
        return clean

    title = None
    if _is_scalar(fields.get("title")):
        title = add("title", str(fields["title"]), nodes.get("title"), "title")
    summary = None
    for key in ("summary", "description", "ogsummary"):
        if _is_scalar(fields.get(key)):
            summary = add("summary", str(fields[key]), nodes.get(key), key)
            if summary:
                break
    authors: list[str] = []
    for key in ("author", "authors"):
        if key in fields:
            for text, value_node in _author_values(fields[key], nodes.get(key)):
                for part in _split_authors(_AUTHOR_EMAIL.sub("", text)):
                    clean = add("author", part, value_node, key)
                    if clean and clean not in authors:
                        authors.append(clean)
    tags: list[str] = []
    for key in ("tags", "categories"):
        for tag in _string_list(fields.get(key)):
            if tag not in tags:
                tags.append(tag)
    metadata = DocumentMetadata(
        title=title,
        date=_normalise_date(fields.get("date", fields.get("publishdate"))),
        authors=tuple(authors),
        tags=tuple(tags),
        summary=summary,
    )
    pieces.sort(key=lambda item: item[0])
    return metadata, [(kind, piece, lead) for _, kind, piece, lead in pieces]


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def _node_span(front: _FrontMatter, node: yaml.Node | None) -> tuple[int, int]:
    if node is None:
        return front.yaml_start, front.yaml_end
    return front.yaml_start + node.start_mark.index, front.yaml_start + node.end_mark.index


def _author_values(value: Any, node: yaml.Node | None) -> list[tuple[str, yaml.Node | None]]:
    """(author text, its YAML node) from a str, a list of str, a mapping with `name`, or a list of those."""
    if _is_scalar(value):
        return [(str(value), node)]
    if isinstance(value, dict):
        name_value = next((v for k, v in value.items() if str(k).lower() == "name"), None)
        if not _is_scalar(name_value):
            return []
        name_node = None
        if isinstance(node, yaml.MappingNode):
            name_node = next(
                (v for k, v in node.value if isinstance(k, yaml.ScalarNode) and k.value.lower() == "name"),
                None,
            )
        return [(str(name_value), name_node)]
    if isinstance(value, list):
        item_nodes = node.value if isinstance(node, yaml.SequenceNode) else [None] * len(value)
        found: list[tuple[str, yaml.Node | None]] = []
        for item, item_node in zip(value, item_nodes, strict=False):
            if isinstance(item, list):
                continue
            found.extend(_author_values(item, item_node))
        return found
    return []


def _split_authors(text: str) -> list[str]:
    """'A (X) and B' -> ['A (X)', 'B']; separators inside parentheses are kept."""
    parts: list[str] = []
    last = 0
    for match in _AUTHOR_SEPARATOR.finditer(text):
        depth = text.count("(", 0, match.start()) - text.count(")", 0, match.start())
        if depth == 0:
            parts.append(text[last : match.start()])
            last = match.end()
    parts.append(text[last:])
    return [p.strip() for p in parts if p.strip()]


def _string_list(value: Any) -> list[str]:
    if _is_scalar(value):
        return [t.strip() for t in str(value).split(",") if t.strip()]
    if isinstance(value, list):
        return [" ".join(str(v).split()) for v in value if _is_scalar(v) and str(v).strip()]
    return []


def _normalise_date(value: Any) -> str | None:
    """A front-matter date as YYYY-MM-DD, or None when it is not a date."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        match = _ISO_DATE.match(value)
        if match:
            try:
                return dt.date(int(match[1]), int(match[2]), int(match[3])).isoformat()
            except ValueError:
                return None
        for form in ("%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%Y/%m/%d"):
            try:
                return dt.datetime.strptime(value.strip(), form).date().isoformat()
            except ValueError:
                continue
    return None


# --- markup masking --------------------------------------------------------------------------------


def _blank(raw: str, start: int, end: int) -> str:
    """raw with [start, end) turned into spaces, line breaks kept."""
    region = re.sub(r"[^\r\n]", " ", raw[start:end])
    return raw[:start] + region + raw[end:]


def _mask_markup(text: str, body_start: int) -> str:
    """Hide MDX imports/exports, JSX elements and Hugo shortcodes; same length, same lines.

    A line left with only masked markup becomes blank (so it separates blocks like the markup did);
    elsewhere masked characters become `_MASK` and are dropped from the clean text.
    """
    spans: list[tuple[int, int]] = []
    for match in _MDX_IMPORT.finditer(text, body_start):
        spans.append(match.span())
    export_end = body_start
    for match in _MDX_EXPORT.finditer(text, body_start):
        if match.start() < export_end:
            continue  # inside the export statement masked just before
        blank = _BLANK_LINE.search(text, match.end())
        export_end = blank.start() if blank else len(text)
        spans.append((match.start(), export_end))
    for start, end in _delimited_spans(text, body_start, ("{{<", "{{%"), (">}}", "%}}")):
        # A shortcode that carries visible text ({{< glossary_tooltip text="Pods" term_id="pod" >}})
        # keeps that text; everything else in it is markup.
        shown = _SHORTCODE_TEXT.search(text, start, end)
        if shown:
            spans.extend([(start, shown.start(1)), (shown.end(1), end)])
        else:
            spans.append((start, end))
    spans.extend(_delimited_spans(text, body_start, ("{/*",), ("*/}",)))
    spans.extend(_jsx_spans(text, body_start))
    if not spans:
        return text
    chars = list(text)
    for start, end in spans:
        for i in range(start, end):
            if chars[i] not in "\r\n":
                chars[i] = _MASK
    masked = "".join(chars)
    # Lines that hold nothing but masked markup become blank lines.
    out = []
    for line in re.split(r"(\r\n?|\n)", masked):
        if _MASK in line and not line.replace(_MASK, "").strip():
            line = " " * len(line)
        out.append(line)
    return "".join(out)


def _delimited_spans(
    text: str, start: int, openers: tuple[str, ...], closers: tuple[str, ...]
) -> list[tuple[int, int]]:
    """Spans from an opener to the nearest closer at most _MAX_MARKUP_LENGTH later (Hugo shortcodes,
    MDX comments). Linear: each delimiter is looked up again only once the scan has passed it."""
    spans: list[tuple[int, int]] = []
    next_opener = _NextOccurrence(text, openers)
    next_closer = _NextOccurrence(text, closers)
    pos = start
    while True:
        opening, _ = next_opener.at_or_after(pos)
        if opening < 0:
            return spans
        closing, closing_end = next_closer.at_or_after(opening + 3)
        if closing < 0:
            return spans
        if closing_end - opening <= _MAX_MARKUP_LENGTH:
            spans.append((opening, closing_end))
            pos = closing_end
        else:
            pos = opening + 1


class _NextOccurrence:
    """Nearest occurrence of any of several needles at or after a position that only moves forward."""

    def __init__(self, text: str, needles: tuple[str, ...]) -> None:
        self.text = text
        self.needles = needles
        self.found = [-2] * len(needles)  # -2: not looked up yet; -1: none left

    def at_or_after(self, pos: int) -> tuple[int, int]:
        """(start, end) of the nearest occurrence, or (-1, -1)."""
        best = (-1, -1)
        for i, needle in enumerate(self.needles):
            if self.found[i] == -1:
                continue
            if self.found[i] < pos:
                self.found[i] = self.text.find(needle, pos)
                if self.found[i] < 0:
                    continue
            if best[0] < 0 or self.found[i] < best[0]:
                best = (self.found[i], self.found[i] + len(needle))
        return best


def _jsx_spans(text: str, start: int) -> list[tuple[int, int]]:
    """JSX elements: capitalised components, fragments, and tags whose attributes hold `{...}`."""
    spans: list[tuple[int, int]] = []
    pos = start
    while True:
        match = _JSX_TAG_START.search(text, pos)
        if match is None:
            return spans
        end, scanned = _tag_end(text, match.end())
        if end is None:
            # Nothing before `scanned` can close a tag either, so the scan never revisits it.
            pos = max(match.end(), scanned)
            continue
        name = match.group().lstrip("</")
        is_component = not name or name[0].isupper()
        if is_component or "{" in text[match.end() : end]:
            spans.append((match.start(), end))
            pos = end
        else:
            pos = match.end()


def _tag_end(text: str, pos: int) -> tuple[int | None, int]:
    """(index after the `>` closing a tag opened before pos, or None; where the scan stopped).

    Quotes and `{...}` may hold `>`; a `<` outside braces or a blank line ends the attempt.
    """
    depth = 0
    quote = ""
    limit = min(len(text), pos + _MAX_MARKUP_LENGTH)
    i = pos
    while i < limit:
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "\"'" and depth == 0 or ch in "\"'`" and depth > 0:
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                return None, i
        elif ch == ">" and depth == 0:
            return i + 1, i + 1
        elif ch == "<" and depth == 0:
            return None, i
        elif ch in "\r\n" and depth == 0 and text[i + 1 : i + 2] in ("\r", "\n"):
            return None, i  # a blank line ends any tag
        i += 1
    return None, i


# --- body ------------------------------------------------------------------------------------------


def _body_pieces(masked: str, raw: str, line_starts: list[int]) -> list[tuple[str, _Clean, str | None]]:
    """Blocks of the Markdown body: (kind, clean text piece, lead)."""
    tokens = _MARKDOWN.parse(masked)
    containers: list[str] = []
    pieces: list[tuple[str, _Clean, str | None]] = []
    cursor = 0
    kind = "paragraph"
    for token in tokens:
        if token.type == "list_item_open":
            containers.append("list_item")
        elif token.type == "blockquote_open":
            containers.append("quote")
        elif token.type in ("list_item_close", "blockquote_close") and containers:
            containers.pop()
        elif token.type == "heading_open":
            kind = "heading"
        elif token.type == "paragraph_open":
            kind = containers[-1] if containers else "paragraph"
        elif token.type in ("th_open", "td_open"):
            kind = "table_cell"
        elif token.type == "inline" and token.children is not None:
            first, last = token.map if token.map else (0, len(line_starts))
            start = line_starts[first] if first < len(line_starts) else len(raw)
            limit = line_starts[last] if last < len(line_starts) else len(raw)
            cursor = max(cursor, start)
            piece, lead, cursor = _emit_inline(token.children, masked, cursor, max(limit, cursor))
            clean = _tidy(piece)
            if clean.text:
                pieces.append((kind, clean, lead))
    return pieces


def _inline_piece(value: str, raw: str, start: int, end: int) -> tuple[_Clean, int]:
    """A front-matter value read as inline Markdown and mapped onto raw[start:end]; and the end cursor."""
    tokens = _MARKDOWN.parseInline(value)
    children = tokens[0].children if tokens and tokens[0].children else []
    piece, _, cursor = _emit_inline(children, raw, start, end)
    return _tidy(piece), cursor


def _emit_inline(children: list[Token], src: str, cursor: int, limit: int) -> tuple[_Piece, str | None, int]:
    """Visible text of inline tokens, each character located in src at or after cursor."""
    piece = _Piece([], [])
    lead: str | None = None
    lead_from: int | None = None
    lead_depth = 0
    seen_text = False
    skip_depth = 0
    for token in children:
        kind = token.type
        if kind == "image" or kind == "html_inline":
            continue
        if skip_depth:
            continue
        if kind == "strong_open":
            if not seen_text and lead_from is None:
                lead_from = sum(map(len, piece.chars))
            if lead_from is not None and lead is None:
                lead_depth += 1
            continue
        if kind == "strong_close":
            if lead_from is not None and lead is None:
                lead_depth -= 1
                if lead_depth == 0:
                    lead = " ".join("".join(piece.chars)[lead_from:].replace(_MASK, "").split()) or None
            continue
        if kind in ("text", "code_inline"):
            cursor = _place(token.content, src, cursor, limit, piece)
        elif kind == "text_special":
            cursor = _place_special(token.content, token.markup, src, cursor, limit, piece)
        elif kind in ("softbreak", "hardbreak"):
            cursor = _place_newline(src, cursor, limit, piece)
        else:
            continue  # em/link/strikethrough open and close: markers only
        if not seen_text and "".join(piece.chars).replace(_MASK, "").strip():
            seen_text = True
    return piece, lead, cursor


def _place(content: str, src: str, cursor: int, limit: int, piece: _Piece) -> int:
    """Append content; returns the new cursor."""
    if not content:
        return cursor
    found = src.find(content, cursor, limit)
    if found >= 0:
        piece.chars.append(content)
        piece.positions.extend(range(found, found + len(content)))
        return found + len(content)
    for ch in content:
        if ch.isspace():
            piece.chars.append(ch)
            piece.positions.append(cursor)
            continue
        found = src.find(ch, cursor, limit)
        if found < 0:
            found = _markup_start(src, cursor, limit)
        if found < 0:
            continue  # not in the file at all (e.g. U+FFFD for a YAML "\0"): nothing to point at
        piece.chars.append(ch)
        piece.positions.append(found)
        cursor = max(cursor, found + 1)
    return cursor


def _markup_start(src: str, cursor: int, limit: int) -> int:
    """Where a character that is not in src literally came from: the next escape or entity, else -1."""
    candidates = [i for i in (src.find("\\", cursor, limit), src.find("&", cursor, limit)) if i >= 0]
    return min(candidates) if candidates else -1


def _place_special(content: str, markup: str, src: str, cursor: int, limit: int, piece: _Piece) -> int:
    """An entity or escape: its decoded characters all point at the start of the markup."""
    found = src.find(markup, cursor, limit) if markup else -1
    if found < 0:
        return _place(content, src, cursor, limit, piece)
    piece.chars.append(content)
    piece.positions.extend([found] * len(content))
    return found + len(markup)


def _place_newline(src: str, cursor: int, limit: int, piece: _Piece) -> int:
    breaks = [i for i in (src.find("\n", cursor, limit), src.find("\r", cursor, limit)) if i >= 0]
    found = min(breaks) if breaks else cursor
    piece.chars.append("\n")
    piece.positions.append(found)
    return found + 1 if breaks else cursor


def _tidy(piece: _Piece) -> _Clean:
    """Drop masked characters, fold whitespace runs (to '\\n' when they hold a line break), strip."""
    text = "".join(piece.chars)
    positions = piece.positions
    if _MASK in text:
        keep = [i for i, ch in enumerate(text) if ch != _MASK]
        text = "".join(text[i] for i in keep)
        positions = [positions[i] for i in keep]
    stripped = text.strip()
    if not stripped:
        return _Clean("", [])
    if len(stripped) != len(text):
        lead = len(text) - len(text.lstrip())
        text = stripped
        positions = positions[lead : lead + len(stripped)]
    fragments: list[str] = []
    out_positions: list[int] = []
    last = 0
    # Only runs that are not already a single space need rewriting.
    for match in _FOLDABLE_WHITESPACE.finditer(text):
        start, end = match.span()
        fragments.append(text[last:start])
        out_positions.extend(positions[last:start])
        newline = match.group().find("\n")
        fragments.append("\n" if newline >= 0 else " ")
        out_positions.append(positions[start + max(newline, 0)])
        last = end
    if last == 0:
        return _Clean(text, list(positions))
    fragments.append(text[last:])
    out_positions.extend(positions[last:])
    return _Clean("".join(fragments), out_positions)


# --- assembly --------------------------------------------------------------------------------------


def _assemble(
    raw: str,
    source: str,
    document_id: str,
    metadata: DocumentMetadata,
    pieces: list[tuple[str, _Clean, str | None]],
) -> Document:
    fragments: list[str] = []
    positions: list[int] = []
    blocks: list[Block] = []
    length = 0
    for kind, piece, lead in pieces:
        if fragments:
            gap = min(positions[-1] + 1, piece.positions[0])
            fragments.append("\n\n")
            positions.extend((gap, gap))
            length += 2
        fragments.append(piece.text)
        positions.extend(piece.positions)
        blocks.append(Block(kind=kind, start=length, end=length + len(piece.text), lead=lead))
        length += len(piece.text)
    size = len(raw)
    # Guarantee the documented invariants even where a fallback guessed a position.
    if sorted(positions) != positions:  # cheap check (timsort is linear on sorted input)
        positions = list(itertools.accumulate(positions, max))
    if positions and positions[-1] > size:
        positions = [min(p, size) for p in positions]
    positions.append(min(positions[-1] + 1, size) if positions else 0)
    return Document(
        id=document_id,
        source=source,
        raw=raw,
        text="".join(fragments),
        offsets=tuple(positions),
        metadata=metadata,
        blocks=tuple(blocks),
    )


# --- plain text ------------------------------------------------------------------------------------


def _is_plain_text(raw: str, source: str) -> bool:
    suffix = _suffix(source)
    if suffix == ".txt":
        return True
    if suffix in MARKDOWN_SUFFIXES:
        return False
    return _MARKDOWN_HINTS.search(raw) is None


def _suffix(source: str) -> str:
    base = source.replace("\\", "/").rsplit("/", 1)[-1].lower()
    dot = base.rfind(".")
    return base[dot:] if dot > 0 else ""


def _plain_document(raw: str, source: str, document_id: str) -> Document:
    """text == raw; one block per paragraph (blank-line separated, or per line when there are none)."""
    has_blank_lines = _BLANK_LINE_INSIDE.search(raw) is not None
    separator = r"(?:\r\n?|\n)[ \t]*(?:\r\n?|\n)\s*" if has_blank_lines else r"\r\n?|\n"
    blocks = []
    last = 0
    for match in [*re.finditer(separator, raw), None]:
        end = match.start() if match else len(raw)
        segment = raw[last:end]
        stripped = segment.strip()
        if stripped:
            start = last + (len(segment) - len(segment.lstrip()))
            blocks.append(Block(kind="paragraph", start=start, end=start + len(stripped)))
        if match:
            last = match.end()
    return Document(
        id=document_id,
        source=source,
        raw=raw,
        text=raw,
        offsets=tuple(range(len(raw) + 1)),
        metadata=DocumentMetadata(),
        blocks=tuple(blocks),
    )
