"""Aligning a source article with a translation, so that any two documents can be checked.

1. **Known text is set aside.**  A target block that is a language pack's disclosure line
   or unreviewed-draft notice (of any language, or close to one: a straight apostrophe, a
   changed word) has no source to compare with.  It is never aligned; the checks that read
   the target alone (typography, spelling) still run on it (``known_text``).
2. **Blocks**, then **sentences** within aligned blocks, are aligned monotonically by
   dynamic programming, allowing units without a counterpart on either side.  A pair is
   scored on what survives translation (``Anchors``): the numbers, the names, quotation
   and links it holds, its relative length and position, (for blocks) its kind, and the
   share of its content words whose translation the target language's offline lexicon
   finds on the other side (``relais.checks.lexicon.counterpart_share``; nothing where a
   language has no lexicon installed).  A sentence pair may be one sentence for one, one
   for two, two for one, or two for two (a figure or place moved to the next sentence:
   "Lac Vermeil, 30 km east of Annecy. The small lake…" → "Lac Vermeil. Ce petit lac…, à
   30 km à l’est d’Annecy."), a merge costing ``_MERGE_COST`` more.
3. A pair the aligner is **unsure** of (its cost close to leaving both sides unaligned)
   is marked ``sure=False``, as is one whose many known content words have next to no
   counterpart (``unrelated``): the checks that compare the two sides skip it (they could
   only report the aligner's mistake), the others run, and one ``align.uncertain``
   finding (minor) says so.
4. What cannot be aligned is a finding: a source block with no counterpart is
   ``align.block_missing`` (major; critical for the headline); a target block with no
   source is one ``addition.block`` finding (major) over the whole block, and only the
   checks that read the target alone run on it.  A target sentence with no source
   inside an aligned block joins its neighbour's pair (``addition.sentence`` judges it);
   a source sentence with none is a pair with an empty target (``omission.empty``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from relais.checks.base import Finding, SegmentPair, Severity
from relais.checks.lexicon import Lexicon, counterpart_share, lexicon_for
from relais.checks.omissions import expected_length
from relais.document.inline import strip_placeholders
from relais.document.model import Article, Block, BlockKind
from relais.document.segment import segment_block
from relais.locales import derived, packs
from relais.text.names import fold, name_data

# Expected target/source length ratio is close to 1 for European languages; the spread
# is wide because translators restructure.  Only used to choose between alignments.
_LOG_RATIO_SPREAD = 0.45
_SKIP_COST = 4.0  # cost of leaving one block or sentence unaligned
_KIND_MISMATCH_COST = 2.5
_MERGE_COST = 1.0  # two sentences for one
_POSITION_COST = 2.0  # per unit of relative position apart (0 … 1)
_ANCHOR_BONUS = 1.5  # per kind of anchor (numbers, names) when the two sides share all
_ANCHOR_CONFLICT = 1.5  # per kind of anchor both sides have, none of it shared
_NAME_COUNT_BONUS = 0.25  # per name found on both sides (up to four)
_LEXICAL_WEIGHT = 3.0  # per unit of content-word share away from _LEXICAL_PIVOT …
_LEXICAL_PIVOT = 0.2  # … (a translation shares 0.5–0.8 of the known words, an unrelated text 0.02)
_LEXICAL_FULL = 6  # known content words from which the lexical anchor counts in full
_LEXICAL_UNRELATED = 0.1  # a share below this, over _LEXICAL_FULL words or more: not a translation
_COGNATE_WEIGHT = 4.0  # per unit of shared letter 4-grams away from _COGNATE_PIVOT …
_COGNATE_PIVOT = 0.05  # … (FLORES-200 dev, bench/cognates.py: a sentence and its translation share 0.11–0.31, median by language; an unrelated one 0.0)
_COGNATE_CAP = 0.4  # a share above this counts as this
_COGNATE_MIN = 6  # source 4-grams from which the cognate anchor counts
UNSURE_COST = 2.6  # a pair costing more is one the aligner is unsure of
KNOWN_TEXT_SIMILARITY = 85.0  # rapidfuzz ratio (0–100) from which a block is a known line

_NUMBER = re.compile(r"\d+(?:[.,\u00a0\u202f\u2009 '’]\d+)*")
_WORD = re.compile(r"[^\W\d_][\w'’\-]*")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;]\s+|[\"“«„‘]\s*)$")
_QUOTE_MARKS = frozenset('"“”«»„‹›')
_LINK = re.compile(r"<a\d+>")


# --------------------------------------------------------------------------- anchors


@dataclass(frozen=True)
class Anchors:
    """What of a text survives its translation: figures (their digits), names (the
    first letters of capitalised words that do not open a sentence, folded), whether it
    quotes, how many links it has, and its length."""

    numbers: frozenset[str]
    names: frozenset[str]
    quotes: bool
    links: int
    length: int
    # Capitalised words opening a sentence ("Luxembourg has…"): a name or an ordinary
    # word; they count only when both sides have them (a bonus, never a conflict).
    initial: frozenset[str] = frozenset()
    words: tuple[str, ...] = ()  # the folded capitalised words, whole (for known renderings)


@lru_cache(maxsize=16384)
def anchors(text: str) -> Anchors:
    plain = strip_placeholders(text)
    numbers = frozenset(re.sub(r"\D", "", m.group()) for m in _NUMBER.finditer(plain))
    names, initial, words = set(), set(), []
    for m in _WORD.finditer(plain):
        word = m.group()
        if len(word) < 3 or not word[0].isupper():
            continue
        folded = fold(word)
        (initial if _SENTENCE_START.search(plain[: m.start()]) else names).add(folded[:4])
        words.append(folded)
    return Anchors(numbers, frozenset(names), any(ch in _QUOTE_MARKS for ch in plain), len(_LINK.findall(text)),
                   len(plain), frozenset(initial - names), tuple(words))  # fmt: skip


@lru_cache(maxsize=16384)
def _source_keys(text: str, lang: str | None) -> tuple[tuple[frozenset[str], ...], tuple[frozenset[str], ...]]:
    """For each name of a source text (not opening a sentence), then each word opening
    one, the keys a rendering may have: its own first letters and those of the target
    language's known renderings ("germany": "germ", "alem" in Spanish)."""
    a = anchors(text)
    renderings = name_data().renderings if lang else {}

    def keys(folded: str) -> frozenset[str]:
        out = {folded[:4]}
        for form in renderings.get(folded, {}).get(lang, ()):
            if form and form[0] != "*":
                out.add(form[0][:4])
        return frozenset(out)

    by_key: dict[str, frozenset[str]] = {}
    for folded in a.words:
        by_key.setdefault(folded[:4], keys(folded))
    return (tuple(by_key[k] for k in sorted(a.names) if k in by_key),
            tuple(by_key[k] for k in sorted(a.initial) if k in by_key))  # fmt: skip


def _anchor_cost(s: Anchors, t: Anchors, source_keys=None) -> float:
    """Negative when the two share what survives translation, positive when they conflict.
    ``source_keys``: ``_source_keys`` of the source (names with their known renderings)."""
    cost = 0.0
    if s.numbers or t.numbers:
        if s.numbers and t.numbers:
            shared = len(s.numbers & t.numbers) / max(len(s.numbers), len(t.numbers))
            cost += -_ANCHOR_BONUS * shared if shared else _ANCHOR_CONFLICT
        else:
            cost += _ANCHOR_CONFLICT / 2  # figures on one side only
    named, opening = source_keys if source_keys is not None else (tuple(frozenset({n}) for n in s.names), ())
    have = t.names | t.initial
    found_initial = sum(1 for keys in opening if keys & have)
    if named or found_initial:  # the target may capitalise more (German nouns): what of the source's is there
        if have:
            found = sum(1 for keys in named if keys & have) + found_initial
            # the share found, and (a little) how many: three shared names beat two
            cost += -_ANCHOR_BONUS * found / (len(named) + found_initial) - _NAME_COUNT_BONUS * min(found, 4) if found else _ANCHOR_CONFLICT / 2
    if s.quotes != t.quotes:
        cost += 0.5
    if s.links != t.links:
        cost += 0.5
    return cost


_COGNATE_SOURCE = re.compile(r"(?<![^\W\d_])[a-z][^\W\d_]{5,}")  # lower-case English words of six letters or more
_LONG_WORD = re.compile(r"[^\W\d_]{6,}")


@lru_cache(maxsize=16384)
def _grams(text: str, source: bool) -> frozenset[str]:
    """Letter 4-grams of a text's long words, folded (of the source's lower-case words
    only: its names are the names anchor's)."""
    plain = strip_placeholders(text)
    words = (fold(w) for w in (_COGNATE_SOURCE if source else _LONG_WORD).findall(plain))
    return frozenset(w[i : i + 4] for w in words for i in range(len(w) - 3))


def cognate_share(source: str, target: str) -> float | None:
    """The share of the source's letter 4-grams (of its long lower-case words) that the
    target holds; None for a source with too few of them (``bench/cognates.py`` measures it)."""
    grams = _grams(source, True)
    if len(grams) < _COGNATE_MIN:
        return None
    return len(grams & _grams(target, False)) / len(grams)


def _cognate_cost(source: str, target: str) -> float:
    """The cognate anchor: negative when the target shares letter 4-grams with the
    source's long words ("independence" / "indipendenza", "government" / "gouvernement"),
    slightly positive when it shares none; 0 for a source with too few of them.  It works
    where the lexicon knows too few words of a short sentence (Spanish, Italian)."""
    share = cognate_share(source, target)
    return 0.0 if share is None else _COGNATE_WEIGHT * (_COGNATE_PIVOT - min(share, _COGNATE_CAP))


def _length_cost(s: Anchors, t: Anchors, ratio: float = 1.0) -> float:
    return abs(math.log((t.length + 1) / (ratio * (s.length + 1)))) / _LOG_RATIO_SPREAD


def _lexical_cost(source: str, target: str, lexicon: Lexicon | None) -> float:
    """The lexical anchor: negative when the target holds counterparts of the source's
    content words (``lexicon.counterpart_share``), positive when it holds none; 0 without
    a lexicon or with fewer than three known words, scaled down below ``_LEXICAL_FULL``."""
    share = _share(source, target, lexicon)
    if share is None:
        return 0.0
    fraction, known = share
    return _LEXICAL_WEIGHT * min(1.0, known / _LEXICAL_FULL) * (_LEXICAL_PIVOT - fraction)


def _share(source: str, target: str, lexicon: Lexicon | None) -> tuple[float, int] | None:
    if lexicon is None:
        return None
    return counterpart_share(strip_placeholders(source), strip_placeholders(target), lexicon)


def unrelated(source: str, target: str, lexicon: Lexicon | None) -> bool:
    """Whether the lexicon shows the target is no translation of the source: of
    ``_LEXICAL_FULL`` or more known content words, under ``_LEXICAL_UNRELATED`` have a
    counterpart."""
    share = _share(source, target, lexicon)
    return share is not None and share[1] >= _LEXICAL_FULL and share[0] < _LEXICAL_UNRELATED


def pair_cost(source: str, target: str, source_position: float = 0.0, target_position: float = 0.0,
              ratio: float = 1.0, lexicon: Lexicon | None = None, lang: str | None = None) -> float:  # fmt: skip
    """The cost of pairing two texts (lower is likelier), positions relative (0 … 1),
    ``ratio`` the target/source length usual for the language pair, ``lexicon`` the
    target language's (the lexical anchor; None: none), ``lang`` the target language
    (its known renderings of names count as the names: "Germany" and "Alemania")."""
    s, t = anchors(source), anchors(target)
    return (_length_cost(s, t, ratio) + _anchor_cost(s, t, _source_keys(source, lang))
            + _POSITION_COST * abs(source_position - target_position) + _lexical_cost(source, target, lexicon)
            + _cognate_cost(source, target))  # fmt: skip


# --------------------------------------------------------------------------- known text


def _normal(text: str) -> str:
    text = strip_placeholders(text).replace("’", "'").replace("‘", "'")
    return " ".join(re.sub(r"[*_`]", "", text).split()).casefold().strip(" .")


@derived
def _known_lines() -> tuple[str, ...]:
    """Every pack's disclosure lines and unreviewed notice, normalised."""
    lines = set()
    for pack in packs().values():
        lines.update(_normal(line) for line in pack.disclosure.values())
        if pack.unreviewed:
            lines.add(_normal(pack.unreviewed))
    return tuple(sorted(line for line in lines if line))


def known_text(text: str) -> bool:
    """Whether a block is a disclosure line or an unreviewed notice of some language
    (or close to one: Relais's own lines, as a published translation ends)."""
    normal = _normal(text)
    if not normal:
        return False
    for line in _known_lines():
        if 0.7 * len(line) <= len(normal) <= 1.3 * len(line) and fuzz.ratio(normal, line) >= KNOWN_TEXT_SIMILARITY:
            return True
    return False


# --------------------------------------------------------------------------- alignment


@dataclass
class AlignedDocument:
    pairs: list[SegmentPair]
    findings: list[Finding]  # what could not be aligned, and where the aligner is unsure


def _align(n: int, m: int, cost, steps) -> list[tuple[list[int], list[int]]]:
    """Generic monotone alignment: ``steps`` are (di, dj) moves; ``cost(i, j, di, dj)``."""
    inf = float("inf")
    best = [[inf] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple[int, int] | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    for i in range(n + 1):
        for j in range(m + 1):
            if best[i][j] == inf:
                continue
            for di, dj in steps:
                ni, nj = i + di, j + dj
                if ni > n or nj > m:
                    continue
                c = best[i][j] + cost(i, j, di, dj)
                if c < best[ni][nj]:
                    best[ni][nj] = c
                    back[ni][nj] = (di, dj)
    path: list[tuple[list[int], list[int]]] = []
    i, j = n, m
    while i or j:
        di, dj = back[i][j]
        path.append((list(range(i - di, i)), list(range(j - dj, j))))
        i, j = i - di, j - dj
    path.reverse()
    return path


def _family(kind: BlockKind) -> BlockKind:
    # A note ("Correction: …") is a paragraph wherever a parser did not recognise its label.
    return BlockKind.PARAGRAPH if kind is BlockKind.NOTE else kind


def _relative(i: int, n: int) -> float:
    return (i + 0.5) / n if n else 0.0


def _block_cost(source: list[Block], target: list[Block], i: int, j: int, ratio: float = 1.0,
                lexicon: Lexicon | None = None, lang: str | None = None) -> float:  # fmt: skip
    s, t = source[i], target[j]
    kind = 0.0 if _family(s.kind) == _family(t.kind) else _KIND_MISMATCH_COST
    return kind + pair_cost(s.text, t.text, _relative(i, len(source)), _relative(j, len(target)), ratio, lexicon, lang)


def align_blocks(source: list[Block], target: list[Block], ratio: float = 1.0,
                 lexicon: Lexicon | None = None, lang: str | None = None) -> list[tuple[int | None, int | None]]:  # fmt: skip
    """(source index, target index) in order; None where a block has no counterpart."""

    def cost(i: int, j: int, di: int, dj: int) -> float:
        return _SKIP_COST if di == 0 or dj == 0 else _block_cost(source, target, i, j, ratio, lexicon, lang)

    pairs: list[tuple[int | None, int | None]] = []
    for src, tgt in _align(len(source), len(target), cost, ((1, 1), (1, 0), (0, 1))):
        pairs.append((src[0] if src else None, tgt[0] if tgt else None))
    return pairs


def _sentence_cost(source: list[str], target: list[str], i: int, j: int, di: int, dj: int, ratio: float = 1.0,
                   lexicon: Lexicon | None = None, lang: str | None = None) -> float:  # fmt: skip
    s, t = " ".join(source[i : i + di]), " ".join(target[j : j + dj])
    merge = 0.0 if di == dj == 1 else _MERGE_COST
    return pair_cost(s, t, _relative(i, len(source)), _relative(j, len(target)), ratio, lexicon, lang) + merge


def align_sentences(source: list[str], target: list[str], ratio: float = 1.0,
                    lexicon: Lexicon | None = None, lang: str | None = None) -> list[tuple[list[int], list[int]]]:  # fmt: skip
    def cost(i: int, j: int, di: int, dj: int) -> float:
        return _SKIP_COST if di == 0 or dj == 0 else _sentence_cost(source, target, i, j, di, dj, ratio, lexicon, lang)

    steps = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 0), (0, 1))
    return _align(len(source), len(target), cost, steps)


def _attach_loose_targets(path: list[tuple[list[int], list[int]]]) -> list[tuple[list[int], list[int]]]:
    """A target sentence with no source joins the pair before it (else the one after)."""
    out: list[tuple[list[int], list[int]]] = []
    loose: list[int] = []
    for s_ids, t_ids in path:
        if not s_ids:
            if out and out[-1][1]:
                out[-1] = (out[-1][0], out[-1][1] + t_ids)
            else:
                loose.extend(t_ids)
            continue
        if loose and t_ids:
            t_ids, loose = loose + t_ids, []
        out.append((s_ids, t_ids))
    if loose and out:
        out[-1] = (out[-1][0], out[-1][1] + loose)
    return out


def align_articles(source: Article, target: Article, target_lang: str) -> AlignedDocument:
    pairs: list[SegmentPair] = []
    findings: list[Finding] = []
    src_lang = source.source_language
    expected = expected_length(src_lang, target_lang)
    ratio = expected.ratio if expected else 1.0
    lexicon = lexicon_for(target_lang)
    known = [j for j, b in enumerate(target.blocks) if known_text(b.text)]
    aligned_target = [b for j, b in enumerate(target.blocks) if j not in known]
    target_index = [j for j in range(len(target.blocks)) if j not in known]
    for s_index, t_position in align_blocks(source.blocks, aligned_target, ratio, lexicon, target_lang):
        if t_position is None:
            # Missing in the target: point at the nearest target block that exists.
            anchor = pairs[-1].block if pairs else 0
            block = source.blocks[s_index]
            findings.append(
                Finding(
                    "align.block_missing",
                    Severity.CRITICAL if block.kind is BlockKind.HEADLINE else Severity.MAJOR,
                    anchor, None, 0, 0,
                    f"source {block.kind} has no counterpart in the translation: “{strip_placeholders(block.text)[:80]}”",
                )
            )  # fmt: skip
            continue
        t_index = target_index[t_position]
        tblock = target.blocks[t_index]
        if s_index is None:
            lone = SegmentPair(t_index, 0, tblock.kind, "", tblock.text, src_lang, target_lang, {}, tblock.marks, sure=False)
            pairs.append(lone)
            findings.append(Finding("addition.block", Severity.MAJOR, t_index, 0, 0, len(tblock.text),
                                    f"this {tblock.kind} of the translation has no counterpart in the source"))  # fmt: skip
            continue
        sblock = source.blocks[s_index]
        sure_block = (_block_cost(source.blocks, aligned_target, s_index, t_position, ratio, lexicon, target_lang) <= UNSURE_COST
                      and not unrelated(sblock.text, tblock.text, lexicon))  # fmt: skip
        s_spans = segment_block(sblock.text, src_lang)
        t_spans = segment_block(tblock.text, target_lang)
        s_texts, t_texts = [s.text for s in s_spans], [t.text for t in t_spans]
        path = _attach_loose_targets(align_sentences(s_texts, t_texts, ratio, lexicon, target_lang))
        for position, (s_ids, t_ids) in enumerate(path):
            src = " ".join(s_texts[i] for i in s_ids)
            if not t_ids:
                pairs.append(SegmentPair(t_index, position, tblock.kind, src, "", src_lang, target_lang, sblock.marks,
                                         tblock.marks, sure=sure_block))  # fmt: skip
                continue
            # Target text keeps the original gap between merged target sentences.
            tgt = tblock.text[t_spans[t_ids[0]].start : t_spans[t_ids[-1]].end]
            sure = sure_block and (
                len(path) == 1
                or _sentence_cost(s_texts, t_texts, s_ids[0], t_ids[0], len(s_ids), len(t_ids), ratio, lexicon, target_lang)
                <= UNSURE_COST + _MERGE_COST
            ) and not unrelated(src, tgt, lexicon)
            pair = SegmentPair(t_index, position, tblock.kind, src, tgt, src_lang, target_lang, sblock.marks, tblock.marks,
                               sure=sure)  # fmt: skip
            pairs.append(pair)
            if not sure:
                findings.append(Finding("align.uncertain", Severity.MINOR, t_index, position, 0, len(tgt),
                                        "the aligner is unsure this is the translation of “"
                                        f"{strip_placeholders(src)[:80]}”: not compared with it"))  # fmt: skip
    for j in known:
        block = target.blocks[j]
        pairs.append(SegmentPair(j, 0, block.kind, "", block.text, src_lang, target_lang, {}, block.marks, sure=False, known=True))
    pairs.sort(key=lambda p: (p.block, p.segment))
    return AlignedDocument(pairs, findings)
