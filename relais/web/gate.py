"""The desk's front door: who is asking, and how much they may send, before anything
else reads the request.

A plain ASGI middleware, outermost but for the security headers, because FastAPI reads
and validates a request's body (and its query) before any route dependency runs: an
anonymous caller with a malformed body would get 422, and a 60 MB body would be parsed
before being refused.  Here, in order:

1. The session cookie is looked up (one query) and the person, if any, is put in the
   request's state, where the routes' dependencies find it (``relais.web.deps.Person``).
2. Anonymous callers get no further than the public routes (sign-in, health, metrics,
   static files, the API description): a page asked for with GET is redirected to the
   sign-in form, anything else answers ``401``, and no body is read.
3. The body is read up to its route's limit (1 MB for the desk, ``limits.max_bytes``
   for a route that takes an article): a declared ``Content-Length`` over it answers
   ``413`` at once, a streamed (chunked) body as soon as it passes it, and the route
   then reads the body from memory.

What a signed-in person may do is not decided here: the routes ask the review rules.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from anyio import to_thread

from relais.review import accounts
from relais.store.actors import Actor

SESSION_COOKIE = "relais_session"
DESK_BODY_LIMIT = 1_000_000  # bytes: forms and JSON of the review desk
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes anyone may call.  Writes: only signing in.
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/metrics", "/openapi.json"})
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_WRITES = frozenset({"/login"})
STATE_KEY = "relais_who"


@dataclass(frozen=True)
class Who:
    """The signed-in person behind a request, and their session's CSRF token."""

    actor: Actor
    csrf: str


def session_token(scope: dict[str, Any]) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header: no session
                return None
            morsel = jar.get(SESSION_COOKIE)
            if morsel is not None:
                return morsel.value
    return None


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _wants_page(scope: dict[str, Any]) -> bool:
    path = scope["path"]
    if path.startswith("/api/"):
        return False
    accept = _header(scope, b"accept") or ""
    return not ("application/json" in accept and "text/html" not in accept)


class BodyTooLarge(Exception):
    pass


class Gate:
    """ASGI middleware: authentication first, then a capped body (see the module)."""

    def __init__(self, app, lookup: Callable[[str], Who | None], *,
                 body_limit: Callable[[str], int] = lambda path: DESK_BODY_LIMIT):  # fmt: skip
        self.app = app
        self.lookup = lookup  # session token → the person (runs in a worker thread: it queries the store)
        self.body_limit = body_limit  # request path → the largest body it accepts

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        public = is_public(path)
        who = None
        if not path.startswith(PUBLIC_PREFIXES):
            token = session_token(scope)
            who = await to_thread.run_sync(self.lookup, token) if token else None
        scope.setdefault("state", {})[STATE_KEY] = who
        if who is None and not (public and (method not in WRITE_METHODS or path in PUBLIC_WRITES)):
            if method in ("GET", "HEAD") and _wants_page(scope):
                await _redirect(send, f"/login?next={quote(path)}")
            else:
                await _json(send, 401, {"detail": "sign in first"})
            return
        if method in WRITE_METHODS:
            limit = self.body_limit(path)
            declared = _header(scope, b"content-length")
            if declared is not None and (not declared.isdigit() or int(declared) > limit):
                await _too_large(send, limit)
                return
            try:
                body = await _read_body(receive, limit)
            except BodyTooLarge:
                await _too_large(send, limit)
                return
            receive = _replay(body, receive)
        await self.app(scope, receive, send)


async def _read_body(receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise BodyTooLarge() if size > limit else ConnectionAbortedError("client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge()
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive) -> Callable[[], Awaitable[dict[str, Any]]]:
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # after the body: wait for the disconnect

    return replay


async def _json(send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


async def _too_large(send, limit: int) -> None:
    # The rest of the body is not read: the connection is closed after this answer.
    await _json(send, 413, {"detail": f"the request body is over the limit of {limit:,} bytes"},
                [(b"connection", b"close")])  # fmt: skip


async def _redirect(send, location: str) -> None:
    await send({"type": "http.response.start", "status": 303,
                "headers": [(b"location", location.encode()), (b"content-length", b"0")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b""})


def lookup_with(store) -> Callable[[str], Who | None]:
    """``Gate``'s lookup on ``store``: one read query per request."""

    def lookup(token: str) -> Who | None:
        with store.read() as s:
            row = accounts.find_session(s, token)
            return None if row is None else Who(Actor.of(row.user), row.csrf_token)

    return lookup
