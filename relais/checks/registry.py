"""Every check, registered in one place.

Each module below exposes ``CHECKS``, a list of check classes.  The order of modules is
the order findings of equal position are listed in.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from relais.checks.base import Check, CheckContext, DocumentCheck, Finding, SegmentCheck, SegmentPair

CHECK_MODULES = (
    "relais.checks.figures",
    "relais.checks.names",
    "relais.checks.terms",
    "relais.checks.untranslated",
    "relais.checks.omissions",
    "relais.checks.markup",
    "relais.checks.typography",
    "relais.checks.spelling",
    "relais.checks.news",
    "relais.checks.meaning",
    "relais.checks.lexicon",
)


@cache
def all_checks() -> tuple[Check, ...]:
    checks: list[Check] = []
    for name in CHECK_MODULES:
        try:
            module = import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # not written yet
                continue
            raise
        checks.extend(cls() for cls in module.CHECKS)
    ids = [c.id for c in checks]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"check ids registered twice: {sorted(duplicates)}")
    return tuple(checks)


def checks_for(target_lang: str, only: set[str] | None = None) -> list[Check]:
    """Checks that apply to a target language; ``only``: ids or id prefixes (``numbers``)."""
    return list(_checks_for(target_lang, frozenset(only) if only else None))


@cache
def _checks_for(target_lang: str, only: frozenset[str] | None) -> tuple[Check, ...]:
    # Cached: checking one pair at a time (the review desk's re-check, the benchmarks)
    # must not pay for choosing the checks each time.
    selected = []
    for check in all_checks():
        if not check.applies_to(target_lang):
            continue
        if only and not any(check.id == o or check.id.startswith(o + ".") for o in only):
            continue
        selected.append(check)
    return tuple(selected)


def run_checks(pairs: list[SegmentPair], ctx: CheckContext, only: set[str] | None = None) -> list[Finding]:
    """All findings for an aligned article, sorted by position.  The checks that compare
    the two sides skip the pairs the aligner is unsure of (``SegmentPair.sure``)."""
    findings: list[Finding] = []
    compared = pairs if all(p.sure for p in pairs) else [p for p in pairs if p.sure]
    for check in checks_for(ctx.target_lang, only):
        checked = compared if check.compares else pairs
        if isinstance(check, SegmentCheck):
            for pair in checked:
                findings.extend(check.run(pair, ctx))
        elif isinstance(check, DocumentCheck):
            findings.extend(check.run_document(checked, ctx))
    findings.sort(key=Finding.sort_key)
    return findings
