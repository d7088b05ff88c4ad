"""Dropped or added text: empty targets, missing or extra sentences, length outliers.

Lengths are compared in characters, against the ratio expected for the language pair
(``[length_ratio.<source>]`` in ``relais/locales/<code>/pack.toml``, measured on FLORES-200
human references: French runs ~18 % longer than English).  The spread of the log ratio
shrinks with length (roughly as 1/√length), so a short headline may vary more than a
long paragraph before it is an outlier.

Sentence counts come from pysbd with the target language's rules.  pysbd costs about
a millisecond a segment, so a cheap count of sentence ends decides first whether the
counts can differ at all.  Translators merge and split sentences, so a different count
is reported only when the length confirms it: a dropped sentence also drops its share
of the characters.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity
from relais.document.segment import segment_block
from relais.locales import derived, get_pack

# How many spreads away from the expected log ratio a length is an outlier.
OUTLIER_SPREADS = 5.5
OUTLIER_SPREADS_PROMINENT = 4.5  # headlines, quotes…: stricter
MIN_SOURCE_CHARS_FOR_RATIO = 20  # shorter: ratio is noise ("Live" → "En direct")
# omission.short: the target keeps less than this share of the expected length …
SHORT_SHARE = 0.4
MIN_SOURCE_WORDS_FOR_SHORT = 8  # … of a source this long.
# A different sentence count is reported only when the length is this many spreads off
# in the same direction (a merge or split by the translator keeps the length).
# Translators expand more often than they condense: an addition needs more evidence.
OMISSION_SPREADS = 2.5
ADDITION_SPREADS = 4.5

# Cheap sentence-end count: ., ! or ? (with closing quotes/brackets) then space and an
# upper-case letter, a digit or an opening quote.  Over-counts abbreviations ("Dr. Lee"):
# it only decides whether pysbd needs to run.
_SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*\s+[\"'“‘«„¿¡(]*[\d\w]")
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class ExpectedLength:
    ratio: float  # median target/source length in characters
    spread: float  # standard deviation of the log ratio for reference_chars
    reference_chars: int

    def spread_for(self, source_chars: int) -> float:
        return self.spread * math.sqrt(self.reference_chars / max(source_chars, 1))


@derived
def expected_length(source_lang: str, target_lang: str) -> ExpectedLength | None:
    """Expected length ratio for a language pair (``[length_ratio.<source>]`` of the target
    pack), or None when it was never measured."""
    pack = get_pack(target_lang)
    entry = pack.length_ratio.get(source_lang) if pack else None
    if not entry:
        return None
    return ExpectedLength(float(entry["ratio"]), float(entry["spread"]), int(entry["reference_chars"]))


def _visible(text: str) -> str:
    return " ".join(text.split())


@lru_cache(maxsize=4096)
def sentence_lengths(text: str, language: str) -> tuple[int, ...]:
    """Length in characters of each sentence of ``text`` (plain text)."""
    if len(_SENTENCE_END.findall(text)) == 0:
        return (len(text),)
    return tuple(len(s.text) for s in segment_block(text, language))


@dataclass(frozen=True)
class LengthAnalysis:
    source_chars: int
    target_chars: int
    expected: ExpectedLength | None
    z: float | None  # spreads away from the expected log ratio (None: not measured)

    @property
    def normalised_ratio(self) -> float:
        """Target length over the expected target length (1.0 = as expected)."""
        ratio = self.expected.ratio if self.expected else 1.0
        return self.target_chars / (self.source_chars * ratio) if self.source_chars else 1.0


def analyse_length(pair: SegmentPair) -> LengthAnalysis:
    source, target = _visible(pair.source_plain), _visible(pair.target_plain)
    expected = expected_length(pair.source_lang, pair.target_lang)
    z = None
    if expected and source and target:
        log_ratio = math.log(len(target) / len(source)) - math.log(expected.ratio)
        z = log_ratio / expected.spread_for(len(source))
    return LengthAnalysis(len(source), len(target), expected, z)


def _has_text(text: str) -> bool:
    return any(ch.isalnum() for ch in text)


def _is_short(pair: SegmentPair, length: LengthAnalysis) -> bool:
    return len(_WORDS.findall(pair.source_plain)) >= MIN_SOURCE_WORDS_FOR_SHORT and length.normalised_ratio < SHORT_SHARE


class EmptyTarget(SegmentCheck):
    """``omission.empty`` (critical, every locale): the source has text, the translation
    is empty (or only spaces and punctuation).

    Example: "The council voted on Tuesday." → "".
    """

    id = "omission.empty"
    severity = Severity.CRITICAL
    description = "The translation is empty."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if _has_text(pair.source_plain) and not _has_text(pair.target_plain):
            return [self.finding(pair, 0, len(pair.target), "the translation is empty", "translate the segment")]
        return []


class ShortTarget(SegmentCheck):
    """``omission.short`` (critical, every locale): the translation is less than 40 % of
    the length expected for a source of 8 words or more — part of it was dropped.

    Example: "The council voted on Tuesday to close the library for good." →
    "Le conseil a voté." (fr).
    """

    id = "omission.short"
    severity = Severity.CRITICAL
    description = "The translation is far shorter than its source: text was dropped."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if not _has_text(pair.target_plain):
            return []  # omission.empty
        length = analyse_length(pair)
        if _is_short(pair, length):
            share = round(100 * length.normalised_ratio)
            return [self.finding(pair, 0, len(pair.target), f"the translation has {share} % of the expected length", "check for dropped text")]
        return []


class LengthRatio(SegmentCheck):
    """``length.ratio`` (major, locales with a measured ratio): the translation's length
    is far outside the range usual for the language pair (stricter for headlines,
    subheadings, key points and quotes).

    Example: "Rents rose again in the city." → a French sentence three times as long.
    """

    id = "length.ratio"
    severity = Severity.MAJOR
    description = "The translation is much longer or shorter than usual for the language pair."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if not _has_text(pair.target_plain):
            return []
        length = analyse_length(pair)
        if length.z is None or length.source_chars < MIN_SOURCE_CHARS_FOR_RATIO:
            return []
        if _is_short(pair, length) or sentence_change(pair) is not None:
            return []  # a more precise finding says it
        limit = OUTLIER_SPREADS_PROMINENT if pair.prominent else OUTLIER_SPREADS
        if abs(length.z) < limit:
            return []
        direction = "longer" if length.z > 0 else "shorter"
        ratio = length.target_chars / length.source_chars
        expected = length.expected.ratio if length.expected else 1.0
        return [self.finding(pair, 0, len(pair.target), f"the translation is unusually {direction} ({ratio:.2f}× the source, {expected:.2f}× expected)", "check for dropped or added text")]


def sentence_change(pair: SegmentPair) -> int | None:
    """-1: the target lost a sentence, +1: it gained one, None: no confirmed change."""
    return _sentence_change(_visible(pair.source_plain), _visible(pair.target_plain), pair.source_lang, pair.target_lang)


@lru_cache(maxsize=4096)  # three checks ask for each pair
def _sentence_change(source: str, target: str, source_lang: str, target_lang: str) -> int | None:
    expected = expected_length(source_lang, target_lang)
    if not source or not target or expected is None:
        return None
    # The length decides first (cheap, and what tells a merge from a drop): a human who
    # merges or splits sentences keeps the length; one who drops a sentence does not.
    z = (math.log(len(target) / len(source)) - math.log(expected.ratio)) / expected.spread_for(len(source))
    if -OMISSION_SPREADS < z < ADDITION_SPREADS:
        return None
    if len(_SENTENCE_END.findall(source)) == len(_SENTENCE_END.findall(target)):
        return None  # the cheap counts agree; pysbd would too, nearly always
    source_count = len(sentence_lengths(source, source_lang))
    target_count = len(sentence_lengths(target, target_lang))
    if target_count < source_count and z < 0:
        return -1
    if target_count > source_count and z > 0:
        return +1
    return None


class SentenceOmitted(SegmentCheck):
    """``omission.sentence`` (major, every locale): the translation has fewer sentences
    than its source and is correspondingly shorter — a sentence was dropped.

    Example: "Rents rose. The council blamed the market." → "Les loyers ont augmenté." (fr).
    """

    id = "omission.sentence"
    severity = Severity.MAJOR
    description = "A sentence of the source is missing from the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if sentence_change(pair) == -1 and not _is_short(pair, analyse_length(pair)):
            return [self.finding(pair, 0, len(pair.target), "a sentence of the source seems to be missing", "compare sentence by sentence")]
        return []


class SentenceAdded(SegmentCheck):
    """``addition.sentence`` (major, every locale): the translation has more sentences
    than its source and is correspondingly longer — a sentence was added.

    Example: "Rents rose." → "Les loyers ont augmenté. Le conseil accuse le marché." (fr).
    """

    id = "addition.sentence"
    severity = Severity.MAJOR
    description = "The translation has a sentence the source does not."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if sentence_change(pair) == 1:
            return [self.finding(pair, 0, len(pair.target), "the translation has a sentence the source does not", "compare sentence by sentence")]
        return []


CHECKS = [EmptyTarget, ShortTarget, SentenceOmitted, SentenceAdded, LengthRatio]
