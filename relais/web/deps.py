"""What every router of the desk shares: the app's settings, the signed-in person and the
CSRF check as FastAPI dependencies, and the answers (a page, a form action's redirect
with a flash, an error page or JSON).

``Person`` is the signed-in person the gate (``relais.web.gate``) found; ``FormWriter``
and ``JsonWriter`` are that person after the session's CSRF token was checked (the form
field ``csrf_token`` or the header ``X-CSRF-Token``; JSON bodies: the header only).  A
person is a person: an API token (which counts only under ``/api/v1``) is refused with
``403`` by all three, so the desk's own routes under ``/api/v1`` (the editor's data,
saving and confirming segments, the memory, the termbase …) are for sessions only.
What a person may do is not decided here: the routes ask the library (the review rules).

Each ``/api/v1`` operation says in its OpenAPI description what it accepts
(``x-relais-auth``: ``token_auth(scope)`` or ``SESSION_ONLY``), and a JSON body of a
desk route is parsed by ``json_body`` only after the caller was accepted (401, then 403,
then 422; FastAPI would parse a declared body first).  Errors there are RFC 9457
problem details (``ApiProblem``, answered by ``relais.web.app``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, ValidationError

from relais.review import accounts, pages
from relais.review.accounts import LoginThrottle
from relais.review.workflow import Rules
from relais.store.db import Store
from relais.store.models import Role
from relais.web import gate, views
from relais.web.gate import Who

HERE = Path(__file__).parent
M = TypeVar("M", bound=BaseModel)
FLASH_COOKIE = "relais_flash"


class NotSignedIn(Exception):
    pass


class CsrfRejected(Exception):
    pass


class ApiProblem(Exception):
    """An answer of the API other than success: status, title, detail (RFC 9457), and
    any extension members (``extra``)."""

    def __init__(self, status: int, title: str, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any):  # fmt: skip
        super().__init__(detail)
        self.status, self.title, self.detail, self.headers, self.extra = status, title, detail, headers, extra


def problem_json(status: int, title: str, detail: str, headers: dict[str, str] | None = None,
                 **extra: Any) -> JSONResponse:  # fmt: skip
    return JSONResponse(gate.problem_body(status, title, detail, **extra), status_code=status,
                        media_type=gate.PROBLEM_TYPE, headers=headers)  # fmt: skip


def validation_detail(exc: ValidationError) -> str:
    """Up to five of a body's errors on one line: ``where: what``."""
    parts = []
    for e in exc.errors()[:5]:
        where = ".".join(str(p) for p in e.get("loc", ())) or "body"
        parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts)


@dataclass
class Settings:
    """What ``create_app`` was given: the store, the review rules and the publisher's
    disclosure lines of this installation, and how cookies are set."""

    store: Store
    rules: Rules
    disclosures: dict[str, str] | None
    secure_cookies: bool
    throttle: LoginThrottle


def settings(request: Request) -> Settings:
    return request.app.state.settings


# The dependencies are ``async def``: they only read what the gate and create_app left on
# the request, and FastAPI would run a plain ``def`` dependency in the thread pool, a
# thread hop per dependency on every request (autosave runs on every pause in typing).
async def _settings(request: Request) -> Settings:
    return settings(request)


Config = Annotated[Settings, Depends(_settings)]


# --------------------------------------------------------------------------- the person


def who(request: Request) -> Who | None:
    """The signed-in person, as the gate found them, or None."""
    return request.scope.get("state", {}).get(gate.STATE_KEY)


def signed_in(request: Request) -> Who:
    w = who(request)
    if w is None:
        raise NotSignedIn()
    return w


def person(request: Request) -> Who:
    """The signed-in person; an API token is refused (403): it is a system, not a person."""
    w = signed_in(request)
    if w.token is not None:
        raise ApiProblem(403, "Forbidden", f"{request.method} {request.url.path} is for people at the desk (a "
                         f"session): token {w.token.name} may not call it")  # fmt: skip
    return w


def check_csrf(request: Request, w: Who, form_token: str | None) -> Who:
    if not accounts.csrf_matches(w.csrf, request.headers.get("x-csrf-token") or form_token):
        raise CsrfRejected()
    return w


CsrfField = Annotated[str | None, Form(description="the session's CSRF token (or the X-CSRF-Token header)")]


async def form_writer(request: Request, csrf_token: CsrfField = None) -> Who:
    """The signed-in person of a form post, after its CSRF token."""
    return check_csrf(request, person(request), csrf_token)


async def json_writer(request: Request) -> Who:
    """The signed-in person of a JSON write, after its X-CSRF-Token header."""
    return check_csrf(request, person(request), None)


async def _person(request: Request) -> Who:
    return person(request)


Person = Annotated[Who, Depends(_person)]
FormWriter = Annotated[Who, Depends(form_writer)]
JsonWriter = Annotated[Who, Depends(json_writer)]


# --------------------------------------------------------------------------- /api/v1: who may call, bodies

API_V1 = gate.API_PREFIX.rstrip("/")  # "/api/v1": the one HTTP API, the desk's own JSON routes too
AUTH_KEY = "x-relais-auth"
SESSION_ONLY: dict[str, Any] = {AUTH_KEY: {"session_only": True}}  # a person at the desk; any token: 403


def token_auth(scope: str, **by_query: str) -> dict[str, Any]:
    """``openapi_extra`` of an ``/api/v1`` operation a token with ``scope`` may call (a
    session too); ``by_query`` names another scope for a query, e.g. ``{"state=draft": "drafts"}``."""
    auth: dict[str, Any] = {"token_scope": scope}
    if by_query:
        auth["query_scopes"] = by_query
    return {AUTH_KEY: auth}


def json_body_doc(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` describing the JSON body that ``json_body(model)`` reads."""
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": model.model_json_schema()}}}}


def parse_json(model: type[M], body: bytes) -> M:
    """A JSON body as ``model``, or ``422`` (a problem naming what is wrong).  As FastAPI
    parses a declared body: ``json.loads``, then the model's validation."""
    try:
        data = json.loads(body)
    except ValueError as exc:  # not JSON, or not UTF-8
        raise ApiProblem(422, "Unprocessable Content", f"body: not JSON ({exc})") from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiProblem(422, "Unprocessable Content", validation_detail(exc)) from None


def json_body(model: type[BaseModel]):
    """A dependency: the request's JSON body as ``model`` (``parse_json``).  Declared after
    the caller's dependency, it runs once the caller was accepted."""

    async def parse(request: Request) -> BaseModel:
        return parse_json(model, await request.body())  # read already, within its limit, by the gate

    return Depends(parse)


# --------------------------------------------------------------------------- answers


def wants_json(request: Request) -> bool:
    if request.url.path.startswith("/api/"):
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def make_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.globals.update(kind_labels=views.KIND_LABELS, status_labels=views.STATUS_LABELS, Role=Role,
                                 replaceable=views.replaceable)  # fmt: skip
    templates.env.filters.update(age=views.human_age, duration=views.human_duration)
    return templates


def cookie(request: Request, response: Response, name: str, value: str, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, httponly=True, samesite="strict",
                        secure=settings(request).secure_cookies, path="/")  # fmt: skip


def page(request: Request, name: str, w: Who | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page of the desk, with the flash message (once) and the nav's termbase badge."""
    flash = views.decode_flash(request.cookies.get(FLASH_COOKIE))
    waiting = 0
    if w is not None and w.actor.is_editor:
        with settings(request).store.read() as s:
            waiting = pages.proposed_renderings(s)
    templates: Jinja2Templates = request.app.state.templates
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
    cookie(request, response, FLASH_COOKIE, views.encode_flash("ok", message), max_age=60)
    return response


def error_response(request: Request, status: int, message: str, body: dict[str, Any] | None = None,
                   headers: dict[str, str] | None = None, *, redirect: bool = True) -> Response:  # fmt: skip
    """An error: JSON, back to the page of a form action with a flash, or an error page."""
    if wants_json(request):
        return JSONResponse(body or {"detail": message}, status_code=status, headers=headers)
    back = getattr(request.state, "back", None)
    if redirect and back and request.method == "POST":
        # a form action that did not work: back to the page, which says why
        response = RedirectResponse(back, status_code=303)
        cookie(request, response, FLASH_COOKIE, views.encode_flash("error", message), max_age=60)
        return response
    response = page(request, "error.html", who(request), status_code=status, status=status, message=message)
    for k, v in (headers or {}).items():
        response.headers[k] = v
    return response
