"""The review desk in a browser: a FastAPI app over ``relais.review`` and ``relais.publish``.

Conventions:

- Pages (``GET /``, ``/jobs/{id}``, …) are HTML; ``/api/v1/…`` is JSON.  The article-level
  actions (claim, approve, sign off, reopen, publish) and withdrawing a story are form
  posts from the pages that answer ``303`` back to the page with a flash message; a
  client that sends ``Accept: application/json`` gets JSON and real status codes instead.
- Authentication comes first (``relais.web.gate``, before any body or query is
  read): anonymous callers reach only sign-in, health, metrics, static files and the
  API description; other pages redirect to ``/login``, everything else answers ``401``.
  Bodies are capped while they stream (1 MB): ``413`` beyond.  Every state-changing
  request carries the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``; ``relais.web.deps``); the anonymous login form uses a
  double-submit cookie.  A wrong or missing token is ``403``.
- Errors of the service: ``PermissionDenied`` 403, ``NotFound`` 404, ``InvalidState`` and
  ``Conflict`` 409 (``{"conflict": {"version", "text", "yours"}}``), ``PublicationWithdrawn``
  410 (a publication of a withdrawn story: when, by whom, why), ``InputError`` 422.
- Every response carries a strict Content-Security-Policy: no inline script or style.
- ``/api/v1`` is the one versioned HTTP API: for systems (``relais.web.routes.api_v1``:
  an API token or a session) and the desk's own JSON (the editor's data, saving and
  confirming segments, queue, memory, termbase, statistics, people: sessions only, any
  token ``403``).  Limits and a per-token rate in the gate, what each operation accepts
  in ``/openapi.json`` (``x-relais-auth``), errors as RFC 9457 problem details
  (``application/problem+json``; a conflict's ``conflict`` is a member of it).

The routes live in ``relais.web.routes``, one router per concern; ``create_app`` only
builds the app, its settings and middleware, and includes them.
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.datastructures import MutableHeaders

from relais import __version__, metrics
from relais.config import Config
from relais.config import Webhooks as WebhookSettings
from relais.desk import Desk
from relais.errors import InputError, NotFound, RelaisError
from relais.jobs.webhooks import BackgroundDeliverer
from relais.publish.publisher import PublicationWithdrawn
from relais.review.accounts import LoginThrottle
from relais.store.actors import PermissionDenied
from relais.review.service import Conflict, InvalidState
from relais.review.workflow import DEFAULT_RULES, Rules
from relais.store.db import Store
from relais.web import gate
from relais.web.deps import (
    ApiProblem, CsrfRejected, NotSignedIn, Settings, error_response, make_templates, problem_json, wants_json,
)  # fmt: skip
from relais.web.routes import ROUTERS
from relais.web.routes.api_v1 import PREFIX as API_PREFIX

ARTICLES_PATH = f"{API_PREFIX}/articles"  # its body is an article: up to limits.max_bytes (and the JSON around it)
from relais.web.routes.accounts import LOGIN_CSRF_COOKIE

SESSION_COOKIE = gate.SESSION_COOKIE
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
NO_STORE_PREFIXES = ("/api/", "/jobs/", "/stories/", "/login", "/users", "/stats", "/memory", "/terms")

__all__ = ["CSP", "LOGIN_CSRF_COOKIE", "SESSION_COOKIE", "SecurityHeaders", "create_app"]


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
               rules: Rules = DEFAULT_RULES, disclosures: dict[str, str] | None = None,
               desk: Desk | None = None, webhooks: WebhookSettings | None = None) -> FastAPI:  # fmt: skip
    """The desk on ``store``: its settings in ``app.state``, the gate and the security
    headers in front, the routers of ``relais.web.routes`` behind.  ``desk`` (on the same
    store) is what the API ingests and queues with, and its configuration gives the API's
    limits (``limits.max_bytes``, ``[api] rate_per_minute``); without one, the defaults.
    With ``webhooks`` settings, a thread delivers webhook events while the app runs
    (``relais serve``)."""
    desk = desk or Desk(Config(home=Path(".")), store=store)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        deliverer = BackgroundDeliverer(store, webhooks).start() if webhooks is not None else None
        try:
            yield
        finally:
            if deliverer is not None:
                deliverer.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="Relais review desk",
        version=__version__,
        description="Review, approve, sign off and publish machine translations.",
        docs_url=None,  # Swagger UI and ReDoc load scripts from a CDN, which the CSP forbids
        redoc_url=None,
    )
    app.state.settings = Settings(store, rules, disclosures, secure_cookies, throttle or LoginThrottle())
    app.state.templates = make_templates()
    app.state.metrics_registry = metrics.registry_for(store)
    # The gate (authentication, then a capped body) runs inside the security headers, so
    # its own answers carry them too.
    app.state.desk = desk
    app.state.access_log = gate.AccessLog(store)
    max_bytes = desk.config.limits.max_bytes
    app.state.body_limit = lambda path: max_bytes + 64_000 if path == ARTICLES_PATH else gate.DESK_BODY_LIMIT
    app.add_middleware(gate.Gate, lookup=gate.lookup_with(store), token_lookup=gate.token_lookup_with(store),
                       limiter=gate.RateLimiter(desk.config.api.rate_per_minute), access_log=app.state.access_log,
                       body_limit=app.state.body_limit)  # fmt: skip
    app.add_middleware(SecurityHeaders)
    add_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    return app


ERROR_STATUS: tuple[tuple[type[RelaisError], int], ...] = (
    (PermissionDenied, 403), (NotFound, 404), (InvalidState, 409), (PublicationWithdrawn, 410), (InputError, 422),
)  # fmt: skip


def add_error_handlers(app: FastAPI) -> None:
    """How the library's errors, a missing sign-in or CSRF token and invalid input answer
    (under ``/api/v1``: as RFC 9457 problem details)."""

    def api(request: Request) -> bool:
        return request.url.path.startswith(API_PREFIX + "/")

    @app.exception_handler(ApiProblem)
    async def _problem(request: Request, exc: ApiProblem):
        return problem_json(exc.status, exc.title, exc.detail, exc.headers, **exc.extra)

    @app.exception_handler(404)
    async def _not_found(request: Request, exc):
        if api(request):
            return problem_json(404, "Not Found", f"no route {request.url.path}")
        return JSONResponse({"detail": getattr(exc, "detail", "Not Found")}, status_code=404)

    @app.exception_handler(405)
    async def _not_allowed(request: Request, exc):
        if api(request):
            return problem_json(405, "Method Not Allowed", f"{request.method} is not allowed on {request.url.path}")
        return JSONResponse({"detail": getattr(exc, "detail", "Method Not Allowed")}, status_code=405)

    @app.exception_handler(NotSignedIn)
    async def _not_signed_in(request: Request, exc: NotSignedIn):
        if api(request):
            return problem_json(401, "Unauthorized", "send Authorization: Bearer TOKEN, or sign in")
        if request.method == "GET" and not wants_json(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return JSONResponse({"detail": "sign in first"}, status_code=401)

    @app.exception_handler(CsrfRejected)
    async def _csrf(request: Request, exc: CsrfRejected):
        if api(request):
            return problem_json(403, "Forbidden", "a session's write needs its X-CSRF-Token header")
        if wants_json(request):
            return JSONResponse({"detail": "missing or wrong CSRF token"}, status_code=403)
        message = "This form has expired or did not come from this site. Reload the page and try again."
        return error_response(request, 403, message, redirect=False)

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, exc: Conflict):
        conflict = {"segment": exc.segment_id, "version": exc.version, "text": exc.text, "yours": exc.yours}
        if api(request):
            return problem_json(409, "Conflict", str(exc), conflict=conflict)
        return error_response(request, 409, str(exc), {"detail": str(exc), "conflict": conflict})

    @app.exception_handler(RelaisError)
    async def _relais_error(request: Request, exc: RelaisError):
        status = next((code for kind, code in ERROR_STATUS if isinstance(exc, kind)), 400)
        if api(request):
            return problem_json(status, HTTPStatus(status).phrase, str(exc))
        return error_response(request, status, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        if api(request):
            detail = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}"
                               for e in exc.errors()[:5])  # fmt: skip
            return problem_json(422, "Unprocessable Content", detail)
        if wants_json(request):
            return JSONResponse({"detail": jsonable_errors(exc)}, status_code=422)
        return error_response(request, 422, "; ".join(e.get("msg", "invalid input") for e in exc.errors()))


def jsonable_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")} for e in exc.errors()]
