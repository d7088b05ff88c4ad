"""Post-editing statistics from the published translations (editors)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from relais.review import pages, stats
from relais.web.deps import API_V1, SESSION_ONLY, Config, Person, page

router = APIRouter()


@router.get("/stats", response_class=HTMLResponse, tags=["pages"], summary="Post-editing statistics (editor)")
def stats_page(request: Request, config: Config, w: Person) -> Response:
    pages.require_editor_for_stats(w.actor)
    with config.store.read() as s:
        st = stats.collect(s)
    return page(request, "stats.html", w, stats=st, language_chart=stats.bar_chart(st.languages, "Mean HTER per language"),
                reviewer_chart=stats.bar_chart(st.reviewers, "Mean HTER per reviewer"))  # fmt: skip


@router.get(API_V1 + "/stats", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="Post-editing statistics as JSON (editor; people only)")  # fmt: skip
def stats_json(config: Config, w: Person) -> dict[str, Any]:
    pages.require_editor_for_stats(w.actor)
    with config.store.read() as s:
        return stats.collect(s).to_dict()
