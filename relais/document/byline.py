"""Recognise the byline/dateline line of an article.

"By Ana Ferreira, Environment correspondent · 4 June 2026, 09:30 BST" is metadata, not
text to translate: ingest drops the line and keeps author and date on the Article.
Recognition is deliberately strict (a prefix from ``furniture.toml``, then a name of two
to five capitalised words, then only separators, a role and a date) so that a sentence
such as "By Monday, the council had voted" is never taken for a byline.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import dataclass

from relais.document.furniture import (
    DEFAULT_LANGUAGES,
    byline_prefixes,
    dateline_prefixes,
    month_number,
    weekday_names,
)
from relais.document.inline import strip_placeholders

MAX_BYLINE_WORDS = 25
MAX_NAME_WORDS = 5

# Name words: "Ana", "O'Neill", "Jean-Luc", "J.", plus lowercase particles inside a name.
_NAME_WORD = re.compile(r"^(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*|[A-Z]\.)$")
_PARTICLES = frozenset({"de", "da", "do", "dos", "das", "del", "della", "di", "van", "von", "der", "den", "le", "la", "bin", "al", "ibn"})
_JOINERS = frozenset({"and", "&"})
_SEPARATORS = re.compile(r"\s*(?:[,·|•–—]|\s-\s)\s*")

# "12 May 2026", "12. Mai 2026", "1er juillet 2026", "12 de mayo de 2026"; "May 12, 2026"
_DAY_MONTH_YEAR = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th|er|º|\.)?\s+(?:de\s+)?([^\W\d_]+)\.?,?\s+(?:de\s+)?(\d{4})\b")
_MONTH_DAY_YEAR = re.compile(r"\b([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")
_TIME = re.compile(r"\b(?:at\s+)?\d{1,2}[:.]\d{2}(?:\s*[ap]\.?m\.?)?(?:\s+(?-i:[A-Z]{2,5}))?\b", re.IGNORECASE)


@dataclass(frozen=True)
class Byline:
    author: str | None
    date: str | None  # ISO "YYYY-MM-DD" when it could be read, else None


def find_date(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> str | None:
    """The first calendar date written in ``text``, as ISO "YYYY-MM-DD"."""
    candidates: list[tuple[int, str]] = []
    for m in _ISO_DATE.finditer(text):
        iso = _iso(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if iso:
            candidates.append((m.start(), iso))
    for m in _DAY_MONTH_YEAR.finditer(text):
        month = month_number(m.group(2), languages)
        iso = month and _iso(int(m.group(3)), month, int(m.group(1)))
        if iso:
            candidates.append((m.start(), iso))
    for m in _MONTH_DAY_YEAR.finditer(text):
        month = month_number(m.group(1), languages)
        iso = month and _iso(int(m.group(3)), month, int(m.group(2)))
        if iso:
            candidates.append((m.start(), iso))
    return min(candidates)[1] if candidates else None


def _iso(year: int, month: int, day: int) -> str | None:
    if not 1900 <= year <= 2200:
        return None
    try:
        return datetime.date(year, month, day).isoformat()
    except ValueError:
        return None


def _date_span(text: str, languages: Sequence[str]) -> tuple[int, int] | None:
    for pattern in (_ISO_DATE, _DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        for m in pattern.finditer(text):
            if find_date(m.group(0), languages):
                return m.span()
    return None


def parse_byline(text: str, languages: Sequence[str] = DEFAULT_LANGUAGES) -> Byline | None:
    """A ``Byline`` when the block is only a byline and/or dateline, else None."""
    plain = " ".join(strip_placeholders(text).split())
    if not plain or len(plain.split()) > MAX_BYLINE_WORDS:
        return None
    for prefix in byline_prefixes(languages):
        if plain.startswith(prefix + " "):
            return _parse_author_line(plain[len(prefix) + 1 :], languages)
    return _parse_dateline(plain, languages)


def _parse_author_line(rest: str, languages: Sequence[str]) -> Byline | None:
    words = rest.split(" ")
    name: list[str] = []
    for word in words:
        core = word.rstrip(",·|•")
        if _NAME_WORD.match(core) or (name and (core in _PARTICLES or core in _JOINERS)):
            name.append(core)
            if core != word or len(name) > MAX_NAME_WORDS * 2:
                break
        else:
            break
    while name and (name[-1] in _PARTICLES or name[-1] in _JOINERS):
        name.pop()
    real_words = [w for w in name if w not in _PARTICLES and w not in _JOINERS]
    if len(real_words) < 2 or len(real_words) > MAX_NAME_WORDS * 2:
        return None
    author = " ".join(name)
    remainder = rest[len(author) :]
    if remainder and not _SEPARATORS.match(remainder):
        # Only a dateline may follow without a separator ("By Ana Ferreira 4 June 2026",
        # a two-line byline joined up); anything else means the "name" runs on into a
        # sentence.
        dateline = _parse_dateline(remainder.strip(), languages)
        if dateline is None:
            return None
        return Byline(author=author, date=dateline.date)
    return Byline(author=author, date=find_date(remainder, languages))


def _parse_dateline(plain: str, languages: Sequence[str]) -> Byline | None:
    """"Published 4 June 2026, 09:30 BST", "June 4, 2026" – a line that is only a date."""
    rest = plain
    for prefix in dateline_prefixes(languages):
        if rest.casefold().startswith(prefix.casefold()):
            rest = rest[len(prefix) :].lstrip(" :")
            break
    span = _date_span(rest, languages)
    if span is None:
        return None
    leftover = rest[: span[0]] + " " + rest[span[1] :]
    leftover = _TIME.sub(" ", leftover)
    # Weekday names and separators may remain ("Tuesday 4 June 2026 · 09:30").
    weekdays = {w.casefold() for w in weekday_names(languages)}
    leftover_words = _SEPARATORS.sub(" ", leftover).replace(".", " ").replace(":", " ").split()
    if any(w.casefold() not in weekdays for w in leftover_words):
        return None
    return Byline(author=None, date=find_date(rest, languages))
