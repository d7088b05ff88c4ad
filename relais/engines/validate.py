"""Cheap, deterministic checks that an engine's output is a translation of one segment.

``output_problem`` is what ``Engine.translate`` asks about every raw output: ``None``
means "looks like a translation", a string says what is wrong in words a reviewer
understands.  The rules only catch outputs that are certainly unusable (a chat preamble,
a second sentence, lost markup, the source sent back, a runaway generation); whether a
translation is *good* is for the checks and the human reviewer downstream.

Nothing is repaired here: a bad output is retried once by the engine and then recorded
as failed with the reason, so that no silently "fixed" text reaches review.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from relais.document.inline import placeholder_problem, strip_placeholders
from relais.document.language import restricted_identifier
from relais.engines.languages import LANGUAGES, language
from relais.engines.prompt import DELIMITER_RE
from relais.engines.types import SegmentRequest

# A translation may be this much longer than its source (characters, markup excluded):
# French or German run 20-35 % longer than English, short strings vary more, hence the
# additive slack.
MAX_LENGTH_RATIO = 3.0
LENGTH_SLACK = 20
# A translation this much shorter than a long-enough source has lost part of it.
MIN_LENGTH_RATIO = 0.25
MIN_LENGTH_RATIO_COMPACT = 0.08  # Chinese, Japanese, Korean
SHORT_CHECK_FROM = 40  # source characters

# Below this many letters a language guess is noise.
LANGUAGE_CHECK_FROM = 30
# How sure the identifier must be, choosing between the two languages of the request,
# that the output is in the source language (py3langid's length-calibrated probability).
LANGUAGE_CONFIDENCE = 0.95

# "Here is the translation:", "Sure! Here's the French version:", "Certainly:" …
_CHATTY_PREAMBLE = re.compile(
    r"""^\W{0,3}(
        (sure|certainly|of\ course|okay|ok)\b[^\n]{0,80}?(translat|version|here)[^\n]{0,40}?[:!.]
      | (here\ is|here's|here\ are|below\ is|this\ is)\b[^\n]{0,60}?(translat|version)[^\n]{0,40}?:
      | (sure|certainly|of\ course)\s*[:!,.]\s*$
    )""",
    re.IGNORECASE | re.VERBOSE | re.MULTILINE,
)
# A label in front of the answer: "French:", "Traduction :", "**Translation**:".
_LABEL = re.compile(r"^[\W_]{0,3}(?P<label>[^\W\d_][^:\n]{0,40}?)[\W_]{0,3}\s*(\([^)\n]{0,30}\))?\s*:")
# A source that itself starts with a short label ("Update: …", "Paris:") may keep one.
_SOURCE_LABEL = re.compile(r"^\W{0,3}[^\W\d_][^:\n]{0,30}:")

# Words a proper name or an acronym line does not contain; if a source string that came
# back unchanged has one of them, it was English prose that needed translating.
_ENGLISH_PROSE_WORDS = frozenset(
    """a an is are was were be been has have had will would can could should may might must
    to in on at for from with by about after before over under into than this that these those
    it its he she they we you his her their our not no new says said say says will
    and or but if as so""".split()
)
# Particles that may appear in lowercase inside names ("Bank of England", "Ursula von der Leyen").
_NAME_PARTICLES = frozenset("of de da di del della der den van von la le du al el bin ibn y and &".split())
_MARKUP_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_TOKEN = re.compile(r"[^\W_]+(?:['’.\-][^\W_]+)*\.?", re.UNICODE)


def output_problem(req: SegmentRequest, text: str) -> str | None:
    """Why ``text`` is not a usable translation of ``req``, or None if it passes."""
    source = req.text.strip()
    out = text.strip()
    if not _has_content(out):
        return "empty translation"
    if problem := _preamble_problem(source, out, req.target_lang):
        return problem
    if problem := _lines_problem(source, out):
        return problem
    if DELIMITER_RE.search(out) and not DELIMITER_RE.search(source):
        return "prompt markup in the output"
    if problem := placeholder_problem(source, out):
        return problem
    if problem := _foreign_markup_problem(source, out):
        return problem
    if problem := _echo_problem(req, source, out):
        return problem
    if problem := _length_problem(req, source, out):
        return problem
    return _language_problem(req, out)


def _has_content(text: str) -> bool:
    return any(ch.isalnum() for ch in strip_placeholders(text))


def _preamble_problem(source: str, out: str, target_lang: str) -> str | None:
    first_line = out.splitlines()[0]
    if _CHATTY_PREAMBLE.match(first_line) and not _CHATTY_PREAMBLE.match(source):
        return f"output starts with a preamble ({_clip(first_line)!r})"
    label = _LABEL.match(first_line)
    if label and not _SOURCE_LABEL.match(source):
        name = label.group("label").strip().casefold()
        if any(name == known or name.startswith(known + " ") for known in _answer_labels(target_lang)):
            return f"output starts with a label ({_clip(label.group(0))!r})"
    return None


@lru_cache(maxsize=64)
def _answer_labels(target_lang: str) -> frozenset[str]:
    """Labels a model writes before its answer: "translation", "French", "Français", …"""
    target = language(target_lang)
    labels = {"translation", "translated text", "output", "answer", "result", "target", "response"}
    labels |= {target.english, target.native, *target.labels}
    labels |= {f"{target.english} translation", f"translation ({target.english})"}
    return frozenset(label.casefold() for label in labels)


def _lines_problem(source: str, out: str) -> str | None:
    want = len([line for line in source.splitlines() if line.strip()])
    got = len([line for line in out.splitlines() if line.strip()])
    if got > max(want, 1):
        return f"{got} lines of output for a {want}-line segment"
    return None


def _foreign_markup_problem(source: str, out: str) -> str | None:
    """HTML-like tags that are not placeholders ("1<sup>er</sup>"): the renderer would show them as text."""
    tags = {m.group(0) for m in _MARKUP_TAG.finditer(strip_placeholders(out))}
    tags -= {m.group(0) for m in _MARKUP_TAG.finditer(source)}
    if tags:
        return "markup that is not in the source: " + " ".join(sorted(tags))
    return None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_placeholders(text)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in text).split())


def _echo_problem(req: SegmentRequest, source: str, out: str) -> str | None:
    if language(req.source_lang).code == language(req.target_lang).code:
        return None
    if _normalise(source) != _normalise(out) or is_name_or_number(source):
        return None
    return "output is the source text, untranslated"


def is_name_or_number(text: str) -> bool:
    """True for strings that legitimately stay the same in translation.

    Numbers, dates and codes ("2026", "3-1", "COP29"), acronyms ("NATO"), and short
    proper names ("Emmanuel Macron", "Bank of England"): at most six words, each a
    number, an acronym, a capitalised word or a name particle, and none of the common
    English words that mark a phrase or a sentence.
    """
    tokens = _TOKEN.findall(strip_placeholders(text))
    if not tokens:
        return True  # punctuation and symbols only
    if len(tokens) > 6:
        return False
    for token in tokens:
        bare = token.rstrip(".")
        if any(ch.isdigit() for ch in bare) or bare.isupper():
            continue
        if bare.casefold() in _ENGLISH_PROSE_WORDS:
            return False
        if bare.casefold() in _NAME_PARTICLES or bare[:1].isupper():
            continue
        return False
    return True


def _length_problem(req: SegmentRequest, source: str, out: str) -> str | None:
    src_len = len(strip_placeholders(source))
    out_len = len(strip_placeholders(out))
    if out_len > MAX_LENGTH_RATIO * src_len + LENGTH_SLACK:
        return f"output is {out_len / max(src_len, 1):.1f}× the length of the source"
    min_ratio = MIN_LENGTH_RATIO_COMPACT if language(req.target_lang).compact_script else MIN_LENGTH_RATIO
    if src_len >= SHORT_CHECK_FROM and out_len < min_ratio * src_len:
        return f"output is only {out_len} characters for a {src_len}-character source (cut short?)"
    return None


def _language_problem(req: SegmentRequest, out: str) -> str | None:
    """The output is plainly in the source language (the model paraphrased instead of translating).

    Only for outputs long enough for a confident guess, and only when the guess between
    the two languages of the request clearly favours the source one.
    """
    source, target = language(req.source_lang).code, language(req.target_lang).code
    if source == target or source not in LANGUAGES or target not in LANGUAGES:
        return None
    letters = sum(ch.isalpha() for ch in strip_placeholders(out))
    if letters < LANGUAGE_CHECK_FROM or is_name_or_number(out):
        return None
    guessed, confidence = _identify(strip_placeholders(out), (source, target))
    if guessed == source and confidence >= LANGUAGE_CONFIDENCE:
        return f"output is in {language(source).english}, not {language(target).english}"
    return None


def _identify(text: str, candidates: tuple[str, str]) -> tuple[str, float]:
    identifier = restricted_identifier(candidates)
    if identifier is None:
        return "", 0.0
    lang, prob = identifier.classify(text)
    return lang, float(prob)


def _clip(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
