"""Typed mentions of a document: spaCy and ruler entities, cleaned and filtered, plus speakers of
bold `**Name:**` turns and the front-matter authors."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import numpy
from spacy.attrs import DEP, HEAD, LOWER
from spacy.tokens import Doc, Span

from graph.extraction.pipeline import REGIONS, STOP_LABEL, gazetteer_types, stoplist
from graph.records import Document, EntityType, Mention
from graph.resolution import author_name, first_names, speaker_tag

# Labels of the stock model that name one of our types; the rest (GPE, LOC, DATE, ...) are dropped.
NER_TYPES = {
    "PERSON": EntityType.PERSON,
    "ORG": EntityType.ORGANIZATION,
    "PRODUCT": EntityType.PROJECT,
    "EVENT": EntityType.CONFERENCE,
}
RULER_TYPES = {kind.value: kind for kind in EntityType}
REGION_NAMES = frozenset(region.casefold() for region in REGIONS)

# Which source wins when two mentions overlap: explicit structure, then lists, then the model.
PRIORITY = {"lead": 0, "front_matter": 0, "gazetteer": 1, "rule": 1, "repeat": 1, "ner": 2, "list": 2}

LEADING_WORDS = {"the", "a", "an", "our", "my", "their", "his", "her", "its", "your", "this", "that"}
# Greetings and calls that the model runs into the name after them: 'Meet Thomas Graf'.
GREETINGS = {
    "meet", "hi", "hello", "hey", "dear", "thanks", "thank", "you", "welcome", "congratulations", "congrats",
}  # fmt: skip
TRAILING = re.compile(r"(['’]s|['’])$")
EVENT_WORDS = re.compile(r"con\b|summit|conference|days|fest|meetup|forum", re.IGNORECASE)
NAME_PARTICLES = r"van|von|de|da|del|der|di|du|la|le|bin|al|dos|das"
PERSON_WORD = re.compile(
    r"^([A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’.]*((Mc|Mac|O['’]|De|Di|La|Le)?[A-Z][a-zß-öø-ÿ'’.]+)?"
    rf"(-[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’.]*)*|{NAME_PARTICLES})$"
)
# Words of product, team and process names the model takes for people: 'Cloud Native Storage'.
NOT_PERSON_WORDS = {
    "cloud", "native", "storage", "network", "networking", "service", "services", "platform", "engine",
    "server", "data", "security", "container", "containers", "cluster", "mesh", "software", "systems",
    "labs", "foundation", "project", "release", "phase", "team", "onboarding", "working", "group",
    "community", "summit", "day", "days", "story", "user", "users", "support", "guide", "spotlight",
}  # fmt: skip
ORGANIZATION_WORDS = {
    "inc", "llc", "ltd", "gmbh", "corp", "corporation", "company", "university", "institute", "college",
    "school", "bank", "group", "labs", "lab", "technologies", "technology", "solutions", "systems",
    "consulting", "capital", "partners", "ventures", "studios", "games", "media", "health", "insurance",
    "motors", "airlines", "hotel", "hotels", "center", "centre", "association", "society", "council",
    "committee", "office", "agency", "ministry", "department", "hospital", "foundation", "cloud",
}  # fmt: skip
FIRST_PERSON_WORD = re.compile(r"^I(['’]\w+)?$")
CAMEL_CASE = re.compile(r"^[A-Z]?[a-z]+[A-Z]\w*$")
ACRONYM = re.compile(r"^[A-Z]{2,5}s?$")
# Job titles and roles: 'Tech Lead', 'Specialist Architect' are not people or organisations.
ROLE_WORD = re.compile(
    r"^(lead|leads|chair|chairs|co-chair|engineer|engineers|architect|manager|director|developer|"
    r"specialist|maintainer|maintainers|reviewer|approver|member|members|intern|mentor|mentee|"
    r"shadow|officer|president|founder|co-founder|ceo|cto|advocate|ambassador|contributor|staff|"
    r"senior|junior|principal)$",
    re.IGNORECASE,
)
# Lines that credit people: 'Authors & Interviewers: A, B and C', 'Editor: D'.
CREDIT = re.compile(
    r"^\s*(?:\*\*)?((?:co-)?authors?|interviewers?|editors?|reviewers?|translators?|contributors?|"
    r"written by|interviewed by|authors? (?:&|and) interviewers?)(?:\*\*)?\s*:?(?:\*\*)?\s*:?\s*(.+)$",
    re.IGNORECASE,
)
NOT_PRODUCT_WORDS = {
    "program", "programme", "programs", "team", "teams", "foundation", "summit", "community", "ambassador",
    "ambassadors", "students", "student", "office", "offices", "group", "inc", "llc", "ltd", "corp", "and",
    "or", "sandbox", "incubation", "graduated", "landscape", "china", "india", "japan", "europe", "emea",
    "apac", "americas", "support", "additional",
}  # fmt: skip
# Head nouns that make a capitalised phrase the model calls an organisation a piece of software
# ('Dynamic Resource Allocation', 'KRM Functions') or a specification ('ApplySet Specification').
PRODUCT_HEADS = {
    "allocation", "function", "functions", "server", "engine", "operator", "controller", "scheduler",
    "plugin", "plugins", "client", "runtime", "proxy", "gateway", "dashboard", "sdk", "registry", "toolkit",
    "framework", "library", "cli",
}  # fmt: skip
SPECIFICATION_HEADS = {"specification", "spec", "protocol", "standard", "interface", "format"}
# One word the model calls a name but whose ending makes it a common noun: 'Incubation', 'Communications'.
COMMON_NOUN = re.compile(r"^[A-Z][a-z]+(tions?|ments?|ness|ances?|ences?|ships?|isms?)$")
# A code identifier: 'status.hostIPs', 'watchForLockfileContention'.
CODE_IDENTIFIER = re.compile(r"^[a-z][a-z0-9]*(\.[A-Za-z0-9]+)*[a-z0-9][A-Z]|^[a-z]\w*\.[a-z]\w*\.")
# A hyphenated word that describes rather than names: 'Kubernetes-native', 'Neutron-based'.
DESCRIPTIVE = {
    "based", "native", "aware", "powered", "related", "specific", "like", "enabled", "friendly", "compatible",
    "ready", "centric", "first", "only", "style", "driven", "managed", "hosted", "backed", "focused",
    "certified", "conformant", "integrated",
}  # fmt: skip
FILE_NAME = re.compile(r"\.(ya?ml|json|md|txt|go|py|sh|toml)$|_")
HYPHENATED_TOOL = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)+$")
BUILT_ON = {"based", "powered", "native", "aware", "enabled", "compatible", "driven"}
MARKDOWN_LINK = re.compile(r"\[(?P<label>[^\[\]\n]{1,80})\]\((?P<url>[^()\s]+)\)")
LINK_LABEL_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_.][A-Za-z0-9]+)*$")
CODE_HOSTS = {"github.com", "gitlab.com"}
PROFILE_URL = re.compile(
    r"^(?:github\.com|gitlab\.com|twitter\.com|x\.com)/[\w.\-]+/?$|^linkedin\.com/in/[\w\-%]+/?$"
)
NAME_IN_LIST = re.compile(r"(?<![\w(])[A-ZÀ-ÖØ-Þ][\w'’.\-]*(?: (?!and\b)[A-ZÀ-ÖØ-Þ][\w'’.\-]*){1,3}(?![\w)])")
CREDITED_NAME = re.compile(r"^[A-ZÀ-ÖØ-Þ][\w'’.\-]*(?: [A-ZÀ-ÖØ-Þ][\w'’.\-]*){1,3}$")


def find_mentions(doc: Doc, document: Document) -> list[Mention]:
    """Mentions of the five entity types in `document`, ordered by start; `doc` = nlp(document.text)."""
    lower_words = frozenset(re.findall(r"\b[a-z][a-z\-]+\b", document.text))
    breaks = sorted({b.start for b in document.blocks} | {b.end for b in document.blocks})
    candidates = [
        mention
        for span in doc.ents
        for piece in _pieces(span, doc, breaks)
        if (mention := _entity_mention(piece, document, lower_words)) is not None
        and not _lone_heading(mention, document)
    ]
    candidates += _products_of_organizations(doc, document, lower_words)
    candidates += _listed_people(document)
    candidates += _self_introductions(document)
    candidates += _lead_mentions(document)
    candidates += _author_mentions(document)
    candidates += _credit_mentions(document)
    candidates += _profile_heading_mentions(document)
    candidates += _linked_names(document)
    candidates += _hyphenated_compounds(doc, document)
    candidates += _repeated_people(candidates, document, lower_words)
    candidates += _list_mates(doc, document, candidates)
    return _shorten_group_names(_without_overlaps(candidates), document)


def _pieces(span: Span, doc: Doc, breaks: list[int]) -> Iterator[Span]:
    """The span cut at block boundaries and blank lines (the model sometimes runs a heading into the
    paragraph below it: 'Kunal Kushwaha\\n\\nKunal Kushwaha is ...'), at commas and brackets of the
    model's spans ('Goldilocks, Pluto', 'Kirti Goyal (FK'), and between two people ('Dan & Thomas')."""
    start = span.start
    model = span.label_ in NER_TYPES
    for token in span:
        separator = model and (
            token.text in {",", ";", "(", ")", "/"}
            or (span.label_ == "PERSON" and token.text in {"&", "and"})
        )
        if separator:
            if token.i > start:
                yield Span(doc, start, token.i, label=span.label, span_id=span.id)
            start = token.i + 1
            continue
        # A break inside the token or at its start (`breaks` is sorted).
        nearest = bisect.bisect_left(breaks, token.idx)
        at_break = nearest < len(breaks) and breaks[nearest] < token.idx + max(len(token.text), 1)
        if ("\n\n" in token.text or at_break) and token.i > start:
            yield Span(doc, start, token.i, label=span.label, span_id=span.id)
            if not model:
                return  # a list or rule match running into the next block: only its first part is it
            start = token.i
        if "\n\n" in token.text:
            start = token.i + 1
    if start < span.end:
        yield Span(doc, start, span.end, label=span.label, span_id=span.id)


# Verbs that open the genre's invitations ("Meet Laurent Bernaille", "Join Priya at ..."), which the
# tagger often reads as part of a capitalised name.
IMPERATIVE_OPENERS = frozenset(
    {"meet", "catch", "join", "welcome", "congratulate", "thank", "follow", "watch"}
)


def _entity_mention(span: Span, document: Document, lower_words: frozenset[str]) -> Mention | None:
    if span.label_ == STOP_LABEL:
        return None
    if span.label_ in RULER_TYPES:
        kind = RULER_TYPES[span.label_]
        source = "rule" if span.ent_id_ == "rule" else "gazetteer"
        if not _listed_match_stands(span):
            return None
    elif span.label_ in NER_TYPES:
        kind, source = NER_TYPES[span.label_], "ner"
    else:
        return None
    if source == "ner":
        while len(span) > 1 and span[-1].pos_ in {"VERB", "AUX", "ADP", "DET", "PRON", "CCONJ"}:
            span = span[:-1]  # 'DB Schenker Migrated' in a title
        # 'Catch Nadia at ...', 'Meet Sandy Lee': an imperative opening the sentence is not a given name
        # (one that is, like 'Bill', stays).
        while (
            len(span) > 1
            and span[0].is_sent_start
            and (span[0].tag_ == "VB" or span[0].lower_ in IMPERATIVE_OPENERS)
            and span[0].text not in first_names()
        ):
            span = span[1:]
    start, end = _trim(span, document.text, kind)
    if end <= start:
        return None
    text = document.text[start:end]
    if source == "ner" and len(span) == 1 and span[0].tag_ not in {"NNP", "NNPS"}:
        return None  # 'Sharing', 'Branch': the tagger reads a verb or a common noun, not a name
    if source == "ner" and _names_a_job(span):
        return None  # 'Software' in 'Software Engineer', 'Senior Staff' before 'Engineer'
    if source == "ner" and kind is not EntityType.PERSON and COMMON_NOUN.match(text):
        return None  # 'Incubation', 'Installation': a common noun opening a line
    if source == "ner" and any(CODE_IDENTIFIER.match(word) for word in text.split()):
        return None  # 'Field status.hostIPs': code, not a name
    if source == "ner" and kind is EntityType.PERSON and _tail_of_a_longer_name(span):
        return None  # 'Performance Computing' of 'High Performance Computing'
    if source == "ner" and kind is EntityType.ORGANIZATION and _describes_technology(span):
        kind = EntityType.PROJECT  # 'the Neutron-based IPAM': software things are built on
    if source == "ner" and re.sub(r"\s*\b(19|20)\d\d\b", "", _one_line(text)).casefold() in REGION_NAMES:
        return None  # 'Valencia', 'NA 2023': where an event was, not an entity
    if source == "ner":
        known = gazetteer_types().get(_one_line(text).casefold())
        if known is not None:  # a listed name the ruler missed: the list's type
            kind, source = known, "gazetteer"
        elif kind is not EntityType.PERSON and looks_like_a_persons_name(text, lower_words):
            kind = EntityType.PERSON  # 'Linus Torvalds' read as an organisation
        elif not _plausible(text, kind, lower_words):
            return None
        elif kind in {EntityType.ORGANIZATION, EntityType.PROJECT}:
            kind = _kind_by_head(text, kind)
    if _one_line(text).casefold() in stoplist() or not any(c.isalnum() for c in text):
        return None
    return _mention(document, start, end, kind, source)


def _listed_match_stands(span: Span) -> bool:
    """Whether a gazetteer match is the name itself, not a word of something else."""
    doc = span.doc
    if span.ent_id_ == "word" and (span[0].is_sent_start or span.start == 0):
        return False  # 'Go ahead and apply': an English word opening a sentence
    if span.ent_id_ == "cncf" and len(span) == 1:
        # A generated one-word company inside a longer capitalised name ('Hong Kong') is not it.
        before = doc[span.start - 1] if span.start > 0 else None
        after = doc[span.end] if span.end < len(doc) else None
        for neighbour in (before, after):
            if (
                neighbour is not None
                and neighbour.is_title
                and not neighbour.is_sent_start
                and neighbour.is_alpha
            ):
                return False
    return True


def _trim(span: Span, text: str, kind: EntityType) -> tuple[int, int]:
    """Character bounds of `span` without a leading article and a trailing possessive."""
    tokens = list(span)
    while tokens and (
        tokens[0].lower_ in LEADING_WORDS
        or FIRST_PERSON_WORD.match(tokens[0].text)
        or (tokens[0].lower_ in GREETINGS and len(tokens) > 1)
    ):
        tokens = tokens[1:]
    while tokens and not any(c.isalnum() for c in tokens[-1].text):
        tokens = tokens[:-1]
    # 'Device Management working groups' names the group 'Device Management'.
    if len(tokens) > 2 and tokens[-2].text == "working" and tokens[-1].text in {"group", "groups"}:
        tokens = tokens[:-2]
    while tokens and tokens[-1].is_space:
        tokens = tokens[:-1]
    if not tokens:
        return 0, 0
    start, end = tokens[0].idx, tokens[-1].idx + len(tokens[-1].text)
    trimmed = TRAILING.sub("", text[start:end])
    end = start + len(trimmed)
    while start < end and not text[start].isalnum() and text[start] not in "@.":
        start += 1
    return start, end


def _one_line(text: str) -> str:
    return " ".join(text.split())


def looks_like_a_persons_name(text: str, lower_words: frozenset[str]) -> bool:
    """Two or three capitalised words opening with a known given name, none of them a word of
    organisation or product names nor used in lower case in the text ('Linus Torvalds', not
    'Grace Hopper Institute' or 'General Availability')."""
    words = _one_line(text).split()
    return (
        2 <= len(words) <= 3
        and not any(w.lower() in lower_words for w in words)
        and words[0] in first_names()
        and all(re.fullmatch(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+", w) for w in words)
        and not any(w.lower() in NOT_PERSON_WORDS or w.lower() in ORGANIZATION_WORDS for w in words)
    )


def _plausible(text: str, kind: EntityType, lower_words: frozenset[str]) -> bool:
    """Whether a span the statistical model found looks like a name of this type."""
    words = _one_line(text).split()
    if not words or len(text) < 2 or re.search(r"\]\(|http|#|&|\n\n|[<>{}|=_]", text):
        return False
    if not re.search(r"[^\W\d_]{2}", text):
        return False  # '1.6M', '10K+': a quantity
    if not (words[0][0].isupper() or words[0][0].isdigit()):
        return False  # 'node basis': names start with a capital
    if any(ROLE_WORD.match(w) for w in words):
        return False
    # Every word is used in lower case elsewhere in the text: a capitalised common phrase, a heading.
    alphabetic = [w for w in words if w.isalpha() and len(w) > 1]
    if alphabetic and all(w.lower() in lower_words for w in alphabetic):
        return False
    if kind is EntityType.PERSON:
        return (
            1 <= len(words) <= 4
            and not any(w.lower() in NOT_PERSON_WORDS for w in words)
            and not any(c.isdigit() for c in text)
            and all(PERSON_WORD.match(w) for w in words)
            and not (len(words) > 1 and len(words[-1].rstrip(".")) == 1)  # 'Node C'
        )
    if kind is EntityType.CONFERENCE and not EVENT_WORDS.search(text):
        return False
    if len(words) == 1 and (CAMEL_CASE.match(words[0]) or ACRONYM.match(words[0])):
        return False  # 'CiliumNode', 'LoadBalancer' are API kinds; 'AZ', 'POC', 'IPs' are jargon
    return not (len(words) == 1 and words[0].islower())


def _names_a_job(span: Span) -> bool:
    """Whether the span is (the start of) a job title: a role word follows it or is in it."""
    after = span.doc[span.end] if span.end < len(span.doc) else None
    if after is not None and span[-1].whitespace_ != "" and ROLE_WORD.match(after.text):
        return after.text[0].isupper()
    return span.label_ != "PERSON" and any(ROLE_WORD.match(token.text) for token in span)


def _tail_of_a_longer_name(span: Span) -> bool:
    """Whether a person's name the model found, not opening with a given name, continues a
    capitalised phrase: the model cut a longer name ('High | Performance Computing')."""
    if span.start == 0 or span[0].text in first_names():
        return False
    before = span.doc[span.start - 1]
    return (
        before.is_title
        and before.is_alpha
        and not before.is_sent_start
        and before.whitespace_ != ""
        and before.lower_ not in GREETINGS | LEADING_WORDS
        and not ROLE_WORD.match(before.text)
    )


def _describes_technology(span: Span) -> bool:
    """Whether the name is glued to a word saying what something is built on ('Neutron-based')."""
    doc = span.doc
    end = span.end
    return (
        end + 1 < len(doc)
        and doc[end].text == "-"
        and span[-1].whitespace_ == ""
        and doc[end].whitespace_ == ""
        and doc[end + 1].lower_ in BUILT_ON
    )


def _kind_by_head(text: str, kind: EntityType) -> EntityType:
    """A project or specification the model took for an organisation, by the phrase's last word."""
    words = _one_line(text).split()
    if len(words) < 2 or any(w.lower() in ORGANIZATION_WORDS for w in words):
        return kind
    head = words[-1].lower()
    if head in SPECIFICATION_HEADS:
        return EntityType.TECHNOLOGY
    if head in PRODUCT_HEADS:
        return EntityType.PROJECT
    return kind


def _lead_mentions(document: Document) -> list[Mention]:
    """The speaker of each `**Name:**` turn (a name and a colon, not a bold question alone)."""
    mentions = []
    for block in document.blocks:
        tag = speaker_tag(document, block)
        if tag is None:
            continue
        name, start = tag
        if "/" in name or name.isupper() or name.casefold() in stoplist():
            continue  # 'M/G/S' and initials name several people or none
        mentions.append(_mention(document, start, start + len(name), EntityType.PERSON, "lead"))
    return mentions


def _author_mentions(document: Document) -> list[Mention]:
    """Front-matter authors where the author block names them."""
    mentions = []
    for block in document.blocks:
        if block.kind != "author":
            continue
        for author in document.metadata.authors:
            name = author_name(author)
            position = document.text.find(name, block.start, block.end) if name else -1
            if position >= 0:
                mention = _mention(
                    document, position, position + len(name), EntityType.PERSON, "front_matter"
                )
                mentions.append(mention)
    return mentions


def _lone_heading(mention: Mention, document: Document) -> bool:
    """A name the model found only as a whole heading, and nowhere else, is a section title."""
    if mention.source != "ner" or document.text.count(mention.text) > 1:
        return False
    return any(
        b.kind == "heading" and document.text[b.start : b.end].strip() == mention.text
        for b in document.blocks
    )


SOFTWARE_KINDS = {"operator", "plugin", "client", "controller", "sdk", "cli", "agent", "driver"}


def _products_of_organizations(doc: Doc, document: Document, lower_words: frozenset[str]) -> list[Mention]:
    """A listed organisation followed by capitalised words, or by a word for a kind of software,
    names one of its products: 'Google Search Console', 'AWS Lambda', 'Tigera operator'; not
    'CNCF Students Program' or 'VMware Upstream'."""
    mentions = []
    for span in doc.ents:
        if span.label_ != EntityType.ORGANIZATION.value or span.ent_id_ not in {"hand", "cncf"}:
            continue
        after = doc[span.end] if span.end < len(doc) else None
        if after is not None and after.is_lower and after.lower_ in SOFTWARE_KINDS:
            # 'Tigera operator': a company's name and the kind of software it ships.
            end_char = after.idx + len(after)
            mentions.append(_mention(document, span.start_char, end_char, EntityType.PROJECT, "rule"))
            continue
        end = span.end
        while (
            end < len(doc)
            and end - span.end < 3
            and (doc[end].is_title or doc[end].is_upper)
            and doc[end].pos_ == "PROPN"
            and not doc[end].ent_type_
            and not ROLE_WORD.match(doc[end].text)
            and doc[end].lower_ not in NOT_PRODUCT_WORDS
            and not doc[end].is_sent_start
        ):
            end += 1
        added = [t.lower_ for t in doc[span.end : end] if t.is_alpha]
        if added and all(word in lower_words for word in added):
            continue  # 'VMware Upstream': ordinary words the text also uses in lower case
        if end > span.end:
            start_char, end_char = span.start_char, doc[end - 1].idx + len(doc[end - 1].text)
            if _one_line(document.text[start_char:end_char]).casefold() not in stoplist():
                mentions.append(_mention(document, start_char, end_char, EntityType.PROJECT, "rule"))
    return mentions


SELF_INTRODUCTION = re.compile(
    r"\b(?:[Mm]y name is|I am|I'm|I’m|[Tt]his is)\s+"
    r"(?P<name>[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:[ ][A-ZÀ-ÖØ-Þ][\w'’\-]+){0,2})(?=[\s,.;:!)]|$)"
)


def _self_introductions(document: Document) -> list[Mention]:
    """'My name is Matthias Bertschy', 'I'm Benjamin Elder': a full name the speaker gives."""
    mentions = []
    for match in SELF_INTRODUCTION.finditer(document.text):
        name = match.group("name")
        words = name.split()
        if len(words) < 2 and not match.group().lower().startswith("my name"):
            continue  # 'I am French'
        if name.casefold() in gazetteer_types() or any(ROLE_WORD.match(w) for w in words):
            continue
        if all(PERSON_WORD.match(w) for w in words):
            start = match.start("name")
            mentions.append(_mention(document, start, start + len(name), EntityType.PERSON, "rule"))
    return mentions


def _listed_people(document: Document) -> list[Mention]:
    """List items that are a name and a note in brackets: 'Divine Odazie (Developer Relations)'."""
    mentions = []
    for block in document.blocks:
        if block.kind != "list_item":
            continue
        item = document.text[block.start : block.end]
        match = re.match(r"\s*([^()\n]+?)\s*\([^()\n]+\)\s*$", item)
        if match is None:
            continue
        name = match.group(1)
        if CREDITED_NAME.match(name) and len(name.split()) <= 3 and name.casefold() not in gazetteer_types():
            start = block.start + match.start(1)
            mentions.append(_mention(document, start, start + len(name), EntityType.PERSON, "rule"))
    return mentions


def _credit_mentions(document: Document) -> list[Mention]:
    """People listed on a credit line: 'Authors & Interviewers: Anubhav Vardhan, Atharva Shinde'."""
    mentions = []
    for block in document.blocks:
        if block.kind not in {"paragraph", "author"}:
            continue
        line = document.text[block.start : block.end].split("\n")[0]
        match = CREDIT.match(line)
        if match is None:
            continue
        offset = block.start + match.start(2)
        names = list(NAME_IN_LIST.finditer(match.group(2)))
        if not match.group(1).lower().endswith(("s", "interviewers")):
            names = names[:1]  # 'Author: Amir Kheirkhahan, DB Schenker' credits one person and a company
        for name in names:
            start = offset + name.start()
            mentions.append(_mention(document, start, offset + name.end(), EntityType.PERSON, "rule"))
    return mentions


def _profile_heading_mentions(document: Document) -> list[Mention]:
    """A heading that is a person's name over a paragraph about them: 'Arsh Sharma' / 'Arsh is ...'."""
    mentions = []
    blocks = list(document.blocks)
    for index, block in enumerate(blocks):
        if block.kind != "heading" or index + 1 >= len(blocks):
            continue
        name = _one_line(document.text[block.start : block.end])
        words = name.split()
        if not CREDITED_NAME.match(name) or len(words) > 3 or name.casefold() in gazetteer_types():
            continue
        if any(ROLE_WORD.match(w) for w in words):
            continue
        following = document.text[blocks[index + 1].start : blocks[index + 1].end]
        if re.match(rf"\s*{re.escape(words[0])}\b", following):
            start = document.text.index(name.split()[0], block.start)
            mentions.append(_mention(document, start, start + len(name), EntityType.PERSON, "rule"))
    return mentions


def _text_span(document: Document, raw_start: int, raw_end: int) -> tuple[int, int]:
    """The span of `document.text` whose characters come from raw[raw_start:raw_end]."""
    offsets = document.offsets[:-1]
    return bisect.bisect_left(offsets, raw_start), bisect.bisect_left(offsets, raw_end)


def _linked_names(document: Document) -> list[Mention]:
    """Names a Markdown link vouches for: a person's full name linked to their profile
    ('[Hemanth Malla](https://github.com/hemanthmalla)'), a group linked to its folder
    ('[API Machinery](.../sig-api-machinery/)'), and a tool's name linked to its repository or
    page ('[krew](https://github.com/kubernetes-sigs/krew)'), with the tool's other mentions."""
    mentions = []
    tools: set[str] = set()
    for link in MARKDOWN_LINK.finditer(document.raw):
        label = link.group("label").strip().strip("`*_").strip()
        start, end = _text_span(document, link.start("label"), link.end("label"))
        position = document.text.find(label, start, end)
        if not label or position < 0 or label.casefold() in stoplist():
            continue
        parts = urlsplit(link.group("url"))
        host = (parts.hostname or "").removeprefix("www.")
        where = f"{host}{parts.path}"
        words = label.split()
        if (
            PROFILE_URL.match(where)
            and CREDITED_NAME.match(label)
            and 2 <= len(words) <= 3
            and all(PERSON_WORD.match(w) for w in words)
            and label.casefold() not in gazetteer_types()
        ):
            kind = EntityType.PERSON
        elif _names_linked_group(label, parts.path):
            kind = EntityType.ORGANIZATION
        elif _names_linked_tool(label, host, parts.path, document.text):
            kind = EntityType.PROJECT
            tools.add(label)
        else:
            continue
        mentions.append(_mention(document, position, position + len(label), kind, "rule"))
    for tool in sorted(tools):
        for match in re.finditer(rf"(?<![\w\-/.]){re.escape(tool)}(?![\w\-/]|\.\w)", document.text):
            mentions.append(_mention(document, match.start(), match.end(), EntityType.PROJECT, "rule"))
    return mentions


def _names_linked_group(label: str, path: str) -> bool:
    """Whether a capitalised label links to the folder of a Kubernetes SIG, working group or
    committee of that name: '[Architecture](.../sig-architecture/README.md)'."""
    words = label.split()
    if not words or len(words) > 4 or not all(w[:1].isupper() for w in words):
        return False
    slug = "-".join(w.casefold() for w in words)
    names = {slug, *(f"{kind}-{slug}" for kind in ("sig", "wg", "committee"))}
    segments = [s.casefold() for s in path.split("/") if s]
    return any(segment in names and segment != slug for segment in segments) or (
        slug.startswith(("sig-", "wg-")) and slug in segments
    )


def _names_linked_tool(label: str, host: str, path: str, text: str) -> bool:
    """Whether a one-word link label is the name of the repository or page it links to: any name
    for a code-hosting repository, a lower-case one ('ingress-nginx') for other pages; not a file
    name, nor a word the text also uses as an ordinary noun."""
    if not LINK_LABEL_NAME.match(label) or label.casefold() in gazetteer_types():
        return False
    if FILE_NAME.search(label):
        return False  # 'ineligible_endpoints.yaml' is a file
    segments = [s.casefold() for s in path.split("/") if s]
    if host in CODE_HOSTS:
        segments = segments[1:]  # the owner is a person or an organisation, not the tool
    elif not label[0].islower():
        return False  # '[OVHcloud](…/case-studies/ovhcloud)', '[RBAC](…/rbac/)': pages about names
    if label.isalpha() and label.islower() and re.search(rf"\b(?:the|a|an|our|your|this)\s+{label}\b", text):
        return False  # '[website](…/kubernetes/website)' and 'the website': an ordinary word
    return label.casefold() in segments


def _hyphenated_compounds(doc: Doc, document: Document) -> list[Mention]:
    """A listed project glued by hyphens to other words names another project: 'ingress-nginx',
    'etcd-operator', and 'kube-router' ('kube-' opens many names); not 'Kubernetes-native'."""
    mentions = []
    for span in doc.ents:
        if span.label_ != EntityType.PROJECT.value:
            continue
        start, end = span.start, span.end
        # A lower-case name takes lower-case words before it ('ingress-nginx'); any name takes a
        # word that says what kind of software the compound is ('etcd-operator'), not 'etcd-dev'.
        while span[0].is_lower and _glued(doc, start - 2, start - 1) and doc[start - 2].is_lower:
            start -= 2
        while _glued(doc, end - 1, end) and doc[end + 1].lower_ in PRODUCT_HEADS:
            end += 2
        if (start, end) != (span.start, span.end):
            first, last = doc[start], doc[end - 1]
            stop = last.idx + len(last)
            mentions.append(_mention(document, first.idx, stop, EntityType.PROJECT, "rule"))
    # 'kube-' opens the names of many Kubernetes components and add-ons.
    lower = doc.to_array(LOWER) if len(doc) else numpy.zeros(0, dtype=numpy.uint64)
    for index in numpy.flatnonzero(lower == doc.vocab.strings["kube"]).tolist():
        token = doc[index]
        if _glued(doc, token.i, token.i + 1):
            end = token.i + 1
            while (
                _glued(doc, end - 1, end) and doc[end + 1].is_lower and doc[end + 1].lower_ not in DESCRIPTIVE
            ):
                end += 2
            if end > token.i + 1 and (token.i == 0 or not _glued(doc, token.i - 1, token.i)):
                last = doc[end - 1]
                stop = last.idx + len(last)
                mentions.append(_mention(document, token.idx, stop, EntityType.PROJECT, "rule"))
    return mentions


def _glued(doc: Doc, left: int, hyphen: int) -> bool:
    """Whether tokens `left`, `hyphen` (a '-') and the next one are written without spaces."""
    return (
        left >= 0
        and hyphen + 1 < len(doc)
        and doc[hyphen].text == "-"
        and doc[left].whitespace_ == ""
        and doc[hyphen].whitespace_ == ""
        and hyphen == left + 1
    )


def _repeated_people(
    candidates: list[Mention], document: Document, lower_words: frozenset[str]
) -> list[Mention]:
    """Every other place a person's full name is written, and their given name alone when no other
    person of the text shares it: 'Paco Xu works at DaoCloud', 'Currently, Paco is a reviewer'
    after the heading 'Paco Xu'. The model misses names it has seen once in another sentence."""
    full_names = {
        " ".join(m.text.split())
        for m in candidates
        if m.type is EntityType.PERSON
        and 2 <= len(m.text.split()) <= 3
        and all(PERSON_WORD.match(w) for w in m.text.split())
    }
    given: dict[str, set[str]] = {}
    for name in full_names:
        given.setdefault(name.split()[0], set()).add(name)
    known = gazetteer_types()
    forms = set(full_names) | {
        first
        for first, names in given.items()
        if len(names) == 1
        and first.lower() not in lower_words
        and first.casefold() not in known
        and len(first) > 2
    }
    mentions = []
    for form in sorted(forms):
        pattern = r"\s+".join(map(re.escape, form.split()))
        # Not inside a longer capitalised name: 'Paco' alone, not the 'Paco' of 'Paco Xu' or 'Paco Labs'.
        for match in re.finditer(
            rf"(?<![\w\-@/.])(?<![A-Z]\w )({pattern})(?![\w\-]|\s+[A-Z])", document.text
        ):
            mentions.append(_mention(document, match.start(), match.end(), EntityType.PERSON, "repeat"))
    return mentions


def _list_mates(doc: Doc, document: Document, candidates: list[Mention]) -> list[Mention]:
    """A name listed together with projects is one too: 'such as cli-runtime and kyaml', 'Prow
    and TestGrid'. Only names written like tools count (hyphenated lower case, CamelCase); a plain
    capitalised word may be a company or a concept listed with them ('Zynga', 'Security')."""
    kinds: dict[int, EntityType] = {}
    for mention in candidates:
        if mention.type in {EntityType.PROJECT, EntityType.TECHNOLOGY}:
            for token in doc.char_span(mention.start, mention.end, alignment_mode="expand") or ():
                kinds[token.i] = mention.type
    covered = {
        token.i
        for mention in candidates
        for token in doc.char_span(mention.start, mention.end, alignment_mode="expand") or ()
    }
    mentions = []
    for index in _coordinated(doc):
        token = doc[index]
        if token.i in covered or not token.conjuncts:
            continue
        mates = [kinds[c.i] for c in token.conjuncts if c.i in kinds]
        if not mates or EntityType.TECHNOLOGY in mates:
            continue
        start, end = token.i, token.i + 1
        while _glued(doc, start - 2, start - 1):
            start -= 2
        while _glued(doc, end - 1, end):
            end += 2
        if any(i in covered for i in range(start, end)):
            continue
        name = doc[start:end].text
        tool_like = HYPHENATED_TOOL.match(name) or CAMEL_CASE.match(name)
        if tool_like and name.casefold() not in stoplist() and not token.is_sent_start:
            mentions.append(
                _mention(
                    document, doc[start].idx, doc[end - 1].idx + len(doc[end - 1]), EntityType.PROJECT, "list"
                )
            )
    return mentions


def _coordinated(doc: Doc) -> list[int]:
    """Indexes of the tokens that can have conjuncts, in order: those attached as `conj` and the heads
    they attach to on their left (what `Token.conjuncts` walks); a cheap bound instead of asking
    every token."""
    if not len(doc):
        return []
    values = doc.to_array([DEP, HEAD]).reshape((len(doc), 2))
    positions = numpy.arange(len(doc), dtype=numpy.int64)
    heads = positions + values[:, 1].astype(numpy.int64)  # HEAD is stored relative, as unsigned
    conj = values[:, 0] == doc.vocab.strings["conj"]
    chosen = conj.copy()
    chosen[heads[conj & (heads < positions)]] = True
    return numpy.flatnonzero(chosen).tolist()


def _shorten_group_names(mentions: list[Mention], document: Document) -> list[Mention]:
    """'SIG CLI Batch' (before 'Lead'), said once in a text about 'SIG CLI', is SIG CLI: the rule
    for group names ran into the name of a role or a team."""
    groups = {
        " ".join(m.text.split())
        for m in mentions
        if m.type is EntityType.ORGANIZATION and re.match(r"(SIG|WG)\b", m.text)
    }
    shortened = []
    for mention in mentions:
        name = " ".join(mention.text.split())
        words = name.split()
        prefixes = [
            " ".join(words[:n]) for n in range(len(words) - 1, 1, -1) if " ".join(words[:n]) in groups
        ]
        if mention.type is EntityType.ORGANIZATION and prefixes and document.text.count(mention.text) == 1:
            cut = mention.text.index(prefixes[0].split()[-1]) + len(prefixes[0].split()[-1])
            mention = _mention(document, mention.start, mention.start + cut, mention.type, mention.source)
        shortened.append(mention)
    return shortened


def _mention(document: Document, start: int, end: int, kind: EntityType, source: str) -> Mention:
    raw_start, raw_end = document.raw_span(start, end)
    return Mention(document.text[start:end], kind, start, end, raw_start, raw_end, source)


def _without_overlaps(candidates: Iterable[Mention]) -> list[Mention]:
    """Keep, of overlapping mentions, the one from the strongest source (then the longest)."""
    ranked = sorted(candidates, key=lambda m: (PRIORITY.get(m.source, 3), -(m.end - m.start), m.start))
    kept: list[Mention] = []
    taken: list[tuple[int, int]] = []
    for mention in ranked:
        if any(mention.start < end and start < mention.end for start, end in taken):
            continue
        kept.append(mention)
        taken.append((mention.start, mention.end))
    return sorted(kept, key=lambda m: (m.start, m.end))
