"""Inline markup (links, bold, italic) must survive translation intact.

Marks travel as numbered placeholders (``<a1>…</a1>``, see ``relais.document.inline``).
A translation must carry each of the source's placeholders once, properly nested, and
its links must point where the source's do.  When the translation has its own marks
(``pair.target_marks``, e.g. a human translation imported with its links), each link is
compared with the source link of the same id; otherwise the target shares the source's
marks and its hrefs cannot differ.
"""

from __future__ import annotations

import re

from relais.checks.base import CheckContext, Finding, SegmentCheck, SegmentPair, Severity
from relais.document.inline import KIND_OF, PLACEHOLDER_RE, nesting_problem, placeholders

_TAG_NAME = re.compile(r"</?([abi]\d+)>")


def _mark_name(tag: str) -> str:
    """``"</a1>"`` → ``"a1"``."""
    m = _TAG_NAME.fullmatch(tag)
    return m.group(1) if m else tag


def _describe(name: str) -> str:
    return f"{KIND_OF.get(name[0], 'mark')} {name}"


class MarkupMissing(SegmentCheck):
    """``markup.missing`` (major, every locale): a link, bold or italic placeholder of the
    source is absent from the translation.

    Example: "Read <a1>the report</a1>." → "Lisez le rapport." (fr): the link is lost.
    """

    id = "markup.missing"
    severity = Severity.MAJOR
    description = "A link, bold or italic of the source is missing from the translation."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if "<" not in pair.source:
            return []
        missing = placeholders(pair.source) - placeholders(pair.target)
        names = sorted({_mark_name(tag) for tag in missing.elements()})
        return [self.finding(pair, 0, len(pair.target), f"the {_describe(name)} of the source is missing", f"restore <{name}>…</{name}> around the matching words") for name in names]


class MarkupExtra(SegmentCheck):
    """``markup.extra`` (major, every locale): the translation has a placeholder the source
    does not, or one more often than the source.

    Example: "Read the report." → "Lisez <b1>le rapport</b1>." (fr).
    """

    id = "markup.extra"
    severity = Severity.MAJOR
    description = "The translation has a link, bold or italic the source does not."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if "<" not in pair.target:
            return []
        extra = placeholders(pair.target) - placeholders(pair.source)
        if not extra:
            return []
        findings = []
        remaining = dict(extra)
        for m in reversed(list(PLACEHOLDER_RE.finditer(pair.target))):  # the surplus is the later copy
            tag = m.group(0)
            if remaining.get(tag, 0) > 0:
                remaining[tag] -= 1
                findings.append(self.finding(pair, m.start(), m.end(), f"{tag} is not in the source", "remove it"))
        return sorted(findings, key=lambda f: f.start)


def _href(marks: dict[str, dict[str, str]], name: str) -> str | None:
    href = (marks.get(name) or {}).get("href")
    return href.strip() if href is not None else None


class MarkupUrl(SegmentCheck):
    """``markup.url`` (critical, every locale): a link in the translation points somewhere
    else than the source's link with the same placeholder.

    Example: source ``<a1>`` → https://example.org/report, target ``<a1>`` →
    https://example.org/other.  Only when the target has its own marks
    (``target_marks``); otherwise both share the source's.
    """

    id = "markup.url"
    severity = Severity.CRITICAL
    description = "A link in the translation points to a different address than in the source."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if not pair.target_marks:
            return []
        findings = []
        seen: set[str] = set()
        for m in PLACEHOLDER_RE.finditer(pair.target):
            closing, letter, name = m.group(1), m.group(2), m.group(2) + m.group(3)
            if closing or letter != "a" or name in seen:
                continue
            seen.add(name)
            target_href = _href(pair.target_marks, name)
            source_href = _href(pair.marks, name)
            if target_href is None or source_href is None or target_href == source_href:
                continue  # a link the source lacks is markup.extra's to report
            end = pair.target.find(f"</{name}>", m.end())
            findings.append(self.finding(pair, m.start(), end + len(name) + 3 if end >= 0 else m.end(), f"link {name} points to {target_href}, the source to {source_href}", f"use {source_href}"))
        return findings


class MarkupNesting(SegmentCheck):
    """``markup.nesting`` (major, every locale): the translation has the source's
    placeholders but they overlap or close before they open.

    Example: "<b1>Read <a1>the report</a1></b1>" → "<b1>Lisez <a1>le rapport</b1></a1>" (fr).
    """

    compares = False  # reads the target alone
    id = "markup.nesting"
    severity = Severity.MAJOR
    description = "Links, bold and italic in the translation are not properly nested."

    def run(self, pair: SegmentPair, ctx: CheckContext) -> list[Finding]:
        if "<" not in pair.target:
            return []
        if placeholders(pair.source) != placeholders(pair.target):
            return []  # markup.missing / markup.extra say it more precisely
        if nesting_problem(pair.source) is not None:
            return []  # already broken in the source: nothing the translator did
        problem = nesting_problem(pair.target)
        if problem is None:
            return []
        return [self.finding(pair, 0, len(pair.target), problem, "put each closing tag after the tags opened inside it")]


CHECKS = [MarkupMissing, MarkupExtra, MarkupUrl, MarkupNesting]
