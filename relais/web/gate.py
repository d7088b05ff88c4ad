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

The HTTP API (``/api/v1``, ``API_PREFIX``) also takes ``Authorization: Bearer TOKEN``
(``relais.review.tokens``): a wrong or revoked token answers ``401`` before any body is
read, and a token over its rate (``RateLimiter``, a token bucket per API token) answers
``429`` with ``Retry-After``.  A token counts only under ``/api/v1``: anywhere else it is
no one.  Every ``/api/v1`` call is written to the access log after its answer
(``AccessLog``).  The gate's own answers there are RFC 9457 problem details.

What a signed-in person may do is not decided here: the routes ask the review rules.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import quote

from anyio import to_thread

from relais.review import accounts, tokens
from relais.store.actors import Actor
from relais.store.models import utcnow

SESSION_COOKIE = "relais_session"
DESK_BODY_LIMIT = 1_000_000  # bytes: forms and JSON of the review desk
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Routes anyone may call.  Writes: only signing in.
PUBLIC_PATHS = frozenset({"/login", "/healthz", "/metrics", "/openapi.json"})
PUBLIC_PREFIXES = ("/static/",)
PUBLIC_WRITES = frozenset({"/login"})
STATE_KEY = "relais_who"
API_PREFIX = "/api/v1/"
PROBLEM_TYPE = "application/problem+json"


@dataclass(frozen=True)
class Who:
    """The signed-in person behind a request, and their session's CSRF token."""

    actor: Actor
    csrf: str
    token: tokens.Token | None = None  # an API token (no session, hence no CSRF)


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


def bearer_token(scope: dict[str, Any]) -> str | None:
    """The token of ``Authorization: Bearer TOKEN`` ("" when the header is there but says
    nothing usable), or None without the header."""
    value = _header(scope, b"authorization")
    if value is None:
        return None
    kind, _, token = value.strip().partition(" ")
    return token.strip() if kind.lower() == "bearer" else ""


class RateLimiter:
    """A token bucket per caller: ``per_minute`` requests, refilled evenly; 0 is no limit.
    In memory (one process); ``take`` returns 0 when allowed, else the seconds to wait."""

    def __init__(self, per_minute: int, clock: Callable[[], float] = time.monotonic):
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # caller → (tokens, when)
        self._lock = threading.Lock()

    def take(self, caller: str) -> float:
        if self.per_minute <= 0:
            return 0.0
        rate = self.per_minute / 60.0
        with self._lock:
            now = self.clock()
            level, then = self._buckets.get(caller, (float(self.per_minute), now))
            level = min(float(self.per_minute), level + (now - then) * rate)
            if level >= 1.0:
                self._buckets[caller] = (level - 1.0, now)
                return 0.0
            self._buckets[caller] = (level, now)
            return (1.0 - level) / rate


class AccessLog:
    """The access log of ``/api/v1``: each call is queued when answered and written by one
    background thread in batches (one short write session per batch, off the request),
    with the tokens' last use.  ``flush`` writes what is queued now (tests, shutdown)."""

    def __init__(self, store):
        self.store = store
        self._pending: list[dict] = []
        self._used: set[int] = set()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def record(self, who: Who | None, method: str, path: str, status: int) -> None:
        name = who.actor.name if who is not None else None
        with self._lock:
            self._pending.append({"at": utcnow(), "who": name, "method": method, "path": path[:2000], "status": status})
            if who is not None and who.token is not None:
                self._used.add(who.token.id)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="relais-access-log", daemon=True)
                self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while self._wake.wait(5.0):
            self._wake.clear()
            time.sleep(0.2)  # gather a batch
            try:
                self.flush()
            except Exception:  # the store went away (shutdown); the log is best effort
                return

    def flush(self) -> None:
        with self._lock:
            calls, used, self._pending, self._used = self._pending, self._used, [], set()
        if not calls:
            return
        with self.store.write() as s:
            tokens.log_calls(s, calls)
            for token_id in used:
                tokens.touch(s, token_id)


class Gate:
    """ASGI middleware: authentication first, then a capped body (see the module)."""

    def __init__(self, app, lookup: Callable[[str], Who | None], *,
                 body_limit: Callable[[str], int] = lambda path: DESK_BODY_LIMIT,
                 token_lookup: Callable[[str], Who | None] | None = None,
                 limiter: RateLimiter | None = None, access_log: AccessLog | None = None):  # fmt: skip
        self.app = app
        self.lookup = lookup  # session token → the person (runs in a worker thread: it queries the store)
        self.body_limit = body_limit  # request path → the largest body it accepts
        self.token_lookup = token_lookup  # API token → its Who (a worker thread too)
        self.limiter = limiter
        self.access_log = access_log

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path, method = scope["path"], scope["method"]
        if path.startswith(API_PREFIX):
            who_box: list[Who | None] = [None]
            status_box = [500]

            async def logged_send(message):
                if message["type"] == "http.response.start":
                    status_box[0] = message["status"]
                await send(message)

            try:
                await self._api(scope, receive, logged_send, who_box)
            finally:
                if self.access_log is not None:
                    self.access_log.record(who_box[0], method, path, status_box[0])
            return
        await self._desk(scope, receive, send)

    async def _api(self, scope, receive, send, who_box: list) -> None:
        method = scope["method"]
        bearer = bearer_token(scope)
        if bearer is not None:
            who = await to_thread.run_sync(self.token_lookup, bearer) if bearer and self.token_lookup else None
            if who is None:
                await problem(send, 401, "Unauthorized", "the API token is unknown or revoked",
                              [(b"www-authenticate", b'Bearer realm="relais"')])  # fmt: skip
                return
        else:
            token = session_token(scope)
            who = await to_thread.run_sync(self.lookup, token) if token else None
            if who is None:
                await problem(send, 401, "Unauthorized", "send Authorization: Bearer TOKEN, or sign in",
                              [(b"www-authenticate", b'Bearer realm="relais"')])  # fmt: skip
                return
        who_box[0] = who
        scope.setdefault("state", {})[STATE_KEY] = who
        if self.limiter is not None:
            wait = self.limiter.take(who.actor.name)
            if wait > 0:
                seconds = max(1, int(wait + 0.999))
                await problem(send, 429, "Too Many Requests", f"over the rate limit of {self.limiter.per_minute} "
                              f"requests a minute; retry in {seconds} s", [(b"retry-after", str(seconds).encode())])  # fmt: skip
                return
        if method in WRITE_METHODS:
            receive = await self._capped(scope, receive, send, api=True)
            if receive is None:
                return
        await self.app(scope, receive, send)

    async def _capped(self, scope, receive, send, api: bool = False):
        """``receive`` replaying the body read within its limit, or None once 413 was answered."""
        limit = self.body_limit(scope["path"])
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit, api)
            return None
        try:
            body = await _read_body(receive, limit)
        except BodyTooLarge:
            await _too_large(send, limit, api)
            return None
        return _replay(body, receive)

    async def _desk(self, scope, receive, send) -> None:
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
            receive = await self._capped(scope, receive, send)
            if receive is None:
                return
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


async def _json(send, status: int, payload: dict[str, Any], headers: list[tuple[bytes, bytes]] = (),
                content_type: bytes = b"application/json") -> None:  # fmt: skip
    body = json.dumps(payload).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
                            *headers]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})


def problem_body(status: int, title: str, detail: str, **extra: Any) -> dict[str, Any]:
    """An RFC 9457 problem details object (``type`` about:blank: the status says it)."""
    return {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}


async def problem(send, status: int, title: str, detail: str, headers: list[tuple[bytes, bytes]] = ()) -> None:
    await _json(send, status, problem_body(status, title, detail), headers, PROBLEM_TYPE.encode())


async def _too_large(send, limit: int, api: bool = False) -> None:
    # The rest of the body is not read: the connection is closed after this answer.
    detail = f"the request body is over the limit of {limit:,} bytes"
    if api:
        await problem(send, 413, "Content Too Large", detail, [(b"connection", b"close")])
    else:
        await _json(send, 413, {"detail": detail}, [(b"connection", b"close")])


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


def token_lookup_with(store) -> Callable[[str], Who | None]:
    """``Gate``'s API-token lookup on ``store``: one read query per request."""

    def lookup(secret: str) -> Who | None:
        with store.read() as s:
            token = tokens.find(s, secret)
        return None if token is None else Who(token.actor, "", token)

    return lookup
