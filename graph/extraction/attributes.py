"""The model's attribute rules (tag -> part of speech, morphology, some lemmas), applied by table lookup.

en_core_web_sm maps fine-grained tags to part-of-speech and morphology with an `attribute_ruler`:
179 Matcher patterns tried at every token, about a tenth of the whole pipeline's time. Which of its
single-token rules fit a token depends only on the token's tag, lower-case form, dependency label and
whether it is a space, so the answer is looked up once per distinct combination and reused; the few
two-token rules are checked where their first token fits. The rules, the order in which later ones
override earlier ones, and the values written are the model's own, so every token gets the same
attributes as from the model's ruler.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy
from spacy.attrs import DEP, IDS, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.strings import get_string_id
from spacy.tokens import Doc
from spacy.vocab import Vocab

# Token attributes a rule may test, in the order of the columns read from the Doc.
_TESTED = ("TAG", "LOWER", "DEP", "IS_SPACE")
_COLUMNS: list[int | str] = [TAG, LOWER, DEP, IS_SPACE]

# Distinct reduced (tag, lower, dep, space) combinations remembered; the corpus has about a thousand.
CACHE_LIMIT = 200_000

TokenValues = tuple[int, ...]
# Stands for every value of an attribute that no rule names (the largest 64-bit string id).
OTHER = 2**64 - 1
Test = Callable[[TokenValues], bool]


class UnsupportedRule(ValueError):
    """An attribute rule this table cannot apply (the model's own ruler is kept then)."""


@dataclass(frozen=True)
class _Pattern:
    rule: int  # index of the rule: later rules override earlier ones
    tests: tuple[Test, ...]  # one per token of the pattern
    target: int  # which token of the match gets the attributes


class _Tests:
    """Builds token tests and remembers which values each attribute is compared with."""

    def __init__(self, vocab: Vocab) -> None:
        self.vocab = vocab
        self.named: tuple[set[int], ...] = tuple(set() for _ in _TESTED)
        self.regexes: list[re.Pattern[str]] = []

    def value_test(self, column: int, spec: Any) -> Test:
        """A test of one attribute, with the Matcher's semantics for a literal, IN, NOT_IN or REGEX."""
        if isinstance(spec, bool):
            flag = int(spec)
            self.named[column].add(flag)
            return lambda values: values[column] == flag
        if isinstance(spec, str):
            wanted = self.vocab.strings.add(spec)
            self.named[column].add(wanted)
            return lambda values: values[column] == wanted
        if isinstance(spec, Mapping) and len(spec) == 1:
            ((operator, operand),) = spec.items()
            if operator in ("IN", "NOT_IN"):
                members = frozenset(get_string_id(v) for v in operand)
                self.named[column].update(members)
                if operator == "IN":
                    return lambda values: values[column] in members
                return lambda values: values[column] not in members
            if operator == "REGEX" and _TESTED[column] == "LOWER":
                regex = re.compile(operand)
                self.regexes.append(regex)
                strings = self.vocab.strings
                # An unnamed form (OTHER) is one no regex matches: see AttributeTable._reduced.
                return lambda values: (
                    values[column] != OTHER and regex.search(strings[values[column]]) is not None
                )
        raise UnsupportedRule(f"attribute rule test {spec!r}")

    def token_test(self, spec: Mapping[str, Any]) -> Test:
        tests = []
        for key, value in spec.items():
            name = key.upper()
            if name not in _TESTED or name not in IDS:
                raise UnsupportedRule(f"attribute rule key {key!r}")
            tests.append(self.value_test(_TESTED.index(name), value))
        return lambda values: all(test(values) for test in tests)


class AttributeTable:
    """Drop-in replacement for the model's `attribute_ruler` component, with the same rules."""

    def __init__(self, vocab: Vocab, rules: Sequence[Mapping[str, Any]], values: Sequence[Mapping[int, int]]):
        """`rules`: the ruler's `patterns` (in order); `values`: its normalised `attrs` (attribute id ->
        value id), one per rule."""
        self.vocab = vocab
        self._rules = [dict(rule) for rule in rules]
        self._values = [dict(v) for v in values]
        self._written = sorted({attr for v in self._values for attr in v})
        builder = _Tests(vocab)
        single: list[_Pattern] = []
        several: list[_Pattern] = []
        for rule, entry in enumerate(rules):
            for pattern in entry["patterns"]:
                if any("OP" in spec for spec in pattern):
                    raise UnsupportedRule("attribute rule with an operator")
                tests = tuple(builder.token_test(spec) for spec in pattern)
                index = int(entry.get("index", 0))
                target = index if index >= 0 else len(pattern) + index
                if not 0 <= target < len(pattern):
                    raise UnsupportedRule(f"attribute rule index {index}")
                (single if len(pattern) == 1 else several).append(_Pattern(rule, tests, target))
        self._single = single
        self._several = several
        self._named = tuple(frozenset(named) for named in builder.named)
        self._regexes = tuple(builder.regexes)
        self._lower_column = _TESTED.index("LOWER")
        self._named_arrays = tuple(numpy.array(sorted(named), dtype=numpy.uint64) for named in self._named)
        self._regex_lowers: dict[int, bool] = {}
        self._fits: dict[TokenValues, _Fit] = {}

    def __reduce__(self) -> tuple[Any, ...]:
        # The tests are closures; a copy (for a worker process) is built again from the rules.
        return (AttributeTable, (self.vocab, self._rules, self._values))

    @classmethod
    def from_ruler(cls, ruler: Any) -> AttributeTable:
        """The table of a spaCy `AttributeRuler` (raises UnsupportedRule if it uses other tests)."""
        if len(ruler.patterns) != len(ruler.attrs):
            raise UnsupportedRule("attribute ruler patterns and values differ in number")
        return cls(ruler.vocab, ruler.patterns, ruler.attrs)

    def _reduced(self, doc: Doc) -> Any:
        """Each token's values (an array, a row per token) with every value no rule names replaced
        by OTHER, so that tokens the rules cannot tell apart share one entry of the table. A
        lower-case form some regex matches is kept."""
        table = doc.to_array(_COLUMNS)
        for column in range(len(_COLUMNS)):
            values = table[:, column]
            unnamed = ~numpy.isin(values, self._named_arrays[column])
            if column == self._lower_column and self._regexes:
                for value in numpy.unique(values[unnamed]).tolist():
                    if self._matches_regex(value):
                        unnamed &= values != value
            values[unnamed] = OTHER
        return table

    def _matches_regex(self, lower: int) -> bool:
        found = self._regex_lowers.get(lower)
        if found is None:
            text = self.vocab.strings[lower]
            found = any(regex.search(text) for regex in self._regexes)
            if len(self._regex_lowers) >= CACHE_LIMIT:
                self._regex_lowers.clear()
            self._regex_lowers[lower] = found
        return found

    def _fitting(self, values: TokenValues) -> _Fit:
        """What the rules do to a token with these (reduced) values."""
        fit = self._fits.get(values)
        if fit is None:
            rules = tuple(p.rule for p in self._single if p.tests[0](values))
            starts = tuple(i for i, p in enumerate(self._several) if p.tests[0](values))
            effect: dict[int, int] = {}
            for rule in rules:
                effect.update(self._values[rule])
            fit = _Fit(
                rules,
                starts,
                tuple(attr in effect for attr in self._written),
                tuple(effect.get(attr, 0) for attr in self._written),
            )
            if len(self._fits) >= CACHE_LIMIT:
                self._fits.clear()
            self._fits[values] = fit
        return fit

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc) or not self._written:
            return doc
        table = self._reduced(doc)
        keys, inverse = numpy.unique(table, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        fits = [self._fitting(tuple(key)) for key in keys.tolist()]
        written: list[int | str] = list(self._written)
        current = doc.to_array(written).reshape((len(doc), len(written)))
        chosen = numpy.array([fit.sets for fit in fits], dtype=bool)[inverse]
        values = numpy.array([fit.values for fit in fits], dtype=numpy.uint64)[inverse]
        result = numpy.where(chosen, values, current)
        opening = [k for k, fit in enumerate(fits) if fit.starts]
        if opening:
            # Two-token rules: checked where their first token fits; a token they set gets every
            # rule that fits it again, in rule order (later rules override earlier ones).
            rows: list[TokenValues] = [tuple(row) for row in table.tolist()]
            later: dict[int, list[int]] = {}
            for start in numpy.flatnonzero(numpy.isin(inverse, opening)).tolist():
                for index in fits[inverse[start]].starts:
                    pattern = self._several[index]
                    if start + len(pattern.tests) <= len(rows) and all(
                        test(rows[start + offset]) for offset, test in enumerate(pattern.tests[1:], 1)
                    ):
                        later.setdefault(start + pattern.target, []).append(pattern.rule)
            position = {attr: i for i, attr in enumerate(self._written)}
            for token, extra in later.items():
                row = current[token].tolist()
                for rule in sorted((*fits[inverse[token]].rules, *extra)):
                    for attr, value in self._values[rule].items():
                        row[position[attr]] = value
                result[token] = row
        doc.from_array(written, result.astype(numpy.uint64))  # type: ignore[arg-type]
        return doc


@dataclass(frozen=True)
class _Fit:
    """The rules that fit one kind of token and what they set."""

    rules: tuple[int, ...]  # one-token rules, in order
    starts: tuple[int, ...]  # longer patterns whose first token it fits
    sets: tuple[bool, ...]  # per written attribute: whether some rule sets it
    values: tuple[int, ...]  # per written attribute: the value the last such rule gives


@Language.factory("attribute_table")
def make_attribute_table(nlp: Language, name: str) -> AttributeTable:
    """The table of the pipeline's `attribute_ruler` (which must be present when this is added)."""
    return AttributeTable.from_ruler(nlp.get_pipe("attribute_ruler"))


def use_attribute_table(nlp: Language) -> bool:
    """Replace the model's `attribute_ruler` by an `attribute_table` with the same rules; False (and
    the pipeline unchanged) if the ruler has none or uses tests the table does not know."""
    if "attribute_ruler" not in nlp.pipe_names:
        return False
    try:
        nlp.add_pipe("attribute_table", after="attribute_ruler")
    except UnsupportedRule:
        return False
    nlp.remove_pipe("attribute_ruler")
    return True


class LemmaTable:
    """The model's rule lemmatizer, asked once per distinct (word, part of speech, morphology).

    The lemmatizer's answer depends on nothing else, and its own cache still costs a Token object
    and a string lookup per token; here a token costs one dictionary lookup.
    """

    def __init__(self, lemmatizer: Any) -> None:
        self.lemmatizer = lemmatizer
        self.vocab: Vocab = lemmatizer.vocab
        self._lemmas: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if not len(doc):
            return doc
        columns: list[int | str] = [ORTH, POS, MORPH, LEMMA]
        rows = cast(list[list[int]], doc.to_array(columns).reshape((len(doc), len(columns))).tolist())
        lemmas = []
        overwrite = bool(getattr(self.lemmatizer, "overwrite", False))
        for index, (orth, pos, morph, lemma) in enumerate(rows):
            if lemma and not overwrite:
                lemmas.append(lemma)
                continue
            key = (orth, pos, morph)
            found = self._lemmas.get(key)
            if found is None:
                found = self.vocab.strings.add(self.lemmatizer.lemmatize(doc[index])[0])
                if len(self._lemmas) >= CACHE_LIMIT:
                    self._lemmas.clear()
                self._lemmas[key] = found
            lemmas.append(found)
        doc.from_array([LEMMA], numpy.asarray(lemmas, dtype=numpy.uint64))  # type: ignore[arg-type]
        return doc


@Language.factory("lemma_table")
def make_lemma_table(nlp: Language, name: str) -> LemmaTable:
    """The table of the pipeline's rule `lemmatizer` (which must be present when this is added)."""
    return LemmaTable(nlp.get_pipe("lemmatizer"))


def use_lemma_table(nlp: Language) -> bool:
    """Replace the model's rule `lemmatizer` by a `lemma_table` over it; False (and the pipeline
    unchanged) if there is none or it is not rule-based."""
    if "lemmatizer" not in nlp.pipe_names or getattr(nlp.get_pipe("lemmatizer"), "mode", None) != "rule":
        return False
    nlp.add_pipe("lemma_table", after="lemmatizer")
    nlp.remove_pipe("lemmatizer")
    return True
