"""Meaning risk: the small words that flip a news sentence, and a reference-free score.

Two parts:

* ``ConnectiveCheck`` and ``NegationCheck`` are rule checks (data in each language
  pack's ``meaning.toml``: the English words and what contradicts what in the ``en``
  pack, the renderings and negation words in each target pack): "amid" rendered as "despite" (``malgré``), "despite" rendered
  as "because", a negation that disappears.
* ``segment_risk`` scores a segment from 0 to 1 without a reference: the rule hits, plus,
  when an engine is given, back-translation into the source language compared with the
  source by chrF (``BackTranslationScorer``) or the engine's own 0–100 judgement
  (``JudgeScorer``).  A high risk is a major finding (``meaning.risk``), stored with the
  segment; ``relais.jobs.runner`` scores every machine draft after its job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from relais.checks.base import CheckContext, DocumentCheck, Finding, NearbySource, PackLocales, SegmentCheck, SegmentPair, Severity
from relais.document.model import BlockKind
from relais.engines.languages import language_name
from relais.engines.types import SegmentRequest
from relais.errors import RelaisError
from relais.locales import Pack, derived, get_pack, packs

HIGH_RISK = 0.6  # a segment at or above this risk is a major finding
HEADING_HIGH_RISK = 0.45  # … a headline or subheading already at this one (read first, read by all)


def risk_threshold(kind: BlockKind) -> float:
    """The risk from which a segment of a block of this kind is a ``meaning.risk``
    finding: lower for the headline and subheadings."""
    return HEADING_HIGH_RISK if kind in (BlockKind.HEADLINE, BlockKind.SUBHEADING) else HIGH_RISK


@dataclass(frozen=True)
class Connective:
    name: str
    source: tuple[re.Pattern, ...]
    renderings: dict[str, tuple[re.Pattern, ...]]  # accepted, broad
    signals: dict[str, tuple[re.Pattern, ...]]  # unambiguous, to detect a flip
    contradicts: tuple[str, ...]


def _phrases_pattern(phrases: list[str]) -> re.Pattern:
    """Any of ``phrases`` as whole words, the first listed winning where several match at
    one place; apostrophes and hyphens inside words allowed ("n't", "d'")."""
    alternatives = "|".join(re.escape(phrase).replace(r"\ ", r"\s+") for phrase in phrases)
    return re.compile(rf"(?<![\w’'])(?:{alternatives})(?![\w])", re.IGNORECASE)


def _word_pattern(phrase: str) -> re.Pattern:
    return _phrases_pattern([phrase])


SOURCE_LANGUAGE = "en"  # the connectives are defined by the source pack's words


@derived
def connectives() -> dict[str, Connective]:
    """The source pack's connectives, with every target pack's renderings and signals."""
    source = get_pack(SOURCE_LANGUAGE)
    targets = [pack for pack in packs().values() if pack.is_target]
    out: dict[str, Connective] = {}
    for name, entry in (source.connectives if source else {}).items():
        renderings = {p.code: tuple(_word_pattern(w) for w in p.connectives[name].accept) for p in targets if name in p.connectives}
        signals = {p.code: tuple(_word_pattern(w) for w in p.connectives[name].signal) for p in targets if name in p.connectives and p.connectives[name].signal}
        out[name] = Connective(name, tuple(_word_pattern(w) for w in entry.words), renderings, signals, entry.contradicts)
    return out


@derived
def negations(lang: str) -> tuple[re.Pattern, ...]:
    pack = get_pack(lang)
    return tuple(_word_pattern(w) for w in pack.negation_words) if pack else ()


@derived
def _source_negation() -> re.Pattern | None:
    """The source pack's negation pattern ("No. 11" is a number sign, not a negation)."""
    pack = get_pack(SOURCE_LANGUAGE)
    return re.compile(pack.negation_pattern, re.IGNORECASE) if pack and pack.negation_pattern else None


def _has_connectives(pack: Pack) -> bool:
    return bool(pack.connectives)


def _has_negation(pack: Pack) -> bool:
    return bool(pack.negation_words)


def _all(patterns: tuple[re.Pattern, ...], text: str) -> list[re.Match]:
    return [m for p in patterns for m in p.finditer(text)]


def _relative(offset: int, text: str) -> float:
    return offset / max(len(text), 1)


def _first(patterns: tuple[re.Pattern, ...], text: str) -> re.Match | None:
    found = [m for m in (p.search(text) for p in patterns) if m]
    return min(found, key=lambda m: m.start()) if found else None


class ConnectiveCheck(SegmentCheck):
    """A connective whose meaning flipped: "amid" rendered as "despite".

    id ``meaning.connective``, major, languages whose pack has connectives.  Example: "Prices rose amid the
    strike." → "Les prix ont augmenté malgré la grève." flags "malgré" (a rendering of
    "despite", which contradicts "amid"); "… sur fond de grève." is silent.  An accepted
    rendering elsewhere in the sentence does not hide the flip: it counts only where it is
    nearer the connective's place (its relative position in the source) than the
    contradicting word.
    """

    id = "meaning.connective"
    severity = Severity.MAJOR
    locales = PackLocales(_has_connectives)

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        table = connectives()
        findings: list[Finding] = []
        source, target = pair.source_plain, pair.target_plain
        for conn in table.values():
            found = _first(conn.source, source)
            if not found:
                continue
            where = _relative(found.start(), source)  # where the translation should render it
            renderings = _all(conn.renderings.get(ctx.target_lang, ()), target)
            for other in conn.contradicts:
                if _first(table[other].source, source):
                    continue  # the source holds the other word too
                hit = _first(table[other].signals.get(ctx.target_lang, ()), target)
                # An accepted rendering counts only where it stands in for the source's
                # connective: nearer its place than the contradicting word ("progresse
                # malgré les discussions … avec Pékin": "avec" is not the "amid").
                if hit and not any(abs(_relative(r.start(), target) - where) <= abs(_relative(hit.start(), target) - where)
                                   for r in renderings):  # fmt: skip
                    start, end = pair.target_span(hit.start(), hit.end())
                    findings.append(
                        self.finding(
                            pair, start, end, f"“{conn.name}” in the source reads as “{other}” here: the meaning may be flipped"
                        )
                    )
                    break
        return findings


@derived
def _role_phrases(lang: str) -> tuple[re.Pattern | None, dict[str, frozenset[str]]]:
    """A pack's role phrases as one pattern (whole words, longest first, so the longest
    phrase at a place wins), and the roles each phrase renders ("monarque": king and
    queen), by its folded text.  The pack's ``[not_role]`` phrases render no role
    ("lignes directrices", "divindade presidente"): they win over the role word inside."""
    pack = get_pack(lang)
    by_phrase: dict[str, set[str]] = {}
    for role, phrases in (pack.roles if pack else {}).items():
        for phrase in phrases:
            by_phrase.setdefault(" ".join(phrase.split()).casefold(), set()).add(role)
    if not by_phrase:
        return None, {}
    for phrase in pack.not_roles:
        by_phrase[" ".join(phrase.split()).casefold()] = set()
    if not by_phrase:
        return None, {}
    pattern = _phrases_pattern(sorted(by_phrase, key=len, reverse=True))
    return pattern, {phrase: frozenset(roles) for phrase, roles in by_phrase.items()}


def roles_in(text: str, lang: str) -> list[tuple[int, int, frozenset[str]]]:
    """(start, end, roles) of every role phrase of ``text``, the longest winning where
    they start together ("ministre des Affaires étrangères", not "ministre")."""
    pattern, roles = _role_phrases(lang)
    if pattern is None:
        return []
    found = []
    for m in pattern.finditer(text):
        phrase = " ".join(m.group().split()).casefold()
        if roles.get(phrase):
            found.append((m.start(), m.end(), roles[phrase]))
    return found


def _related(a: str, b: str) -> bool:
    """One role stands for the other: the same, or one names the other ("minister" and
    "foreign minister", "prince" and "crown prince")."""
    return a == b or f" {a} " in f" {b} " or f" {b} " in f" {a} "


_POSSESSIVE_NAME = re.compile(r"\w+['’]s\s+[A-Z]")


def _in_possessive_name(text: str, start: int) -> bool:
    """A capitalised role word that opens a possessive name ("King's Harbour", "Queen’s
    University"): a name, not anyone's role."""
    return text[start : start + 1].isupper() and _POSSESSIVE_NAME.match(text, start) is not None


def _has_roles(pack: Pack) -> bool:
    return bool(pack.roles)


class RoleCheck(DocumentCheck):
    """A role or title in the translation that the source does not give anyone.

    id ``meaning.role``, critical where it stands in place of the source's role ("the
    foreign minister" → "le ministre de l’Intérieur"), major where the source has no role
    it could render ("Joe Biden" → "le président Joe Biden"), minor for that when the
    source gives the role in another segment of the block or of the two blocks before
    ("he assured…" → "le gouverneur a assuré…" after "Governor Perry"); languages whose pack lists roles
    (``[role.*]`` of ``meaning.toml``, the English words in the en pack).  A role that
    names another counts for it ("ministre" for "foreign minister").
    """

    id = "meaning.role"
    severity = Severity.CRITICAL
    locales = PackLocales(_has_roles)
    description = "A role or title in the translation that the source does not have: a changed or invented title."

    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        findings: list[Finding] = []
        source_roles = NearbySource(pairs, lambda text: (r for _, _, rs in roles_in(text, SOURCE_LANGUAGE) for r in rs))
        for pair in pairs:
            for start, end, roles, missing in self._unexplained(pair, ctx):
                text = pair.target_plain[start:end]
                span = pair.target_span(start, end)
                if missing:
                    findings.append(self.finding(pair, *span, f"“{text}” stands where the source has “{missing}”"))
                    continue
                nearby = source_roles.around(pair)
                if any(_related(r, have) for r in roles for have in nearby):
                    findings.append(self.finding(pair, *span, f"“{text}”: a role this segment's source does not give anyone "
                                                 "(the source gives it just before)", severity=Severity.MINOR))  # fmt: skip
                else:
                    findings.append(self.finding(pair, *span, f"“{text}”: a role the source does not give anyone",
                                                 severity=Severity.MAJOR))  # fmt: skip
        return findings

    @staticmethod
    def _unexplained(pair: SegmentPair, ctx: CheckContext) -> list[tuple[int, int, frozenset[str], str | None]]:
        """Target roles the segment's source does not explain, each with the source role
        it stands in place of (None when the source has no role left unrendered)."""
        target_roles = roles_in(pair.target_plain, ctx.target_lang)
        if not target_roles:
            return []
        source_roles = {r for s, _, roles in roles_in(pair.source_plain, SOURCE_LANGUAGE)
                        if not _in_possessive_name(pair.source_plain, s) for r in roles}  # fmt: skip
        source_folded = pair.source_plain.casefold()
        unexplained = [(s, e, roles) for s, e, roles in target_roles
                       if not any(_related(r, have) for r in roles for have in source_roles)
                       and pair.target_plain[s:e].casefold() not in source_folded]  # a name: "Puerto Princesa"  # fmt: skip
        if not unexplained:
            return []
        rendered = {have for have in source_roles for _, _, roles in target_roles if any(_related(r, have) for r in roles)}
        missing = sorted(source_roles - rendered)
        return [(s, e, roles, missing[0] if missing else None) for s, e, roles in unexplained]


class NegationCheck(SegmentCheck):
    """A negation in the source with none in the translation.

    id ``meaning.negation``, minor, languages whose pack has negation words: translators legitimately turn "not
    hurt" into "unharmed", so alone it is a hint; it raises the segment's meaning risk.  Example: "The mayor did not resign."
    → "Le maire a démissionné." is flagged; "Le maire n’a pas démissionné." is silent.
    """

    id = "meaning.negation"
    severity = Severity.MINOR
    locales = PackLocales(_has_negation)

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        source_negation = _source_negation()
        if source_negation is None or not source_negation.search(pair.source_plain) or not pair.target_plain.strip():
            return []
        if _first(negations(ctx.target_lang), pair.target_plain):
            return []
        return [
            self.finding(pair, 0, len(pair.target), "the source has a negation and the translation has none")
        ]


CHECKS = [ConnectiveCheck, NegationCheck, RoleCheck]


# -- reference-free risk ---------------------------------------------------------------

RULE_RISK = {"meaning.connective": 0.7, "meaning.negation": 0.5}


def chrf_risk(chrf: float) -> float:
    """Risk 0–1 from the chrF (0–100) of a back-translation against the source.

    chrF 60+ between back-translation and source is a faithful round trip for news
    sentences; 20 or less means the meaning was lost.
    """
    return min(1.0, max(0.0, (60.0 - chrf) / 40.0))


def judge_risk(score: float) -> float:
    """Risk 0–1 from a judge's adequacy score (0–100): 100 is no risk, 0 is certain loss."""
    return min(1.0, max(0.0, (100.0 - score) / 100.0))


def segment_risk(
    findings: list[Finding], back_translation_score: float | None = None, *, method_risk: float | None = None
) -> float:
    """Risk 0–1 for one segment from its meaning findings and, when available, the chrF
    (0–100) of its back-translation against the source, or another method's own risk
    (``method_risk``, e.g. ``judge_risk``): the highest of them."""
    risk = max((RULE_RISK.get(f.check, 0.0) for f in findings), default=0.0)
    if back_translation_score is not None:
        risk = max(risk, chrf_risk(back_translation_score))
    if method_risk is not None:
        risk = max(risk, method_risk)
    return round(risk, 3)


@dataclass(frozen=True)
class MethodScore:
    """What one engine-backed method says about one segment."""

    risk: float  # the method's own risk, 0–1 (combine with the rules by ``segment_risk``)
    detail: str  # for the finding's message: "back-translation chrF 31"


class BackTranslationScorer:
    """Translate the target back into the source language with the configured engine and
    compare it with the source (chrF): a reference-free estimate that needs no extra model.

    It goes through ``Engine.translate``, so the back-translation is validated like any
    translation (not the text sent back, not left in the target language, one line) and
    a rejected one is retried once, then gives no score.  The request carries no context,
    glossary or examples: the prompt is the engine's shortest.
    """

    method = "back-translation"

    def __init__(self, engine):
        self.engine = engine

    def scores(self, pairs: list[SegmentPair]) -> list[float | None]:
        """chrF (0–100) of each pair's back-translation against its source; None when the
        engine gave no usable back-translation.  Raises ``EngineUnavailable``."""
        from sacrebleu.metrics import CHRF

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

    def assess(self, pairs: list[SegmentPair]) -> list[MethodScore | None]:
        return [
            None if score is None else MethodScore(chrf_risk(score), f"back-translation chrF {score:.0f} against the source")
            for score in self.scores(pairs)
        ]


# The judge's prompt is fixed and short: a 270M base model continues "Score (0-100):",
# a chat model answers the question.  Bump JUDGE_PROMPT_VERSION when it changes.
JUDGE_PROMPT_VERSION = "1"
JUDGE_PROMPT = (
    "Rate how well the {target} translation keeps the meaning of the {source} text, "
    "from 0 (different meaning) to 100 (same meaning). Answer with the number only.\n\n"
    "{source}: {source_text}\n{target}: {target_text}\nScore (0-100):"
)
JUDGE_MAX_TOKENS = 8

# The first number of the answer, with an optional scale ("8/10", "4 out of 5", "85%").
_JUDGE_NUMBER = re.compile(
    r"(?<![\w.,-])(\d{1,3}(?:[.,]\d+)?)(?=$|\s|[.,;:)*%/])\s*(?:(%)|/\s*(\d{1,3})\b|out\s+of\s+(\d{1,3})\b)?", re.IGNORECASE
)
_LIST_MARKER = re.compile(r"^\s*\d{1,2}[.)]\s+[^\d\s]|^\W*no\.\s*\d", re.IGNORECASE)  # "1. The …", "No. 11"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_JUDGE_YES = re.compile(r"^\W*(?:yes|same|oui|ja|s[ií]|sim)\b", re.IGNORECASE)
_JUDGE_NO = re.compile(r"^\W*(?:no|different|non|nein|n[aã]o)\b(?!\.\s*\d)", re.IGNORECASE)


def parse_judge_answer(answer: str) -> float | None:
    """The adequacy score 0–100 in a judge's answer, or None when there is none.

    Reads the first non-empty line: its first number standing alone (``85``, ``85/100``,
    ``8/10``, ``4 out of 5``, ``85%``, not ``0!l4``; a number above its scale, or above
    100, is no score), else a
    leading yes (100) or no (0).  A numbered-list marker ("1. The translation…") or a
    number sign ("No. 11") is not a score.  Anything else (a small base model's ramble) gives None, never an error.
    """
    line = next((ln.strip() for ln in (answer or "").split("\n") if ln.strip()), "")
    if not line or _LIST_MARKER.match(line) or _CONTROL.search(line):
        return None  # nothing, a list, or a random model's bytes
    m = _JUDGE_NUMBER.search(line[:80])
    if m:
        value = float(m.group(1).replace(",", "."))
        scale = m.group(3) or m.group(4)
        if scale:
            den = int(scale)
            if den not in (5, 10, 100) or value > den:
                return None
            value = value * 100.0 / den
        return value if 0.0 <= value <= 100.0 else None
    if _JUDGE_YES.match(line):
        return 100.0
    if _JUDGE_NO.match(line):
        return 0.0
    return None


class JudgeScorer:
    """Ask the configured engine itself whether the translation keeps the meaning.

    A short fixed prompt (``JUDGE_PROMPT``) with the source and the translation (markup
    tags removed) through ``Engine.complete``; the answer's 0–100 score becomes a risk by
    ``judge_risk``.  An answer without a usable score gives no score.  An engine that
    does not declare completion is refused here (``EngineCapabilityError``), before use.
    """

    method = "judge"

    def __init__(self, engine):
        engine.require("completion")
        self.engine = engine

    @staticmethod
    def prompt(pair: SegmentPair) -> str:
        def one_line(text: str) -> str:
            return " ".join(text.split())

        return JUDGE_PROMPT.format(
            source=language_name(pair.source_lang),
            target=language_name(pair.target_lang),
            source_text=one_line(pair.source_plain),
            target_text=one_line(pair.target_plain),
        )

    def assess(self, pairs: list[SegmentPair]) -> list[MethodScore | None]:
        if not pairs:
            return []
        raws = self.engine.complete([self.prompt(p) for p in pairs], max_tokens=JUDGE_MAX_TOKENS)
        out: list[MethodScore | None] = []
        for raw in raws:
            score = None if raw.error else parse_judge_answer(raw.text)
            out.append(None if score is None else MethodScore(judge_risk(score), f"judge score {score:.0f}/100"))
        return out


def make_scorer(method: str, engine):
    """The scorer for a risk method (``relais.config.RISK_METHODS``); None for "rules"."""
    if method == "rules" or engine is None:
        return None
    if method == "back-translation":
        return BackTranslationScorer(engine)
    if method == "judge":
        return JudgeScorer(engine)
    raise RelaisError(f"unknown risk method {method!r} (use back-translation, judge or rules)")


def meaning_findings(pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
    """The rule checks of this module on one pair (what ``segment_risk`` combines)."""
    checks = [check() for check in CHECKS]
    return [f for check in checks if check.applies_to(ctx.target_lang)
            for f in (check.run_document([pair], ctx) if isinstance(check, DocumentCheck) else check.run(pair, ctx))]


def risk_finding(pair: SegmentPair, risk: float, detail: str) -> Finding:
    """``meaning.risk`` (major) on the whole target segment."""
    return Finding("meaning.risk", Severity.MAJOR, pair.block, pair.segment, 0, len(pair.target),
                   f"meaning risk {risk:.2f} ({detail})")  # fmt: skip


def risk_findings(pairs: list[SegmentPair], findings: list[Finding], scorer) -> list[Finding]:
    """``meaning.risk`` (major) for each pair whose risk, with the scorer's method
    (``BackTranslationScorer``, ``JudgeScorer``, or None for the rules alone), reaches
    ``risk_threshold``; the span is the whole target segment."""
    by_pair: dict[tuple[int, int | None], list[Finding]] = {}
    for f in findings:
        if f.check.startswith("meaning."):
            by_pair.setdefault((f.block, f.segment), []).append(f)
    scores = scorer.assess(pairs) if scorer is not None else [None] * len(pairs)
    method = scorer.method if scorer is not None else "rules"
    out: list[Finding] = []
    for pair, score in zip(pairs, scores):
        risk = segment_risk(by_pair.get((pair.block, pair.segment), []), method_risk=score.risk if score else None)
        if risk >= risk_threshold(pair.kind):
            detail = score.detail if score is not None else ("rules only" if scorer is None else f"no {method} score")
            out.append(risk_finding(pair, risk, detail))
    return out
