"""The queue of articles to review (with each story's standing per language, and the
stories an editor may withdraw: ``relais.web.routes.stories``), and claiming or releasing one."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from relais.locales import available
from relais.review import pages, service
from relais.store.models import ReviewStatus
from relais.web.deps import API_V1, SESSION_ONLY, Config, FormWriter, Person, done, page

QUEUE_SORT_LABELS = {"age": "oldest first", "-age": "newest first", "critical": "most findings", "risk": "highest risk",
                     "language": "language"}  # fmt: skip

router = APIRouter()


@router.get("/", response_class=HTMLResponse, tags=["pages"], summary="The queue of articles to review")
def queue_page(request: Request, config: Config, w: Person, language: str | None = None, status: str | None = None,
               sort: str = "age") -> Response:  # fmt: skip
    with config.store.read() as s:
        items = pages.queue(s, w.actor, language, status, sort)
        withdrawable = pages.withdrawable_stories(s, w.actor, items)
        langs = available() if w.actor.is_editor else w.actor.languages
        return page(request, "queue.html", w, items=items, withdrawable=withdrawable, languages=langs,
                    statuses=ReviewStatus.ORDER, sorts=QUEUE_SORT_LABELS, language=language or "", status=status or "",
                    sort=sort)  # fmt: skip


def standing_json(i: service.QueueItem) -> dict[str, Any] | None:
    """The story's standing in the item's language: the source version of its latest
    publication (None: never published), the story's latest version, out of date, withdrawn."""
    st = i.standing
    if st is None:
        return None
    return {"published_version": st.published, "latest_version": st.latest, "out_of_date": st.behind,
            "withdrawn": st.withdrawn, "label": st.label}  # fmt: skip


def queue_item_json(i: service.QueueItem) -> dict[str, Any]:
    return {"job_id": i.job_id, "article_id": i.article_id, "story_id": i.story_id, "version": i.version,
            "title": i.title, "target_language": i.target_language, "status": i.status,
            "review_status": i.review_status, "created_at": i.created_at.isoformat(),
            "age_seconds": round(i.age_seconds, 1), "assignee": i.assignee, "critical": i.critical,
            "major": i.major, "risk": i.risk, "segments": i.segments, "standing": standing_json(i)}  # fmt: skip


@router.get(API_V1 + "/queue", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="The review queue as JSON (people only)")  # fmt: skip
def queue_json(config: Config, w: Person, language: str | None = None, status: str | None = None,
               sort: str = "age") -> list[dict[str, Any]]:  # fmt: skip
    with config.store.read() as s:
        items = pages.queue(s, w.actor, language, status, sort)
    return [queue_item_json(i) for i in items]


@router.post("/jobs/{job_id}/claim", tags=["actions"], summary="Claim an article for review")
def claim(request: Request, config: Config, w: FormWriter, job_id: int) -> Response:
    request.state.back = "/"
    with config.store.write() as s:
        service.claim(s, w.actor, job_id, config.rules)
    return done(request, f"/jobs/{job_id}", f"You have claimed job {job_id}.", {"job": job_id})


@router.post("/jobs/{job_id}/release", tags=["actions"], summary="Give a claimed article back to the queue")
def release(request: Request, config: Config, w: FormWriter, job_id: int) -> Response:
    request.state.back = f"/jobs/{job_id}"
    with config.store.write() as s:
        service.release(s, w.actor, job_id, config.rules)
    return done(request, "/", f"Job {job_id} is back in the queue.", {"job": job_id})
