"""Split block text into sentences with exact character offsets.

pysbd (rule-based, abbreviation-aware: "Dr.", "a.m.", "U.S.", "3.5%") finds the
sentences; this module owns the offsets.  pysbd runs on the text with placeholders
removed (tags such as ``<a1>`` confuse its rules), its sentences are aligned back to that
plain text by walking non-whitespace characters (pysbd's own ``char_span`` searches for
each sentence with a regex and silently drops one it cannot find), and the boundaries
are mapped back into the original text:

* closing tags right after a sentence stay with it, opening tags go with the next one;
* a boundary that falls inside a mark (a link spanning two sentences) is dropped, so
  the sentences stay one segment and every segment has balanced placeholders.

Guarantees, for any input: spans are ordered and non-overlapping, ``text[s.start:s.end]
== s.text``, each is stripped of surrounding whitespace, and together they cover every
non-whitespace character, so the block is rebuilt from its segments and the gaps
between them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

import pysbd
from pysbd.languages import LANGUAGE_CODES

from relais.document.inline import PLACEHOLDER_RE
from relais.locales import derived, get_pack

FALLBACK_LANGUAGE = "en"


@dataclass(frozen=True)
class SegmentSpan:
    start: int
    end: int
    text: str


def segment_block(text: str, language: str = "en") -> list[SegmentSpan]:
    """Sentences of ``text`` (block text with placeholders) as exact spans.

    ``language`` picks pysbd's rules; languages pysbd lacks use the English rules.
    Whitespace-only text has no segments.
    """
    if not text.strip():
        return []
    plain, plain_to_text = _without_tags(text)
    sentences = _sentences(plain, language)
    cuts = [0]
    for previous, following in pairwise(sentences):
        cut = _boundary(text, plain_to_text[previous[1] - 1] + 1, plain_to_text[following[0]])
        if _open_marks(text[:cut]) == 0:
            cuts.append(cut)
    cuts.append(len(text))
    spans = []
    for start, end in pairwise(cuts):
        span = _stripped(text, start, end)
        if span is not None:
            spans.append(span)
    return spans


def _without_tags(text: str) -> tuple[str, list[int]]:
    """Text with placeholders removed, and for each of its characters the index in ``text``."""
    plain: list[str] = []
    index: list[int] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        plain.append(text[pos : m.start()])
        index.extend(range(pos, m.start()))
        pos = m.end()
    plain.append(text[pos:])
    index.extend(range(pos, len(text)))
    return "".join(plain), index


def _sentences(plain: str, language: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in ``plain``, stripped, covering all non-whitespace."""
    first = next((i for i, ch in enumerate(plain) if not ch.isspace()), None)
    if first is None:
        return []
    last = len(plain.rstrip())
    whole = [(first, last)]
    lang = language if language in LANGUAGE_CODES else FALLBACK_LANGUAGE
    try:
        pieces = pysbd.Segmenter(language=lang, clean=False).segment(plain)
    except Exception:  # pysbd has rule bugs on odd input; one segment is always valid
        return whole
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece in pieces:
        wanted = [ch for ch in piece if not ch.isspace()]
        if not wanted:
            continue
        while pos < len(plain) and plain[pos].isspace():
            pos += 1
        start = pos
        matched = 0
        while pos < len(plain) and matched < len(wanted):
            if plain[pos].isspace():
                pos += 1
                continue
            if plain[pos] != wanted[matched]:
                break  # pysbd changed the text: keep what aligned, the rest is one sentence
            matched += 1
            pos += 1
        if matched < len(wanted):
            break
        spans.append((start, pos))
    covered = spans[-1][1] if spans else first
    if plain[covered:].strip():
        rest_start = covered + (len(plain[covered:]) - len(plain[covered:].lstrip()))
        spans.append((rest_start, last))
    return _rejoin(plain, spans, language) or whole


@derived
def _unbroken(language: str) -> re.Pattern | None:
    """The language pack's abbreviations no sentence ends inside (``[sentences]
    unbroken``: "av. J.-C.", "B.C.", "a.m."), as one pattern."""
    pack = get_pack(language)
    words = sorted(pack.unbroken if pack else (), key=len, reverse=True)
    if not words:
        return None
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w).replace(r"\ ", r"\s*") for w in words) + r")")


def _rejoin(plain: str, spans: list[tuple[int, int]], language: str) -> list[tuple[int, int]]:
    """pysbd's sentences, with the breaks it should not have made taken out: inside an
    abbreviation of the language pack ("450 av. | J. | -C. par …"), before a piece
    that starts in lower case or with a word of the pack's ``continuing`` after one of
    them ("J.-C. | par des marchands", "1:15 a.m. | Saturday"), and after
    a closing quotation mark with no sentence end before it ('… to wait" | Ms Penhallow
    said.'), and after a piece with no sentence end at all (German: "am | 10. Juni")."""
    if len(spans) < 2:
        return spans
    pattern = _unbroken(language)
    inside, ends = set(), set()
    for m in pattern.finditer(plain) if pattern is not None else ():
        inside.update(range(m.start() + 1, m.end()))
        ends.add(m.end())
    pack = get_pack(language)
    continuing = pack.continuing if pack else frozenset()
    out = [spans[0]]
    for start, end in spans[1:]:
        previous_end = out[-1][1]
        after_abbreviation = previous_end in ends and (plain[start:start + 1].islower() or _first_word(plain, start) in continuing)
        previous = plain[out[-1][0] : previous_end]
        if start in inside or after_abbreviation or _open_quote_end(previous) or _no_sentence_end(previous):
            out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def _first_word(text: str, start: int) -> str:
    m = _WORD.match(text, start)
    return m.group() if m else ""


_WORD = re.compile(r"\w+")
_CLOSING_QUOTES = "\"”’»“«"
_SENTENCE_END = ".!?…"


def _no_sentence_end(sentence: str) -> bool:
    """Whether a piece pysbd ended has no sentence end at all: a break before a German
    ordinal ("am | 10. Juni 1940 hatte das | 11. Regiment …") is none."""
    stripped = sentence.rstrip(_CLOSING_QUOTES + ")]" + " \u00a0\u202f")
    return bool(stripped) and stripped[-1] not in _SENTENCE_END + ":;"


def _open_quote_end(sentence: str) -> bool:
    """Whether a sentence pysbd ended ends on closing quotation marks with no sentence end
    inside them (the quotation goes on in the reporting clause: '"…," he said')."""
    stripped = sentence.rstrip(_CLOSING_QUOTES + " \u00a0\u202f")
    return len(stripped) < len(sentence) and bool(stripped) and stripped[-1] not in _SENTENCE_END


def _boundary(text: str, after_previous: int, next_start: int) -> int:
    """Where to cut between two sentences: after the closing tags that end the first one.

    ``text[after_previous:next_start]`` holds only whitespace and tags.
    """
    cut = after_previous
    pos = after_previous
    while pos < next_start:
        if text[pos].isspace():
            pos += 1
            continue
        m = PLACEHOLDER_RE.match(text, pos)
        if m is None or not m.group(1):
            break  # an opening tag belongs to the next sentence
        pos = cut = m.end()
    return cut


def _open_marks(text: str) -> int:
    depth = 0
    for m in PLACEHOLDER_RE.finditer(text):
        depth += -1 if m.group(1) else 1
    return depth


def _stripped(text: str, start: int, end: int) -> SegmentSpan | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start == end:
        return None
    return SegmentSpan(start, end, text[start:end])
