"""Time expressions in evidence sentences: "since 2017", "in January 2021", "3 years ago"."""

from __future__ import annotations

import re
from dataclasses import dataclass

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}

_MONTH = r"(?P<month>" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_QUALIFIER = r"(?:(?:early|late|mid|the\s+end\s+of|the\s+start\s+of|the\s+beginning\s+of)[\s-]+)?"
_COUNT = r"(?P<count>\d{1,2}|" + "|".join(NUMBER_WORDS) + r")"

_ABSOLUTE = re.compile(
    r"\b(?P<word>since|in|from|around|during|until|by|of)?\s*"
    + _QUALIFIER
    + r"(?:"
    + _MONTH
    + r"\s+)?"
    + _YEAR
    + r"\b",
    re.IGNORECASE,
)
_AGO = re.compile(r"\b" + _COUNT + r"\s+years?\s+ago\b", re.IGNORECASE)
_FOR_YEARS = re.compile(r"\bfor\s+(?:the\s+(?:past|last)\s+)?" + _COUNT + r"\s+years?\b", re.IGNORECASE)
_LAST_YEAR = re.compile(r"\blast\s+year\b", re.IGNORECASE)


@dataclass(frozen=True)
class TimeExpression:
    """A time found in a text: where it is and its ISO value (a year or a year-month)."""

    start: int
    end: int
    value: str
    is_start: bool  # "since 2017", "3 years ago": the time something began


def _count(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word.lower()]


def _reference_year(reference_date: str | None) -> int | None:
    if reference_date and re.match(r"^(19|20)\d\d", reference_date):
        return int(reference_date[:4])
    return None


def find_time_expressions(text: str, reference_date: str | None = None) -> list[TimeExpression]:
    """Every time expression in `text`, in order; relative ones need `reference_date` (ISO date)."""
    found: list[TimeExpression] = []
    for match in _ABSOLUTE.finditer(text):
        month = match.group("month")
        value = match.group("year") + (f"-{MONTHS[month.lower()]:02d}" if month else "")
        word = (match.group("word") or "").lower()
        found.append(TimeExpression(match.start(), match.end(), value, word in ("since", "from")))
    year = _reference_year(reference_date)
    if year is not None:
        for pattern in (_AGO, _FOR_YEARS):
            for match in pattern.finditer(text):
                found.append(
                    TimeExpression(match.start(), match.end(), str(year - _count(match["count"])), True)
                )
        for match in _LAST_YEAR.finditer(text):
            found.append(TimeExpression(match.start(), match.end(), str(year - 1), False))
    return sorted(found, key=lambda t: (t.start, t.end))


def time_near(text: str, position: int, reference_date: str | None = None) -> str | None:
    """The time expression of `text` that best dates something said at `position`.

    The nearest one wins; at equal distance a start time ("since ...") wins over a plain date.
    """
    candidates = find_time_expressions(text, reference_date)
    if not candidates:
        return None

    def distance(t: TimeExpression) -> int:
        return 0 if t.start <= position < t.end else min(abs(t.start - position), abs(t.end - position))

    best = min(candidates, key=lambda t: (distance(t), not t.is_start, t.start))
    return best.value
