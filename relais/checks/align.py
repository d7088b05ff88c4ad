"""Aligning a source article with a translation, so that any two documents can be checked.

Blocks are aligned by structure and order (dynamic programming over the two block
sequences, scoring kind agreement and length), then sentences within aligned blocks
(1:1, 1:2, 2:1, 1:0 and 0:1 steps, scored by length as in Gale & Church).  What cannot be
aligned becomes a finding itself (``align.block_missing``, ``align.block_extra``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from relais.checks.base import Finding, SegmentPair, Severity
from relais.document.inline import strip_placeholders
from relais.document.model import Article, Block, BlockKind
from relais.document.segment import segment_block

# Expected target/source length ratio is close to 1 for European languages; the spread
# is wide because translators restructure.  Only used to choose between alignments.
_LOG_RATIO_SPREAD = 0.45
_SKIP_COST = 4.0  # cost of leaving one block or sentence unaligned
_KIND_MISMATCH_COST = 2.5


@dataclass
class AlignedDocument:
    pairs: list[SegmentPair]
    findings: list[Finding]  # what could not be aligned


def _length_cost(a: str, b: str) -> float:
    la, lb = len(strip_placeholders(a)) + 1, len(strip_placeholders(b)) + 1
    return abs(math.log(lb / la)) / _LOG_RATIO_SPREAD


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


def align_blocks(source: list[Block], target: list[Block]) -> list[tuple[int | None, int | None]]:
    def cost(i: int, j: int, di: int, dj: int) -> float:
        if di == 0 or dj == 0:
            return _SKIP_COST
        s, t = source[i], target[j]
        kind = 0.0 if _family(s.kind) == _family(t.kind) else _KIND_MISMATCH_COST
        return kind + _length_cost(s.text, t.text)

    pairs: list[tuple[int | None, int | None]] = []
    for src, tgt in _align(len(source), len(target), cost, ((1, 1), (1, 0), (0, 1))):
        pairs.append((src[0] if src else None, tgt[0] if tgt else None))
    return pairs


def align_sentences(source: list[str], target: list[str]) -> list[tuple[list[int], list[int]]]:
    def cost(i: int, j: int, di: int, dj: int) -> float:
        if di == 0 or dj == 0:
            return _SKIP_COST
        s = " ".join(source[i : i + di])
        t = " ".join(target[j : j + dj])
        merge_penalty = 0.0 if di == dj == 1 else 1.0
        return _length_cost(s, t) + merge_penalty

    steps = ((1, 1), (1, 2), (2, 1), (1, 0), (0, 1))
    return _align(len(source), len(target), cost, steps)


def align_articles(source: Article, target: Article, target_lang: str) -> AlignedDocument:
    pairs: list[SegmentPair] = []
    findings: list[Finding] = []
    for s_index, t_index in align_blocks(source.blocks, target.blocks):
        if t_index is None:
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
        tblock = target.blocks[t_index]
        if s_index is None:
            findings.append(
                Finding("align.block_extra", Severity.MAJOR, t_index, None, 0, len(tblock.text),
                        f"{tblock.kind} in the translation has no counterpart in the source")
            )  # fmt: skip
            continue
        sblock = source.blocks[s_index]
        s_spans = segment_block(sblock.text, source.source_language)
        t_spans = segment_block(tblock.text, target_lang)
        for position, (s_ids, t_ids) in enumerate(
            align_sentences([s.text for s in s_spans], [t.text for t in t_spans])
        ):
            src = " ".join(s_spans[i].text for i in s_ids)
            if not t_ids:
                pairs.append(
                    SegmentPair(t_index, position, tblock.kind, src, "", source.source_language, target_lang,
                                sblock.marks, tblock.marks)
                )  # fmt: skip
                continue
            # Target text keeps the original gap between merged target sentences.
            tgt = tblock.text[t_spans[t_ids[0]].start : t_spans[t_ids[-1]].end]
            pairs.append(
                SegmentPair(t_index, position, tblock.kind, src, tgt, source.source_language, target_lang,
                            sblock.marks, tblock.marks)
            )  # fmt: skip
    return AlignedDocument(pairs, findings)
