"""Signing in and out, who is signed in, and the people of the desk (admin)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from relais.locales import available
from relais.review import accounts, pages
from relais.store.models import Role
from relais.web.deps import (
    API_V1, SESSION_ONLY, Config, CsrfField, CsrfRejected, FormWriter, Person, cookie, done, page, safe_next, wants_json,
)  # fmt: skip
from relais.web.gate import SESSION_COOKIE

LOGIN_CSRF_COOKIE = "relais_login_csrf"

router = APIRouter(tags=["accounts"])


@router.get("/login", response_class=HTMLResponse, summary="Sign-in form")
def login_form(request: Request, next: str = "/") -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)
    response = page(request, "login.html", None, login_csrf=token, next=safe_next(next), error=None)
    cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.post("/login", summary="Sign in (form; double-submit CSRF cookie)",
             responses={303: {"description": "signed in"}, 401: {"description": "wrong name or password"},
                        403: {"description": "CSRF token missing or wrong"}, 429: {"description": "too many failures"}})  # fmt: skip
def login(
    request: Request,
    config: Config,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    csrf_token: CsrfField = None,
    next: Annotated[str, Form()] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not expected or not accounts.csrf_matches(expected, csrf_token):
        raise CsrfRejected()
    address = request.client.host if request.client else "unknown"
    wait = config.throttle.retry_after(name, address)
    if wait:
        message = f"Too many failed sign-ins. Try again in {wait} seconds."
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=429, headers={"Retry-After": str(wait)})
        response = page(request, "login.html", None, status_code=429, login_csrf=expected, next=safe_next(next),
                        error=message)  # fmt: skip
        response.headers["Retry-After"] = str(wait)
        return response
    with config.store.read() as s:  # the password hash is slow: not inside the write lock
        user = accounts.authenticate(s, name, password)
    if user is None:
        config.throttle.failed(name, address)
        if wants_json(request):
            return JSONResponse({"detail": "wrong name or password"}, status_code=401)
        return page(request, "login.html", None, status_code=401, login_csrf=expected, next=safe_next(next),
                    error="Wrong name or password.")  # fmt: skip
    config.throttle.succeeded(name)
    with config.store.write() as s:
        accounts.upgrade_hash(s, user.id, password)
        token, row = accounts.open_session(s, user)
        csrf, user_name, role = row.csrf_token, user.name, user.role
    if wants_json(request):
        response = JSONResponse({"name": user_name, "role": role, "csrf_token": csrf})
    else:
        response = RedirectResponse(safe_next(next), status_code=303)
    cookie(request, response, SESSION_COOKIE, token, max_age=int(accounts.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", summary="Sign out")
def logout(request: Request, config: Config, w: FormWriter) -> Response:
    with config.store.write() as s:
        accounts.close_session(s, request.cookies.get(SESSION_COOKIE))
    response = JSONResponse({"ok": True}) if wants_json(request) else RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get(API_V1 + "/me", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="Who is signed in, and the CSRF token for this session (people only)")  # fmt: skip
def me(w: Person) -> dict[str, Any]:
    return {"name": w.actor.name, "role": w.actor.role, "languages": list(w.actor.languages), "csrf_token": w.csrf}


def user_json(u) -> dict[str, Any]:
    return {"name": u.name, "role": u.role, "languages": list(u.languages or []), "active": u.active}


@router.get("/users", response_class=HTMLResponse, summary="People and roles (admin)")
def users_page(request: Request, config: Config, w: Person) -> Response:
    with config.store.read() as s:
        users = pages.people(s, w.actor)
        return page(request, "users.html", w, users=users, languages=available(), roles=Role.ALL)


@router.get(API_V1 + "/users", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="People and roles as JSON (admin; people only)")  # fmt: skip
def users_json(config: Config, w: Person) -> list[dict[str, Any]]:
    with config.store.read() as s:
        return [user_json(u) for u in pages.people(s, w.actor)]


@router.post("/users", summary="Add a person (admin)")
def add_user(
    request: Request,
    config: Config,
    w: FormWriter,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form()],
    languages: Annotated[str, Form(description="comma-separated target languages (translators)")] = "",
) -> Response:
    request.state.back = "/users"
    pages.require_admin(w.actor, "add people")
    with config.store.write() as s:
        user = accounts.add_user(s, name.strip(), password, role, [x for x in languages.split(",") if x.strip()])
        payload = {"user": {"name": user.name, "role": user.role, "languages": list(user.languages or [])}}
    return done(request, "/users", f"Added {name.strip()} ({role}).", payload)
