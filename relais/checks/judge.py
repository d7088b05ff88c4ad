"""The MQM judge: an LLM lists a translation's errors, and each error becomes a finding.

Only with a judge engine configured explicitly (``[checks] judge_engine``, or
``RELAIS_JUDGE_ENGINE``; ``relais check --judge-engine``): without one nothing here runs
and the offline checks are all there is.  The engine is asked, one fixed prompt per
segment (``MQM_PROMPT``, through ``Engine.complete``), for the translation's errors in
the manner of MQM (Multidimensional Quality Metrics): a severity, a category, the words
of the translation at fault and a short explanation, one error per line::

    major | accuracy/mistranslation | "malgré la grève" | the source says "amid", not "despite"

or ``no-error``.  ``parse_mqm_answer`` reads that format, and also a JSON list of
``{severity, category, span, explanation}`` objects (fenced or not) and the GEMBA-MQM
layout (``Major:`` on a line, then ``accuracy/addition - "span"`` lines).  Each error is
a ``judge.<dimension>`` finding (``judge_finding``) over its span in the target segment.
Which segments the judge reads: ``needs_judge``.

Nothing here says the judge is right: it is one more reader, whose words are read
robustly and never trusted to be well formed.  An answer that cannot be read, or an
engine error, gives no finding for that segment and is counted (``JudgeReport``), so
the caller can say for how many segments the judge gave no usable answer.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field

from relais.checks.base import Finding, SegmentPair, Severity
from relais.checks.meaning import segment_risk
from relais.config import DEFAULT_JUDGE_SCOPE
from relais.document.model import BlockKind
from relais.engines.languages import language_name
from relais.engines.types import EngineUnavailable

# -- the prompt ---------------------------------------------------------------------------

# Fixed, versioned like the other prompts: bump MQM_PROMPT_VERSION when it changes.  The
# answer format is shown with capitalised placeholders, so a model that merely echoes the
# instructions gives an unreadable answer (no finding), never an invented error.
MQM_PROMPT_VERSION = "1"
MQM_PROMPT = (
    "You are a professional {target} translation reviewer. Identify the errors in the {target} "
    "translation of the {source} text below, using the MQM error categories: accuracy (mistranslation, "
    "omission, addition, untranslated), fluency (grammar, spelling, punctuation, register, inconsistency), "
    "terminology, style, locale convention, other.\n"
    "Severity: critical (a reader would be misinformed), major (the meaning is changed or hard to "
    "understand), minor (a flaw that keeps the meaning).\n"
    "Write each error on its own line, in this form and nothing else:\n"
    "SEVERITY | CATEGORY/SUBCATEGORY | \"WORDS copied exactly from the translation\" | short explanation\n"
    "For an omission, copy the words of the translation next to what is missing. "
    "If the translation has no error, write only: no-error\n\n"
    "{source} text: {source_text}\n"
    "{target} translation: {target_text}\n"
    "Errors:"
)
MQM_MAX_TOKENS = 256  # five errors with short explanations fit
MAX_ERRORS = 5  # errors kept per segment (the most severe first): a judge listing twenty is not read twenty times
MAX_EXPLANATION = 300  # characters of an explanation kept in the finding's message


def _one_line(text: str) -> str:
    return " ".join(text.split())


def mqm_prompt(pair: SegmentPair) -> str:
    """The judge's prompt for one pair: the languages, and both texts on one line each,
    markup removed (``source_plain``, ``target_plain``, whitespace collapsed)."""
    return MQM_PROMPT.format(
        source=language_name(pair.source_lang),
        target=language_name(pair.target_lang),
        source_text=_one_line(pair.source_plain),
        target_text=_one_line(pair.target_plain),
    )


# -- categories and severities ------------------------------------------------------------

# The MQM top-level dimensions and the check id of each one's findings.
DIMENSIONS: dict[str, str] = {
    "accuracy": "judge.accuracy",
    "fluency": "judge.fluency",
    "terminology": "judge.terminology",
    "style": "judge.style",
    "locale convention": "judge.locale",
    "other": "judge.other",
}
CHECK_IDS = tuple(DIMENSIONS.values())

SEVERITIES: dict[str, Severity] = {"critical": Severity.CRITICAL, "major": Severity.MAJOR, "minor": Severity.MINOR}
_IGNORED_SEVERITIES = frozenset({"neutral"})  # MQM's "neutral": a preference, not an error

# What a judge may call a dimension (MQM 2.0 renamed fluency "linguistic conventions").
_DIMENSION_NAMES = {
    "accuracy": "accuracy", "adequacy": "accuracy", "meaning": "accuracy",
    "fluency": "fluency", "linguistic conventions": "fluency", "linguistic convention": "fluency",
    "terminology": "terminology", "term": "terminology", "terms": "terminology",
    "style": "style",
    "locale convention": "locale convention", "locale conventions": "locale convention", "locale": "locale convention",
    "other": "other",
}  # fmt: skip
# A subcategory named alone ("mistranslation") stands for its dimension.
_SUBCATEGORY_DIMENSION = {
    "mistranslation": "accuracy", "omission": "accuracy", "addition": "accuracy", "untranslated": "accuracy",
    "untranslated text": "accuracy", "non-translation": "accuracy", "wrong meaning": "accuracy",
    "grammar": "fluency", "spelling": "fluency", "punctuation": "fluency", "register": "fluency",
    "inconsistency": "fluency", "character encoding": "fluency", "typography": "fluency",
    "inappropriate for context": "terminology", "wrong term": "terminology", "inconsistent terminology": "terminology",
    "awkward": "style", "awkward style": "style", "unidiomatic": "style",
    "currency format": "locale convention", "date format": "locale convention", "time format": "locale convention",
    "number format": "locale convention", "address format": "locale convention", "name format": "locale convention",
    "telephone format": "locale convention", "measurement format": "locale convention",
    "source issue": "other", "source error": "other",
}  # fmt: skip
_CATEGORY_PART = re.compile(r"[a-z][a-z &'-]{0,39}")  # a few words of letters: not a model's ramble
_CATEGORY_SPLIT = re.compile(r"\s*(?:/|\\|:|>|\(|\)|,|\s[-–—]\s)\s*")
_CATEGORY_SUFFIX = re.compile(r"\s+(?:errors?|issues?|problems?)$")


def normalise_category(text: str) -> tuple[str, str | None] | None:
    """(MQM dimension, subcategory or None) for a judge's category, or None when it is
    not a category at all (empty, digits, symbols, a long phrase).

    ``accuracy/mistranslation``, ``Accuracy - Mistranslation``, ``accuracy: mistranslation``
    and ``mistranslation`` all give ("accuracy", "mistranslation"); ``locale_convention``
    gives ("locale convention", None); a short name MQM does not know is ("other", name).
    """
    words = " ".join(text.casefold().replace("_", " ").strip(" *`\"'[]{}.").split())
    parts = [p for p in _CATEGORY_SPLIT.split(words) if p]
    if not parts or len(parts) > 3 or not all(_CATEGORY_PART.fullmatch(p) for p in parts):
        return None
    rest = "/".join(_CATEGORY_SUFFIX.sub("", p) for p in parts[1:]) or None
    for head in (parts[0], _CATEGORY_SUFFIX.sub("", parts[0])):  # "source issue", "accuracy error"
        if head in _DIMENSION_NAMES:
            return _DIMENSION_NAMES[head], rest
        if head in _SUBCATEGORY_DIMENSION:
            return _SUBCATEGORY_DIMENSION[head], head if rest is None else f"{head}/{rest}"
    return "other", "/".join([parts[0], *([rest] if rest else [])])


def _known_category(text: str) -> bool:
    """Whether ``text`` names an MQM dimension or subcategory (not a short phrase taken as "other")."""
    normalised = normalise_category(text)
    if normalised is None:
        return False
    dimension, subcategory = normalised
    return dimension != "other" or subcategory is None or subcategory.split("/")[0] in _SUBCATEGORY_DIMENSION


def _severity(text: str) -> str | None:
    """"critical", "major", "minor" or "neutral" from a judge's severity ("Major",
    "**major**", "minor error"), else None."""
    word = " ".join(text.casefold().strip(" *`\"'[](){}:.").split())
    word = re.sub(r"\s+(?:errors?|issues?|severity)$", "", word)
    return word if word in SEVERITIES or word in _IGNORED_SEVERITIES else None


# -- reading an answer --------------------------------------------------------------------


@dataclass(frozen=True)
class MqmError:
    """One error a judge named, read and placed."""

    severity: str  # "critical" | "major" | "minor"
    category: str  # an MQM dimension (a key of DIMENSIONS)
    subcategory: str | None  # "mistranslation", as the judge named it (lower case)
    span: str  # the words of the translation at fault, as the judge wrote them ("" when none)
    explanation: str
    start: int  # into the target given to ``parse_mqm_answer``: the span, or the whole target
    end: int
    located: bool  # False: no span given, or not found in the target (start, end cover it all)


@dataclass(frozen=True)
class _Named:
    """An error as the judge wrote it, before it is placed."""

    severity: str
    category: tuple[str, str | None]
    span: str
    explanation: str


# C0 and C1 controls other than tab and line breaks: a random model's bytes, not an answer.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FENCED = re.compile(r"```[ \t]*(?:json|JSON|text|mqm)?[ \t]*\n?(.*?)```", re.S)
_NO_ERROR = re.compile(
    r"^(?:no[\s_-]*(?:errors?|issues?|mistakes?)\b.{0,80}|none\W*|there\s+are\s+no\s+(?:errors?|issues?)\b.{0,80}|\[\s*\])$",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^(critical|major|minor|neutral)(?:\s+(?:errors?|issues?))?\s*:\s*(.*)$", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-*•]\s+|\d{1,2}[.)]\s+)")
_QUOTED = re.compile(r'"([^"]*)"|“([^”]*)”|«\s?([^»]*?)\s?»|„([^“”]*)[“”]')
_SEPARATOR = " \t-–—:;,|"
_UNQUOTED_SPAN = re.compile(r"^(.*?)(?:\s[-–—]\s|:\s)(.*)$")  # CATEGORY - SPAN, CATEGORY: SPAN


def parse_mqm_answer(answer: str, target: str) -> list[MqmError] | None:
    """The errors in a judge's answer, placed in ``target``; [] when the judge found none;
    None when the answer cannot be read.  Never raises.

    Read, in this order: a JSON list (or ``{"errors": [...]}``, one error object, or an
    object keyed by severity) of ``{severity, category, span, explanation}``, when the
    answer, or its first ``` fenced block, starts with ``[`` or ``{``; else lines, each
    ``SEVERITY | CATEGORY | "SPAN" | EXPLANATION`` (Markdown table rows and list bullets
    too) or, under a ``Critical:`` / ``Major:`` / ``Minor:`` header (GEMBA-MQM),
    ``CATEGORY - "SPAN"``.  ``no-error``, ``no errors``, ``none`` or ``[]`` is []; lines
    that are neither (a preamble) are skipped.

    Severities are critical, major and minor; neutral errors are dropped.  Categories
    become MQM dimensions (``normalise_category``); a line without a known severity or a
    readable category is not an error.  At most ``MAX_ERRORS`` are kept, the most severe
    first, duplicates once.  Each span is placed by ``locate_span``; a span that is not in
    the target (or no span) keeps the error over the whole target, ``located`` False.

    None: empty, control characters, or nothing readable as errors or as no-error (what a
    small base model's ramble gives)."""
    if not answer or not answer.strip() or _CONTROL.search(answer):
        return None
    text = _unfenced(answer)
    named = _json_errors(text)
    if named is None:
        named = _line_errors(text)
    if named is None:
        return None
    return _placed(named, target)


def _unfenced(answer: str) -> str:
    fenced = _FENCED.search(answer)
    return fenced.group(1).strip() if fenced else answer.strip()


def _json_errors(text: str) -> list[_Named] | None:
    """Errors of a JSON answer; None when it is not JSON or holds no readable error."""
    if not text.startswith(("[", "{")):
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text)
    except (ValueError, RecursionError):  # not JSON; nested past Python's stack
        return None
    items = _json_items(value)
    if items is None:
        return None
    named = [error for error in (_json_error(item, severity) for item, severity in items) if error is not None]
    return named if named or not items else None


def _json_items(value) -> list[tuple[object, str | None]] | None:
    """(item, severity its container gives) of a decoded JSON answer."""
    if isinstance(value, list):
        return [(item, None) for item in value]
    if not isinstance(value, dict):
        return None
    if isinstance(value.get("errors"), list):
        return [(item, None) for item in value["errors"]]
    if value and all(_severity(str(key)) for key in value):  # {"critical": [], "major": [{…}]}
        if not all(isinstance(items, list) for items in value.values()):
            return None
        return [(item, _severity(str(key))) for key, items in value.items() for item in items]
    return [(value, None)]


def _json_error(item, severity: str | None) -> _Named | None:
    if not isinstance(item, dict):
        return None

    def field_(*names: str) -> str:
        return next((str(item[n]) for n in names if item.get(n) is not None), "")

    severity = _severity(field_("severity")) or severity
    category = field_("category", "type", "dimension")
    if field_("subcategory") and "/" not in category:
        category = f"{category}/{field_('subcategory')}"
    normalised = normalise_category(category)
    if severity is None or normalised is None:
        return None
    span = _unquoted(field_("span", "text", "error_span"))
    return _Named(severity, normalised, span, field_("explanation", "description", "reason", "comment"))


def _bare(line: str) -> str:
    """A line without its list bullet, Markdown emphasis and surrounding space."""
    line = line.strip().replace("**", "").strip("`").strip()
    return _BULLET.sub("", line).strip()


def _line_errors(text: str) -> list[_Named] | None:
    """Errors of a line-by-line answer (the prompt's format or GEMBA-MQM's); [] for a
    no-error answer; None when no line is either."""
    named: list[_Named] = []
    no_error = False
    section: str | None = None  # the severity of a GEMBA-MQM "Major:" header above
    for raw_line in text.splitlines():
        line = _bare(raw_line)
        header = _HEADER.match(line)
        if header:
            section, line = header.group(1).casefold(), header.group(2).strip()
        if not line:
            continue
        if _NO_ERROR.match(line):
            no_error = True
            continue
        error = _piped(line, section) if "|" in line else _listed(line, section) if section else None
        if error is not None:
            named.append(error)
    if named:
        return named
    return [] if no_error else None


def _piped(line: str, section: str | None) -> _Named | None:
    """``SEVERITY | CATEGORY | "SPAN" | EXPLANATION`` (or CATEGORY first; or no severity
    under a GEMBA-MQM header)."""
    fields = [f.strip() for f in line.strip("|").split("|")]
    if len(fields) < 2:
        return None
    if _severity(fields[0]):
        severity, category, rest = _severity(fields[0]), fields[1], fields[2:]
    elif _severity(fields[1]):
        severity, category, rest = _severity(fields[1]), fields[0], fields[2:]
    elif section:
        severity, category, rest = section, fields[0], fields[1:]
    else:
        return None
    normalised = normalise_category(category)
    if normalised is None:
        return None
    span = _unquoted(rest[0]) if rest else ""
    return _Named(severity, normalised, span, " | ".join(rest[1:]))


def _listed(line: str, severity: str) -> _Named | None:
    """A GEMBA-MQM line under a severity header: ``CATEGORY - "SPAN"``, with an optional
    explanation after the span, or a category alone."""
    quoted = _QUOTED.search(line)
    if quoted:
        category = line[: quoted.start()].rstrip(_SEPARATOR)
        span = next(g for g in quoted.groups() if g is not None)
        explanation = line[quoted.end() :].strip(_SEPARATOR)
    else:
        parts = _UNQUOTED_SPAN.match(line)
        category, span = (parts.group(1), parts.group(2)) if parts else (line, "")
        explanation = ""
    normalised = normalise_category(category)
    if normalised is None or (not quoted and not _known_category(category)):
        return None  # without a quoted span, only an MQM category makes a sentence an error
    return _Named(severity, normalised, _unquoted(span), explanation)


def _unquoted(text: str) -> str:
    """A span without one pair of quotation marks around it."""
    text = text.strip()
    quoted = _QUOTED.fullmatch(text)
    if quoted:
        return next(g for g in quoted.groups() if g is not None).strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'`":
        return text[1:-1].strip()
    return text


def _placed(named: list[_Named], target: str) -> list[MqmError]:
    """The errors to keep (no neutral, no duplicate, the most severe ``MAX_ERRORS``), placed in ``target``."""
    seen: set[tuple] = set()
    kept: list[_Named] = []
    for error in named:
        key = (error.severity, error.category, error.span.casefold())
        if error.severity in SEVERITIES and key not in seen:
            seen.add(key)
            kept.append(error)
    kept.sort(key=lambda e: -SEVERITIES[e.severity].rank)  # stable: the judge's order within a severity
    out = []
    for error in kept[:MAX_ERRORS]:
        where = locate_span(error.span, target)
        start, end = where if where else (0, len(target))
        explanation = _one_line(error.explanation)[:MAX_EXPLANATION]
        out.append(MqmError(error.severity, *error.category, error.span, explanation, start, end, where is not None))
    return out


_APOSTROPHES = "'’ʼ"


def locate_span(span: str, target: str) -> tuple[int, int] | None:
    """(start, end) of the judge's ``span`` in ``target``, or None: found exactly, else
    ignoring case, else ignoring case and how the words are spaced (any run of spaces,
    the French narrow no-break space included; ' and ’ alike; an ellipsis around the
    span dropped).  The first occurrence wins."""
    span = span.strip()
    if not span:
        return None
    at = target.find(span)
    if at >= 0:
        return at, at + len(span)
    found = re.search(re.escape(span), target, re.IGNORECASE)
    if found:
        return found.span()
    words = span.strip(".… ").split()
    if not words:
        return None
    pattern = r"\s+".join(_loose_word(word) for word in words)
    found = re.search(pattern, target, re.IGNORECASE)
    return found.span() if found else None


def _loose_word(word: str) -> str:
    return "".join(f"[{_APOSTROPHES}]" if ch in _APOSTROPHES else re.escape(ch) for ch in word)


# -- findings -----------------------------------------------------------------------------


def judge_finding(pair: SegmentPair, error: MqmError) -> Finding:
    """The finding of one error on ``pair``: check ``judge.<dimension>``, the MQM
    severity as it is (critical, major, minor), offsets of the span in ``pair.target``
    (the segment with its markup placeholders: ``error`` was placed in ``target_plain``),
    or the whole segment when the span was not found, which the message says."""
    if error.located:
        start, end = pair.target_span(error.start, error.end)
    else:
        start, end = 0, len(pair.target)
    label = error.category + (f"/{error.subcategory}" if error.subcategory else "")
    message = f"MQM judge: {error.severity} {label} error"
    if error.explanation:
        message += f": {error.explanation}"
    if not error.located and error.span:
        message += f" (its span “{error.span[:80]}” is not in the translation: the whole segment is marked)"
    return Finding(DIMENSIONS[error.category], SEVERITIES[error.severity], pair.block, pair.segment, start, end, message)


# -- which segments -----------------------------------------------------------------------

ALWAYS_JUDGED = frozenset({BlockKind.HEADLINE, BlockKind.STANDFIRST, BlockKind.SUBHEADING})  # read first, read by all
JUDGE_RISK = 0.3  # a segment whose meaning risk is at least this is judged (below the finding threshold)


def needs_judge(pair: SegmentPair, findings: list[Finding], risk: float | None, scope: str = DEFAULT_JUDGE_SCOPE) -> bool:
    """Whether the judge reads this pair.  Never a pair without translation text, known
    text (a disclosure line) or a pair the aligner is unsure of.  Otherwise: every pair
    with ``scope`` "all"; with "risky" (the default), every headline, standfirst and
    subheading, and any other pair with a finding of major or critical severity
    (``findings``: the checks' findings on it) or a meaning risk of ``JUDGE_RISK`` or
    more (``risk``: the stored one, and the rule checks' own from ``findings``)."""
    if pair.known or not pair.sure or not pair.target_plain.strip():
        return False
    if scope == "all" or pair.kind in ALWAYS_JUDGED:
        return True
    rules = segment_risk([f for f in findings if f.check.startswith("meaning.")])
    if max(rules, risk or 0.0) >= JUDGE_RISK:
        return True
    return any(f.severity.rank >= Severity.MAJOR.rank for f in findings)


def pairs_to_judge(
    pairs: list[SegmentPair],
    findings: list[Finding],
    risks: dict[tuple[int, int], float] | None = None,
    scope: str = DEFAULT_JUDGE_SCOPE,
) -> list[SegmentPair]:
    """The pairs ``needs_judge`` selects, in order; ``risks``: (block, segment) → stored risk."""
    by_pair: dict[tuple[int, int | None], list[Finding]] = {}
    for f in findings:
        by_pair.setdefault((f.block, f.segment), []).append(f)
    risks = risks or {}
    return [
        p for p in pairs
        if needs_judge(p, by_pair.get((p.block, p.segment), []), risks.get((p.block, p.segment)), scope)
    ]  # fmt: skip


# -- the judge ----------------------------------------------------------------------------


@dataclass
class JudgeReport:
    """What one judging run gave: findings, and how many segments had no usable answer."""

    asked: int = 0  # segments given to the judge
    judged: int = 0  # of them, with a usable answer (errors, or no error)
    unusable: int = 0  # an engine error on the prompt, or an answer that cannot be read
    unjudged: int = 0  # never asked: the engine became unreachable
    unreachable: str | None = None  # why
    seconds: float = 0.0  # wall time inside the engine
    findings: list[Finding] = field(default_factory=list)

    def note(self) -> str | None:
        """One line for the job's note or ``relais check``: "MQM judge gave no usable
        answer for N of M segment(s): …"; None when every segment was judged."""
        missing = self.unusable + self.unjudged
        if not missing:
            return None
        reasons = ([f"{self.unusable} unreadable or refused"] if self.unusable else []) + (
            [f"{self.unjudged} because {self.unreachable}"] if self.unjudged else []
        )
        return f"MQM judge gave no usable answer for {missing} of {self.asked} segment(s): {'; '.join(reasons)}."


class MqmJudge:
    """Ask an engine for each pair's MQM errors (``MQM_PROMPT`` through
    ``Engine.complete``, several lines); each error read is a finding (``judge_finding``).

    An engine that does not declare completion is refused here, before use
    (``EngineCapabilityError``, one line).  ``judge`` never raises for what the engine
    does: an unreadable answer or an engine error on a prompt is counted as unusable, an
    unreachable engine stops the run and the rest is counted as unjudged."""

    def __init__(self, engine, batch_size: int = 4):
        engine.require("completion")
        self.engine = engine
        self.batch_size = max(1, batch_size)

    @property
    def name(self) -> str:
        return self.engine.name

    def judge(self, pairs: list[SegmentPair]) -> JudgeReport:
        """The findings on ``pairs`` (their offsets into each ``pair.target``), batch by batch."""
        report = JudgeReport(asked=len(pairs))
        for start in range(0, len(pairs), self.batch_size):
            chunk = pairs[start : start + self.batch_size]
            t0 = time.perf_counter()
            try:
                raws = self.engine.complete([mqm_prompt(p) for p in chunk], max_tokens=MQM_MAX_TOKENS, multiline=True)
            except EngineUnavailable as exc:
                report.unjudged, report.unreachable = len(pairs) - start, str(exc)
                break
            finally:
                report.seconds += time.perf_counter() - t0
            for i, pair in enumerate(chunk):
                raw = raws[i] if i < len(raws) else None
                errors = None if raw is None or raw.error else parse_mqm_answer(raw.text, pair.target_plain)
                if errors is None:
                    report.unusable += 1
                    continue
                report.judged += 1
                report.findings.extend(judge_finding(pair, error) for error in errors)
        return report
