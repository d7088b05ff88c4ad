"""Helpers for table-driven check tests, in the style of translate-toolkit's checks tests:
each case is (source, target, locale, expected finding ids)."""

from __future__ import annotations

from relais.checks.base import CheckContext, Finding, SegmentPair
from relais.checks.registry import run_checks
from relais.document.model import BlockKind


def pair(source: str, target: str, locale: str, kind: BlockKind = BlockKind.PARAGRAPH, marks=None, target_marks=None) -> SegmentPair:
    return SegmentPair(0, 0, kind, source, target, "en", locale, marks or {}, target_marks or {})


def findings(source: str, target: str, locale: str, *, only: set[str] | None = None, kind: BlockKind = BlockKind.PARAGRAPH, machine: bool = True, marks=None, target_marks=None) -> list[Finding]:
    """Findings of the registered checks (or those in ``only``) for one segment pair."""
    ctx = CheckContext("en", locale, machine_output=machine)
    return run_checks([pair(source, target, locale, kind, marks, target_marks)], ctx, only=only)


def ids(source: str, target: str, locale: str, **kwargs) -> set[str]:
    return {f.check for f in findings(source, target, locale, **kwargs)}
