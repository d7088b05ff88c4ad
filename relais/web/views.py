"""What the desk's pages and JSON show, apart from the routes: JSON shapes of the
service's views, the source text as safe HTML, flash messages, word diffs for the diff page
and for the English of a story update's changed segments.

Everything the pages show from an article passes through Jinja's autoescape; the only
HTML we build ourselves (source links, diff marks) is built from escaped pieces and then
cleaned again by nh3 with a short allow-list.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import datetime
from typing import Any

import nh3
from markupsafe import Markup

from relais.document.diff import word_diff as source_word_diff
from relais.document.inline import PLACEHOLDER_RE
from relais.publish.effort import word_diff
from relais.memory.tm import TmStats
from relais.document.translation import Segment, StoredFinding, Translation
from relais.review.pages import SegmentChange, StoryUpdate
from relais.store.models import TermRenderingRow, TermRow, TmEntryRow


KIND_LABELS = {
    "headline": "Headline",
    "standfirst": "Standfirst",
    "key_point": "Key point",
    "subheading": "Subheading",
    "paragraph": "Paragraph",
    "quote": "Quote",
    "caption": "Caption",
    "list_item": "List item",
}

STATUS_LABELS = {
    "draft": "machine draft",
    "in_review": "in review",
    "approved": "approved",
    "signed_off": "signed off",
    "published": "published",
    "superseded": "superseded",
    "withdrawn": "withdrawn",
}

_ALLOWED_TAGS = {"a", "b", "i", "span", "del", "ins"}
_ALLOWED_ATTRS = {"a": {"href"}, "span": {"class"}}
_URL_SCHEMES = {"http", "https", "mailto"}


def sanitise(fragment: str) -> Markup:
    """HTML we built, cleaned once more: only a few tags, links http/https/mailto only."""
    return Markup(
        nh3.clean(
            fragment, tags=_ALLOWED_TAGS, attributes=_ALLOWED_ATTRS, url_schemes=_URL_SCHEMES,
            link_rel="noopener noreferrer nofollow",
        )
    )  # fmt: skip


def source_html(text: str, marks: dict[str, dict[str, str]] | None) -> Markup:
    """A source segment with its inline tags visible and its links live (when safe)."""
    marks = marks or {}
    out: list[str] = []
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        out.append(html.escape(text[pos : m.start()]))
        closing, kind, num = m.groups()
        chip = f'<span class="tag">{html.escape(m.group(0))}</span>'
        if closing:
            out.append(f"</{kind}>{chip}")
        else:
            attrs = ""
            if kind == "a":
                href = str((marks.get(kind + num) or {}).get("href") or "")
                attrs = f' href="{html.escape(href, quote=True)}"'
            out.append(f"{chip}<{kind}{attrs}>")
        pos = m.end()
    out.append(html.escape(text[pos:]))
    return sanitise("".join(out))


_MARKS = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}


def _marked(pieces: Iterable[tuple[str, str]]) -> Markup:
    """``(op, text)`` pieces ("=" kept, "-" taken out, "+" put in) as HTML: each text
    escaped, then marked <del> or <ins>, and the whole cleaned once more."""
    return sanitise("".join(_MARKS[op].format(html.escape(text)) for op, text in pieces if text))


def diff_html(before: str, after: str) -> Markup:
    """Word diff of two texts with <del>/<ins> (texts escaped, tags shown as text)."""
    pieces: list[tuple[str, str]] = []
    for op in word_diff(before, after):
        if op.op == "equal":
            pieces.append(("=", op.after))
        else:
            pieces += [("-", op.before), ("+", op.after)]
    return _marked(pieces)


def source_diff_html(old: str, new: str) -> Markup:
    """What changed in a segment's English between two versions of a story, word by word
    (``relais.document.diff.word_diff``), with <del>/<ins>, escaped like ``diff_html``."""
    return _marked(source_word_diff(old, new))


def replaceable(f: StoredFinding) -> bool:
    """Does the check offer text that replaces exactly the finding's words?  (Otherwise
    its suggestion is advice, shown but never accepted with one key.)"""
    return bool(f.suggestion) and f.replaces


def finding_json(f: StoredFinding) -> dict[str, Any]:
    d = asdict(f)
    d["replaceable"] = replaceable(f)
    return d


def segment_json(s: Segment) -> dict[str, Any]:
    return {
        "id": s.id, "block": s.block, "index": s.index, "kind": s.kind, "source": s.source, "draft": s.draft,
        "text": s.text, "version": s.version, "risk": s.risk, "error": s.error, "confirmed_by": s.confirmed_by,
        "confirmed_how": s.confirmed_how, "confirmed": s.confirmed, "edited": s.edited, "worst": s.worst,
        "findings": [finding_json(f) for f in s.findings],
    }  # fmt: skip


def change_json(change: SegmentChange, update: StoryUpdate) -> dict[str, Any]:
    """A segment's change in an update, and what the earlier version had for it (None
    when it is new): its English and the base's text."""
    previous = None
    if change.old_source is not None:
        previous = {"version": update.base_version, "job_id": update.base_job_id, "source": change.old_source,
                    "text": change.previous, "carried": change.carried}  # fmt: skip
    return {"change": change.change, "previous": previous}


def update_json(update: StoryUpdate) -> dict[str, Any]:
    """The update a job makes: the version and job it updates, the counts, the English
    removed (each after the segment it followed; None: before the first)."""
    return {
        "base_job_id": update.base_job_id, "base_version": update.base_version, "base_status": update.base_status,
        "version": update.version, "counts": update.counts, "to_review": update.to_review,
        "removed": [{"after": after, "source": text} for after, texts in update.removed.items() for text in texts],
    }  # fmt: skip


def job_json(view: Translation, update: StoryUpdate | None = None) -> dict[str, Any]:
    """The job as JSON; for the update of a story (``pages.story_update``), ``update``
    and each segment's ``change`` and ``previous`` too (``update`` None otherwise)."""

    def seg(s: Segment) -> dict[str, Any]:
        return segment_json(s) | (change_json(update.segments[s.id], update) if update else {})

    return {
        "id": view.id, "article_id": view.article_id, "title": view.title,
        "source_language": view.source_language, "target_language": view.target_language,
        "status": view.status, "review_status": view.review_status, "assignee": view.assignee,
        "headline_signoff": view.headline_signoff, "engine": view.engine,
        "counts": view.counts(), "blockers": view.blockers(),
        "update": update_json(update) if update else None,
        "blocks": [
            {"index": b.index, "kind": b.kind, "findings": [finding_json(f) for f in b.findings],
             "segments": [seg(s) for s in b.segments]}
            for b in view.blocks
        ],
    }  # fmt: skip


def encode_flash(kind: str, message: str) -> str:
    raw = json.dumps({"kind": kind, "message": message[:500]}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_flash(value: str | None) -> dict[str, str] | None:
    if not value:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)))
        kind = data["kind"] if data.get("kind") in ("ok", "error") else "ok"
        return {"kind": kind, "message": str(data["message"])[:500]}
    except (ValueError, KeyError, TypeError):
        return None


def human_age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 86400:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d}"
    return f"{seconds // 86400} d {seconds % 86400 // 3600} h"


def human_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"


# --------------------------------------------------------------------------- memory and termbase


def _when(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def tm_entry_json(row: TmEntryRow, score: float | None = None, exact: bool | None = None) -> dict[str, Any]:
    """One translation-memory entry with its provenance (and its score in a lookup)."""
    out: dict[str, Any] = {
        "id": row.id, "source_lang": row.source_lang, "target_lang": row.target_lang,
        "source_text": row.source_text, "target_text": row.target_text, "origin": row.origin,
        "approved_by": row.approved_by, "approved_at": _when(row.approved_at), "created_at": _when(row.created_at),
        "article_id": row.article_id, "job_id": row.job_id, "note": row.note,
        "job_url": f"/jobs/{row.job_id}" if row.job_id is not None else None,
    }  # fmt: skip
    if score is not None:
        out["score"] = score
        out["exact"] = bool(exact)
    return out


def tm_stats_json(rows: list[TmStats]) -> list[dict[str, Any]]:
    """Entries per language pair, with the count per origin."""
    pairs: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        pair = pairs.setdefault((r.source_lang, r.target_lang),
                                {"source_lang": r.source_lang, "target_lang": r.target_lang, "entries": 0, "origins": {}})  # fmt: skip
        pair["entries"] += r.entries
        pair["origins"][r.origin] = pair["origins"].get(r.origin, 0) + r.entries
    return list(pairs.values())


def rendering_json(r: TermRenderingRow) -> dict[str, Any]:
    return {
        "id": r.id, "lang": r.lang, "text": r.text, "status": r.status, "forbidden": list(r.forbidden or []),
        "note": r.note, "proposed_by": r.proposed_by, "approved_by": r.approved_by,
        "approved_at": _when(r.approved_at), "created_at": _when(r.created_at), "job_id": r.job_id,
        "job_url": f"/jobs/{r.job_id}" if r.job_id is not None else None,
    }  # fmt: skip


def term_json(term: TermRow, lang: str | None = None, status: str | None = None) -> dict[str, Any]:
    """A term with its renderings (only those in ``lang`` and of ``status`` when given)."""
    renderings = [r for r in term.renderings if (lang is None or r.lang == lang) and (status is None or r.status == status)]
    return {
        "id": term.id, "source_lang": term.source_lang, "source_term": term.source_term, "type": term.type,
        "note": term.note, "renderings": [rendering_json(r) for r in sorted(renderings, key=lambda r: (r.lang, r.id))],
    }  # fmt: skip

