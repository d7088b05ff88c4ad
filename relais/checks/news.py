"""News parts: quoted speech, and headlines that need a human's sign-off.

A quotation is the one place a news translation must not paraphrase into reported
speech without marks: readers take the words between quotation marks as the speaker's.
``quote.unquoted`` fires when the source quotes speech (three words or more) and the
translation has no quotation mark at all; ``quote.lost`` when it has fewer quotations
than the source (a quoted word or term, the "rebels", lost its marks).  Both count
quotations, not their style or place: translators legitimately move, restyle («…»,
„…“) and split them.

``headline_signoff`` is not a check: the lead stores it as a flag on the article, since
any finding on a headline must be seen and signed off by a person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity
from relais.document.model import BlockKind
from relais.locales import derived, get_pack

MIN_QUOTED_WORDS = 3  # shorter quotes are titles or scare quotes ("green card")

# A quotation in the (English) source, opened and closed in the segment: curly double,
# straight double or curly single quotes.  A mark left open (the quotation goes on in the
# next sentence) is ignored: the translator may have moved it.
_SOURCE_QUOTES = (
    re.compile(r"“([^“”]*)”"),
    re.compile(r'"([^"]*)"'),
    re.compile(r"‘([^‘’]*)’(?!\w)"),  # a closing ’ followed by a letter is an apostrophe
)
# What makes a quotation speech rather than a title or a term ("the building blocks of
# life"): punctuation closing it inside the marks ("…,” she said), a colon or comma
# before it (She said: “…”), or a reporting verb next to it.
_SPEECH_END = re.compile(r"[.,!?;:…]\s*$")
_SPEECH_LEAD = re.compile(r"[:,]\s*$")
_REPORTING_VERB = re.compile(r"\b(?:said|says|say|told|tells|asked|asks|added|adds|wrote|writes|according to|stated|states|explained|explains|warned|warns|insisted|insists|claimed|claims)\b", re.IGNORECASE)
_NEAR = 40  # characters around a quotation searched for a reporting verb

# Quotation marks of any European style; ’ alone is an apostrophe, not a quote.
_ANY_QUOTE_MARKS = frozenset("«»„“”\"‚‹›‘")
_WORD = re.compile(r"\w+")


@derived
def _locale_quote_marks(code: str) -> tuple[str, str, frozenset[str]]:
    """(preferred opening, preferred closing, every quote mark the locale accepts)."""
    pack = get_pack(code)
    if pack is None:
        return "“", "”", _ANY_QUOTE_MARKS
    typography = pack.typography or {}
    opening = list(typography.get("quote_open", ())) or ["“"]
    closing = list(typography.get("quote_close", ())) or ["”"]
    return opening[0], closing[0], _ANY_QUOTE_MARKS | {ch for mark in opening + closing for ch in mark.strip()}


def speech_quotations(text: str) -> list[str]:
    """Quoted passages of ``text`` (plain) that read as reported speech."""
    found = []
    for pattern in _SOURCE_QUOTES:
        for m in pattern.finditer(text):
            quoted = m.group(1)
            before, after = text[max(0, m.start() - _NEAR) : m.start()], text[m.end() : m.end() + _NEAR]
            if _SPEECH_END.search(quoted) or _SPEECH_LEAD.search(before) or _REPORTING_VERB.search(before + " " + after):
                found.append(quoted)
    return found


class QuoteUnquoted(SegmentCheck):
    """``quote.unquoted`` (major, every locale): the source quotes someone (three words or
    more between quotation marks) and the translation has no quotation marks at all.

    Example: 'She said: “We will not close the library.”' →
    "Elle a dit qu’ils ne fermeraient pas la bibliothèque." (fr; expected «…»).
    """

    id = "quote.unquoted"
    severity = Severity.MAJOR
    description = "Quoted speech in the source lost its quotation marks in the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        source = pair.source_plain
        if not any(mark in source for mark in "“”\"‘"):
            return []
        opening, closing, accepted = _locale_quote_marks(pair.target_lang)
        if any(ch in accepted for ch in pair.target_plain):
            return []
        if not any(len(_WORD.findall(quoted)) >= MIN_QUOTED_WORDS for quoted in speech_quotations(source)):
            return []
        return [self.finding(pair, 0, len(pair.target), "the source quotes speech; the translation has no quotation marks", f"put the quoted words between {opening}…{closing}")]


def _source_quotations(text: str) -> list[str]:
    """Every passage the source puts between quotation marks (closed in the segment)."""
    return [m.group(1) for pattern in _SOURCE_QUOTES for m in pattern.finditer(text) if _WORD.search(m.group(1))]


_TARGET_SINGLE_QUOTES = re.compile(r"‘[^‘’]+’(?!\w)|(?<![\w'])'[^'\n]+'(?!\w)")


def _target_quotations(text: str) -> int:
    """How many quotations the target holds, whatever its style: guillemets pair either
    way («…», »…«, ‹…›), a low mark opens one („…“, „…”, ‚…‘), a “ that closes no low
    mark opens one (“…”), straight " count in pairs (less those closing a low mark), and
    single quotes around words."""
    count = text.count
    singles = len(_TARGET_SINGLE_QUOTES.findall(text))  # ‘bad bank’, 'bad bank'
    guillemets = max(count("«"), count("»")) + max(count("‹"), count("›"))
    low = count("„") + count("‚")
    unclosed_low = max(0, count("„") - count("“") - count("”"))  # „Fährpass" closes a low mark with "
    straight = max(0, count('"') - unclosed_low)
    return guillemets + low + max(0, count("“") - count("„")) + straight // 2 + singles


class QuoteLost(SegmentCheck):
    """``quote.lost`` (major, every locale): the source puts words between quotation
    marks (a quoted word, a term kept at a distance: the "rebels") and the translation
    has fewer quotations; the marks around them were dropped.  Quoted speech with no
    mark left at all is ``quote.unquoted``.

    Example: 'The ministry called the vote "a formality".' → "Le ministère a qualifié le
    vote de formalité." (fr; expected « une formalité »).
    """

    id = "quote.lost"
    severity = Severity.MAJOR
    description = "Words the source quotes are no longer between quotation marks in the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        source = pair.source_plain
        if not any(mark in source for mark in "“\"‘"):
            return []
        quoted = _source_quotations(source)
        if not quoted:
            return []
        have = _target_quotations(pair.target_plain)
        if have >= len(quoted) or (have == 0 and QuoteUnquoted().run(pair, ctx)):
            return []  # all there, or quote.unquoted says it
        opening, closing, _ = _locale_quote_marks(pair.target_lang)
        missing = len(quoted) - have
        which = ", ".join(f"“{q}”" for q in quoted[:3])
        return [self.finding(pair, 0, len(pair.target), f"the source quotes {which}; {missing} of its quotation(s) lost the marks here",
                             f"keep the quoted words between {opening}…{closing}")]  # fmt: skip


def needs_signoff(findings: Iterable[Finding], pairs: Iterable[SegmentPair]) -> set[int]:
    """Indices of headline blocks with at least one finding: a person must sign them off."""
    headlines = {pair.block for pair in pairs if pair.kind == BlockKind.HEADLINE}
    return {finding.block for finding in findings if finding.block in headlines}


def headline_signoff(findings: Iterable[Finding], pairs: Iterable[SegmentPair]) -> bool:
    """True when any finding is on the headline (the flag the lead stores on the article)."""
    return bool(needs_signoff(findings, pairs))


CHECKS = [QuoteUnquoted, QuoteLost]
