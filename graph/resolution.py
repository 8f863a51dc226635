"""Fold the mentions of one document into entities, and find who speaks where (narrator, turns,
interviewer, interviewees). Pure: no spaCy, no I/O beyond reading a few gazetteer lists once."""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from graph.records import Block, Document, Entity, EntityType, Mention, Resolution, Turn
from graph.vocab import entity_key

GAZETTEER_DIR = Path(__file__).resolve().parent / "extraction" / "gazetteers"
ABBREVIATIONS_FILE = GAZETTEER_DIR / "abbreviations.tsv"
FIRST_NAMES_FILE = GAZETTEER_DIR / "first_names.txt"
REGIONS_FILE = GAZETTEER_DIR / "regions.txt"

# How much a mention's source counts when the mentions of one entity disagree on its type.
TYPE_WEIGHT = {
    "gazetteer": 4,
    "front_matter": 3,
    "lead": 3,
    "rule": 3,
    "repeat": 2,
    "list": 2,
    "narrator": 3,
    "ner": 1,
}
SMALL_WORDS = {"of", "and", "for", "the", "in", "on", "as", "a", "to", "de"}

PERSON_NAME = r"([A-ZÀ-ÖØ-Þ][\w'’.\-]+(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’.\-]+){0,3})"
BYLINE = re.compile(
    r"^[ \t]*(?:\*\*|__)?(?i:written by|authors?|posted by|by)[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*"
    + PERSON_NAME,
    re.MULTILINE,
)
INTERVIEWER_LINE = re.compile(
    r"(?i:interviewed by|interviewer|interview by|questions by)[ \t]*:?[ \t]*(?:\*\*|__)?[ \t]*:?[ \t]*"
    + PERSON_NAME
)
INTERVIEW_TITLE = re.compile(
    r"meet the maintainers?\s*[:\-–—]\s*(.+)|spotlight on\s+(.+)|interview with\s+(.+)|"
    r"(?:^|\s)meet\s+(?!the\b|our\b)(.+)|in conversation with\s+(.+)",
    re.IGNORECASE,
)
SIGNATURE = re.compile(r"[-–—~]*[ \t]*" + PERSON_NAME + r"(?:[ \t]*[,(][^,()\n]{2,40}\)?)?[ \t]*\.?")
FIRST_PERSON = re.compile(r"\b(I|I'm|I’m|I've|I’ve|I'd|I’d|I'll|I’ll|[Mm]e|[Mm]y|[Mm]ine|[Mm]yself)\b")
QUOTED = re.compile(r"[\"“][^\"”]*[\"”]")
GITHUB_NAME = r"(?P<handle>[A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))"
HANDLE_AFTER_NAME = re.compile(
    r"[\s(\[,]{0,4}(?:@|(?:,?\s*(?:also known as|aka|a\.k\.a\.)\s+@?))" + GITHUB_NAME + r"\b"
)
GITHUB_LINK_ON_NAME = re.compile(r"\]\((?:https?://)?(?:www\.)?github\.com/" + GITHUB_NAME + r"/?\)")

SPEAKER_TAG = re.compile(
    r"^([A-ZÀ-ÖØ-Þ][\w'’.\-/]*(?:[ \t]+[A-ZÀ-ÖØ-Þ][\w'’.\-]*){0,3})(?:[ \t]*\([^()\n]{1,12}\))?[ \t]*:(.*)$",
    re.S,
)  # 'Arpit:', 'Frederico (FSM):', 'M/G/S:'
# Bold labels that end in a colon but name no speaker.
NOT_SPEAKERS = {
    "q", "a", "question", "answer", "note", "update", "tl;dr", "tldr", "ps", "edit", "bonus", "hint", "tip",
    "warning", "disclaimer", "editor", "editors", "author", "authors", "interviewer", "interviewers",
    "authors & interviewers", "summary", "example", "important", "source",
}  # fmt: skip


@functools.cache
def abbreviation_pairs() -> dict[str, str]:
    """Case-folded short form -> case-folded long form, from the gazetteer list."""
    pairs: dict[str, str] = {}
    for line in ABBREVIATIONS_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            short, long = line.split("\t", 1)
            pairs[short.strip().casefold()] = long.strip().casefold()
    return pairs


@functools.cache
def first_names() -> frozenset[str]:
    """Given names of many languages (Latin script), as written: 'Linus', 'Oluchi'."""
    lines = FIRST_NAMES_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def regions() -> tuple[str, ...]:
    """Regions and host cities that name a conference edition: 'EU', 'North America', 'Paris'."""
    lines = REGIONS_FILE.read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@functools.cache
def _edition_words() -> frozenset[str]:
    return frozenset(word.casefold() for region in regions() for word in region.split())


def normalise_name(text: str) -> str:
    """One spelling of a surface form: single spaces, 'SIG-Node' -> 'SIG Node'."""
    name = " ".join(text.split())
    name = re.sub(r"^(SIG|WG)\s*-\s*", r"\1 ", name, flags=re.IGNORECASE)
    return name.strip(" .,;:!?\"'“”‘’()[]")


_TYPE_ORDER = {kind: index for index, kind in enumerate(EntityType)}


@dataclass
class _Cluster:
    """Mentions folded so far into one entity."""

    forms: Counter[str] = field(default_factory=Counter)
    votes: Counter[EntityType] = field(default_factory=Counter)
    sources: Counter[str] = field(default_factory=Counter)
    first: int = 0
    members: list[int] = field(default_factory=list)
    handles: set[str] = field(default_factory=set)

    @property
    def type(self) -> EntityType:
        # Ties go to the earlier type in EntityType order, so the vote is deterministic.
        return max(self.votes, key=lambda kind: (self.votes[kind], -_TYPE_ORDER[kind]))

    @property
    def name(self) -> str:
        """The fullest form: most words, then most frequent, then first seen."""
        person = self.type is EntityType.PERSON
        _, name = max(
            enumerate(self.forms),
            key=lambda seen: (
                len(seen[1].split()),
                len(seen[1]) if person else 0,
                self.forms[seen[1]],
                -seen[0],
            ),
        )
        return name

    def absorb(self, other: _Cluster) -> None:
        self.forms.update(other.forms)
        self.votes.update(other.votes)
        self.sources.update(other.sources)
        self.members += other.members
        self.handles |= other.handles
        self.first = min(self.first, other.first)


def resolve(document: Document, mentions: Sequence[Mention]) -> Resolution:
    """Entities of one document, each mention's entity key, and the speakers of the text."""
    clusters = _cluster_by_surface(mentions)
    clusters = _fold_person_names(clusters, mentions)
    clusters = _fold_abbreviations(clusters)
    clusters = _fold_suffixes(clusters)
    clusters = _fold_series_into_edition(clusters)
    clusters = _fold_misspellings(clusters)
    clusters = [c for c in clusters if not _unsupported_lone_name(c, document)]
    _attach_handles(clusters, mentions, document)

    entities: dict[str, Entity] = {}
    mention_keys: list[str | None] = [None] * len(mentions)
    for cluster in sorted(clusters, key=lambda c: c.first):
        key = entity_key(cluster.type, cluster.name)
        aliases = {f for f in cluster.forms if f != cluster.name}
        previous = entities.get(key)
        if previous is not None:  # two clusters whose names differ only in case or punctuation
            aliases |= set(previous.aliases)
            cluster.handles |= set(previous.handles)
        entities[key] = Entity(
            key,
            cluster.name if previous is None else previous.name,
            cluster.type,
            tuple(sorted(aliases, key=lambda alias: (alias.casefold(), alias))),
            tuple(sorted(cluster.handles)),
        )
        for index in cluster.members:
            mention_keys[index] = key

    speakers = _Speakers(document, entities)
    interviewer = speakers.interviewer()
    turns = speakers.turns(interviewer)
    narrator = speakers.narrator(turns)
    interviewees = speakers.interviewees(turns, interviewer)
    return Resolution(
        entities=tuple(sorted(entities.values(), key=lambda e: e.key)),
        mentions=tuple(mentions),
        mention_keys=tuple(mention_keys),
        narrator=narrator,
        turns=tuple(turns),
        interviewer=interviewer,
        interviewees=tuple(interviewees),
    )


def _cluster_by_surface(mentions: Sequence[Mention]) -> list[_Cluster]:
    """One cluster per case-folded spelling."""
    by_form: dict[str, _Cluster] = {}
    for index, mention in enumerate(mentions):
        form = normalise_name(mention.text)
        if not form:
            continue
        cluster = by_form.setdefault(form.casefold(), _Cluster(first=mention.start))
        cluster.forms[form] += 1
        cluster.votes[mention.type] += TYPE_WEIGHT.get(mention.source, 1)
        cluster.sources[mention.source] += 1
        cluster.members.append(index)
    return list(by_form.values())


def _fold_person_names(clusters: list[_Cluster], mentions: Sequence[Mention]) -> list[_Cluster]:
    """'Thomas' after 'Thomas Graf' is Thomas Graf: a shorter person name joins the full name it
    begins (or, one word, ends); with several candidates, the one named closest before it. A lone
    word the model typed otherwise ('Madhav' as an organisation) joins a person it names too."""
    # Full names: people, and names the model alone typed otherwise that look like a person's
    # ('Maciej Szulik' as an organisation, in a text where 'Maciej' speaks).
    full = [
        c
        for c in clusters
        if len(c.name.split()) > 1
        and (c.type is EntityType.PERSON or (_only_model(c) and _looks_like_full_name(c.name)))
    ]
    merged: set[int] = set()
    for short in clusters:
        words = short.name.casefold().split()
        if short.type is not EntityType.PERSON and not (len(words) == 1 and _only_model(short)):
            continue
        candidates = [
            c
            for c in full
            if c is not short
            and id(c) not in merged
            and len(c.name.split()) > len(words)
            and (
                c.name.casefold().split()[: len(words)] == words
                or (len(words) == 1 and words[0] in _ends(c.name))
            )
        ]
        if not candidates and len(words) == 1 and len(words[0]) >= 3 and short.type is EntityType.PERSON:
            # A short form of the first name ('Ben' for 'Benjamin Elder'), when only one person fits.
            fits = [c for c in full if c.name.casefold().startswith(words[0]) and id(c) not in merged]
            candidates = fits if len(fits) == 1 else []
        if not candidates:
            continue
        first_use = min(mentions[i].start for i in short.members)

        def distance(candidate: _Cluster, first_use: int = first_use) -> tuple[int, int]:
            before = [mentions[i].start for i in candidate.members if mentions[i].start <= first_use]
            return (0, first_use - max(before)) if before else (1, candidate.first)

        target = min(candidates, key=distance)
        target.absorb(short)
        merged.add(id(short))
    return [c for c in clusters if id(c) not in merged]


def _ends(name: str) -> set[str]:
    """Case-folded first and last word of a name."""
    words = name.casefold().split()
    return {words[0], words[-1]}


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w.casefold() not in SMALL_WORDS]
    return "".join(w[0] for w in words).upper()


def _fold_abbreviations(clusters: list[_Cluster]) -> list[_Cluster]:
    """A short form and the full name it stands for are one entity when both occur ('CNCF' and
    'Cloud Native Computing Foundation', 'SIG ContribEx' and 'SIG Contributor Experience')."""
    merged: set[int] = set()
    # Names and types only change when a cluster absorbs another, so they are kept, not recomputed
    # for every pair; a short form has fewer words than its long form, which rules out most pairs.
    names = {id(c): c.name for c in clusters}
    types = {id(c): c.type for c in clusters}
    word_counts = {id(c): len(names[id(c)].split()) for c in clusters}
    for cluster in clusters:
        if id(cluster) in merged:
            continue
        name, kind, words = names[id(cluster)], types[id(cluster)], word_counts[id(cluster)]
        longer = [
            c
            for c in clusters
            if word_counts[id(c)] > words
            and c is not cluster
            and id(c) not in merged
            and _abbreviates(name, names[id(c)])
            and (types[id(c)] is kind or abbreviation_pairs().get(name.casefold()) is not None)
        ]
        if len(longer) == 1:
            longer[0].absorb(cluster)
            merged.add(id(cluster))
            absorbing = longer[0]
            names[id(absorbing)], types[id(absorbing)] = absorbing.name, absorbing.type
            word_counts[id(absorbing)] = len(names[id(absorbing)].split())
    return [c for c in clusters if id(c) not in merged]


@functools.lru_cache(maxsize=65_536)
def _abbreviates(short: str, long: str) -> bool:
    return abbreviates(short, long)


def _split_edition(words: list[str]) -> tuple[list[str], list[str]]:
    """A conference name's words and its edition words (years, regions): 'KCS EU 2023' -> KCS, EU 2023."""
    base = list(words)
    edition: list[str] = []
    if base and re.fullmatch(r"(19|20)\d\d", base[0]):
        edition.append(base.pop(0))
    while base and (re.fullmatch(r"(19|20)\d\d", base[-1]) or base[-1].casefold() in _edition_words()):
        edition.insert(0, base.pop())
    return base, edition


def abbreviates(short: str, long: str) -> bool:
    """Whether `short` is a short form of `long`: a listed abbreviation, the initials of its
    capitalised words ('TOC'), or a name of word beginnings ('ContribEx'), after words both share
    ('SIG ...') and with the same edition ('KCS EU' for 'Kubernetes Contributor Summit EU 2023')."""
    short_words, long_words = short.split(), long.split()
    if not short_words or len(short_words) >= len(long_words):
        return False
    while short_words and long_words and short_words[0].casefold() == long_words[0].casefold():
        short_words, long_words = short_words[1:], long_words[1:]
    short_base, short_edition = _split_edition(short_words)
    long_base, long_edition = _split_edition(long_words)
    if [w.casefold() for w in short_edition] != [w.casefold() for w in long_edition[: len(short_edition)]]:
        return False
    if len(short_base) != 1 or len(long_base) < 2:
        return False
    token, expansion = short_base[0], " ".join(long_base)
    if abbreviation_pairs().get(token.casefold()) == expansion.casefold():
        return True
    if token.isupper() and 2 <= len(token) <= 6 and _initials(expansion) == token:
        return True
    parts = re.findall(r"[A-Z][a-z0-9]*|[a-z0-9]+", token)
    return len(parts) == len(long_base) and all(
        word.casefold().startswith(part.casefold()) for part, word in zip(parts, long_base, strict=True)
    )


def _fold_series_into_edition(clusters: list[_Cluster]) -> list[_Cluster]:
    """'KubeCon' in a text about '2023 KubeCon' alone is that edition (the fullest form)."""
    merged: set[int] = set()
    for cluster in clusters:
        if cluster.type is not EntityType.CONFERENCE or _split_edition(cluster.name.split())[1]:
            continue
        editions = [
            c
            for c in clusters
            if c is not cluster
            and c.type is EntityType.CONFERENCE
            and [w.casefold() for w in _split_edition(c.name.split())[0]] == cluster.name.casefold().split()
        ]
        if len(editions) == 1:
            editions[0].absorb(cluster)
            merged.add(id(cluster))
    return [c for c in clusters if id(c) not in merged]


def _fold_suffixes(clusters: list[_Cluster]) -> list[_Cluster]:
    """'Steering Committee' in a text about the 'Kubernetes Steering Committee' is that committee;
    a lone 'Schenker' from the model in a text about 'DB Schenker' is that company."""
    merged: set[int] = set()
    for cluster in clusters:
        words = cluster.name.split()
        if cluster.type is not EntityType.ORGANIZATION:
            continue
        model_only = set(cluster.votes) == {EntityType.ORGANIZATION} and _only_model(cluster)
        named_body = re.search(r"(committee|group|foundation|council)$", cluster.name, re.IGNORECASE)
        if not ((len(words) >= 2 and named_body) or (len(words) == 1 and model_only)):
            continue
        longer = [
            c
            for c in clusters
            if c is not cluster
            and c.type is EntityType.ORGANIZATION
            and id(c) not in merged
            and c.name.casefold().endswith(" " + cluster.name.casefold())
        ]
        if len(longer) == 1:
            longer[0].absorb(cluster)
            merged.add(id(cluster))
    return [c for c in clusters if id(c) not in merged]


def _unsupported_lone_name(cluster: _Cluster, document: Document) -> bool:
    """A one-word person only the model saw, that is no known given name and never speaks, is more
    often a capitalised word ('Separate', 'Enroll') or a product than a person."""
    name = cluster.name
    if cluster.type is not EntityType.PERSON or " " in name or not _only_model(cluster):
        return False
    if name in first_names():
        return False
    tags = {tag[0] for block in document.blocks if (tag := speaker_tag(document, block)) is not None}
    return name not in tags


def _only_model(cluster: _Cluster) -> bool:
    """Whether every mention of the cluster came from the statistical model alone."""
    return set(cluster.sources) == {"ner"}


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Levenshtein distance, capped at `limit`."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return min(previous[-1], limit)


def _fold_misspellings(clusters: list[_Cluster]) -> list[_Cluster]:
    """'Cilum' and 'Kubernets' are typos of 'Cilium' and 'Kubernetes' when those occur more often."""
    merged: set[int] = set()
    ordered = sorted(clusters, key=lambda c: -sum(c.forms.values()))
    for rare in reversed(ordered):
        name = rare.name.casefold()
        for common in ordered:
            if common is rare or id(common) in merged or id(rare) in merged:
                continue
            target = common.name.casefold()
            if sum(common.forms.values()) <= sum(rare.forms.values()) or len(target) < 6:
                continue
            if re.sub(r"\D", "", name) != re.sub(r"\D", "", target) or name[0] != target[0]:
                continue
            if rare.type is not common.type and not _only_model(rare):
                continue
            allowed = 1 if len(target) < 9 else 2
            if len(name.split()) == len(target.split()) and edit_distance(name, target) <= allowed:
                common.absorb(rare)
                merged.add(id(rare))
    return [c for c in clusters if id(c) not in merged]


def _attach_handles(clusters: list[_Cluster], mentions: Sequence[Mention], document: Document) -> None:
    """A person's handles: '@handle' or 'also known as handle' right after their name, or a
    github.com profile link on the name itself ('[Ada Lovelace](https://github.com/adal)')."""
    text, raw = document.text, document.raw
    for cluster in clusters:
        if cluster.type is not EntityType.PERSON:
            continue
        forms = {f.casefold() for f in cluster.forms}
        for index in cluster.members:
            mention = mentions[index]
            after = HANDLE_AFTER_NAME.match(text, mention.end)
            link = GITHUB_LINK_ON_NAME.match(raw, mention.raw_end)
            for match in (after, link):
                if match is not None and match.group("handle").casefold() not in forms:
                    cluster.handles.add(match.group("handle"))


class _Speakers:
    """Who the first person is, who asks and who answers."""

    def __init__(self, document: Document, entities: dict[str, Entity]) -> None:
        self.document = document
        self.entities = entities

    def person(self, name: str, *, create: bool = True) -> str | None:
        """Key of the person called `name` (full name, alias, first name), adding one if none."""
        name = " ".join(name.split()).strip(" .,:;")
        if not name:
            return None
        folded = name.casefold()
        people = [e for e in self.entities.values() if e.type is EntityType.PERSON]
        for entity in people:
            if folded == entity.name.casefold() or folded in (a.casefold() for a in entity.aliases):
                return entity.key
        for entity in people:  # 'Arpit' for 'Arpit Agrawal', 'Arpit Agrawal' for a lone 'Arpit'
            words = entity.name.casefold().split()
            if folded.split()[0] == words[0] and (len(folded.split()) == 1 or len(words) == 1):
                return entity.key
        if len(folded) >= 3 and " " not in folded:  # 'Ben' for 'Benjamin Elder', when only one fits
            fits = [e for e in people if len(e.name.split()) > 1 and e.name.casefold().startswith(folded)]
            if len(fits) == 1:
                return fits[0].key
        if not create:
            return None
        key = entity_key(EntityType.PERSON, name)
        self.entities.setdefault(key, Entity(key, name, EntityType.PERSON))
        return key

    def narrator(self, turns: Sequence[Turn]) -> str | None:
        """The author; else, when the text outside turns and quotes speaks in the first person, an
        unnamed author."""
        for author in self.document.metadata.authors:
            name = author_name(author)
            if name:
                return self.person(name)
        text = self.document.text
        byline = BYLINE.search(text)
        if byline and _looks_like_name(byline.group(1)):
            return self.person(byline.group(1))
        if len(FIRST_PERSON.findall(self._own_words(turns))) < 3:
            return None
        signature = self._signature()
        if signature is not None:
            return self.person(signature)
        return self.person(f"Author of {self.document.source}")

    def _signature(self) -> str | None:
        """The name on a closing signature line: 'Jane Doe, Isovalent', '— Jane Doe'."""
        blocks = [b for b in self.document.blocks if b.kind in {"paragraph", "quote"}]
        if not blocks:
            return None
        last = self.document.text[blocks[-1].start : blocks[-1].end].strip()
        match = SIGNATURE.fullmatch(last)
        if match is None or not _looks_like_full_name(match.group(1)):
            return None
        return match.group(1)

    def _own_words(self, turns: Sequence[Turn]) -> str:
        """The text without turns and quotations: there the "I" is someone else's."""
        chars = list(self.document.text)
        spans = [(b.start, b.end) for b in self.document.blocks if b.kind == "quote"]
        for start, end in [*spans, *((t.start, t.end) for t in turns)]:
            chars[start:end] = " " * (end - start)
        return QUOTED.sub(" ", "".join(chars))

    def tagged(self) -> list[tuple[Block, str]]:
        """Blocks that open with a speaker tag, with the tag's name."""
        found = []
        for block in self.document.blocks:
            tag = speaker_tag(self.document, block)
            if tag is not None:
                found.append((block, tag[0]))
        return found

    def interviewer(self) -> str | None:
        explicit = INTERVIEWER_LINE.search(self.document.text)
        if explicit and _looks_like_name(explicit.group(1)):
            return self.person(explicit.group(1))
        tagged = self.tagged()
        names = {name for _, name in tagged}
        # In bold-name turns, the front-matter author whose name opens turns is the one who asks ...
        for author in self.document.metadata.authors:
            name = author_name(author)
            if name and (name.split()[0] in names or name in names):
                return self.person(name)
        # ... else the speaker whose turns are mostly questions.
        asked: Counter[str] = Counter()
        spoke: Counter[str] = Counter()
        for block, name in tagged:
            spoke[name] += 1
            first_paragraph = self.document.text[block.start : block.end].strip().split("\n\n")[0]
            if is_question_lead(block) or first_paragraph.rstrip("*_ ").endswith("?"):
                asked[name] += 1
        ranked = sorted(asked, key=lambda n: (-asked[n], n))
        if (
            ranked
            and asked[ranked[0]] >= 2
            and 2 * asked[ranked[0]] >= spoke[ranked[0]]
            and "/" not in ranked[0]
        ):
            return self.speaker(ranked[0])
        # A bold-question interview of a named person: the author wrote the questions.
        questions = [b for b in self.document.blocks if is_question_lead(b)]
        if len(questions) >= 2 and self._title_people():
            for author in self.document.metadata.authors:
                if author_name(author):
                    return self.person(author_name(author))
        return None

    def turns(self, interviewer: str | None) -> list[Turn]:
        tagged = self.tagged()
        tagged_starts = {block.start for block, _ in tagged}
        questions = [b for b in self.document.blocks if b.start not in tagged_starts and is_question_lead(b)]
        if tagged and len(tagged) >= len(questions):
            return self._name_turns(tagged, interviewer)
        if questions:
            return self._question_turns(questions, interviewer)
        return []

    def _span_ends(self, starts: list[int]) -> list[int]:
        return [*starts[1:], len(self.document.text)]

    def _name_turns(self, tagged: list[tuple[Block, str]], interviewer: str | None) -> list[Turn]:
        turns = []
        ends = self._span_ends([block.start for block, _ in tagged])
        for (block, name), end in zip(tagged, ends, strict=True):
            if "/" in name:
                continue  # a group answer ('M/G/S') has no single speaker
            speaker = self.speaker(name)
            if speaker is not None:
                turns.append(Turn(block.start, end, speaker, is_question=speaker == interviewer))
        return turns

    def speaker(self, tag: str) -> str | None:
        """The person a speaker tag names: a name, or initials ('FSM' for Frederico Sierra Muñoz)."""
        letters = tag.replace(".", "")
        if letters.isupper() and 2 <= len(letters) <= 4:
            return self._by_initials(letters)
        return self.person(tag) if _looks_like_name(tag) else None

    def _by_initials(self, initials: str) -> str | None:
        """The one person whose initials these are: all of them, or the first and the last."""
        people = [e for e in self.entities.values() if e.type is EntityType.PERSON and " " in e.name]
        exact = [e.key for e in people if _initials(e.name) == initials]
        if len(exact) == 1:
            return exact[0]
        ends = [
            e.key
            for e in people
            if _initials(e.name)[0] + _initials(e.name)[-1] == initials[0] + initials[-1]
        ]
        return ends[0] if len(ends) == 1 else None

    def _question_turns(self, questions: list[Block], asker: str | None) -> list[Turn]:
        interviewees = self._title_people()
        answerer = interviewees[0] if len(interviewees) == 1 else None
        turns = []
        ends = self._span_ends([b.start for b in questions])
        for block, end in zip(questions, ends, strict=True):
            question_end = block.start + len(block.lead or "")
            text = self.document.text
            found = text.find((block.lead or "").strip("* "), block.start, end)
            if found >= 0:
                question_end = found + len((block.lead or "").strip("* "))
            if asker is not None:
                turns.append(Turn(block.start, min(question_end, end), asker, is_question=True))
            if answerer is not None and question_end < end:
                turns.append(Turn(question_end, end, answerer))
        return turns

    def _title_people(self) -> list[str]:
        """People an interview title or summary is about: 'Meet the Maintainer: Chris Tarazi'."""
        keys: list[str] = []
        for line in (self.document.metadata.title, self.document.metadata.summary):
            match = INTERVIEW_TITLE.search(line or "")
            if not match:
                continue
            subject = next(g for g in match.groups() if g)
            for name in re.split(r",\s*|\s+and\s+|\s*&\s*", subject):
                name = re.sub(r"[\"'“”‘’!.]+$", "", name.strip())
                if _looks_like_name(name):
                    key = self.person(name, create=False)
                    if key is None and len(name.split()) >= 2 and not self._names_other_type(name):
                        key = self.person(name)
                    if key is not None and key not in keys:
                        keys.append(key)
        return keys

    def _names_other_type(self, name: str) -> bool:
        folded = name.casefold()
        return any(
            e.type is not EntityType.PERSON and (e.name.casefold() in folded or folded in e.name.casefold())
            for e in self.entities.values()
        )

    def interviewees(self, turns: list[Turn], interviewer: str | None) -> list[str]:
        keys = self._title_people()
        if interviewer is not None:
            for turn in turns:
                if not turn.is_question and turn.speaker != interviewer and turn.speaker not in keys:
                    keys.append(turn.speaker)
        return [k for k in keys if k != interviewer]


def author_name(author: str) -> str:
    """The person's name in an author credit: 'Frederico Muñoz (SAS Institute)' -> 'Frederico Muñoz'."""
    name = re.sub(r"\s*[(\[].*$", "", author)
    name = re.split(r",|\s+-\s+|\s+@\s*", name)[0]
    return " ".join(name.split())


def speaker_tag(document: Document, block: Block) -> tuple[str, int] | None:
    """The speaker name opening a `**Name:**` turn and its start in `document.text`, or None.

    The lead is a speaker tag when a name is followed by a colon inside or right after the bold run
    ('**Arpit:**', '**Ben**:', '**Sandipan: Can you tell us...?**'); group tags ('M/G/S') are kept,
    the caller decides what they mean.
    """
    if not block.lead or block.kind not in {"paragraph", "quote"}:
        return None  # a bold term opening a list item is a definition ('**Devstats:** ...')
    text = document.text[block.start : block.end]
    lead = block.lead.strip()
    position = text.find(lead)
    if position < 0:
        return None
    after_lead = text[position + len(lead) :].lstrip("*_ \t")
    colon_after = after_lead.startswith(":")
    candidate = lead if ":" in lead else lead + (":" if colon_after else "")
    match = SPEAKER_TAG.match(candidate)
    if match is None:
        return None
    name = match.group(1).strip()
    said = match.group(2).strip() or (after_lead[1:] if colon_after else after_lead).strip()
    if name.casefold() in NOT_SPEAKERS or len(name) < 2 or not said:
        return None  # 'Code Contributions:' over a list is a label, not a speaker
    words = [w for w in name.split() if "/" not in w and len(w) > 1]
    if words and all(_written_in_lower_case(w, document.text) for w in words):
        return None  # every word also used in lower case: a phrase, not a name
    return name, block.start + position


@functools.lru_cache(maxsize=256)
def _written_in_lower_case(word: str, text: str) -> bool:
    # Cached: the same leads are read several times per document (speakers, turns, interviewer).
    return re.search(rf"\b{re.escape(word.lower())}\b", text) is not None


def is_question_lead(block: Block) -> bool:
    """A bold question opening a block ('**What got you started?**'), with or without a speaker tag."""
    return bool(block.lead) and (block.lead or "").strip().rstrip("*_ ").endswith("?")


def _looks_like_full_name(text: str) -> bool:
    words = text.split()
    return 2 <= len(words) <= 3 and all(re.fullmatch(r"[A-ZÀ-ÖØ-Þ][a-zß-öø-ÿ'’\-]+", w) for w in words)


def _looks_like_name(text: str) -> bool:
    words = text.split()
    return 1 <= len(words) <= 4 and all(w[:1].isupper() for w in words) and not any(c.isdigit() for c in text)
