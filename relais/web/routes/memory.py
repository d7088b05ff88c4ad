"""The translation memory: concordance search and fuzzy lookup, as a page and as JSON."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from relais.errors import InputError
from relais.locales import available
from relais.memory import tm
from relais.review import pages
from relais.web import views
from relais.web.deps import API_V1, SESSION_ONLY, Config, Person, page

MemoryMode = Literal["search", "lookup"]
MemoryQuery = Annotated[str, Query(max_length=tm.MAX_TEXT, description="text to find (search) or a source sentence (lookup)")]
MemoryTarget = Annotated[str, Query(max_length=16, description="target language (all when empty); required for a lookup")]
MemorySource = Annotated[str, Query(max_length=16, description="source language")]
MemoryThreshold = Annotated[float, Query(ge=0, le=1, description="lookup: lowest fuzzy score, 0..1")]
MemoryLimit = Annotated[int, Query(ge=1, le=200)]

router = APIRouter()


def memory_results(s: Session, q: str, source: str, target: str, mode: str, threshold: float,
                   limit: int) -> list[dict[str, Any]]:  # fmt: skip
    return [views.tm_entry_json(row, score=score, exact=exact)
            for row, score, exact in pages.memory_matches(s, q, source, target, mode, threshold, limit)]  # fmt: skip


@router.get("/memory", response_class=HTMLResponse, tags=["pages"],
            summary="Search the translation memory, or look up the matches of a source sentence")  # fmt: skip
def memory_page(request: Request, config: Config, w: Person, q: MemoryQuery = "", target: MemoryTarget = "",
                mode: MemoryMode = "search", source: MemorySource = "en", threshold: MemoryThreshold = 0.5,
                limit: MemoryLimit = 50) -> Response:  # fmt: skip
    with config.store.read() as s:
        error = None
        try:
            results = memory_results(s, q, source, target, mode, threshold, limit)
        except InputError as exc:
            results, error = [], str(exc)
        pairs = views.tm_stats_json(tm.stats(s))
        return page(request, "memory.html", w, q=q, target=target, mode=mode, source=source, threshold=threshold,
                    results=results, error=error, pairs=pairs, languages=available(),
                    default_target=target or (w.actor.languages[0] if w.actor.languages else ""))  # fmt: skip


@router.get(API_V1 + "/memory", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="The translation memory as JSON: concordance search, or fuzzy lookup with scores (people only)")  # fmt: skip
def memory_json(config: Config, w: Person, q: MemoryQuery = "", target: MemoryTarget = "", mode: MemoryMode = "search",
                source: MemorySource = "en", threshold: MemoryThreshold = 0.5, limit: MemoryLimit = 50) -> dict[str, Any]:  # fmt: skip
    with config.store.read() as s:
        results = memory_results(s, q, source, target, mode, threshold, limit)
        return {"mode": mode, "q": q, "source": source, "target": target or None, "results": results,
                "stats": views.tm_stats_json(tm.stats(s))}  # fmt: skip
