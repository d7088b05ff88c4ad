"""Termbase checks: approved renderings must be used, forbidden variants must not.

The termbase of the job's language pair is in ``ctx.termbase`` (a
``relais.memory.termbase.StoreTermbase`` for stored jobs, ``names.DictTermbase`` in
tests); without one these checks are silent.  A termbase that can ``find`` the terms of
a text (the store's, through a precompiled index) is asked for every term in the source,
names and common terms alike; one that only answers ``renderings`` is asked about every
run of up to six words of the source, longest first.

An approved rendering counts as used in any case and with up to two letters of
inflection on each word (Putins, Poutines, Lavrova), as ``names.py`` allows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity
from relais.text.names import SourceName, fold, locate, source_names, words_of

MAX_TERM_WORDS = 6
_TOKEN_RE = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class TermUse:
    """A termbase term of the source and what the target does with it."""

    source: str  # the term as the termbase has it
    approved: str
    name: bool  # a person, place or organisation (or a capitalised term)
    approved_present: bool
    forbidden_hit: tuple[int, int, str] | None  # plain target offsets and the variant used


@lru_cache(maxsize=4096)
def term_pattern(term: str, inflection: bool = True, ignore_case: bool = True) -> re.Pattern[str]:
    """A term as whole words, any run of spaces between words, either apostrophe, and
    (``inflection``) up to two more letters on each word."""
    suffix = r"\w{0,2}" if inflection else ""
    words = term.split()
    body = r"\s+".join(re.escape(w) + suffix for w in words)
    body = body.replace("'", "['’]").replace("’", "['’]")
    return re.compile(r"(?<!\w)" + body + r"(?!\w)", re.IGNORECASE if ignore_case else 0)


def _source_terms(source: str, termbase, lang: str) -> list[tuple[str, str, list[str], str | None, tuple[str, ...]]]:
    """(source term, approved, forbidden, type or None, other approved) for each termbase
    term of the source."""
    find = getattr(termbase, "find", None)
    if find is not None and getattr(termbase, "target_lang", lang) == lang:
        return [(m.source, m.target, list(m.forbidden), m.type, tuple(m.also)) for m in find(source)]
    # A termbase that only answers renderings(): every run of words, longest first.
    tokens = list(_TOKEN_RE.finditer(source))
    out = []
    seen: set[str] = set()
    i = 0
    while i < len(tokens):
        step = 1
        for n in range(min(MAX_TERM_WORDS, len(tokens) - i), 0, -1):
            text = source[tokens[i].start() : tokens[i + n - 1].end()]
            entry = termbase.renderings(text, lang)
            if entry is None:
                continue
            if text not in seen:
                seen.add(text)
                out.append((text, entry[0], list(entry[1]), None, ()))
            step = n
            break
        i += step
    return out


@lru_cache(maxsize=1024)
def _uses_cached(termbase, source: str, target: str, lang: str) -> tuple[TermUse, ...]:
    uses = []
    for term, approved, forbidden, type_, also in _source_terms(source, termbase, lang):
        accepted = [approved, *also]
        approved_spans = [m.span() for a in accepted for m in term_pattern(a).finditer(target)]
        hit = None
        for variant in sorted(forbidden, key=len, reverse=True):
            if any(variant.casefold() == a.casefold() for a in accepted):
                pattern = term_pattern(variant, inflection=False, ignore_case=False)  # a difference of case only
            else:
                pattern = term_pattern(variant)
            for m in pattern.finditer(target):
                if any(a <= m.start() < b or m.start() <= a < m.end() for a, b in approved_spans):
                    continue  # part of the approved rendering here ("Lavrov" in "Sergueï Lavrov")
                hit = (m.start(), m.end(), m.group())
                break
            if hit:
                break
        name = type_ in ("person", "place", "organisation") if type_ else fold(term) in _source_name_keys(source)
        uses.append(TermUse(term, approved, name, bool(approved_spans), hit))
    return tuple(uses)


def _source_name_keys(source: str) -> frozenset[str]:
    """Folded names of the source and their words: a term without a type is a name when
    names.py finds it as one ("Putin", not "Climate change" at the start of a sentence)."""
    return frozenset(k for n in source_names(source) for k in (n.key, *(w.folded for w in n.words)))


def term_uses(pair: SegmentPair, ctx: CheckContext) -> tuple[TermUse, ...]:
    if ctx.termbase is None:
        return ()
    try:
        return _uses_cached(ctx.termbase, pair.source_plain, pair.target_plain, pair.target_lang)
    except TypeError:  # an unhashable termbase
        return _uses_cached.__wrapped__(ctx.termbase, pair.source_plain, pair.target_plain, pair.target_lang)


def _located(term: str, target: str, lang: str) -> tuple[int, int] | None:
    """Where the target renders a name otherwise (None: the name was dropped, which is
    ``names.missing``'s to report)."""
    words = tuple(words_of(term))
    if not words:
        return None
    hit = locate(SourceName(term, words, " ".join(w.folded for w in words)), words_of(target), lang)
    return (hit.start, hit.end) if hit else None


class TermViolationCheck(SegmentCheck):
    """terms.violation: a termbase term of the source is not rendered as approved.

    Severity major; all locales; needs a termbase.  A name (person, place,
    organisation) is reported where the target renders it otherwise; a dropped name is
    ``names.missing``'s, not this check's.  A common term is reported at the start of
    the segment.  Silent when a forbidden variant is used (that is ``terms.forbidden``).
    Suggestion: the approved rendering.
    Example (fr, termbase Putin → Poutine): "Putin spoke." → "Putin a parlé."
    """

    id = "terms.violation"
    severity = Severity.MAJOR
    description = "A term from the termbase is not rendered as the termbase approves."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        findings = []
        for use in term_uses(pair, ctx):
            if use.approved_present or use.forbidden_hit:
                continue
            if use.name:
                span = _located(use.source, pair.target_plain, pair.target_lang)
                if span is None:
                    continue
                text = pair.target_plain[span[0] : span[1]]
                start, end = pair.target_span(*span)
                message = f"“{text}”: the termbase says “{use.approved}” for “{use.source}”"
                replaces = True  # the located rendering gives way to the approved one
            else:
                start = end = 0
                message = f"“{use.source}” is not rendered as the termbase says: “{use.approved}”"
                replaces = False  # nowhere to put it: advice
            findings.append(self.finding(pair, start, end, message, suggestion=use.approved, replaces=replaces))
        return findings


class TermForbiddenCheck(SegmentCheck):
    """terms.forbidden: the target uses a variant the termbase forbids for a term of the source.

    Severity major; all locales; needs a termbase.  The span is the variant; the
    suggestion is the approved rendering.
    Example (fr, termbase Putin → Poutine, forbidden Putin): "Putin spoke." → "Putin a parlé."
    """

    id = "terms.forbidden"
    severity = Severity.MAJOR
    description = "A term is rendered with a variant the termbase forbids."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        findings = []
        for use in term_uses(pair, ctx):
            if use.forbidden_hit:
                start, end, variant = use.forbidden_hit
                findings.append(
                    self.finding(pair, *pair.target_span(start, end), f"“{variant}”: the termbase says “{use.approved}” for “{use.source}”", suggestion=use.approved,
                                 replaces=True)
                )
        return findings


CHECKS = [TermViolationCheck, TermForbiddenCheck]
