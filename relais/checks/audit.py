"""Checking a translation: a stored draft, or any two documents.

Both paths end in the same place: aligned segment pairs, the registered checks (and,
with a judge engine configured, the MQM judge on the segments ``needs_judge`` selects:
``relais.checks.judge``), then findings placed in the target document's own text.  The
JSON form is read by other tools; its shape is documented in docs/checks.md and kept
stable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from relais.checks.align import align_articles
from relais.checks.base import CheckContext, Finding, SegmentPair, Severity, Termbase
from relais.checks.judge import CHECK_IDS as JUDGE_CHECK_IDS
from relais.checks.judge import JudgeReport, MqmJudge, pairs_to_judge
from relais.checks.locate import Locator
from relais.checks.meaning import make_scorer, risk_finding, risk_findings, risk_threshold, segment_risk
from relais.checks.news import headline_signoff
from relais.checks.registry import run_checks
from relais.config import DEFAULT_JUDGE_SCOPE, Limits
from relais.document.decode import decode_article
from relais.document.ingest import ingest_bytes
from relais.document.render import render_markdown
from relais.document.translation import Translation

FAIL_LEVELS = ("critical", "major", "minor", "none")


@dataclass
class Report:
    target_text: str
    findings: list[Finding]
    target_lang: str
    notes: list[str] = field(default_factory=list)  # for the person, not the JSON: "MQM judge gave no usable answer …"

    def summary(self) -> dict[str, int]:
        counts = {s.value: 0 for s in Severity}
        for f in self.findings:
            counts[f.severity.value] += 1
        return counts

    def fails(self, level: str) -> bool:
        if level == "none":
            return False
        threshold = Severity(level).rank
        return any(f.severity.rank >= threshold for f in self.findings)

    def to_dict(self) -> dict:
        return {
            "findings": [
                {
                    "check": f.check,
                    "severity": f.severity.value,
                    "start": f.start,
                    "end": f.end,
                    "text": f.text,
                    "block": f.block,
                    "segment": f.segment,
                    "message": f.message,
                    "suggestion": f.suggestion,
                    "replaces": f.replaces,
                }
                for f in self.findings
            ],
            "summary": self.summary(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"


@dataclass(frozen=True)
class JudgeRequest:
    """The MQM judge for a check, and which segments it reads (``[checks] judge``)."""

    judge: MqmJudge
    scope: str = DEFAULT_JUDGE_SCOPE


def _report(
    pairs: list[SegmentPair],
    extra: list[Finding],
    ctx: CheckContext,
    document: str,
    unchecked: list[SegmentPair] = (),
    risk_engine=None,
    risk_method: str | None = None,
    judge: JudgeRequest | None = None,
    risks: dict[tuple[int, int], float] | None = None,
) -> Report:
    """``unchecked``: pairs that are in the document but not checked (failed drafts).
    ``risk_method``: also score meaning risk by this method (``back-translation``,
    ``judge``: with ``risk_engine``; ``rules``: the rule checks alone).  ``judge``: also
    ask the MQM judge about the pairs it selects from the findings so far and ``risks``
    ((block, segment) → stored meaning risk); how many it gave no usable answer for is
    the report's note."""
    findings = run_checks(pairs, ctx) + extra
    if risk_method is None and risk_engine is not None:
        risk_method = "back-translation"
    if risk_method is not None:
        findings += risk_findings(pairs, findings, make_scorer(risk_method, risk_engine))
    notes: list[str] = []
    if judge is not None:
        report = judge.judge.judge(pairs_to_judge(pairs, findings, risks, judge.scope))
        findings += report.findings
        notes += [n for n in (report.note(),) if n]
    everything = sorted([*pairs, *unchecked], key=lambda p: (p.block, p.segment))
    by_key = {(p.block, p.segment): p for p in everything}
    locator = Locator(everything, document)
    placed = [locator.place(f, by_key.get((f.block, f.segment))) for f in findings]
    placed.sort(key=lambda f: (f.start, -f.severity.rank, f.check))
    return Report(document, placed, ctx.target_lang, notes)


@dataclass
class DraftPairs:
    pairs: list[SegmentPair]  # translated segments, checked
    failed: list[SegmentPair]  # segments without a translation, shown as ⟦source⟧
    extra: list[Finding]  # one draft.untranslated finding per failed segment
    segment_ids: dict[tuple[int, int], int | None]


def draft_pairs(draft: Translation) -> DraftPairs:
    pairs: list[SegmentPair] = []
    failed: list[SegmentPair] = []
    extra: list[Finding] = []
    ids: dict[tuple[int, int], int | None] = {}
    for block in draft.blocks:
        for seg in block.segments:
            ids[(block.index, seg.index)] = seg.id
            if not seg.translated:
                shown = f"⟦{seg.source}⟧"  # how the draft shows a segment without translation
                failed.append(SegmentPair(block.index, seg.index, block.kind, seg.source, shown,
                                          draft.source_language, draft.target_language, block.marks, block.marks))
                extra.append(
                    Finding("draft.untranslated", Severity.CRITICAL, block.index, seg.index, 0, len(shown),
                            f"no machine translation ({seg.error or seg.status})")
                )  # fmt: skip
                continue
            pairs.append(
                SegmentPair(block.index, seg.index, block.kind, seg.source, seg.text, draft.source_language,
                            draft.target_language, block.marks, block.marks)
            )  # fmt: skip
    return DraftPairs(pairs, failed, extra, ids)


@dataclass
class DraftCheck:
    """Findings of a stored draft in segment coordinates, ready to be stored."""

    findings: list[tuple[int | None, Finding]]  # (segment id, finding)
    risks: dict[int, float]  # segment id → meaning risk
    headline_signoff: bool
    judge: JudgeReport | None = None  # the MQM judge's run, when one was asked


def check_draft_segments(
    draft: Translation, machine_output: bool = True, risk_method: str = "rules", termbase: Termbase | None = None,
    earlier: dict[int, str] | None = None, judge: JudgeRequest | None = None, unjudged: frozenset[int] = frozenset(),
) -> DraftCheck:
    """The automatic checks of a stored draft, and each segment's meaning risk.

    ``risk_method`` "rules": the risk is the rule checks' (``segment_risk``).  Any other
    method has scored the drafts already (``relais.jobs.runner.score_risks`` stored the
    combined risk with each draft): the stored risk is kept (at least the rules' risk),
    and a segment it could not score keeps no risk (None).  Failed drafts have no risk.
    Each risk at or above ``risk_threshold`` (lower for the headline and subheadings) is a ``meaning.risk`` finding.  ``earlier``: for
    the update of a story, segment id → the earlier version's source of each segment that
    changed (``numbers.stale``).

    ``judge``: the MQM judge also reads the segments it selects (``needs_judge``, from
    these findings and risks; never those in ``unjudged``, segment ids of text a person
    approved), after every other check; its findings join the others (and the headline
    flag), its run is ``DraftCheck.judge``.
    """

    dp = draft_pairs(draft)
    by_id = {sid: where for where, sid in dp.segment_ids.items()}
    ctx = CheckContext(draft.source_language, draft.target_language, machine_output=machine_output, termbase=termbase,
                       earlier={by_id[sid]: old for sid, old in (earlier or {}).items() if sid in by_id})  # fmt: skip
    findings = run_checks(dp.pairs, ctx) + dp.extra
    by_segment: dict[tuple[int, int], list[Finding]] = {}
    for f in findings:
        by_segment.setdefault((f.block, f.segment), []).append(f)
    stored = {seg.id: seg.risk for block in draft.blocks for seg in block.segments}
    risks: dict[int, float] = {}
    for pair in dp.pairs:
        segment_id = dp.segment_ids.get((pair.block, pair.segment))
        if segment_id is None:
            continue
        rules = segment_risk([f for f in by_segment.get((pair.block, pair.segment), []) if f.check.startswith("meaning.")])
        if risk_method == "rules":
            risk, detail = rules, "rules"
        elif stored.get(segment_id) is None:
            continue  # not scored: the engine gave no usable answer, or was unreachable
        else:
            risk, detail = max(rules, stored[segment_id]), risk_method
        risks[segment_id] = risk
        if risk >= risk_threshold(pair.kind):
            findings.append(risk_finding(pair, risk, detail))
    judged = None
    if judge is not None:
        candidates = [p for p in dp.pairs if dp.segment_ids.get((p.block, p.segment)) not in unjudged]
        where_risk = {where: risks[sid] for where, sid in dp.segment_ids.items() if sid in risks}
        judged = judge.judge.judge(pairs_to_judge(candidates, findings, where_risk, judge.scope))
        findings += judged.findings
    texts = {(p.block, p.segment): p.target for p in (*dp.pairs, *dp.failed)}
    for f in findings:
        f.text = texts.get((f.block, f.segment), "")[f.start : f.end]
    return DraftCheck(
        [(dp.segment_ids.get((f.block, f.segment)), f) for f in findings],
        risks,
        headline_signoff(findings, [*dp.pairs, *dp.failed]),
        judged,
    )


def stored_risk_findings(draft: Translation, pairs: list[SegmentPair]) -> list[Finding]:
    """``meaning.risk`` findings from the risks stored with the draft's segments."""

    stored = {(block.index, seg.index): seg.risk for block in draft.blocks for seg in block.segments}
    return [
        risk_finding(p, risk, "stored with the draft")
        for p in pairs
        if (risk := stored.get((p.block, p.segment))) is not None and risk >= risk_threshold(p.kind)
    ]


def stored_judge_findings(draft: Translation, pairs: list[SegmentPair]) -> list[Finding]:
    """The MQM judge's findings stored with the draft (by its job's judge), on ``pairs``."""
    stored = {(block.index, seg.index): seg.draft_findings for block in draft.blocks for seg in block.segments}
    return [
        Finding(f.check, Severity(f.severity), p.block, p.segment, f.start, f.end, f.message, f.suggestion)
        for p in pairs
        for f in stored.get((p.block, p.segment), [])
        if f.check in JUDGE_CHECK_IDS
    ]


def check_draft(
    draft: Translation, machine_output: bool = True, risk_engine=None, risk_method: str | None = None,
    judge: JudgeRequest | None = None,
) -> Report:  # fmt: skip
    """Check a stored translation; offsets are into its Markdown rendering (``relais show ID``).

    Without ``risk_method`` (and ``risk_engine``) the meaning risks stored with the draft
    are reported; with one, the risk is scored again by that method.  Without ``judge``
    the MQM judge's findings stored with the draft (if its job had a judge) are
    reported; with one, the judge reads the draft again (choosing the segments from the
    stored risks and these findings)."""
    dp = draft_pairs(draft)
    ctx = CheckContext(draft.source_language, draft.target_language, machine_output=machine_output)
    extra = list(dp.extra)
    if risk_method is None and risk_engine is None:
        extra += stored_risk_findings(draft, dp.pairs)
    if judge is None:
        extra += stored_judge_findings(draft, dp.pairs)
    risks = {(block.index, seg.index): seg.risk for block in draft.blocks for seg in block.segments if seg.risk is not None}
    return _report(dp.pairs, extra, ctx, render_markdown(draft), dp.failed, risk_engine, risk_method, judge, risks)


def check_documents(
    source: bytes,
    target: bytes,
    target_lang: str,
    *,
    source_name: str | None = None,
    target_name: str | None = None,
    limits: Limits | None = None,
    risk_engine=None,
    risk_method: str | None = None,
    judge: JudgeRequest | None = None,
) -> Report:
    """Check any translation against its source: both are ingested, aligned, then checked
    (with ``judge``, the MQM judge too, on the pairs the aligner is sure of).

    The translation is treated as human text: the typography rules only report.
    """
    src = ingest_bytes(source, name=source_name, limits=limits)
    tgt = ingest_bytes(target, name=target_name, limits=limits, language=target_lang, strip_ui_text=False)
    aligned = align_articles(src, tgt, target_lang)
    ctx = CheckContext(src.source_language, target_lang, machine_output=False)
    return _report(aligned.pairs, aligned.findings, ctx, decode_article(target), risk_engine=risk_engine,
                   risk_method=risk_method, judge=judge)  # fmt: skip
