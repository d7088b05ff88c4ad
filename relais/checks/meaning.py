"""Meaning risk: the small words that flip a news sentence, and a reference-free score.

Two parts:

* ``ConnectiveCheck`` and ``NegationCheck`` are rule checks (data in
  ``data/meaning.toml``): "amid" rendered as "despite" (``malgré``), "despite" rendered
  as "because", a negation that disappears.
* ``segment_risk`` scores a segment from 0 to 1 without a reference: the rule hits, plus,
  when an engine is given, back-translation into the source language compared with the
  source by chrF (``BackTranslationScorer``).  A high risk is a major finding
  (``meaning.risk``), stored with the segment.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity

HIGH_RISK = 0.6  # a segment at or above this risk is a major finding


@dataclass(frozen=True)
class Connective:
    name: str
    source: tuple[re.Pattern, ...]
    renderings: dict[str, tuple[re.Pattern, ...]]  # accepted, broad
    signals: dict[str, tuple[re.Pattern, ...]]  # unambiguous, to detect a flip
    contradicts: tuple[str, ...]


def _word_pattern(phrase: str) -> re.Pattern:
    # Whole words, apostrophes and hyphens inside words allowed ("n't", "d'").
    escaped = re.escape(phrase).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<![\w’']){escaped}(?![\w])", re.IGNORECASE)


@cache
def _data() -> dict:
    return tomllib.loads(resources.files("relais.checks").joinpath("data/meaning.toml").read_text("utf-8"))


@cache
def connectives() -> dict[str, Connective]:
    out: dict[str, Connective] = {}
    for name, entry in _data()["connective"].items():
        renderings = {
            lang: tuple(_word_pattern(p) for p in phrases)
            for lang, phrases in entry.items()
            if lang not in ("en", "contradicts", "signal")
        }
        signals = {lang: tuple(_word_pattern(p) for p in phrases) for lang, phrases in entry.get("signal", {}).items()}
        out[name] = Connective(
            name, tuple(_word_pattern(p) for p in entry["en"]), renderings, signals, tuple(entry.get("contradicts", ()))
        )
    return out


@cache
def negations(lang: str) -> tuple[re.Pattern, ...]:
    words = _data()["negation"].get(lang, ())
    return tuple(_word_pattern(w) for w in words)


# "No. 11" is a number sign, not a negation.
_NEGATION_EN = re.compile(
    r"(?<![\w’'])(?:not|no(?!\.\s*\d)|never|nobody|nothing|none|neither|nor|without|cannot)(?![\w])|n[’']t\b",
    re.IGNORECASE,
)


def _first(patterns: tuple[re.Pattern, ...], text: str) -> re.Match | None:
    found = [m for m in (p.search(text) for p in patterns) if m]
    return min(found, key=lambda m: m.start()) if found else None


class ConnectiveCheck(SegmentCheck):
    """A connective whose meaning flipped: "amid" rendered as "despite".

    id ``meaning.connective``, major, fr/de/es/it/pt.  Example: "Prices rose amid the
    strike." → "Les prix ont augmenté malgré la grève." flags "malgré" (a rendering of
    "despite", which contradicts "amid"); "… sur fond de grève." is silent.
    """

    id = "meaning.connective"
    severity = Severity.MAJOR
    locales = frozenset({"fr", "de", "es", "it", "pt"})

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        table = connectives()
        findings: list[Finding] = []
        source, target = pair.source_plain, pair.target_plain
        for conn in table.values():
            if not _first(conn.source, source):
                continue
            if _first(conn.renderings.get(ctx.target_lang, ()), target):
                continue  # rendered as itself
            for other in conn.contradicts:
                if _first(table[other].source, source):
                    continue  # the source holds the other word too
                hit = _first(table[other].signals.get(ctx.target_lang, ()), target)
                if hit:
                    start, end = pair.target_span(hit.start(), hit.end())
                    findings.append(
                        self.finding(
                            pair, start, end, f"“{conn.name}” in the source reads as “{other}” here: the meaning may be flipped"
                        )
                    )
                    break
        return findings


class NegationCheck(SegmentCheck):
    """A negation in the source with none in the translation.

    id ``meaning.negation``, minor, fr/de/es/it/pt: translators legitimately turn "not
    hurt" into "unharmed", so alone it is a hint; it raises the segment's meaning risk.  Example: "The mayor did not resign."
    → "Le maire a démissionné." is flagged; "Le maire n’a pas démissionné." is silent.
    """

    id = "meaning.negation"
    severity = Severity.MINOR
    locales = frozenset({"fr", "de", "es", "it", "pt"})

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if not _NEGATION_EN.search(pair.source_plain) or not pair.target_plain.strip():
            return []
        if _first(negations(ctx.target_lang), pair.target_plain):
            return []
        return [
            self.finding(pair, 0, len(pair.target), "the source has a negation and the translation has none")
        ]


CHECKS = [ConnectiveCheck, NegationCheck]


# -- reference-free risk ---------------------------------------------------------------

RULE_RISK = {"meaning.connective": 0.7, "meaning.negation": 0.5}


def segment_risk(findings: list[Finding], back_translation_score: float | None = None) -> float:
    """Risk 0–1 for one segment from its meaning findings and, when available, the chrF
    (0–100) of its back-translation against the source."""
    risk = max((RULE_RISK.get(f.check, 0.0) for f in findings), default=0.0)
    if back_translation_score is not None:
        # chrF 60+ between back-translation and source is a faithful round trip for
        # news sentences; 20 or less means the meaning was lost.
        risk = max(risk, min(1.0, max(0.0, (60.0 - back_translation_score) / 40.0)))
    return round(risk, 3)


class BackTranslationScorer:
    """Translate the target back into the source language with the configured engine and
    compare it with the source (chrF): a reference-free estimate that needs no extra model."""

    def __init__(self, engine):
        self.engine = engine

    def scores(self, pairs: list[SegmentPair]) -> list[float | None]:
        from sacrebleu.metrics import CHRF

        from relais.engines.base import SegmentRequest

        chrf = CHRF()
        requests = [
            SegmentRequest(key=str(i), text=p.target, source_lang=p.target_lang, target_lang=p.source_lang)
            for i, p in enumerate(pairs)
        ]
        results = self.engine.translate(requests) if requests else []
        out: list[float | None] = []
        for pair, result in zip(pairs, results):
            if not result.ok:
                out.append(None)
                continue
            out.append(chrf.sentence_score(result.text, [pair.source]).score)
        return out


def risk_findings(pairs: list[SegmentPair], findings: list[Finding], scorer: BackTranslationScorer) -> list[Finding]:
    """``meaning.risk`` (major) for each pair whose risk, with back-translation, reaches
    ``HIGH_RISK``; the span is the whole target segment."""
    by_pair: dict[tuple[int, int | None], list[Finding]] = {}
    for f in findings:
        if f.check.startswith("meaning."):
            by_pair.setdefault((f.block, f.segment), []).append(f)
    out: list[Finding] = []
    for pair, score in zip(pairs, scorer.scores(pairs)):
        risk = segment_risk(by_pair.get((pair.block, pair.segment), []), score)
        if risk >= HIGH_RISK:
            round_trip = f"back-translation chrF {score:.0f} against the source" if score is not None else "no back-translation"
            out.append(
                Finding("meaning.risk", Severity.MAJOR, pair.block, pair.segment, 0, len(pair.target),
                        f"meaning risk {risk:.2f} ({round_trip})")
            )  # fmt: skip
    return out

