"""What every router of the desk shares: the app's settings, the signed-in person and the
CSRF check as FastAPI dependencies, and the answers (a page, a form action's redirect
with a flash, an error page or JSON).

``Person`` is the signed-in person the gate (``relais.web.gate``) found; ``FormWriter``
and ``JsonWriter`` are that person after the session's CSRF token was checked (the form
field ``csrf_token`` or the header ``X-CSRF-Token``; JSON bodies: the header only).
What a person may do is not decided here: the routes ask the library (the review rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from relais.review import accounts, pages
from relais.review.accounts import LoginThrottle
from relais.review.workflow import Rules
from relais.store.db import Store
from relais.store.models import Role
from relais.web import gate, views
from relais.web.gate import Who

HERE = Path(__file__).parent
FLASH_COOKIE = "relais_flash"


class NotSignedIn(Exception):
    pass


class CsrfRejected(Exception):
    pass


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


def _check_csrf(request: Request, w: Who, form_token: str | None) -> Who:
    if not accounts.csrf_matches(w.csrf, request.headers.get("x-csrf-token") or form_token):
        raise CsrfRejected()
    return w


CsrfField = Annotated[str | None, Form(description="the session's CSRF token (or the X-CSRF-Token header)")]


async def form_writer(request: Request, csrf_token: CsrfField = None) -> Who:
    """The signed-in person of a form post, after its CSRF token."""
    return _check_csrf(request, signed_in(request), csrf_token)


async def json_writer(request: Request) -> Who:
    """The signed-in person of a JSON write, after its X-CSRF-Token header."""
    return _check_csrf(request, signed_in(request), None)


async def _signed_in(request: Request) -> Who:
    return signed_in(request)


Person = Annotated[Who, Depends(_signed_in)]
FormWriter = Annotated[Who, Depends(form_writer)]
JsonWriter = Annotated[Who, Depends(json_writer)]


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
