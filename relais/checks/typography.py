"""Typography of the target language: quotes, spaces around punctuation, apostrophes.

The rules themselves are data: each ``relais/locales/<code>/pack.toml`` carries a
``[typography]`` table (which quotes open and close, the space written inside them,
which marks take a no-break space before them, which take none, the apostrophe, whether
questions open with ``¿``).  This module turns that table into small named rules.

Every rule proposes *edits* (replace this whitespace, insert that space, swap this
mark) on a :class:`TextView` of the segment, a view with inline tags removed and URLs
fenced off.  The checks report each edit as a finding whose suggestion is the fixed
span; ``relais.checks.fixer`` applies the very same edits to machine output, so what
the fixer writes is by construction what the checks accept.

All typography findings are MINOR: human references (FLORES, newsroom copy) often use
straight quotes, ASCII apostrophes and plain spaces, and none of that changes meaning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Callable, Iterable, Iterator

from relais.checks.base import Check, CheckContext, DocumentCheck, Finding, PackLocales, SegmentCheck, SegmentPair, Severity
from relais.locales import Pack, derived, packs

NNBSP = "\u202f"
NBSP = "\u00a0"
# Horizontal spaces the rules reason about (a newline is never inside a segment).
SPACES = frozenset(" \u00a0\u202f\u2009\u2007\u2002\u2003\u2005\u2006\u200a")
DOUBLE_QUOTES = frozenset("«»„“”‟")
# Characters after which a quote or mark still counts as opening.
OPENERS = frozenset("([{—–-/")
# Characters a closing mark or punctuation may follow without a space in between.
CLOSERS = frozenset(")]}»”“’'\"")

# Inline placeholders (<a1>, </b2>) and any HTML-like tag: never edited, never spaced into.
TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")
# URLs, bare domains with a path, e-mail addresses: their punctuation is not prose.
PROTECTED_RE = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>«»“”\"]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SPACE_CLASS = "[" + "".join(sorted(SPACES)) + "]"
RUN_OF_SPACES_RE = re.compile(SPACE_CLASS + "{2,}")
DOUBLE_QUOTES_RE = re.compile("[" + "".join(sorted(DOUBLE_QUOTES)) + "]")


def _char_class(chars: set[str]) -> re.Pattern[str]:
    return re.compile("[" + "".join(re.escape(c) for c in sorted(chars)) + "]" if chars else "(?!)")
STRAIGHT_APOSTROPHE_RE = re.compile(r"(?<=\w)'(?=\w)")
CURLY_APOSTROPHE_RE = re.compile(r"(?<=\w)’(?=\w)")


# --- locale data ---------------------------------------------------------------------


@dataclass(frozen=True)
class SpaceBefore:
    write: str  # the space the fixer writes
    accept: frozenset[str]  # spaces accepted there


@dataclass(frozen=True, eq=False)
class Typography:
    """The ``[typography]`` table of one locale file."""

    code: str
    apostrophe: str
    quote_open: tuple[str, ...]  # index-aligned with quote_close: „ pairs with “
    quote_close: tuple[str, ...]
    quote_inner_space: str  # "" = no space inside quotes
    quote_inner_space_accepted: frozenset[str]
    inverted_marks: bool
    no_space_before: frozenset[str]
    space_before: dict[str, SpaceBefore]

    @cached_property
    def opening_only(self) -> frozenset[str]:
        return frozenset(self.quote_open) - frozenset(self.quote_close)

    @cached_property
    def closing_only(self) -> frozenset[str]:
        return frozenset(self.quote_close) - frozenset(self.quote_open)

    @cached_property
    def quote_marks_re(self) -> re.Pattern[str]:
        """The locale's own quotes (rules look only at these characters)."""
        return _char_class(set(self.quote_open) | set(self.quote_close))

    @cached_property
    def punctuation_re(self) -> re.Pattern[str]:
        """Marks that need a space before them, or a space-run followed by one that takes none."""
        marks = "".join(re.escape(c) for c in sorted(self.space_before)) or "\\x00"
        bare = "".join(re.escape(c) for c in sorted(self.no_space_before)) or "\\x00"
        return re.compile(f"[{marks}]|{SPACE_CLASS}+[{bare}]")


@derived
def all_typography() -> dict[str, Typography]:
    """The typography of every pack that has a ``[typography]`` table."""
    rules = {}
    for code, pack in packs().items():
        table = pack.typography
        if not table:
            continue
        rules[code] = Typography(
            code=code,
            apostrophe=table["apostrophe"],
            quote_open=tuple(table["quote_open"]),
            quote_close=tuple(table["quote_close"]),
            quote_inner_space=table.get("quote_inner_space", ""),
            quote_inner_space_accepted=frozenset(table.get("quote_inner_space_accepted", [])),
            inverted_marks=bool(table.get("inverted_marks", False)),
            no_space_before=frozenset(table.get("no_space_before", [])),
            space_before={mark: SpaceBefore(rule["write"], frozenset(rule["accept"])) for mark, rule in table.get("space_before", {}).items()},
        )
    return rules


@derived
def typography_for(lang: str) -> Typography | None:
    return all_typography().get(lang.strip().lower().split("-")[0])


def _has_typography(pack: Pack) -> bool:
    return bool(pack.typography)


def _inverted_marks(pack: Pack) -> bool:
    return bool(pack.typography and pack.typography.get("inverted_marks", False))


# --- the view rules work on ------------------------------------------------------------


class TextView:
    """``original`` without its tags, with a map back to original positions.

    Rules read ``text`` and propose edits in its coordinates; ``protected`` spans (URLs,
    e-mail addresses) are never edited.
    """

    __slots__ = ("original", "text", "pos", "protected")

    def __init__(self, original: str):
        self.original = original
        if "<" in original and TAG_RE.search(original):
            parts, pos, last = [], [], 0
            for m in TAG_RE.finditer(original):
                parts.append(original[last : m.start()])
                pos.extend(range(last, m.start()))
                last = m.end()
            parts.append(original[last:])
            pos.extend(range(last, len(original)))
            self.text = "".join(parts)
            self.pos = pos
        else:
            self.text = original
            self.pos = None  # identity
        self.protected = [m.span() for m in PROTECTED_RE.finditer(self.text)] if ("/" in self.text or "@" in self.text or "www." in self.text) else []

    def orig(self, i: int) -> int:
        """Original index of view character ``i`` (``len`` maps to the end)."""
        if self.pos is None:
            return i
        return self.pos[i] if i < len(self.pos) else len(self.original)

    def is_protected(self, start: int, end: int) -> bool:
        return any(s < max(end, start + 1) and start < e for s, e in self.protected)


@lru_cache(maxsize=512)
def view_of(text: str) -> TextView:
    """Shared by the checks, which all look at the same segment in turn."""
    return TextView(text)


@dataclass(frozen=True)
class Edit:
    """Replace ``view.text[start:end]`` with ``replacement``.

    The replaced range is either whitespace or a single mark, so it can be mapped back
    character by character without touching a tag.  An insertion (``start == end``)
    sticks to the next character (``side="before"``) or to the previous one (``"after"``).
    ``span`` is the view range the finding shows (the edit plus the mark it is about).
    """

    rule: str
    start: int
    end: int
    replacement: str
    span: tuple[int, int]
    message: str
    side: str = "before"


def original_edits(view: TextView, edit: Edit) -> list[tuple[int, int, str]]:
    """The edit in original coordinates, as (start, end, replacement) pieces."""
    if edit.start == edit.end:
        at = view.orig(edit.start) if edit.side == "before" else view.orig(edit.start - 1) + 1
        return [(at, at, edit.replacement)]
    pieces = []
    for k, i in enumerate(range(edit.start, edit.end)):
        o = view.orig(i)
        pieces.append((o, o + 1, edit.replacement if k == 0 else ""))
    return pieces


def apply_pieces(text: str, pieces: Iterable[tuple[int, int, str]]) -> str:
    """Apply non-overlapping pieces (later overlapping ones are dropped)."""
    out, last = [], 0
    for start, end, repl in sorted(pieces, key=lambda p: (p[0], p[1])):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(repl)
        last = end
    out.append(text[last:])
    return "".join(out)


# --- the rules ---------------------------------------------------------------------------


def _context(text: str, i: int) -> str | None:
    """Whether the mark at ``i`` sits where a quote opens ("open"), closes ("close"), or either."""
    prev = text[i - 1] if i > 0 else None
    nxt = text[i + 1] if i + 1 < len(text) else None
    if (prev is None or prev in SPACES or prev in OPENERS) and nxt is not None and nxt.isalnum():
        return "open"
    if prev is not None and (prev.isalnum() or prev in ".!?…") and (nxt is None or nxt in SPACES or nxt in ",.;:!?)]…"):
        return "close"
    return None


def straight_quote_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """``"`` → the locale's opening or closing quote (context first, then alternation)."""
    text = view.text
    if '"' not in text:
        return
    opening_next = True
    for i, ch in enumerate(text):
        if ch != '"' or view.is_protected(i, i + 1):
            continue
        role = _context(text, i) or ("open" if opening_next else "close")
        opening_next = role == "close"
        mark = typo.quote_open[0] if role == "open" else typo.quote_close[0]
        yield Edit("straight_quotes", i, i + 1, mark, (i, i + 1), f"straight quote: {typo.code} writes {typo.quote_open[0]}…{typo.quote_close[0]}")


def quote_style_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """Foreign double quotes (“…” in French) and marks used the wrong way round (“Hallo“)."""
    text = view.text
    opening_only, closing_only = typo.opening_only, typo.closing_only
    for m in DOUBLE_QUOTES_RE.finditer(text):
        i, ch = m.start(), m.group()
        if view.is_protected(i, i + 1):
            continue
        role = _context(text, i)
        if ch in opening_only:
            if role != "close":
                continue
            mark = typo.quote_close[typo.quote_open.index(ch)]
        elif ch in closing_only:
            if role != "open":
                continue
            mark = typo.quote_open[typo.quote_close.index(ch)]
        elif ch in typo.quote_open or ch in typo.quote_close:
            continue
        else:  # not a quote of this language at all
            if role is None:
                role = "open" if i == 0 or text[i - 1] in SPACES else "close"
            mark = typo.quote_open[0] if role == "open" else typo.quote_close[0]
        yield Edit("quotes", i, i + 1, mark, (i, i + 1), f"quotation mark {ch} is not {typo.code} style: use {mark}")


def _space_run_before(text: str, i: int) -> int:
    """Start of the run of spaces ending just before ``i``."""
    s = i
    while s > 0 and text[s - 1] in SPACES:
        s -= 1
    return s


def quote_space_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """The space just inside the locale's quotes: a narrow no-break space in French, none elsewhere."""
    text, n = view.text, len(view.text)
    want, accepted = typo.quote_inner_space, typo.quote_inner_space_accepted
    for m in typo.quote_marks_re.finditer(text):
        i, ch = m.start(), m.group()
        if (ch in typo.opening_only or ch in typo.closing_only) and _context(text, i) == ("close" if ch in typo.opening_only else "open"):
            continue  # turned the wrong way: quote_style_edits flips it first
        if ch in typo.opening_only and i + 1 < n:
            j = i + 1
            if view.is_protected(i, j + 1):
                continue
            if want:
                if text[j] in accepted:
                    continue
                if text[j] in SPACES:
                    yield Edit("space", j, j + 1, want, (i, j + 1), f"use a narrow no-break space after {ch}")
                elif text[j] not in DOUBLE_QUOTES:
                    yield Edit("space", j, j, want, (i, i + 1), f"missing narrow no-break space after {ch}", side="after")
            elif text[j] in SPACES:
                k = j
                while k < n and text[k] in SPACES:
                    k += 1
                if k < n:
                    yield Edit("space", j, k, "", (i, k), f"no space after {ch}")
        elif ch in typo.closing_only and i > 0:
            if view.is_protected(i - 1, i + 1):
                continue
            prev = text[i - 1]
            if want:
                if prev in accepted:
                    continue
                if prev in SPACES:
                    yield Edit("space", i - 1, i, want, (i - 1, i + 1), f"use a narrow no-break space before {ch}")
                elif prev not in DOUBLE_QUOTES:
                    yield Edit("space", i, i, want, (i, i + 1), f"missing narrow no-break space before {ch}")
            elif prev in SPACES:
                s = _space_run_before(text, i)
                if s > 0:
                    yield Edit("space", s, i, "", (s, i + 1), f"no space before {ch}")


def punctuation_space_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """French ``;!?:%`` take a no-break space before them; ``,`` ``.`` (and elsewhere ``;:!?``) none."""
    text, n = view.text, len(view.text)
    space_before, no_space_before = typo.space_before, typo.no_space_before
    for m in typo.punctuation_re.finditer(text):
        i = m.end() - 1
        ch = text[i]
        if i == 0:
            continue
        rule = space_before.get(ch) if m.end() - m.start() == 1 else None
        if rule is not None:
            prev = text[i - 1]
            nxt = text[i + 1] if i + 1 < n else None
            if prev in space_before or view.is_protected(i - 1, i + 1):
                continue  # "?!": the space goes before the first mark only
            if prev in SPACES:
                if prev in rule.accept or _space_run_before(text, i) == 0:
                    continue
                yield Edit("space", i - 1, i, rule.write, (i - 1, i + 1), f"use a no-break space ({_space_name(rule.write)}) before {ch}")
                continue
            if ch == "%":
                if not prev.isdigit():
                    continue
            elif not (prev.isalnum() or prev in CLOSERS) or (nxt is not None and (nxt.isalnum() or nxt in "/\\")):
                continue  # 10:30, Yahoo!Mail, a?b: not prose punctuation
            yield Edit("space", i, i, rule.write, (i, i + 1), f"missing no-break space ({_space_name(rule.write)}) before {ch}")
        elif ch in no_space_before and text[i - 1] in SPACES:
            s = _space_run_before(text, i)
            if s == 0 or view.is_protected(s, i + 1):
                continue
            before = text[s - 1]
            nxt = text[i + 1] if i + 1 < n else None
            if not (before.isalnum() or before in CLOSERS or before == "%"):
                continue
            if nxt is not None and not (nxt in SPACES or nxt in CLOSERS or nxt in ",.;:!?…"):
                continue  # ".NET", " ,5", "…": not a stray space before punctuation
            if ch == "." and nxt == ".":
                continue
            yield Edit("space", s, i, "", (s, i + 1), f"no space before {ch}")


def _space_name(space: str) -> str:
    return {NNBSP: "U+202F", NBSP: "U+00A0", " ": "space"}.get(space, f"U+{ord(space):04X}")


def double_space_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """Two or more spaces in a row become one (a no-break one if the run had one)."""
    text = view.text
    for m in RUN_OF_SPACES_RE.finditer(text):
        s, e = m.span()
        if s == 0 or e == len(text) or view.is_protected(s, e):
            continue
        keep = next((c for c in m.group() if c in (NNBSP, NBSP)), " ")
        yield Edit("double_space", s, e, keep, (s, e), "double space")


def apostrophe_edits(view: TextView, typo: Typography, wrong: str | None = None) -> Iterator[Edit]:
    """Apostrophes that are not the chosen style (``wrong``: the style to replace)."""
    if wrong is None:
        wrong = "'" if typo.apostrophe != "'" else "’"
    right = "’" if wrong == "'" else "'"
    if wrong not in view.text:
        return
    pattern = STRAIGHT_APOSTROPHE_RE if wrong == "'" else CURLY_APOSTROPHE_RE
    for m in pattern.finditer(view.text):
        i = m.start()
        if not view.is_protected(i, i + 1):
            yield Edit("apostrophe", i, i + 1, right, (i, i + 1), f"apostrophe {wrong}: use {right}")


INVERTED_FOR = {"?": "¿", "!": "¡"}
# Where a question may start inside a segment: after these (and any spaces/quotes).
CLAUSE_START_RE = re.compile(r"[:;]|(?<=[a-záéíóúñü\d)»])\.(?=\s)")


def inverted_mark_edits(view: TextView, typo: Typography) -> Iterator[Edit]:
    """Spanish questions and exclamations open with ¿ and ¡."""
    if not typo.inverted_marks:
        return
    text = view.text
    if "?" not in text and "!" not in text:
        return
    start = 0  # where the current sentence-ish stretch begins
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in "?!":
            j = i
            while j < n and text[j] in "?!":
                j += 1
            if view.is_protected(i, j):
                i = j
                continue  # a URL's query string, not a question
            if not any(c in "¿¡" for c in text[start:i]) and text[start:i].strip():
                at = _question_start(view, start, i)
                mark = INVERTED_FOR[ch]
                yield Edit("inverted_marks", at, at, mark, (at, j) if j - at <= 80 else (i, j), f"missing opening {mark}", side="before")
            start = j
            i = j
        else:
            i += 1


def _question_start(view: TextView, start: int, end: int) -> int:
    """Best guess where the question that ends at ``end`` begins (never inside a URL)."""
    text = view.text
    at = start
    for m in CLAUSE_START_RE.finditer(text, start, end):
        if not view.is_protected(m.start(), m.end()):
            at = m.end()
    for s, e in view.protected:
        if s <= at < e:
            at = e
    while at < end and (text[at] in SPACES or text[at] in "«“„\"'(—–-"):
        at += 1
    return at


SEGMENT_RULES: dict[str, Callable[[TextView, Typography], Iterator[Edit]]] = {
    "straight_quotes": straight_quote_edits,
    "quotes": quote_style_edits,
    "space": lambda view, typo: _chain(quote_space_edits(view, typo), punctuation_space_edits(view, typo)),
    "double_space": double_space_edits,
    "inverted_marks": inverted_mark_edits,
}


def _chain(*iterators: Iterator[Edit]) -> Iterator[Edit]:
    for it in iterators:
        yield from it


# --- checks ---------------------------------------------------------------------------


def _finding(check: Check, pair: SegmentPair, view: TextView, edit: Edit) -> Finding:
    s, e = min(edit.span[0], edit.start), max(edit.span[1], edit.end)
    os_, oe = view.orig(s), view.orig(e - 1) + 1
    pieces = [(a - os_, b - os_, r) for a, b, r in original_edits(view, edit) if os_ <= a and b <= oe]
    suggestion = apply_pieces(pair.target[os_:oe], pieces)
    return check.finding(pair, os_, oe, edit.message, suggestion, replaces=True)


class TypographyCheck(SegmentCheck):
    compares = False  # reads the target alone
    rule: str  # key in SEGMENT_RULES
    severity = Severity.MINOR

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        typo = typography_for(ctx.target_lang)
        if typo is None or not pair.target:
            return []
        view = view_of(pair.target)
        return [_finding(self, pair, view, edit) for edit in SEGMENT_RULES[self.rule](view, typo)]


class QuoteStyle(TypographyCheck):
    """Quotation marks of another language, or a mark turned the wrong way.

    id ``typography.quotes`` · MINOR · fr de es it pt.
    French and Spanish write «…», German „…“ (or »…«).  Example (de): ``“Hallo”`` →
    suggestions ``„`` and ``“``.
    """

    id = "typography.quotes"
    rule = "quotes"
    locales = PackLocales(_has_typography)
    description = "quotation marks of another language, or turned the wrong way (“…” in French, “Hallo“ in German)"


class StraightQuotes(TypographyCheck):
    """Straight double quotes ``"`` where the language uses typographic ones.

    id ``typography.straight_quotes`` · MINOR · fr de es it pt.
    Example (fr): ``il a dit "non"`` → ``«`` and ``»`` (the fixer then adds the inner
    narrow no-break spaces).
    """

    id = "typography.straight_quotes"
    rule = "straight_quotes"
    locales = PackLocales(_has_typography)
    description = 'straight double quotes (") where the language writes «…» or „…“'


class PunctuationSpace(TypographyCheck):
    """A missing, extra or breakable space next to punctuation or inside quotes.

    id ``typography.space`` · MINOR · fr de es it pt.
    French: narrow no-break space (U+202F) before ``; ! ?`` and inside « », no-break
    space (U+00A0 or U+202F) before ``:`` and ``%``; no space before ``, .``.  German,
    Spanish, Italian, Portuguese: no space before ``, . ; : ! ?`` nor inside «…»;
    German writes ``50 %``.  Example (fr): ``Pourquoi?`` → ``\\u202f?``.
    """

    id = "typography.space"
    rule = "space"
    locales = PackLocales(_has_typography)
    description = "missing or wrong space before punctuation or inside quotes (French « … » and ; ! ? : %)"


class DoubleSpace(TypographyCheck):
    """Two or more spaces in a row.

    id ``typography.double_space`` · MINOR · fr de es it pt.
    Example: ``le  chat`` → ``le chat``.
    """

    id = "typography.double_space"
    rule = "double_space"
    locales = PackLocales(_has_typography)
    description = "two or more spaces in a row"


class InvertedMarks(TypographyCheck):
    """A Spanish question or exclamation without its opening ¿ or ¡.

    id ``typography.inverted_marks`` · MINOR · es.
    Example: ``Dónde está?`` → ``¿Dónde``.
    """

    id = "typography.inverted_marks"
    rule = "inverted_marks"
    locales = PackLocales(_inverted_marks)
    description = "question or exclamation without the opening ¿ or ¡ (Spanish)"


class Apostrophe(DocumentCheck):
    """Apostrophes not in the language's style (’), or both styles in one article.

    id ``typography.apostrophe`` · MINOR · fr de es it pt.
    Machine output: every straight ``'`` between letters is reported (the fixer writes
    ’).  Human text: a consistent house style is left alone; when an article mixes ' and
    ’, the less frequent style is reported.  Example (fr): ``l'été`` → ``l’été``.
    Relais's own lines (a disclosure line, ``SegmentPair.known``) are always held to the
    language's style.
    """

    compares = False  # reads the target alone
    id = "typography.apostrophe"
    severity = Severity.MINOR
    locales = PackLocales(_has_typography)
    description = "apostrophe style: ’ in machine output, one style throughout a human-written article"

    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        typo = typography_for(ctx.target_lang)
        if typo is None:
            return []
        # Relais's own lines (a disclosure) are held to the language's style, whatever
        # the house style of the article around them.
        own = "'" if typo.apostrophe != "'" else "’"
        findings = [_finding(self, pair, view, edit) for pair in pairs if pair.known and pair.target
                    for view in (view_of(pair.target),) for edit in apostrophe_edits(view, typo, own)]  # fmt: skip
        views = [(pair, view_of(pair.target)) for pair in pairs if pair.target and not pair.known]
        if ctx.machine_output:
            wrong = "'" if typo.apostrophe != "'" else "’"
        else:
            straight = sum(len(STRAIGHT_APOSTROPHE_RE.findall(v.text)) for _, v in views)
            curly = sum(len(CURLY_APOSTROPHE_RE.findall(v.text)) for _, v in views)
            if not straight or not curly:
                return findings  # one style throughout: the newsroom's choice
            preferred_is_straight = typo.apostrophe == "'"
            if straight == curly:
                wrong = "’" if preferred_is_straight else "'"
            else:
                wrong = "'" if straight < curly else "’"
        for pair, view in views:
            for edit in apostrophe_edits(view, typo, wrong):
                findings.append(_finding(self, pair, view, edit))
        return findings


CHECKS = [QuoteStyle, StraightQuotes, PunctuationSpace, DoubleSpace, InvertedMarks, Apostrophe]
