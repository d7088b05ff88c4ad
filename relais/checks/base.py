"""The check contract.

A check knows one thing.  It declares a stable ``id`` (``numbers.mismatch``), a
``severity`` and the target ``locales`` it applies to (``PackLocales``: derived from what
the language packs provide, so a new pack folder gains the checks its data supports),
and is registered in one place
(``relais.checks.registry``).  Segment checks look at one aligned source/target pair;
document checks see the whole aligned article (consistency across segments).

Offsets in a ``Finding`` produced by a check are into ``pair.target`` (the target
segment text *with* its inline placeholders); the runner turns them into offsets into
the target document's own text.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, ClassVar, Iterable, Protocol

from relais.document.inline import PLACEHOLDER_RE, strip_placeholders
from relais.document.model import BlockKind
from relais.document.translation import Severity
from relais.locales import Pack, codes_where


# Blocks where the newsroom wants stricter thresholds (issue 3, "news parts").
PROMINENT_KINDS = frozenset({BlockKind.HEADLINE, BlockKind.SUBHEADING, BlockKind.KEY_POINT, BlockKind.QUOTE})


@dataclass
class SegmentPair:
    """One source segment and its translation, where they sit in the article."""

    block: int  # index of the target block
    segment: int  # index of the segment within the block
    kind: BlockKind
    source: str  # with placeholders
    target: str  # with placeholders
    source_lang: str = "en"
    target_lang: str = "fr"
    marks: dict[str, dict[str, str]] = field(default_factory=dict)  # source marks (link targets)
    target_marks: dict[str, dict[str, str]] = field(default_factory=dict)
    # Whether the aligner is sure the target translates the source (two documents aligned
    # by relais.checks.align): the checks that compare the two sides skip a pair it is not.
    sure: bool = True
    known: bool = False  # the target is known text (a disclosure line): there is no source

    @cached_property
    def source_plain(self) -> str:
        return strip_placeholders(self.source)

    @cached_property
    def target_plain(self) -> str:
        return strip_placeholders(self.target)

    def target_offset(self, plain_index: int) -> int:
        """Index into ``target`` of the character at ``plain_index`` in ``target_plain``."""
        return _plain_to_tagged(self.target, plain_index)

    def target_span(self, plain_start: int, plain_end: int) -> tuple[int, int]:
        """``target`` offsets of the plain span ``[plain_start, plain_end)``, tags outside it."""
        if plain_end <= plain_start:
            at = self.target_offset(plain_start)
            return at, at
        return self.target_offset(plain_start), self.target_offset(plain_end - 1) + 1

    @property
    def prominent(self) -> bool:
        return self.kind in PROMINENT_KINDS


def _plain_to_tagged(tagged: str, plain_index: int) -> int:
    pos = 0  # in tagged
    seen = 0  # plain characters passed
    for m in PLACEHOLDER_RE.finditer(tagged):
        run = m.start() - pos
        if seen + run > plain_index:
            break
        seen += run
        pos = m.end()
    return pos + (plain_index - seen)


@dataclass
class Finding:
    check: str  # stable id, e.g. "numbers.mismatch"
    severity: Severity
    block: int
    segment: int | None  # None: about the whole block
    start: int  # into the target segment text (with placeholders), or the block for block findings
    end: int
    message: str
    suggestion: str | None = None  # advice, or (``replaces``) the text to put in place of the span
    text: str = ""  # the span, filled in by the runner
    replaces: bool = False  # the suggestion replaces exactly target[start:end]: one key may accept it

    def sort_key(self) -> tuple:
        return (self.block, -1 if self.segment is None else self.segment, self.start, -self.severity.rank, self.check)


class Termbase(Protocol):
    """What the names check needs from a termbase (the memory issue provides one)."""

    def renderings(self, source_term: str, target_lang: str) -> tuple[str, list[str]] | None:
        """(approved rendering, forbidden variants) for a source term, or None."""


# A name or role the segment's source lacks counts as given (a minor finding, not a loud
# one) when the source has it in the same block or this many blocks before: the paragraph
# that introduced it ("Governor Ann Pike …" then "The governor promised …").
NEARBY_BLOCKS = 2


class NearbySource:
    """What the source of each block holds (its words, its roles: ``read`` of a
    segment's source text), read once on the first question, and what the block of a
    segment and the ``NEARBY_BLOCKS`` blocks before it hold together."""

    def __init__(self, pairs: list[SegmentPair], read: Callable[[str], Iterable[str]]):
        self._pairs, self._read = pairs, read
        self._by_block: dict[int, set[str]] | None = None

    def around(self, pair: SegmentPair) -> set[str]:
        if self._by_block is None:
            self._by_block = {}
            for p in self._pairs:
                self._by_block.setdefault(p.block, set()).update(self._read(p.source_plain))
        return {x for b in range(pair.block - NEARBY_BLOCKS, pair.block + 1) for x in self._by_block.get(b, ())}


@dataclass
class CheckContext:
    source_lang: str
    target_lang: str
    machine_output: bool = True  # False: human text, the typography fixer only reports
    termbase: Termbase | None = None
    # The update of a story: (block, segment) → the earlier version's source of a segment
    # that changed (relais.store.updates), so a check can see a correction not carried over.
    earlier: dict[tuple[int, int], str] = field(default_factory=dict)


class PackLocales:
    """A check's ``locales``: the target languages whose packs satisfy ``predicate``,
    read from the packs when asked (``relais.locales.codes_where``)."""

    def __init__(self, predicate: Callable[[Pack], bool]):
        self.predicate = predicate

    def __get__(self, obj: object, owner: type | None = None) -> frozenset[str]:
        return codes_where(self.predicate)


class Check(ABC):
    id: ClassVar[str]
    severity: ClassVar[Severity]
    locales: ClassVar[frozenset[str] | None] = None  # None: every target language
    description: ClassVar[str] = ""
    # Whether the check compares the target with its source (False: it reads the target
    # alone, like typography and spelling, and also runs where there is no sure source).
    compares: ClassVar[bool] = True

    def applies_to(self, target_lang: str) -> bool:
        return self.locales is None or target_lang in self.locales

    def finding(self, pair: SegmentPair, start: int, end: int, message: str, suggestion: str | None = None,
                severity: Severity | None = None, *, replaces: bool = False) -> Finding:  # fmt: skip
        """A finding over target[start:end].  ``suggestion`` is advice for the translator,
        unless ``replaces``: then it is the text that replaces exactly those words."""
        return Finding(self.id, severity or self.severity, pair.block, pair.segment, start, end, message, suggestion,
                       replaces=replaces and suggestion is not None)  # fmt: skip


class SegmentCheck(Check):
    @abstractmethod
    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        """Findings for one aligned segment pair."""


class DocumentCheck(Check):
    @abstractmethod
    def run_document(self, pairs: list[SegmentPair], ctx: CheckContext) -> list[Finding]:
        """Findings that need the whole article (consistency, omitted blocks)."""
