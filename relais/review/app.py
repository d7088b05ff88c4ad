"""The review desk in a browser: a FastAPI app over ``relais.review.service``.

Conventions:

- Pages (``GET /``, ``/jobs/{id}``, …) are HTML; ``/api/…`` is JSON.  The article-level
  actions (claim, approve, sign off, reopen, publish) are form posts from the pages that
  answer ``303`` back to the page with a flash message; a client that sends
  ``Accept: application/json`` gets JSON and real status codes instead.
- Authentication comes first (``relais.review.gate``, before any body or query is
  read): anonymous callers reach only sign-in, health, metrics, static files and the
  API description; other pages redirect to ``/login``, everything else answers ``401``.
  Bodies are capped while they stream (1 MB): ``413`` beyond.  Every state-changing request carries the session's CSRF token
  (form field ``csrf_token`` or header ``X-CSRF-Token``); the anonymous login form uses a
  double-submit cookie.  A wrong or missing token is ``403``.
- Errors of the service: ``PermissionDenied`` 403, ``NotFound`` 404, ``InvalidState`` and
  ``Conflict`` 409 (``{"conflict": {"version", "text", "yours"}}``), ``InputError`` 422.
- Every response carries a strict Content-Security-Policy: no inline script or style.
"""

from __future__ import annotations

import dataclasses
import secrets
from collections import defaultdict
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.datastructures import MutableHeaders
from pydantic import BaseModel, Field
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from relais import __version__, metrics
from relais.document.translation import Translation
from relais.errors import InputError, NotFound, RelaisError
from relais.locales import available
from relais.memory import termbase, tm
from relais.publish import publisher
from relais.publish.effort import article_hter, segment_hter
from relais.review import accounts, gate, service, stats, web
from relais.review.gate import Who
from relais.review.workflow import DEFAULT_RULES, Action, Rules, decide, offered
from relais.store.actors import Actor, PermissionDenied
from relais.review.accounts import LoginThrottle
from relais.review.service import Conflict, InvalidState
from relais.store.db import Store
from relais.store.models import BlockRow, JobRow, ReviewStatus, Role, TermRenderingRow, TermStatus, TermType, TmEntryRow

HERE = Path(__file__).parent
SESSION_COOKIE = gate.SESSION_COOKIE
LOGIN_CSRF_COOKIE = "relais_login_csrf"
FLASH_COOKIE = "relais_flash"
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}
STATIC_TYPES = {".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml"}
QUEUE_SORT_LABELS = {"age": "oldest first", "-age": "newest first", "critical": "most findings", "risk": "highest risk",
                     "language": "language"}  # fmt: skip


class NotSignedIn(Exception):
    pass


class CsrfRejected(Exception):
    pass


class SegmentEdit(BaseModel):
    text: str = Field(max_length=service.MAX_SEGMENT_CHARS * 2)
    base_version: int = Field(ge=0)
    active_seconds: float = Field(default=0.0, ge=0, le=86400)


class SegmentConfirmation(BaseModel):
    version: int = Field(ge=0, description="the version being confirmed: it must still be the current one")
    seconds: float | None = Field(default=None, ge=0, le=86400, description="how long the segment was on screen")


CsrfField = Annotated[str | None, Form(description="the session's CSRF token (or the X-CSRF-Token header)")]
MemoryMode = Literal["search", "lookup"]
MemoryQuery = Annotated[str, Query(max_length=tm.MAX_TEXT, description="text to find (search) or a source sentence (lookup)")]
MemoryTarget = Annotated[str, Query(max_length=16, description="target language (all when empty); required for a lookup")]
MemorySource = Annotated[str, Query(max_length=16, description="source language")]
MemoryThreshold = Annotated[float, Query(ge=0, le=1, description="lookup: lowest fuzzy score, 0..1")]
MemoryLimit = Annotated[int, Query(ge=1, le=200)]
TermStatusFilter = Literal["", "proposed", "approved"]
TermLang = Annotated[str, Query(max_length=16, description="renderings in this language (all when empty)")]
TermText = Annotated[str, Query(max_length=500, description="text in the source term or a rendering")]


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


NO_STORE_PREFIXES = ("/api/", "/jobs/", "/login", "/users", "/stats", "/memory", "/terms")


class SecurityHeaders:
    """Adds the security headers (and no-store on private pages) to every response.

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` wraps each request in
    extra tasks and streams, which cost milliseconds the editor's autosave cannot spare."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        private = path == "/" or path.startswith(NO_STORE_PREFIXES)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
                if private and "cache-control" not in headers:
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(store: Store, *, secure_cookies: bool = False, throttle: LoginThrottle | None = None,
               rules: Rules = DEFAULT_RULES, disclosures: dict[str, str] | None = None) -> FastAPI:  # fmt: skip
    app = FastAPI(
        title="Relais review desk",
        version=__version__,
        description="Review, approve, sign off and publish machine translations.",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN, which the CSP forbids
        redoc_url=None,
    )
    app.state.store = store
    app.state.throttle = throttle or LoginThrottle()
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(kind_labels=web.KIND_LABELS, status_labels=web.STATUS_LABELS, Role=Role,
                                 replaceable=web.replaceable)
    templates.env.filters.update(age=web.human_age, duration=web.human_duration)
    static_files = {p.name: p for p in (HERE / "static").iterdir() if p.suffix in STATIC_TYPES}

    # ------------------------------------------------------------------ plumbing

    # The gate (authentication, then a capped body) runs inside the security headers, so
    # its own answers carry them too.
    app.add_middleware(gate.Gate, lookup=gate.lookup_with(store))
    app.add_middleware(SecurityHeaders)

    def cookie(response: Response, name: str, value: str, max_age: int | None = None) -> None:
        response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict", secure=secure_cookies,
                            path="/")  # fmt: skip

    def who(request: Request) -> Who | None:
        """The signed-in person, as the gate found them (relais.review.gate)."""
        return request.scope.get("state", {}).get(gate.STATE_KEY)

    def signed_in(request: Request, csrf_token: str | None = None, *, write: bool = False) -> Who:
        w = who(request)
        if w is None:
            raise NotSignedIn()
        if write and not accounts.csrf_matches(w.csrf, request.headers.get("x-csrf-token") or csrf_token):
            raise CsrfRejected()
        return w

    def proposed_renderings() -> int:
        """How many termbase renderings wait for an editor (the badge in the nav)."""
        with store.read() as s:
            return s.scalar(select(func.count(TermRenderingRow.id)).where(TermRenderingRow.status == TermStatus.PROPOSED)) or 0

    def page(request: Request, name: str, w: Who | None, status_code: int = 200, **context: Any) -> HTMLResponse:
        flash = web.decode_flash(request.cookies.get(FLASH_COOKIE))
        waiting = proposed_renderings() if w is not None and w.actor.is_editor else 0
        response = templates.TemplateResponse(
            request, name, {"who": w, "csrf_token": w.csrf if w else "", "flash": flash, "proposed_terms": waiting,
                            **context},
            status_code=status_code,
        )  # fmt: skip
        if flash is not None:
            response.delete_cookie(FLASH_COOKIE, path="/")
        return response

    def done(request: Request, back: str, message: str, payload: dict[str, Any] | None = None) -> Response:
        """The answer to a successful form action: JSON, or 303 back with a flash."""
        if wants_json(request):
            return JSONResponse({"ok": True, "message": message, **(payload or {})})
        response = RedirectResponse(back, status_code=303)
        cookie(response, FLASH_COOKIE, web.encode_flash("ok", message), max_age=60)
        return response

    def error_response(request: Request, status: int, message: str, body: dict[str, Any] | None = None,
                       headers: dict[str, str] | None = None, *, redirect: bool = True) -> Response:  # fmt: skip
        if wants_json(request):
            return JSONResponse(body or {"detail": message}, status_code=status, headers=headers)
        back = getattr(request.state, "back", None)
        if redirect and back and request.method == "POST":
            # a form action that did not work: back to the page, which says why
            response = RedirectResponse(back, status_code=303)
            cookie(response, FLASH_COOKIE, web.encode_flash("error", message), max_age=60)
            return response
        w = who(request)
        response = page(request, "error.html", w, status_code=status, status=status, message=message)
        for k, v in (headers or {}).items():
            response.headers[k] = v
        return response

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        if request.method == "GET" and not wants_json(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return JSONResponse({"detail": "sign in first"}, status_code=401)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected):
        if wants_json(request):
            return JSONResponse({"detail": "missing or wrong CSRF token"}, status_code=403)
        message = "This form has expired or did not come from this site. Reload the page and try again."
        return error_response(request, 403, message, redirect=False)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict):
        body = {"detail": str(exc), "conflict": {"segment": exc.segment_id, "version": exc.version, "text": exc.text,
                                                 "yours": exc.yours}}  # fmt: skip
        return error_response(request, 409, str(exc), body)

    @app.exception_handler(RelaisError)
    async def _relais_error(request: Request, exc: RelaisError):
        status = 400
        if isinstance(exc, PermissionDenied):
            status = 403
        elif isinstance(exc, NotFound):
            status = 404
        elif isinstance(exc, InvalidState):
            status = 409
        elif isinstance(exc, InputError):
            status = 422
        return error_response(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if wants_json(request):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        return error_response(request, 422, "; ".join(e.get("msg", "invalid input") for e in exc.errors()))

    def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
        return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]

    def may_view(w: Who, job_language: str) -> None:
        if not w.actor.may_review(job_language):
            raise PermissionDenied(f"{w.actor.name} may not review {job_language} translations")

    def job_language(s: Session, job_id: int) -> str:
        from relais.review.service import _job

        return _job(s, job_id).target_language

    # ------------------------------------------------------------------ static, health

    @app.get("/static/{name}", tags=["pages"], summary="The app's own CSS and JavaScript")
    def static(name: str) -> Response:
        path = static_files.get(name)
        if path is None:
            raise NotFound(f"no static file {name!r}")
        return Response(path.read_bytes(), media_type=STATIC_TYPES[path.suffix],
                        headers={"cache-control": "no-cache"})  # fmt: skip

    @app.get("/healthz", tags=["system"], summary="Liveness and database check")
    def healthz() -> dict[str, str]:
        with store.read() as s:
            s.execute(text("SELECT 1"))
        return {"status": "ok", "version": __version__}

    metrics_registry = metrics.registry_for(store)

    @app.get("/metrics", tags=["system"], response_class=PlainTextResponse,
             summary="Desk metrics in Prometheus text format, read from the store (counts only; no sign-in)")  # fmt: skip
    def metrics_page(request: Request) -> Response:
        body, content_type = metrics.exposition(metrics_registry, request.headers.get("accept"))
        return Response(body, media_type=content_type, headers={"cache-control": "no-store"})

    # ------------------------------------------------------------------ accounts

    @app.get("/login", response_class=HTMLResponse, tags=["accounts"], summary="Sign-in form")
    def login_form(request: Request, next: str = "/") -> Response:
        token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
        response = page(request, "login.html", None, login_csrf=token, next=_safe_next(next), error=None)
        cookie(response, LOGIN_CSRF_COOKIE, token, max_age=3600)
        return response

    @app.post("/login", tags=["accounts"], summary="Sign in (form; double-submit CSRF cookie)",
              responses={303: {"description": "signed in"}, 401: {"description": "wrong name or password"},
                         403: {"description": "CSRF token missing or wrong"}, 429: {"description": "too many failures"}})  # fmt: skip
    def login(
        request: Request,
        name: Annotated[str, Form(max_length=100)],
        password: Annotated[str, Form(max_length=1000)],
        csrf_token: CsrfField = None,
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE)
        if not expected or not accounts.csrf_matches(expected, csrf_token):
            raise CsrfRejected()
        address = request.client.host if request.client else "unknown"
        throttle: LoginThrottle = app.state.throttle
        wait = throttle.retry_after(name, address)
        if wait:
            message = f"Too many failed sign-ins. Try again in {wait} seconds."
            if wants_json(request):
                return JSONResponse({"detail": message}, status_code=429, headers={"Retry-After": str(wait)})
            response = page(request, "login.html", None, status_code=429, login_csrf=expected, next=_safe_next(next),
                            error=message)  # fmt: skip
            response.headers["Retry-After"] = str(wait)
            return response
        with store.read() as s:  # the password hash is slow: not inside the write lock
            user = accounts.authenticate(s, name, password)
        if user is None:
            throttle.failed(name, address)
        else:
            throttle.succeeded(name)
            with store.write() as s:
                accounts.upgrade_hash(s, user.id, password)
                token, row = accounts.open_session(s, user)
                csrf, user_name, role = row.csrf_token, user.name, user.role
        if user is None:
            if wants_json(request):
                return JSONResponse({"detail": "wrong name or password"}, status_code=401)
            return page(request, "login.html", None, status_code=401, login_csrf=expected, next=_safe_next(next),
                        error="Wrong name or password.")  # fmt: skip
        if wants_json(request):
            response: Response = JSONResponse({"name": user_name, "role": role, "csrf_token": csrf})
        else:
            response = RedirectResponse(_safe_next(next), status_code=303)
        cookie(response, SESSION_COOKIE, token, max_age=int(accounts.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
        return response

    @app.post("/logout", tags=["accounts"], summary="Sign out")
    def logout(request: Request, csrf_token: CsrfField = None) -> Response:
        with store.write() as s:
            signed_in(request, csrf_token, write=True)
            accounts.close_session(s, request.cookies.get(SESSION_COOKIE))
        response = JSONResponse({"ok": True}) if wants_json(request) else RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/api/me", tags=["accounts"], summary="Who is signed in, and the CSRF token for this session")
    def me(request: Request) -> dict[str, Any]:
        with store.read() as s:
            w = signed_in(request)
        return {"name": w.actor.name, "role": w.actor.role, "languages": list(w.actor.languages), "csrf_token": w.csrf}

    def users_context(s: Session) -> dict[str, Any]:
        return {"users": accounts.list_users(s), "languages": available(), "roles": Role.ALL}

    @app.get("/users", response_class=HTMLResponse, tags=["accounts"], summary="People and roles (admin)")
    def users_page(request: Request) -> Response:
        with store.read() as s:
            w = signed_in(request)
            if w.actor.role != Role.ADMIN:
                raise PermissionDenied("only an admin can manage people")
            return page(request, "users.html", w, **users_context(s))

    @app.get("/api/users", tags=["accounts"], summary="People and roles as JSON (admin)")
    def users_json(request: Request) -> list[dict[str, Any]]:
        with store.read() as s:
            w = signed_in(request)
            if w.actor.role != Role.ADMIN:
                raise PermissionDenied("only an admin can manage people")
            return [{"name": u.name, "role": u.role, "languages": list(u.languages or []), "active": u.active}
                    for u in accounts.list_users(s)]  # fmt: skip

    @app.post("/users", tags=["accounts"], summary="Add a person (admin)")
    def add_user(
        request: Request,
        name: Annotated[str, Form(max_length=100)],
        password: Annotated[str, Form(max_length=1000)],
        role: Annotated[str, Form()],
        languages: Annotated[str, Form(description="comma-separated target languages (translators)")] = "",
        csrf_token: CsrfField = None,
    ) -> Response:
        request.state.back = "/users"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            if w.actor.role != Role.ADMIN:
                raise PermissionDenied("only an admin can add people")
            user = accounts.add_user(s, name.strip(), password, role, [x for x in languages.split(",") if x.strip()])
            payload = {"user": {"name": user.name, "role": user.role, "languages": list(user.languages or [])}}
        return done(request, "/users", f"Added {name.strip()} ({role}).", payload)

    # ------------------------------------------------------------------ queue

    def queue_items(s: Session, w: Who, language: str | None, status: str | None, sort: str):
        if status and status not in ReviewStatus.ORDER:
            raise InputError(f"unknown review status {status!r}")
        if sort not in service.QUEUE_SORTS:
            raise InputError(f"unknown sort {sort!r} (choose from {', '.join(sorted(service.QUEUE_SORTS))})")
        return service.queue(s, w.actor, language or None, status or None, sort)

    @app.get("/", response_class=HTMLResponse, tags=["pages"], summary="The queue of articles to review")
    def queue_page(request: Request, language: str | None = None, status: str | None = None,
                   sort: str = "age") -> Response:  # fmt: skip
        with store.read() as s:
            w = signed_in(request)
            items = queue_items(s, w, language, status, sort)
            langs = available() if w.actor.is_editor else w.actor.languages
            return page(request, "queue.html", w, items=items, languages=langs, statuses=ReviewStatus.ORDER,
                        sorts=QUEUE_SORT_LABELS, language=language or "", status=status or "", sort=sort)  # fmt: skip

    @app.get("/api/queue", tags=["api"], summary="The queue as JSON")
    def queue_json(request: Request, language: str | None = None, status: str | None = None,
                   sort: str = "age") -> list[dict[str, Any]]:  # fmt: skip
        with store.read() as s:
            w = signed_in(request)
            items = queue_items(s, w, language, status, sort)
        return [
            {"job_id": i.job_id, "article_id": i.article_id, "title": i.title, "target_language": i.target_language,
             "status": i.status, "review_status": i.review_status, "created_at": i.created_at.isoformat(),
             "age_seconds": round(i.age_seconds, 1), "assignee": i.assignee, "critical": i.critical,
             "major": i.major, "risk": i.risk, "segments": i.segments}
            for i in items
        ]  # fmt: skip

    @app.post("/jobs/{job_id}/claim", tags=["actions"], summary="Claim an article for review")
    def claim(request: Request, job_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = "/"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            service.claim(s, w.actor, job_id, rules)
        return done(request, f"/jobs/{job_id}", f"You have claimed job {job_id}.", {"job": job_id})

    @app.post("/jobs/{job_id}/release", tags=["actions"], summary="Give a claimed article back to the queue")
    def release(request: Request, job_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = f"/jobs/{job_id}"
        w = signed_in(request, csrf_token, write=True)
        with store.write() as s:
            service.release(s, w.actor, job_id, rules)
        return done(request, "/", f"Job {job_id} is back in the queue.", {"job": job_id})

    # ------------------------------------------------------------------ editor

    def publication_info(s: Session, job_id: int) -> dict[str, Any] | None:
        try:
            pub = publisher.latest_publication(s, job_id)
        except NotFound:
            return None
        base = f"/jobs/{job_id}"
        return {"number": pub.number, "by": pub.actor, "at": pub.created_at.isoformat(timespec="seconds"),
                "links": {"markdown": f"{base}/publication.md", "html": f"{base}/publication.html",
                          "json": f"{base}/publication.json", "audit": f"{base}/audit.json"}}  # fmt: skip

    def actions_for(s: Session, w: Who, view: Translation) -> dict[str, bool]:
        """What the page offers this person: exactly what the review rules allow now, and
        ``approve_when_confirmed``: whether they will be able to approve once every segment
        is confirmed (the page then shows the approval, disabled, with what is left)."""
        state = service.situation(s, s.get(JobRow, view.id), rules, view=view)
        actions = offered(w.actor, state)
        done = dataclasses.replace(state, unconfirmed=(), empty=())
        actions["approve_when_confirmed"] = decide(w.actor, done, Action.APPROVE).allowed
        return actions

    @app.get("/jobs/{job_id}", response_class=HTMLResponse, tags=["pages"], summary="The editor")
    def editor_page(request: Request, job_id: int) -> Response:
        with store.read() as s:
            w = signed_in(request)
            view = service.job_view(s, job_id)
            may_view(w, view.target_language)
            marks = dict(s.execute(select(BlockRow.position, BlockRow.marks).where(BlockRow.article_id == view.article_id)).all())
            history: dict[int, list[str | None]] = defaultdict(list)
            for r in service.revisions(s, job_id):
                history[r.segment_id].append(r.text)
            pub = publication_info(s, job_id)
            actions = actions_for(s, w, view)
            data = {
                "job": {"id": view.id, "review_status": view.review_status, "target_language": view.target_language},
                "editable": actions["edit"],
                "segments": {
                    str(seg.id): {**web.segment_json(seg), "history": [seg.draft or "", *history.get(seg.id, [])]}
                    for seg in view.segments
                },
            }
            sources = {seg.id: web.source_html(seg.source, marks.get(seg.block)) for seg in view.segments}
            return page(request, "editor.html", w, view=view, counts=view.counts(), blockers=view.blockers(),
                        actions=actions, publication=pub, data=data, sources=sources)  # fmt: skip

    @app.get("/api/jobs/{job_id}", tags=["api"], summary="The job under review as JSON")
    def job_api(request: Request, job_id: int) -> dict[str, Any]:
        with store.read() as s:
            w = signed_in(request)
            view = service.job_view(s, job_id)
            may_view(w, view.target_language)
            out = web.job_json(view)
            out["publication"] = publication_info(s, job_id)
            out["actions"] = actions_for(s, w, view)
        return out

    @app.get("/api/jobs/{job_id}/journal", tags=["api"], summary="Who did what to the job, in order")
    def journal_api(request: Request, job_id: int) -> list[dict[str, Any]]:
        with store.read() as s:
            w = signed_in(request)
            may_view(w, job_language(s, job_id))
            return [{"at": e.created_at.isoformat(timespec="seconds"), "actor": e.actor, "action": e.action,
                     "segment": e.segment_id, "version": e.version, "before": e.before, "after": e.after}
                    for e in service.journal(s, job_id)]  # fmt: skip

    @app.get("/api/jobs/{job_id}/revisions", tags=["api"], summary="Every saved version of every segment")
    def revisions_api(request: Request, job_id: int) -> list[dict[str, Any]]:
        with store.read() as s:
            w = signed_in(request)
            may_view(w, job_language(s, job_id))
            names = {u.id: u.name for u in accounts.list_users(s)}
            return [{"segment": r.segment_id, "version": r.version, "text": r.text, "by": names.get(r.user_id),
                     "active_seconds": r.active_seconds, "at": r.created_at.isoformat(timespec="seconds")}
                    for r in service.revisions(s, job_id)]  # fmt: skip

    @app.put("/api/jobs/{job_id}/segments/{segment_id}", tags=["api"], summary="Save a segment's text",
             responses={409: {"description": "someone saved since: {conflict: {version, text, yours}}"},
                        422: {"description": "the text cannot be used"}})  # fmt: skip
    def save_segment(request: Request, job_id: int, segment_id: int, edit: SegmentEdit) -> dict[str, Any]:
        with store.read() as s:  # the checks run here, before the write lock is taken
            w = signed_in(request, write=True)
            prepared = service.prepare_edit(s, w.actor, job_id, segment_id, edit.text, edit.base_version,
                                            edit.active_seconds, rules)  # fmt: skip
        with store.write() as s:
            return web.segment_json(service.save_edit(s, w.actor, prepared, rules))

    @app.post("/api/jobs/{job_id}/segments/{segment_id}/confirm", tags=["api"],
              summary="Confirm one version of a segment: this person answers for this text",
              responses={409: {"description": "the segment changed since: {conflict: {version, text}}"}})  # fmt: skip
    def confirm_segment(request: Request, job_id: int, segment_id: int, body: SegmentConfirmation) -> dict[str, Any]:
        w = signed_in(request, write=True)
        with store.write() as s:
            seg = service.confirm_segment(s, w.actor, job_id, segment_id, body.version, seconds=body.seconds, rules=rules)
            return web.segment_json(seg)

    @app.post("/jobs/{job_id}/approve", tags=["actions"], summary="Approve the whole article (translator)")
    def approve_article(request: Request, job_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = f"/jobs/{job_id}"
        w = signed_in(request, csrf_token, write=True)
        with store.read() as s:  # the whole-article checks run here, before the write lock
            approval = service.prepare_approval(s, w.actor, job_id, rules)
        with store.write() as s:
            status = service.save_approval(s, w.actor, approval, rules).review_status
        return done(request, f"/jobs/{job_id}", "Article approved. An editor can now sign it off.",
                    {"review_status": status})  # fmt: skip

    @app.post("/jobs/{job_id}/signoff", tags=["actions"], summary="Sign off an approved article (editor)")
    def sign_off(request: Request, job_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = f"/jobs/{job_id}"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            service.sign_off(s, w.actor, job_id, rules)
        return done(request, f"/jobs/{job_id}", "Signed off. It can be published now.",
                    {"review_status": ReviewStatus.SIGNED_OFF})  # fmt: skip

    @app.post("/jobs/{job_id}/reopen", tags=["actions"], summary="Send an article back for review (editor)")
    def reopen(request: Request, job_id: int, csrf_token: CsrfField = None,
               reason: Annotated[str, Form(max_length=2000)] = "") -> Response:  # fmt: skip
        request.state.back = f"/jobs/{job_id}"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            service.reopen(s, w.actor, job_id, reason, rules)
        return done(request, f"/jobs/{job_id}", "Reopened for review.", {"review_status": ReviewStatus.IN_REVIEW})

    @app.post("/jobs/{job_id}/publish", tags=["actions"], summary="Publish a signed-off article (editor)")
    def publish(request: Request, job_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = f"/jobs/{job_id}"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            row = publisher.publish(s, w.actor, job_id, rules, disclosures)
            number = row.number
            info = publication_info(s, job_id)
        return done(request, f"/jobs/{job_id}", f"Published (publication {number}).",
                    {"review_status": ReviewStatus.PUBLISHED, "publication": info})  # fmt: skip

    # ------------------------------------------------------------------ diff, exports

    @app.get("/jobs/{job_id}/diff", response_class=HTMLResponse, tags=["pages"],
             summary="Machine draft against the current text, with the post-editing effort")  # fmt: skip
    def diff_page(request: Request, job_id: int) -> Response:
        with store.read() as s:
            w = signed_in(request)
            view = service.job_view(s, job_id)
            may_view(w, view.target_language)
            seconds: dict[int, float] = defaultdict(float)
            for r in service.revisions(s, job_id):
                seconds[r.segment_id] += r.active_seconds
            rows = [
                {"seg": seg, "diff": web.diff_html(seg.draft or "", seg.text), "hter": segment_hter(seg.draft, seg.text),
                 "seconds": seconds.get(seg.id, 0.0)}
                for seg in view.segments
            ]  # fmt: skip
            n = len(rows)
            edited = sum(1 for seg in view.segments if (seg.draft or "") != seg.text)
            summary = {
                "hter": article_hter([(seg.draft, seg.text) for seg in view.segments]),
                "segments": n, "edited": edited, "share_edited": edited / n if n else 0.0,
                "active_seconds": sum(seconds.values()),
            }  # fmt: skip
            return page(request, "diff.html", w, view=view, rows=rows, summary=summary)

    EXPORT_TYPES = {"md": "text/markdown; charset=utf-8", "html": "text/html; charset=utf-8",
                    "json": "application/json"}  # fmt: skip

    @app.get("/jobs/{job_id}/publication.{fmt}", tags=["exports"], summary="The published translation (md, html, json)")
    def publication(request: Request, job_id: int, fmt: Literal["md", "html", "json"]) -> Response:
        with store.read() as s:
            w = signed_in(request)
            may_view(w, job_language(s, job_id))
            pub = publisher.latest_publication(s, job_id)
            body = {"md": pub.markdown, "html": pub.html, "json": pub.json}[fmt]
        return Response(body, media_type=EXPORT_TYPES[fmt],
                        headers={"content-disposition": f'inline; filename="relais-job-{job_id}.{fmt}"'})  # fmt: skip

    @app.get("/jobs/{job_id}/audit.json", tags=["exports"], summary="The audit record of the latest publication")
    def audit(request: Request, job_id: int) -> dict[str, Any]:
        with store.read() as s:
            w = signed_in(request)
            may_view(w, job_language(s, job_id))
            return publisher.latest_publication(s, job_id).audit

    # ------------------------------------------------------------------ statistics

    def stats_for(s: Session, w: Who) -> stats.Stats:
        if not w.actor.is_editor:
            raise PermissionDenied("only editors and admins can see the statistics")
        return stats.collect(s)

    @app.get("/stats", response_class=HTMLResponse, tags=["pages"], summary="Post-editing statistics (editor)")
    def stats_page(request: Request) -> Response:
        with store.read() as s:
            w = signed_in(request)
            st = stats_for(s, w)
        return page(request, "stats.html", w, stats=st, language_chart=stats.bar_chart(st.languages, "Mean HTER per language"),
                    reviewer_chart=stats.bar_chart(st.reviewers, "Mean HTER per reviewer"))  # fmt: skip

    @app.get("/api/stats", tags=["api"], summary="Post-editing statistics as JSON (editor)")
    def stats_json(request: Request) -> dict[str, Any]:
        with store.read() as s:
            w = signed_in(request)
            return stats_for(s, w).to_dict()

    # ------------------------------------------------------------------ translation memory

    def memory_results(s: Session, q: str, source: str, target: str, mode: str, threshold: float,
                       limit: int) -> list[dict[str, Any]]:  # fmt: skip
        if target and target not in available():
            raise InputError(f"unknown target language {target!r} (choose from {', '.join(available())})")
        if not q.strip():
            return []
        if mode == "search":
            return [web.tm_entry_json(row) for row in tm.search(s, q, source or None, target or None, limit=limit)]
        if not target:
            raise InputError("choose a target language for a fuzzy lookup")
        out = []
        for m in tm.lookup(s, source or "en", target, q, threshold=threshold, limit=limit):
            row = s.get(TmEntryRow, m.id)
            if row is not None:
                out.append(web.tm_entry_json(row, score=m.score, exact=m.exact))
        return out

    @app.get("/memory", response_class=HTMLResponse, tags=["pages"],
             summary="Search the translation memory, or look up the matches of a source sentence")  # fmt: skip
    def memory_page(request: Request, q: MemoryQuery = "", target: MemoryTarget = "", mode: MemoryMode = "search",
                    source: MemorySource = "en", threshold: MemoryThreshold = 0.5, limit: MemoryLimit = 50) -> Response:  # fmt: skip
        with store.read() as s:
            w = signed_in(request)
            error = None
            try:
                results = memory_results(s, q, source, target, mode, threshold, limit)
            except InputError as exc:
                results, error = [], str(exc)
            pairs = web.tm_stats_json(tm.stats(s))
            langs = available()
            return page(request, "memory.html", w, q=q, target=target, mode=mode, source=source, threshold=threshold,
                        results=results, error=error, pairs=pairs, languages=langs,
                        default_target=target or (w.actor.languages[0] if w.actor.languages else ""))  # fmt: skip

    @app.get("/api/memory", tags=["api"],
             summary="The translation memory as JSON: concordance search, or fuzzy lookup with scores")  # fmt: skip
    def memory_json(request: Request, q: MemoryQuery = "", target: MemoryTarget = "", mode: MemoryMode = "search",
                    source: MemorySource = "en", threshold: MemoryThreshold = 0.5, limit: MemoryLimit = 50) -> dict[str, Any]:  # fmt: skip
        with store.read() as s:
            signed_in(request)
            results = memory_results(s, q, source, target, mode, threshold, limit)
            return {"mode": mode, "q": q, "source": source, "target": target or None, "results": results,
                    "stats": web.tm_stats_json(tm.stats(s))}  # fmt: skip

    # ------------------------------------------------------------------ termbase

    def terms_for(s: Session, lang: str, status: str, q: str) -> list[dict[str, Any]]:
        if lang and lang not in available():
            raise InputError(f"unknown language {lang!r} (choose from {', '.join(available())})")
        rows = termbase.list_terms(s, lang or None, status or None, q.strip() or None)
        return [web.term_json(t, lang or None, status or None) for t in rows]

    @app.get("/terms", response_class=HTMLResponse, tags=["pages"],
             summary="The termbase: terms and their renderings; approve or reject proposals (editor)")  # fmt: skip
    def terms_page(request: Request, lang: TermLang = "", status: TermStatusFilter = "",
                   q: TermText = "") -> Response:  # fmt: skip
        with store.read() as s:
            w = signed_in(request)
            error = None
            try:
                terms = terms_for(s, lang, status, q)
            except InputError as exc:
                terms, error = [], str(exc)
            langs = available()
            addable = langs if w.actor.is_editor else tuple(x for x in w.actor.languages if x in langs)
            return page(request, "terms.html", w, terms=terms, lang=lang, status=status, q=q, error=error,
                        languages=langs, addable=addable, types=TermType.ALL)  # fmt: skip

    @app.get("/api/terms", tags=["api"], summary="The termbase as JSON, filtered by language, status and text")
    def terms_json(request: Request, lang: TermLang = "", status: TermStatusFilter = "",
                   q: TermText = "") -> list[dict[str, Any]]:  # fmt: skip
        with store.read() as s:
            signed_in(request)
            return terms_for(s, lang, status, q)

    @app.post("/terms", tags=["actions"],
              summary="Add a term and its rendering: proposed (translator, own languages) or approved (editor)")  # fmt: skip
    def add_term(
        request: Request,
        source_term: Annotated[str, Form(max_length=500, description="the term in the source language")],
        lang: Annotated[str, Form(max_length=16, description="target language of the rendering")],
        rendering: Annotated[str, Form(max_length=500, description="how the term is written in that language")],
        type: Annotated[str, Form(description="person, place, organisation or term")] = TermType.TERM,
        forbidden: Annotated[str, Form(max_length=2000, description="comma-separated variants not to use")] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
        csrf_token: CsrfField = None,
    ) -> Response:
        request.state.back = "/terms"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            if lang not in available():
                raise InputError(f"unknown language {lang!r} (choose from {', '.join(available())})")
            if not w.actor.may_review(lang):
                raise PermissionDenied(f"{w.actor.name} may not add terms in {lang}")
            if type not in TermType.ALL:
                raise InputError(f"unknown term type {type!r} (choose from {', '.join(TermType.ALL)})")
            term = termbase.get_or_add_term(s, source_term, type)
            variants = [v for v in web.split_variants(forbidden) if v != " ".join(rendering.split())]
            row = termbase.add_rendering(s, term, lang, rendering, forbidden=variants, note=note.strip() or None,
                                         proposed_by=w.actor.name)  # fmt: skip
            if w.actor.is_editor and row.status != TermStatus.APPROVED:
                # through approve_rendering: one house rendering per term and language
                row = termbase.approve_rendering(s, w.actor, row.id)
            status, text_, source = row.status, row.text, term.source_term
            payload = {"term": web.term_json(term, lang), "rendering": web.rendering_json(row)}
        back = "/terms?" + urlencode({"q": source})
        verb = "approved" if status == TermStatus.APPROVED else "proposed; an editor will review it"
        return done(request, back, f"{source} → {text_} ({lang}): {verb}.", payload)

    def rendering_label(r: TermRenderingRow) -> str:
        return f"{r.term.source_term} → {r.text} ({r.lang})"

    @app.post("/terms/renderings/{rendering_id}/approve", tags=["actions"],
              summary="Approve a proposed rendering: it becomes the house rendering (editor)")  # fmt: skip
    def approve_term_rendering(request: Request, rendering_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = "/terms"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            row = termbase.approve_rendering(s, w.actor, rendering_id)
            label, payload = rendering_label(row), {"rendering": web.rendering_json(row)}
        return done(request, "/terms", f"Approved {label}.", payload)

    @app.post("/terms/renderings/{rendering_id}/reject", tags=["actions"],
              summary="Reject a proposed rendering, or withdraw an approved one (editor)")  # fmt: skip
    def reject_term_rendering(request: Request, rendering_id: int, csrf_token: CsrfField = None) -> Response:
        request.state.back = "/terms"
        with store.write() as s:
            w = signed_in(request, csrf_token, write=True)
            if not w.actor.is_editor:  # before looking the rendering up: the same answer for any id
                raise PermissionDenied(f"{w.actor.name} may not approve or reject termbase entries (editors only)")
            label = rendering_label(termbase.get_rendering(s, rendering_id))
            termbase.reject_rendering(s, w.actor, rendering_id)
        return done(request, "/terms", f"Rejected {label}.", {"rendering": rendering_id})

    return app
