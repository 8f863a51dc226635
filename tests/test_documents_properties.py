"""Properties of read_document over generated inputs: it never crashes and its offset map holds."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.documents import read_document
from graph.errors import MkgError
from graph.records import Document

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

MARKDOWN_FRAGMENTS = [
    "**",
    "*",
    "_",
    "__",
    "`",
    "``",
    "[",
    "](",
    ")",
    "](http://x.io/a)",
    "![",
    "<",
    ">",
    "&amp;",
    "&lt;",
    "&#65;",
    "&nbsp;",
    "&bogus;",
    "\\",
    "\\*",
    "\n",
    "\r\n",
    "\r",
    "\n\n",
    "# ",
    "## ",
    "- ",
    "1. ",
    "> ",
    "|",
    "| --- |",
    "---",
    "{{<",
    ">}}",
    "{{%",
    "%}}",
    "{",
    "}",
    "{/*",
    "*/}",
    "<BlogAuthor {...a.b} />",
    "<Tip>",
    "</Tip>",
    "<span>",
    "</span>",
    "<div>",
    "<!--",
    "-->",
    "import x from 'y';",
    "export const a = 1",
    "```",
    "~~~",
    "    ",
    "\t",
    " ",
    "  ",
    "Cilium",
    "Ana Ruiz",
    "Datadog",
    "eBPF",
    "é",
    "日本",
    "\u00a0",
    "\u2028",
    "\ufeff",
    "\ue000",
    "~~",
    "<https://cilium.io>",
    ":",
    "'",
    '"',
    "\x0b",
    "\x1c",
    "+++\n",
    'title = "Cilium"\n',
    "---\n",
    "title: Cilium\n",
]

markdown_text = st.lists(st.sampled_from(MARKDOWN_FRAGMENTS), max_size=40).map("".join)
sources = st.sampled_from(["doc.md", "doc.mdx", "doc.txt", "doc", "", "dir/Doc File.markdown"])

yaml_values = st.one_of(
    st.text(max_size=30),
    st.lists(st.text(max_size=15), max_size=3),
    st.lists(st.fixed_dictionaries({"name": st.text(max_size=15)}), max_size=2),
    st.dates(),
    st.integers(),
    st.none(),
)
front_matter = st.dictionaries(
    st.sampled_from(["title", "date", "author", "authors", "tags", "categories", "summary", "ogSummary"]),
    yaml_values,
    max_size=6,
)


def assert_offset_invariants(document: Document) -> None:
    text, raw, offsets = document.text, document.raw, document.offsets
    assert len(offsets) == len(text) + 1
    assert all(0 <= o <= len(raw) for o in offsets)
    assert all(a <= b for a, b in zip(offsets, offsets[1:], strict=False))
    for i, ch in enumerate(text):
        if not ch.isspace():
            # Decoded entities and escapes point at the '&' or '\' that starts them.
            assert raw[offsets[i]] == ch or raw[offsets[i]] in "&\\", (i, ch, raw[offsets[i]])
    previous_end = 0
    for block in document.blocks:
        assert previous_end <= block.start < block.end <= len(text)
        assert text[block.start : block.end].strip() == text[block.start : block.end]
        previous_end = block.end
    if text != raw:  # Markdown: the text is exactly its blocks (plain text keeps raw as it is)
        assert text == "\n\n".join(text[b.start : b.end] for b in document.blocks)


def read_or_refuse(data: bytes | str, source: str) -> Document | None:
    try:
        return read_document(data, source)
    except MkgError:
        return None


@SETTINGS
@given(st.text(max_size=300), sources)
def test_any_text_is_read_or_refused_with_a_catalogue_error(data: str, source: str) -> None:
    document = read_or_refuse(data, source)
    if document is not None:
        assert_offset_invariants(document)


@SETTINGS
@given(st.binary(max_size=200), sources)
def test_any_bytes_are_read_or_refused_with_a_catalogue_error(data: bytes, source: str) -> None:
    document = read_or_refuse(data, source)
    if document is not None:
        assert_offset_invariants(document)


@SETTINGS
@given(markdown_text, sources)
def test_markdown_fragments_keep_the_offset_invariants(data: str, source: str) -> None:
    document = read_or_refuse(data, source)
    if document is not None:
        assert_offset_invariants(document)


@SETTINGS
@given(front_matter, markdown_text)
def test_front_matter_with_any_values_keeps_the_invariants(fields: dict[str, object], body: str) -> None:
    raw = "---\n" + yaml.safe_dump(fields, allow_unicode=True) + "---\n" + body
    document = read_or_refuse(raw, "post.md")
    if document is not None:
        assert_offset_invariants(document)


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=300))
def test_plain_text_files_keep_text_identical_to_raw(data: str) -> None:
    document = read_or_refuse(data, "notes.txt")
    if document is not None and not data.lstrip("\ufeff").startswith("-"):
        assert document.text == document.raw
        assert document.offsets == tuple(range(len(document.raw) + 1))
