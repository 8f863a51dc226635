"""Reading documents: front matter, Markdown/MDX/Hugo markup, plain text, offsets and errors."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from graph.documents import (
    DOCUMENT_SUFFIXES,
    MAX_DOCUMENT_BYTES,
    document_id_for,
    read_document,
)
from graph.errors import (
    BinaryDocument,
    DocumentTooLarge,
    EmptyDocument,
    FrontMatterError,
    InvalidParameter,
)
from graph.records import Document

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SAMPLE_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def block_texts(document: Document, kind: str | None = None) -> list[str]:
    return [document.text[b.start : b.end] for b in document.blocks if kind is None or b.kind == kind]


def assert_offsets_valid(document: Document) -> None:
    offsets = document.offsets
    assert len(offsets) == len(document.text) + 1
    assert all(0 <= o <= len(document.raw) for o in offsets)
    assert all(a <= b for a, b in zip(offsets, offsets[1:], strict=False))
    for i, ch in enumerate(document.text):
        if not ch.isspace():
            assert document.raw[offsets[i]] == ch or document.raw[offsets[i]] in "&\\", (i, ch)


def raw_of(document: Document, needle: str, occurrence: int = 0) -> str:
    """The raw characters behind the occurrence-th `needle` in the clean text."""
    starts = [m.start() for m in re.finditer(re.escape(needle), document.text)]
    start = starts[occurrence]
    raw_start, raw_end = document.raw_span(start, start + len(needle))
    return document.raw[raw_start:raw_end]


INTERVIEW = """---
path: '/blog/2022/05/05/meet-maintainer-ana'
date: '2022-05-05T17:00:00.000Z'
title: 'Meet the Maintainer - Ana Ruiz'
ogSummary: 'Meet Ana Ruiz, Cilium maintainer at Datadog.'
categories:
  - Community
tags:
  - Cilium
  - Maintainer
---

import authors from 'utils/author-data';

![Ana Ruiz](ana.jpeg)

_Interviewed by: Bill Mulligan, Isovalent_

**How did you first get into technology?**

I joined [Datadog](https://www.datadoghq.com/) in 2018 and started using `kube-proxy` in IPVS mode.

<BlogAuthor {...authors.billMulligan} />
"""


def test_interview_front_matter_becomes_metadata() -> None:
    document = read_document(INTERVIEW, "cilium-blog/meet-ana.md")
    assert document.metadata.title == "Meet the Maintainer - Ana Ruiz"
    assert document.metadata.date == "2022-05-05"
    assert document.metadata.summary == "Meet Ana Ruiz, Cilium maintainer at Datadog."
    assert document.metadata.tags == ("Cilium", "Maintainer", "Community")
    assert document.metadata.authors == ()


def test_interview_text_keeps_prose_and_drops_markup() -> None:
    document = read_document(INTERVIEW, "cilium-blog/meet-ana.md")
    assert block_texts(document) == [
        "Meet the Maintainer - Ana Ruiz",
        "Meet Ana Ruiz, Cilium maintainer at Datadog.",
        "Interviewed by: Bill Mulligan, Isovalent",
        "How did you first get into technology?",
        "I joined Datadog in 2018 and started using kube-proxy in IPVS mode.",
    ]
    assert [b.kind for b in document.blocks] == ["title", "summary", "paragraph", "paragraph", "paragraph"]
    for dropped in ("import", "BlogAuthor", "authors.", "ana.jpeg", "https://", "Ana Ruiz](", "**", "`"):
        assert dropped not in document.text
    assert document.text == "\n\n".join(block_texts(document))
    assert_offsets_valid(document)


def test_front_matter_blocks_point_at_the_values_in_raw() -> None:
    document = read_document(INTERVIEW, "cilium-blog/meet-ana.md")
    title, summary = document.blocks[0], document.blocks[1]
    start, end = document.raw_span(title.start, title.end)
    assert document.raw[start:end] == "Meet the Maintainer - Ana Ruiz"
    start, end = document.raw_span(summary.start, summary.end)
    assert document.raw[start:end] == "Meet Ana Ruiz, Cilium maintainer at Datadog."
    assert raw_of(document, "Datadog", 0) == "Datadog"
    assert raw_of(document, "Datadog", 1) == "Datadog"
    assert document.offsets[document.text.index("Datadog in")] == INTERVIEW.index("Datadog](")


def test_bold_question_is_the_lead_of_its_block() -> None:
    document = read_document(INTERVIEW, "meet-ana.md")
    question = next(b for b in document.blocks if b.lead)
    assert question.lead == "How did you first get into technology?"
    assert document.text[question.start : question.end] == question.lead


def test_bold_speaker_turn_gives_the_speaker_as_lead() -> None:
    document = read_document("**Arpit:** Thank you for joining.\n\n**Dawn**: Happy to be here.\n", "t.md")
    assert [(b.lead, document.text[b.start : b.end]) for b in document.blocks] == [
        ("Arpit:", "Arpit: Thank you for joining."),
        ("Dawn", "Dawn: Happy to be here."),
    ]


def test_bold_in_the_middle_of_a_block_is_no_lead() -> None:
    document = read_document("Thanks to **Dawn** for the review.\n", "t.md")
    assert document.blocks[0].lead is None
    assert document.text == "Thanks to Dawn for the review."


def test_date_forms_are_normalised() -> None:
    for value, expected in [
        ("'2022-05-05T17:00:00.000Z'", "2022-05-05"),
        ("2024-06-20", "2024-06-20"),
        ("2024-06-20T10:00:00Z", "2024-06-20"),
        ("'2024-06-20'", "2024-06-20"),
        ("'May 5, 2022'", "2022-05-05"),
        ("'someday'", None),
        ("2024-02-31x", None),
        ("2024-02-31", None),
    ]:
        document = read_document(f"---\ndate: {value}\n---\nBody text.\n", "d.md")
        assert document.metadata.date == expected, value


def test_author_forms() -> None:
    cases = {
        'author: "Frederico Muñoz (SAS Institute)"': ("Frederico Muñoz (SAS Institute)",),
        "author: >\n  Arpit Agrawal": ("Arpit Agrawal",),
        "authors:\n  - Ana Ruiz\n  - Bo Li": ("Ana Ruiz", "Bo Li"),
        "authors:\n  - name: Ana Ruiz\n    url: https://x\n  - name: Bo Li": ("Ana Ruiz", "Bo Li"),
        'author: "Frederico Muñoz (SAS Institute) and Kirti Goyal"': (
            "Frederico Muñoz (SAS Institute)",
            "Kirti Goyal",
        ),
        'author: "Jane Doe <jane@example.com>"': ("Jane Doe",),
        "author: >\n  [Junya Okabe](https://github.com/x) (University of Tsukuba) /\n  Organizing team": (
            "Junya Okabe (University of Tsukuba) / Organizing team",
        ),
    }
    for yaml_text, expected in cases.items():
        document = read_document(f"---\n{yaml_text}\n---\nBody text.\n", "a.md")
        assert document.metadata.authors == expected, yaml_text
        assert block_texts(document, "author") == list(expected)
        assert_offsets_valid(document)


def test_folded_author_maps_each_character_into_the_front_matter() -> None:
    raw = (
        "---\nauthor: >\n  [Junya Okabe](https://github.com/x) (University of Tsukuba) /\n"
        "  Organizing team\n---\nBody.\n"
    )
    document = read_document(raw, "a.md")
    assert raw_of(document, "Junya Okabe") == "Junya Okabe"
    assert raw_of(document, "Organizing team") == "Organizing team"
    assert raw_of(document, "Tsukuba) / Organizing") == "Tsukuba) /\n  Organizing"


def test_tags_and_categories_are_merged_without_duplicates() -> None:
    raw = "---\ntags: [Cilium, eBPF]\ncategories:\n  - Community\n  - Cilium\n---\nBody.\n"
    assert read_document(raw, "t.md").metadata.tags == ("Cilium", "eBPF", "Community")


def test_summary_comes_from_summary_description_or_og_summary() -> None:
    for key in ("summary", "description", "ogSummary"):
        document = read_document(f"---\n{key}: Short text\n---\nBody.\n", "s.md")
        assert document.metadata.summary == "Short text"
        assert block_texts(document, "summary") == ["Short text"]


def test_quoted_title_with_escaped_quote_maps_to_raw() -> None:
    raw = "---\ntitle: 'It''s Cilium'\n---\nBody.\n"
    document = read_document(raw, "q.md")
    assert document.metadata.title == "It's Cilium"
    assert raw_of(document, "Cilium") == "Cilium"
    assert_offsets_valid(document)


def test_front_matter_blocks_follow_raw_order() -> None:
    raw = "---\nogSummary: First in file\ntitle: Second in file\n---\nBody.\n"
    document = read_document(raw, "o.md")
    assert block_texts(document)[:2] == ["First in file", "Second in file"]
    assert_offsets_valid(document)


def test_hugo_shortcodes_are_dropped_but_paired_content_is_kept() -> None:
    raw = (
        "Intro paragraph.\n\n"
        '{{< figure src="/blog/x.png" alt="Figure with Datadog" >}}\n\n'
        '{{% alert title="Note" color="info" %}}Keep this sentence.{{% /alert %}}\n\n'
        'Inline {{< ref "x.md" >}}shortcode here.\n'
    )
    document = read_document(raw, "h.md")
    assert block_texts(document) == ["Intro paragraph.", "Keep this sentence.", "Inline shortcode here."]
    assert "figure" not in document.text and "Datadog" not in document.text
    assert_offsets_valid(document)


def test_shortcode_with_visible_text_keeps_that_text() -> None:
    raw = 'Each {{< glossary_tooltip text="Pod" term_id="pod" >}} runs on a node.\n'
    document = read_document(raw, "g.md")
    assert document.text == "Each Pod runs on a node."
    assert raw_of(document, "Pod") == "Pod"


def test_indented_shortcode_before_text_does_not_become_code() -> None:
    raw = 'Intro.\n\n{{< figure src="x.png" >}} Caption for Kubernetes.\n'
    document = read_document(raw, "h.md")
    assert block_texts(document) == ["Intro.", "Caption for Kubernetes."]


def test_jsx_components_and_mdx_lines_are_dropped() -> None:
    raw = (
        "import authors from 'utils/author-data';\n"
        "import { Tabs } from '@site/src/tabs';\n"
        "export const meta = {\n  title: 'x',\n};\n\n"
        'Text before <Tooltip text={"a > b"}>hover text</Tooltip> after.\n\n'
        "<BlogAuthor {...authors.billMulligan} />\n\n"
        '<div align="center" style={{fontStyle:"italic"}}>Figure 1. Cilium nodes</div>\n\n'
        "{/* an MDX comment */}\n\n"
        "Last line.\n"
    )
    document = read_document(raw, "j.mdx")
    assert block_texts(document) == [
        "Text before hover text after.",
        "Figure 1. Cilium nodes",
        "Last line.",
    ]
    assert_offsets_valid(document)


def test_links_images_and_code() -> None:
    raw = (
        "See [the Cilium docs](https://docs.cilium.io) and ![alt text about eBPF](pic.png) now.\n\n"
        "Run `cilium status` first. Visit <https://cilium.io>.\n\n"
        "```bash\nkubectl apply -f secret.yaml\n```\n\n"
        "    indented code block\n\n"
        "After code.\n"
    )
    document = read_document(raw, "l.md")
    assert block_texts(document) == [
        "See the Cilium docs and now.",
        "Run cilium status first. Visit https://cilium.io.",
        "After code.",
    ]
    assert raw_of(document, "cilium status") == "cilium status"


def test_inline_html_tags_dropped_and_html_blocks_removed() -> None:
    raw = "A <em>very</em> good <br/> day.\n\n<div>\nblock html\n</div>\n\n<!-- comment -->\n\nEnd.\n"
    document = read_document(raw, "x.md")
    assert block_texts(document) == ["A very good day.", "End."]


def test_entities_decode_and_point_at_the_entity() -> None:
    raw = "AT&amp;T &lt;3 caf&eacute; \\*not emphasis\\*\n"
    document = read_document(raw, "e.md")
    assert document.text == "AT&T <3 café *not emphasis*"
    assert document.offsets[document.text.index("<")] == raw.index("&lt;")
    assert document.offsets[document.text.index("é")] == raw.index("&eacute;")
    assert document.offsets[document.text.index("T <")] == raw.index("T &lt;")
    assert_offsets_valid(document)


def test_softbreak_is_a_newline_mapped_to_the_raw_newline() -> None:
    raw = "First line\nsecond line\r\nthird line\n"
    document = read_document(raw, "s.md")
    assert document.text == "First line\nsecond line\nthird line"
    assert [document.offsets[i] for i, ch in enumerate(document.text) if ch == "\n"] == [10, 22]


def test_blocks_kinds_for_headings_lists_quotes_tables() -> None:
    raw = (
        "# Meet Ana\n\n"
        "- Works at **Google**\n- Maintains etcd\n\n"
        "> Ana said: we run Cilium.\n\n"
        "| Name | Project |\n| --- | --- |\n| Ana | etcd |\n"
    )
    document = read_document(raw, "k.md")
    assert [(b.kind, document.text[b.start : b.end]) for b in document.blocks] == [
        ("heading", "Meet Ana"),
        ("list_item", "Works at Google"),
        ("list_item", "Maintains etcd"),
        ("quote", "Ana said: we run Cilium."),
        ("table_cell", "Name"),
        ("table_cell", "Project"),
        ("table_cell", "Ana"),
        ("table_cell", "etcd"),
    ]
    assert_offsets_valid(document)


def test_crlf_document_keeps_raw_and_maps_offsets() -> None:
    raw = "---\r\ntitle: Windows post\r\nauthor: Jo Bloggs\r\n---\r\n\r\n**Jo:** I work at\r\nGoogle.\r\n"
    document = read_document(raw.encode("utf-8"), "w.md")
    assert document.raw == raw
    assert document.metadata.title == "Windows post"
    assert block_texts(document) == ["Windows post", "Jo Bloggs", "Jo: I work at\nGoogle."]
    assert raw_of(document, "Google") == "Google"
    assert document.blocks[-1].lead == "Jo:"
    assert_offsets_valid(document)


def test_bom_is_stripped() -> None:
    document = read_document("\ufeffHello Cilium.".encode(), "b.txt")
    assert document.raw == "Hello Cilium."
    assert document.text == "Hello Cilium."


def test_plain_text_keeps_text_equal_to_raw_with_identity_offsets() -> None:
    raw = "I met Thomas Graf at DockerCon.\nHe had just started Cilium.\n"
    document = read_document(raw, "seeds/story.txt")
    assert document.text == raw
    assert document.offsets == tuple(range(len(raw) + 1))
    assert block_texts(document) == ["I met Thomas Graf at DockerCon.", "He had just started Cilium."]


def test_plain_text_paragraphs_split_on_blank_lines() -> None:
    raw = "First paragraph\nwrapped here.\n\n\nSecond paragraph.\n"
    document = read_document(raw, "p.txt")
    assert block_texts(document) == ["First paragraph\nwrapped here.", "Second paragraph."]


def test_txt_with_front_matter_is_markdown() -> None:
    raw = "---\ntitle: 'Meet the Maintainer - Ana'\n---\n\n**How did you start?**\n\nBy accident.\n"
    document = read_document(raw, "seeds/003.txt")
    assert document.metadata.title == "Meet the Maintainer - Ana"
    assert block_texts(document) == ["Meet the Maintainer - Ana", "How did you start?", "By accident."]


def test_no_suffix_plain_text_is_detected() -> None:
    plain = read_document("We run Cilium in production.\nIt works * well.", "")
    assert plain.text == plain.raw
    markdown = read_document("We run **Cilium** in [production](http://x).", "")
    assert markdown.text == "We run Cilium in production."


def test_long_rule_followed_by_yaml_is_front_matter() -> None:
    raw = '------\nlayout: blog\ntitle: "Book club"\n---\n\nBody text.\n'
    document = read_document(raw, "k.md")
    assert document.metadata.title == "Book club"
    assert block_texts(document) == ["Book club", "Body text."]


def test_toml_front_matter_between_plus_fences() -> None:
    raw = (
        '+++\ntitle = "Spotlight on SIG Node"\ndate = 2024-06-20\nauthors = ["Arpit Agrawal", "Ana Ruiz"]\n'
        'tags = ["sig-node"]\n+++\n\n**Arpit:** Welcome!\n'
    )
    document = read_document(raw, "node.md")
    assert document.metadata.title == "Spotlight on SIG Node"
    assert document.metadata.date == "2024-06-20"
    assert document.metadata.authors == ("Arpit Agrawal", "Ana Ruiz")
    assert document.metadata.tags == ("sig-node",)
    assert block_texts(document) == ["Spotlight on SIG Node", "Arpit Agrawal", "Ana Ruiz", "Arpit: Welcome!"]
    assert raw_of(document, "Ana Ruiz") == "Ana Ruiz"
    assert_offsets_valid(document)


def test_broken_toml_front_matter_names_the_raw_line() -> None:
    with pytest.raises(FrontMatterError) as info:
        read_document('+++\ntitle = "x"\ndate 2024\n+++\nBody.\n', "t.md")
    assert info.value.detail.startswith("t.md: front matter line 3: ")
    assert "+++" in info.value.detail
    with pytest.raises(FrontMatterError, match="never closed"):
        read_document('+++\ntitle = "x"\nBody.\n', "t.md")


def test_a_post_opening_with_a_rule_has_no_front_matter() -> None:
    raw = "---\n\nWe run Cilium at Datadog.\n\n---\n\nMore prose.\n"
    document = read_document(raw, "r.md")
    assert document.metadata.title is None
    assert block_texts(document) == ["We run Cilium at Datadog.", "More prose."]


def test_empty_front_matter_gives_empty_metadata() -> None:
    document = read_document("---\n---\nJust text.\n", "e.md")
    assert document.metadata.title is None
    assert document.text == "Just text."


@pytest.mark.parametrize("data", [b"", "   \n\t\n", b"\xef\xbb\xbf  \n"])
def test_empty_documents_are_refused(data: bytes | str) -> None:
    with pytest.raises(EmptyDocument) as info:
        read_document(data, "e.md")
    assert "e.md" in info.value.detail


def test_binary_documents_are_refused() -> None:
    with pytest.raises(BinaryDocument, match="NUL"):
        read_document(b"PNG\x00\x01\x02", "pic.md")
    with pytest.raises(BinaryDocument, match="byte 3 is not valid UTF-8"):
        read_document(b"abc\xff\xfe", "latin.md")
    with pytest.raises(BinaryDocument):
        read_document("lone \ud800 surrogate", "s.md")


def test_too_large_documents_are_refused_before_decoding() -> None:
    with pytest.raises(DocumentTooLarge) as info:
        read_document(b"\xff" * 101, "big.md", max_bytes=100)
    assert info.value.status == 413
    with pytest.raises(DocumentTooLarge):
        read_document("é" * 60, "big.md", max_bytes=100)
    assert MAX_DOCUMENT_BYTES == 5_000_000


def test_broken_front_matter_names_source_and_raw_line() -> None:
    raw = "---\ntitle: ok\ndate: 2024-01-01\nsummary: bad: value\n---\nBody.\n"
    with pytest.raises(FrontMatterError) as info:
        read_document(raw, "seeds/x.md")
    detail = info.value.detail
    assert detail.startswith("seeds/x.md: front matter line 4: mapping values are not allowed here")
    assert "fix the YAML between the --- lines" in detail


def test_broken_front_matter_line_counts_crlf_lines() -> None:
    raw = "---\r\ntitle: ok\r\ntags: [a, b\r\nother: x\r\n---\r\nBody.\r\n"
    with pytest.raises(FrontMatterError, match=r"front matter line \d"):
        read_document(raw, "c.md")


def test_front_matter_that_is_not_a_mapping_is_refused() -> None:
    with pytest.raises(FrontMatterError, match="not a mapping"):
        read_document("---\n- a\n- b\n---\nBody.\n", "l.md")


def test_unclosed_front_matter_is_refused() -> None:
    with pytest.raises(FrontMatterError, match="never closed"):
        read_document("---\ntitle: x\n\nBody text.\n", "u.md")


def test_alias_bomb_in_front_matter_is_refused() -> None:
    bomb = (
        "---\n"
        'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
        "---\nBody.\n"
    )
    with pytest.raises(FrontMatterError, match="aliases"):
        read_document(bomb, "bomb.md")


def test_a_few_aliases_are_accepted() -> None:
    raw = "---\nx: &who Ana Ruiz\nauthor: *who\n---\nBody.\n"
    assert read_document(raw, "a.md").metadata.authors == ("Ana Ruiz",)


def test_unsafe_yaml_tags_are_refused() -> None:
    with pytest.raises(FrontMatterError, match="line 2"):
        read_document("---\nx: !!python/object/apply:os.system ['ls']\n---\nBody.\n", "t.md")


def test_document_id_for_is_a_safe_stable_slug() -> None:
    assert document_id_for("seeds/003_3a958b6b8f29b121.txt") == "seeds/003_3a958b6b8f29b121.txt"
    assert document_id_for("k8s-blog/Meet-Our-Contributors.md") == "k8s-blog/meet-our-contributors.md"
    assert document_id_for("./a/../b/.hidden/Muñoz post.md") == "a/b/hidden/munoz-post.md"
    assert document_id_for("C:\\posts\\x.md") == "c/posts/x.md"
    assert document_id_for("...").startswith("sha256-")
    long_id = document_id_for("a" * 500 + ".md")
    assert len(long_id) <= 200
    assert long_id != document_id_for("a" * 499 + "b.md")
    for source in ["x/../../y.md", "/etc/passwd", "a b/c?d#e.md", "ç/é/.."]:
        ident = document_id_for(source)
        assert re.fullmatch(r"[a-z0-9_-][a-z0-9._-]*(/[a-z0-9_-][a-z0-9._-]*)*", ident), ident
        assert ".." not in ident


def test_document_id_defaults() -> None:
    assert read_document("Some text.", "posts/A.md").id == "posts/a.md"
    hashed = read_document("Some text.", "")
    assert re.fullmatch(r"sha256-[0-9a-f]{16}", hashed.id)
    assert hashed.id == read_document(b"Some text.", "").id
    assert read_document("Some text.", "x.md", document_id="custom/id-1").id == "custom/id-1"
    with pytest.raises(InvalidParameter):
        read_document("Some text.", "x.md", document_id="../escape")


def test_document_suffixes() -> None:
    assert DOCUMENT_SUFFIXES == (".md", ".mdx", ".markdown", ".txt")


def test_a_100_kb_post_keeps_every_block_and_offset() -> None:
    paragraph = (
        "**Ana:** I joined [Isovalent](https://isovalent.com) in 2019 and work on `cilium` with "
        "Thomas Graf &amp; friends at KubeCon EU 2024.\n\n"
    )
    copies = 100_000 // len(paragraph)
    raw = "---\ntitle: Big\n---\n\n" + paragraph * copies
    document = read_document(raw, "big.md")
    assert len(document.blocks) == copies + 1
    assert all(b.lead == "Ana:" for b in document.blocks[1:])
    last = document.blocks[-1]
    assert document.text[last.start : last.end] == (
        "Ana: I joined Isovalent in 2019 and work on cilium with Thomas Graf & friends at KubeCon EU 2024."
    )
    assert_offsets_valid(document)


def _corpus_files() -> list[Path]:
    roots = [SHARED / "corpus", SAMPLE_CORPUS]
    return sorted(
        p for root in roots if root.is_dir() for p in root.rglob("*") if p.suffix in DOCUMENT_SUFFIXES
    )


@pytest.mark.skipif(not _corpus_files(), reason="no corpus beside the repository")
@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_corpus_file_parses_with_valid_offsets(path: Path) -> None:
    document = read_document(path.read_bytes(), path.name)
    assert document.text.strip()
    assert_offsets_valid(document)
    for block in document.blocks:
        assert document.text[block.start : block.end].strip()
    # Names found in the text map back to the same characters in raw.
    for name in ("Datadog", "Cilium", "Kubernetes", "Google", "etcd", "Isovalent", "Thomas"):
        for match in re.finditer(name, document.text):
            start, end = document.raw_span(match.start(), match.end())
            assert document.raw[start:end] == name


def test_shared_corpus_spot_checks() -> None:
    laurent = SHARED / "corpus" / "cilium-blog" / "2022-05-05-meet-Laurent__index.md"
    etcd = SHARED / "corpus" / "k8s-blog" / "sig-etcd-spotlight.md"
    if not (laurent.is_file() and etcd.is_file()):
        pytest.skip("shared corpus not present")
    document = read_document(laurent.read_bytes(), "cilium-blog/2022-05-05-meet-Laurent__index.md")
    assert document.metadata.date == "2022-05-05"
    assert "Interviewed by: Bill Mulligan, Isovalent" in document.text
    assert "BlogAuthor" not in document.text and "import authors" not in document.text
    document = read_document(etcd.read_bytes(), "k8s-blog/sig-etcd-spotlight.md")
    assert document.metadata.authors == ("Frederico Muñoz (SAS Institute)",)
    assert document.metadata.date == dt.date(2025, 3, 4).isoformat()
    leads = [b.lead for b in document.blocks if b.lead]
    assert {"Benjamin:", "James:", "Marek:", "Wenjia:"} <= set(leads)
    assert "stats.png" not in document.text


def _sample(name: str) -> Document:
    path = SAMPLE_CORPUS / name
    if not path.is_file():
        pytest.skip(f"sample corpus file {name} not present")
    return read_document(path.read_bytes(), name)


def test_sample_interview_has_byline_and_bold_questions() -> None:
    document = _sample("meet-the-maintainer-nadia-okafor.md")
    assert document.metadata.title == "Meet the Maintainer - Nadia Okafor"
    assert document.metadata.date == "2024-09-12"
    assert "Interviewed by: Tomás Ferreira, Isovalent" in document.text
    questions = [b.lead for b in document.blocks if b.lead]
    assert len(questions) >= 8 and all(q.endswith("?") for q in questions)
    assert "BlogAuthor" not in document.text and "import authors" not in document.text


def test_sample_spotlight_has_speaker_turns_and_no_shortcode() -> None:
    document = _sample("sig-network-spotlight.md")
    assert document.metadata.authors == ("Priya Raman (Red Hat)",)
    assert {b.lead for b in document.blocks if b.lead} == {"Priya", "Daniel", "Aiko"}
    assert "figure" not in document.text


def test_sample_first_person_stories_differ_in_authorship() -> None:
    assert _sample("my-first-year-with-ebpf.md").metadata.authors == ()
    assert _sample("from-user-to-reviewer.md").metadata.authors == ("Jonas Lindqvist (Grafana Labs)",)
    story = _sample("etcd-contributor-story.txt")
    assert story.text == story.raw


def test_sample_group_profile_has_one_heading_per_person() -> None:
    document = _sample("meet-our-contributors-emea.md")
    headings = block_texts(document, "heading")
    for person in ("Ingrid Solberg", "Tomas Kazlauskas", "Aino Virtanen", "Mikkel Sørensen"):
        assert person in headings
