"""Post-editing statistics from the audit records of published translations.

Each job counts once, with its newest publication (a corrected republication replaces
the first).  The reviewer of an article is the translator who approved it.
"""

from __future__ import annotations

import html
from dataclasses import asdict, dataclass

from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from relais.store.models import PublicationRow


@dataclass
class Totals:
    key: str
    articles: int = 0
    hter_sum: float = 0.0
    segments: int = 0
    segments_edited: int = 0
    active_seconds: float = 0.0

    def add(self, effort: dict) -> None:
        self.articles += 1
        self.hter_sum += float(effort.get("hter") or 0.0)
        self.segments += int(effort.get("segments") or 0)
        self.segments_edited += int(effort.get("segments_edited") or 0)
        self.active_seconds += float(effort.get("active_seconds") or 0.0)

    @property
    def mean_hter(self) -> float:
        return self.hter_sum / self.articles if self.articles else 0.0

    @property
    def share_edited(self) -> float:
        return self.segments_edited / self.segments if self.segments else 0.0

    def to_dict(self) -> dict:
        d = asdict(self)
        d.pop("hter_sum")
        d.update(mean_hter=round(self.mean_hter, 4), share_edited=round(self.share_edited, 4),
                 active_seconds=round(self.active_seconds, 1))  # fmt: skip
        return d


@dataclass
class Stats:
    total: Totals
    languages: list[Totals]
    reviewers: list[Totals]

    def to_dict(self) -> dict:
        return {
            "total": self.total.to_dict(),
            "languages": [t.to_dict() for t in self.languages],
            "reviewers": [t.to_dict() for t in self.reviewers],
        }


def collect(session: Session) -> Stats:
    newest = (
        select(PublicationRow.job_id, func.max(PublicationRow.number).label("number"))
        .group_by(PublicationRow.job_id)
        .subquery()
    )
    audits = session.scalars(
        select(PublicationRow.audit).join(
            newest, (PublicationRow.job_id == newest.c.job_id) & (PublicationRow.number == newest.c.number)
        )
    )
    total = Totals("all")
    languages: dict[str, Totals] = {}
    reviewers: dict[str, Totals] = {}
    for audit in audits:
        effort = audit.get("effort") or {}
        lang = str(audit.get("target_language") or "?")
        reviewer = str((audit.get("approved") or {}).get("by") or "?")
        total.add(effort)
        languages.setdefault(lang, Totals(lang)).add(effort)
        reviewers.setdefault(reviewer, Totals(reviewer)).add(effort)
    return Stats(total, sorted(languages.values(), key=lambda t: t.key), sorted(reviewers.values(), key=lambda t: t.key))


def bar_chart(rows: list[Totals], title: str) -> Markup:
    """Mean HTER per row as horizontal bars, server-rendered SVG (no script, no style attribute)."""
    bar_h, gap, label_w, chart_w = 22, 8, 120, 320
    height = max(1, len(rows)) * (bar_h + gap) + 30
    width = label_w + chart_w + 70
    parts = [
        f'<svg class="chart" role="img" aria-label="{html.escape(title)}" xmlns="http://www.w3.org/2000/svg" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">',
        f"<title>{html.escape(title)}</title>",
        f'<line class="axis" x1="{label_w}" y1="0" x2="{label_w}" y2="{height - 24}"/>',
    ]
    for tick in (0, 0.25, 0.5, 0.75, 1.0):
        x = label_w + tick * chart_w
        parts.append(f'<text class="tick" x="{x:.0f}" y="{height - 8}" text-anchor="middle">{tick:.2f}</text>')
    if not rows:
        parts.append(f'<text class="label" x="{label_w + 8}" y="20">nothing published yet</text>')
    for i, row in enumerate(rows):
        y = i * (bar_h + gap) + 4
        w = max(1.0, min(1.0, row.mean_hter) * chart_w)
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + bar_h - 6}" text-anchor="end">{html.escape(row.key)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}"><title>'
            f"{html.escape(row.key)}: mean HTER {row.mean_hter:.3f} over {row.articles} article(s)</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + bar_h - 6}">{row.mean_hter:.3f}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
