"""The desk's own files and the machine-facing routes: static CSS and JavaScript, the
health check and the Prometheus metrics (none needs a sign-in)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response

from relais import __version__, metrics
from relais.errors import NotFound
from relais.review import pages
from relais.web.deps import HERE, Config

STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
STATIC_FILES = {p.name: p for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES}

router = APIRouter()


@router.get("/static/{name}", tags=["pages"], summary="The app's own CSS and JavaScript")
def static(name: str) -> Response:
    path = STATIC_FILES.get(name)
    if path is None:
        raise NotFound(f"no static file {name!r}")
    return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix],
                    headers={"cache-control": "no-cache"})  # fmt: skip


@router.get("/healthz", tags=["system"], summary="Liveness and database check")
def healthz(config: Config) -> dict[str, str]:
    with config.store.read() as s:
        pages.database_answers(s)
    return {"status": "ok", "version": __version__}


@router.get("/metrics", tags=["system"], response_class=PlainTextResponse,
            summary="Desk metrics in Prometheus text format, read from the store (counts only; no sign-in)")  # fmt: skip
def metrics_page(request: Request) -> Response:
    body, content_type = metrics.exposition(request.app.state.metrics_registry, request.headers.get("accept"))
    return Response(body, media_type=content_type, headers={"cache-control": "no-store"})
