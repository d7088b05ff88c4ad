"""Source-language text left in a translation, and page furniture that leaked into it.

Machine translation sometimes stops half-way ("Le conseil a voté, but the residents say
the money arrives too late.") or copies a segment through untouched.  Whole-segment
language identification misses the first case, so the fragment check looks for runs of
words copied from the source and asks py3langid, restricted to the source and target
languages, whether the run reads as English.

Cheap tests come first so that the identifier (≈0.1 ms a call) runs on few spans:
names, numbers, URLs and loanwords in common use are masked; a run must have at least
three English-looking words, one of them an English function word that the target
language does not share ("the", "with", but not "on" in French or "was" in German).

Locale knowledge (loanwords, shared function words) lives in
``relais/locales/<code>/pack.toml`` under ``[untranslated]``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache


from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity
from relais.document.furniture import find_furniture, searched_strings
from relais.document.language import restricted_identifier
from relais.locales import derived, get_pack
from relais.text.names import PARTICLES

# Function words of the source language (English is the newsroom's source language).
# They mark a run of words as English; words a target language shares are removed per
# locale (``[untranslated] shared_words``).
ENGLISH_MARKERS = frozenset(
    """
    the and but of to with is are was were has have had will would could should that this
    these those which who whom whose what when where why how they their them he she his
    her it its we our you your been be being from for by at into than then there not
    says said say after before about because while still also only just more most many
    much very too can may might must did does do an or if so as on in up out over under
    between against during without within through our us my me i am until since though
    although whether every each any some other such both yet ago again off across along
    around among upon toward towards beyond here now all
    """.split()
)

# Markers that are verbs: names and titles rarely contain them.
ENGLISH_VERBS = frozenset("is are was were has have had will would could should says said say did does do can may might must been be being am".split())

MIN_FRAGMENT_WORDS = 3  # fewer English words is a name, a title or a loanword
CRITICAL_FRAGMENT_WORDS = 5
# How sure the identifier (restricted to source vs target language) must be.
MIN_SOURCE_PROBABILITY = 0.9
# A run covering this share of the target's words means the segment is untranslated.
WHOLE_SEGMENT_SHARE = 0.8

_WORD = re.compile(r"[^\W\d_](?:[\w’'\-]*\w)?|\d[\w.,:/\-]*")
_URL = re.compile(r"(?:https?://|www\.)\S+|\S+@\S+\.\w+")


@derived
def _locale_data(code: str) -> dict:
    pack = get_pack(code)
    return (pack.untranslated or {}) if pack else {}


@dataclass(frozen=True)
class UntranslatedKnowledge:
    """What the fragment finder knows about one target language."""

    markers: frozenset[str]  # English function words the target language does not use
    shared: frozenset[str]  # English function words the target language uses too
    loanwords: frozenset[str]  # English words in common use in the target language
    marker_re: re.Pattern[str]  # any lowercase marker as a whole word: the cheap gate


@derived
def knowledge(target_lang: str) -> UntranslatedKnowledge:
    data = _locale_data(target_lang)
    shared = {w.casefold() for w in data.get("shared_words", ())}
    loan = {w.casefold() for w in data.get("loanwords", ())}
    markers = frozenset(ENGLISH_MARKERS - shared)
    alternation = "|".join(sorted(map(re.escape, markers), key=len, reverse=True))
    marker_re = re.compile(rf"(?<![\w’'-])(?:{alternation})(?![\w’'-])")
    return UntranslatedKnowledge(markers, frozenset(shared), frozenset(loan), marker_re)


def _is_content(folded: str, know: UntranslatedKnowledge) -> bool:
    """A word that is English evidence beyond grammar: a content word or a verb."""
    if folded in know.shared:
        return False
    return folded not in ENGLISH_MARKERS or folded in ENGLISH_VERBS


def source_probability(text: str, source_lang: str, target_lang: str) -> float:
    """Probability that ``text`` is in the source rather than the target language
    (0 when the identifier does not know one of them)."""
    identifier = restricted_identifier((source_lang, target_lang))
    if identifier is None:
        return 0.0
    code, probability = identifier.classify(text)
    return float(probability) if code == source_lang else 1.0 - float(probability)


@dataclass(frozen=True)
class Word:
    start: int  # in the plain target text
    end: int
    text: str
    masked: bool  # a name, number, URL or loanword: neither English nor target evidence


@dataclass(frozen=True)
class EnglishRun:
    start: int  # plain offsets
    end: int
    words: int  # unmasked English words in the run
    share: float  # of the target's text, from its first word to its last


def _words(plain: str, loanwords: frozenset[str]) -> list[Word]:
    urls = [m.span() for m in _URL.finditer(plain)]
    out = []
    for m in _WORD.finditer(plain):
        text = m.group(0)
        in_url = any(s <= m.start() < e for s, e in urls)
        masked = in_url or not text[0].isalpha() or text[0].isupper() or text.casefold() in loanwords
        out.append(Word(m.start(), m.end(), text, masked))
    return out


def _normalise(text: str) -> str:
    # Same length as ``text``: offsets into it stay valid.
    return text.replace("’", "'")


@lru_cache(maxsize=4096)
def english_runs(source_plain: str, target_plain: str, source_lang: str, target_lang: str) -> tuple[EnglishRun, ...]:
    """Runs of source-language words in the target, longest evidence first."""
    know = knowledge(target_lang)
    if not know.marker_re.search(target_plain):
        return ()  # no English function word: nothing to look at (the common case)
    target_plain = _normalise(target_plain)
    words = _words(target_plain, know.loanwords)
    source_words = {m.group(0).casefold() for m in _WORD.finditer(_normalise(source_plain))}
    open_words = [w for w in words if not w.masked]
    if not open_words:
        return ()
    # The share of a run is in characters, between the first and last unmasked words
    # (names and loanwords at the edges are neither language).
    text_chars = open_words[-1].end - open_words[0].start

    def english_like(word: Word) -> bool:
        folded = word.text.casefold()
        return folded in know.markers or folded in source_words

    runs: list[EnglishRun] = []
    current: list[Word] = []

    def close() -> None:
        counted = [w for w in current if not w.masked]
        markers = sum(w.text.casefold() in know.markers for w in counted)
        # At least one function word (English grammar) and one content word or verb:
        # function words alone between capitalised words are a name ("Society for the
        # Prevention of Cruelty to Animals"); "against the Canadian is" is a clause.
        content = any(_is_content(w.text.casefold(), know) for w in counted)
        if len(counted) >= MIN_FRAGMENT_WORDS and markers and content:
            # Trim masked words (names) at the edges: they are not the untranslated part.
            first = next(i for i, w in enumerate(current) if not w.masked)
            last = max(i for i, w in enumerate(current) if not w.masked)
            span = current[first : last + 1]
            text = " ".join(w.text for w in span if not w.masked)
            if source_probability(text, source_lang, target_lang) >= MIN_SOURCE_PROBABILITY:
                runs.append(EnglishRun(span[0].start, span[-1].end, len(counted), (span[-1].end - span[0].start) / text_chars))
        current.clear()

    gap: list[Word] = []  # one unknown word inside an English run ("is going to")
    for word in words:
        if word.masked:
            if gap:
                gap.append(word)
            elif current:
                current.append(word)  # a name inside an English clause does not end it
            continue
        if english_like(word):
            current.extend(gap)
            gap.clear()
            current.append(word)
        elif current and not gap:
            gap.append(word)
        else:
            gap.clear()
            close()
    close()
    runs.sort(key=lambda r: -r.words)
    return tuple(runs)


def _significant_words(plain: str) -> list[str]:
    """Lowercase words: text a translator would have to translate (not names or figures)."""
    return [m.group(0) for m in _WORD.finditer(plain) if m.group(0).isalpha() and m.group(0).islower()]


class UntranslatedSegment(SegmentCheck):
    """``untranslated.segment`` (critical, every locale): the whole segment is still in
    the source language, or is a copy of the source that is more than names and figures
    (a segment that is only a name, "Jardín de la Unión.", is copied rightly).

    Example: "The council voted on Tuesday." → "The council voted on Tuesday." (fr).
    """

    id = "untranslated.segment"
    severity = Severity.CRITICAL
    description = "The whole segment is still in the source language."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        source = " ".join(pair.source_plain.split())
        target = " ".join(pair.target_plain.split())
        if not target:
            return []
        loanwords = knowledge(pair.target_lang).loanwords
        if target.casefold() == source.casefold():
            # Particles of foreign names do not count: "Jardín de la Unión." is a name.
            words = [w for w in _significant_words(target) if w.casefold() not in loanwords and w not in PARTICLES]
            if words:
                return [self._finding(pair, "the segment is a copy of the source")]
            return []
        runs = english_runs(pair.source_plain, pair.target_plain, pair.source_lang, pair.target_lang)
        if runs and sum(r.share for r in runs) >= WHOLE_SEGMENT_SHARE:
            return [self._finding(pair, "the segment is still in the source language")]
        return []

    def _finding(self, pair: SegmentPair, message: str) -> Finding:
        return self.finding(pair, 0, len(pair.target), message, "translate the segment")


class UntranslatedFragment(SegmentCheck):
    """``untranslated.fragment`` (critical for 5+ English words, major for 3–4; every
    locale): a clause of the source language left inside a translated segment.

    Example: "Le conseil a voté, but the residents say the money arrives too late." —
    the span "but the residents say the money arrives too late" is flagged.
    Names, numbers, URLs and loanwords in common use ("week-end", "email") are ignored.
    """

    id = "untranslated.fragment"
    severity = Severity.CRITICAL
    description = "A source-language clause is left inside the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        runs = english_runs(pair.source_plain, pair.target_plain, pair.source_lang, pair.target_lang)
        if not runs or sum(r.share for r in runs) >= WHOLE_SEGMENT_SHARE:
            return []  # nothing, or the segment check reports it
        findings = []
        for run in sorted(runs, key=lambda r: r.start):
            severity = Severity.CRITICAL if run.words >= CRITICAL_FRAGMENT_WORDS else Severity.MAJOR
            start, end = pair.target_offset(run.start), pair.target_offset(run.end - 1) + 1
            findings.append(self.finding(pair, start, end, f"{run.words} words left in the source language", "translate this part", severity))
        return findings


class FurnitureLeaked(SegmentCheck):
    """``furniture.leaked`` (critical, every locale): a page-interface string ("Copy link
    to section", "Share this article", "Lire la suite") in the translation that the
    source segment does not contain, even when glued to a word.

    Example: "Pourquoi c’est importantCopier le lien" (fr).
    """

    compares = False  # reads the target alone
    id = "furniture.leaked"
    severity = Severity.CRITICAL
    description = "Page furniture (share buttons, 'Read more') leaked into the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        languages = (pair.source_lang, pair.target_lang)
        if not _furniture_prefilter(languages).search(pair.target_plain.lower()):
            return []  # find_furniture tries each string in turn: skip it when none can match
        ui = find_furniture(pair.target, languages)
        if ui is None:
            return []
        source = " ".join(pair.source_plain.split()).casefold()
        if ui.casefold() in source or find_furniture(pair.source, languages) == ui:
            return []
        start, end = _locate(pair.target_plain, ui)
        return [self.finding(pair, pair.target_offset(start), pair.target_offset(end - 1) + 1, f"page furniture “{ui}” in the translation", "remove it")]


@cache
def _furniture_prefilter(languages: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation of every UI string in lower case, for lower-cased text: a
    superset of what ``find_furniture`` finds (it also requires word edges and exact
    case).  Lower-casing the text is much faster than a case-insensitive pattern."""
    strings = {ui.lower() for ui in searched_strings(tuple(languages))}
    parts = sorted((r"\s+".join(map(re.escape, ui.split())) for ui in strings), key=len, reverse=True)
    return re.compile("|".join(parts) or r"(?!)")


def _locate(plain: str, ui: str) -> tuple[int, int]:
    pattern = r"\s+".join(re.escape(part) for part in ui.split())
    m = re.search(pattern, plain) or re.search(pattern, plain, re.IGNORECASE)
    return m.span() if m else (0, len(plain))


CHECKS = [UntranslatedSegment, UntranslatedFragment, FurnitureLeaked]
