"""One job under review: the editor page and its JSON (``/api/v1/jobs/{id}/review``, for
people at the desk only, like saving and confirming segments), the article's actions
(approve, sign off, reopen, publish), the diff page and the published files."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from relais.document.diff import CHANGED
from relais.document.translation import Translation
from relais.errors import NotFound
from relais.publish import publisher
from relais.publish.effort import review_effort
from relais.review import accounts, pages, service
from relais.store.models import ReviewStatus
from relais.web import views
from relais.web.deps import (
    API_V1, SESSION_ONLY, Config, FormWriter, JsonWriter, Person, done, json_body, json_body_doc, page,
)  # fmt: skip

EXPORT_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8", "json": "application/json"}

router = APIRouter()


class SegmentEdit(BaseModel):
    text: str = Field(max_length=service.MAX_SEGMENT_CHARS * 2)
    base_version: int = Field(ge=0)
    active_seconds: float = Field(default=0.0, ge=0, le=86400)


class SegmentConfirmation(BaseModel):
    version: int = Field(ge=0, description="the version being confirmed: it must still be the current one")
    seconds: float | None = Field(default=None, ge=0, le=86400, description="how long the segment was on screen")


def publication_info(s: Session, job_id: int) -> dict[str, Any] | None:
    """The latest publication of a job and the links to its files, or None.  A withdrawn
    one links to its audit record only (its files answer 410) and says who withdrew it."""
    try:
        pub = publisher.latest_publication(s, job_id)
    except NotFound:
        return None
    base = f"/jobs/{job_id}"
    links = {"audit": f"{base}/audit.json"}
    if pub.withdrawn_at is None:
        links = {"markdown": f"{base}/publication.md", "html": f"{base}/publication.html",
                 "json": f"{base}/publication.json", **links}  # fmt: skip
    withdrawn = None
    if pub.withdrawn_at is not None:
        withdrawn = {"at": pub.withdrawn_at.isoformat(timespec="seconds"), "by": pub.withdrawn_by, "reason": pub.withdrawn_reason}
    return {"number": pub.number, "by": pub.actor, "at": pub.created_at.isoformat(timespec="seconds"), "links": links,
            "withdrawn": withdrawn}  # fmt: skip


# --------------------------------------------------------------------------- the editor


@router.get("/jobs/{job_id}", response_class=HTMLResponse, tags=["pages"], summary="The editor")
def editor_page(request: Request, config: Config, w: Person, job_id: int) -> Response:
    with config.store.read() as s:
        view = pages.viewable_job(s, w.actor, job_id)
        marks = pages.block_marks(s, view.article_id)
        history = pages.segment_history(s, job_id)
        pub = publication_info(s, job_id)
        actions = pages.offered_actions(s, w.actor, view, config.rules)
        withdrawable = pages.may_withdraw(s, w.actor, view.story_id)
        data = {
            "job": {"id": view.id, "review_status": view.review_status, "target_language": view.target_language},
            "editable": actions["edit"],
            "segments": {
                str(seg.id): {**views.segment_json(seg), "history": [seg.draft or "", *history.get(seg.id, [])]}
                for seg in view.segments
            },
        }
        sources = {seg.id: views.source_html(seg.source, marks.get(seg.block)) for seg in view.segments}
        update = pages.story_update(s, view)
        if update is not None:
            data["update"] = {"to_review": update.to_review}
        return page(request, "editor.html", w, view=view, counts=view.counts(), blockers=view.blockers(),
                    actions=actions, withdrawable=withdrawable, publication=pub, data=data, sources=sources, update=update,
                    **update_context(s, view, update))  # fmt: skip


def update_context(s: Session, view: Translation, update: pages.StoryUpdate | None) -> dict[str, Any]:
    """What the editor shows of a story update besides the update itself: the base's
    publication, the segments it folds, the word diff of each changed segment's English
    (nothing for a job that updates none)."""
    if update is None:
        return {"base_publication": None, "folded": set(), "source_diffs": {}}
    changes = update.segments
    diffs = {seg.id: views.source_diff_html(changes[seg.id].old_source or "", seg.source)
             for seg in view.segments if changes[seg.id].change == CHANGED}  # fmt: skip
    return {"base_publication": publication_info(s, update.base_job_id),
            "folded": pages.folded_segments(view, update), "source_diffs": diffs}  # fmt: skip


@router.get(API_V1 + "/jobs/{job_id}/review", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="The job under review as JSON: segments, findings, blockers, actions offered (people only)")  # fmt: skip
def job_api(config: Config, w: Person, job_id: int) -> dict[str, Any]:
    with config.store.read() as s:
        view = pages.viewable_job(s, w.actor, job_id)
        update = pages.story_update(s, view)
        out = views.job_json(view, update)
        out["publication"] = publication_info(s, job_id)
        if update is not None:
            out["update"]["base_publication"] = publication_info(s, update.base_job_id)
        out["actions"] = pages.offered_actions(s, w.actor, view, config.rules)
    return out


@router.get(API_V1 + "/jobs/{job_id}/journal", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="Who did what to the job, in order (people only)")  # fmt: skip
def journal_api(config: Config, w: Person, job_id: int) -> list[dict[str, Any]]:
    with config.store.read() as s:
        pages.require_viewer(w.actor, pages.job_language(s, job_id))
        return [{"at": e.created_at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
                 "segment": e.segment_id, "version": e.version, "before": e.before, "after": e.after}
                for e in service.journal(s, job_id)]  # fmt: skip


@router.get(API_V1 + "/jobs/{job_id}/revisions", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="Every saved version of every segment (people only)")  # fmt: skip
def revisions_api(config: Config, w: Person, job_id: int) -> list[dict[str, Any]]:
    with config.store.read() as s:
        pages.require_viewer(w.actor, pages.job_language(s, job_id))
        names = {u.id: u.name for u in accounts.list_users(s)}
        return [{"segment": r.segment_id, "version": r.version, "text": r.text, "by": names.get(r.user_id),
                 "active_seconds": r.active_seconds, "at": r.created_at.isoformat(timespec="seconds")}
                for r in service.revisions(s, job_id)]  # fmt: skip


@router.put(API_V1 + "/jobs/{job_id}/segments/{segment_id}", tags=["api v1: desk"],
            summary="Save a segment's text (people only)", openapi_extra={**SESSION_ONLY, **json_body_doc(SegmentEdit)},
            responses={409: {"description": "someone saved since: {conflict: {version, text, yours}}"},
                       422: {"description": "the text cannot be used"}})  # fmt: skip
def save_segment(config: Config, w: JsonWriter, job_id: int, segment_id: int,
                 edit: Annotated[SegmentEdit, json_body(SegmentEdit)]) -> dict[str, Any]:  # fmt: skip
    with config.store.read() as s:  # the checks run here, before the write lock is taken
        prepared = service.prepare_edit(s, w.actor, job_id, segment_id, edit.text, edit.base_version,
                                        edit.active_seconds, config.rules)  # fmt: skip
    with config.store.write() as s:
        return views.segment_json(service.save_edit(s, w.actor, prepared, config.rules))


@router.post(API_V1 + "/jobs/{job_id}/segments/{segment_id}/confirm", tags=["api v1: desk"],
             summary="Confirm one version of a segment: this person answers for this text (people only)",
             openapi_extra={**SESSION_ONLY, **json_body_doc(SegmentConfirmation)},
             responses={409: {"description": "the segment changed since: {conflict: {version, text}}"}})  # fmt: skip
def confirm_segment(config: Config, w: JsonWriter, job_id: int, segment_id: int,
                    body: Annotated[SegmentConfirmation, json_body(SegmentConfirmation)]) -> dict[str, Any]:  # fmt: skip
    with config.store.write() as s:
        seg = service.confirm_segment(s, w.actor, job_id, segment_id, body.version, seconds=body.seconds,
                                      rules=config.rules)  # fmt: skip
        return views.segment_json(seg)


# --------------------------------------------------------------------------- the article's actions


@router.post("/jobs/{job_id}/approve", tags=["actions"], summary="Approve the whole article (translator)")
def approve_article(request: Request, config: Config, w: FormWriter, job_id: int) -> Response:
    request.state.back = f"/jobs/{job_id}"
    with config.store.read() as s:  # the whole-article checks run here, before the write lock
        approval = service.prepare_approval(s, w.actor, job_id, config.rules)
    with config.store.write() as s:
        status = service.save_approval(s, w.actor, approval, config.rules).review_status
    return done(request, f"/jobs/{job_id}", "Article approved. An editor can now sign it off.",
                {"review_status": status})  # fmt: skip


@router.post("/jobs/{job_id}/signoff", tags=["actions"], summary="Sign off an approved article (editor)")
def sign_off(request: Request, config: Config, w: FormWriter, job_id: int) -> Response:
    request.state.back = f"/jobs/{job_id}"
    with config.store.write() as s:
        service.sign_off(s, w.actor, job_id, config.rules)
    return done(request, f"/jobs/{job_id}", "Signed off. It can be published now.",
                {"review_status": ReviewStatus.SIGNED_OFF})  # fmt: skip


@router.post("/jobs/{job_id}/reopen", tags=["actions"], summary="Send an article back for review (editor)")
def reopen(request: Request, config: Config, w: FormWriter, job_id: int,
           reason: Annotated[str, Form(max_length=2000)] = "") -> Response:  # fmt: skip
    request.state.back = f"/jobs/{job_id}"
    with config.store.write() as s:
        service.reopen(s, w.actor, job_id, reason, config.rules)
    return done(request, f"/jobs/{job_id}", "Reopened for review.", {"review_status": ReviewStatus.IN_REVIEW})


@router.post("/jobs/{job_id}/publish", tags=["actions"], summary="Publish a signed-off article (editor)")
def publish(request: Request, config: Config, w: FormWriter, job_id: int) -> Response:
    request.state.back = f"/jobs/{job_id}"
    with config.store.write() as s:
        row = publisher.publish(s, w.actor, job_id, config.rules, config.disclosures)
        number = row.number
        info = publication_info(s, job_id)
    return done(request, f"/jobs/{job_id}", f"Published (publication {number}).",
                {"review_status": ReviewStatus.PUBLISHED, "publication": info})  # fmt: skip


# --------------------------------------------------------------------------- diff, exports


@router.get("/jobs/{job_id}/diff", response_class=HTMLResponse, tags=["pages"],
            summary="Machine draft against the current text, with the post-editing effort")  # fmt: skip
def diff_page(request: Request, config: Config, w: Person, job_id: int) -> Response:
    with config.store.read() as s:
        view = pages.viewable_job(s, w.actor, job_id)
        effort = review_effort(view.segments, service.revisions(s, job_id))
        rows = [
            {"seg": seg, "diff": views.diff_html(seg.draft or "", seg.text), "hter": e.hter, "seconds": e.seconds}
            for seg, e in zip(view.segments, effort.segments)
        ]
        return page(request, "diff.html", w, view=view, rows=rows, summary=effort.summary())


@router.get("/jobs/{job_id}/publication.{fmt}", tags=["exports"], summary="The published translation (md, html, json)")
def publication(config: Config, w: Person, job_id: int, fmt: Literal["md", "html", "json"]) -> Response:
    with config.store.read() as s:
        pages.require_viewer(w.actor, pages.job_language(s, job_id))
        pub = publisher.live_publication(s, job_id)  # 410 when its story was withdrawn
        body = {"md": pub.markdown, "html": pub.html, "json": pub.json}[fmt]
    return Response(body, media_type=EXPORT_TYPES[fmt],
                    headers={"content-disposition": f'inline; filename="relais-job-{job_id}.{fmt}"'})  # fmt: skip


@router.get("/jobs/{job_id}/audit.json", tags=["exports"], summary="The audit record of the latest publication")
def audit(config: Config, w: Person, job_id: int) -> dict[str, Any]:
    with config.store.read() as s:
        pages.require_viewer(w.actor, pages.job_language(s, job_id))
        return publisher.latest_publication(s, job_id).audit
