"""Authentication before anything else reads a request, and capped bodies
(relais.web.gate), over every route the API description lists.

Every write route answers 401 to an anonymous caller whatever its body (malformed, over
the limit, streamed), without reading it; a signed-in caller's body over the limit is
413, declared or streamed.  The walk is over ``/openapi.json``, so a route added later
is covered without touching this file.
"""

from __future__ import annotations

import re
import socket
import time


from relais.web.gate import DESK_BODY_LIMIT, PUBLIC_PATHS, PUBLIC_WRITES
from tests.review.conftest import sign_in

WRITE_METHODS = ("post", "put", "patch", "delete")
OVER = DESK_BODY_LIMIT + 1


def operations(client, methods) -> list[tuple[str, str, str]]:
    """(method, concrete path, body type) of every documented operation with one of ``methods``."""
    schema = client.get("/openapi.json").json()
    found = []
    for path, ops in schema["paths"].items():
        for method, op in ops.items():
            if method not in methods:
                continue
            content = op.get("requestBody", {}).get("content", {})
            kind = "json" if "application/json" in content else "form"
            found.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path), kind))
    return found


def write_routes(client) -> list[tuple[str, str, str]]:
    routes = operations(client, WRITE_METHODS)
    assert len(routes) >= 13, routes  # the walk found the desk's writes
    return routes


MALFORMED = {
    "json": (b'{"text": "unterminated', "application/json"),
    "form": (b"\xff\xfe%%%=&&csrf_token", "application/x-www-form-urlencoded"),
}


def chunks(total: int, size: int = 64 * 1024):
    sent = 0
    while sent < total:
        n = min(size, total - sent)
        sent += n
        yield b"x" * n


def test_every_write_route_refuses_an_anonymous_caller_before_reading_the_body(client):
    for method, path, kind in write_routes(client):
        if path in PUBLIC_WRITES:
            continue
        body, ctype = MALFORMED[kind]
        over = client.app.state.body_limit(path) + 1
        bodies = {
            "malformed": {"content": body},
            "declared over the limit": {"content": b"x" * over},
            "streamed over the limit": {"content": chunks(over)},
        }
        for what, kwargs in bodies.items():
            r = client.request(method, path, headers={"content-type": ctype, "accept": "application/json"}, **kwargs)
            assert r.status_code == 401, (method, path, what, r.status_code, r.text[:200])
            if path.startswith("/api/v1/"):  # the versioned API answers RFC 9457 problem details
                assert r.headers["content-type"] == "application/problem+json" and r.json()["status"] == 401
            else:
                assert r.json() == {"detail": "sign in first"}


def test_every_write_route_refuses_a_body_over_the_limit(client, store):
    sign_in(client, store, "ada")  # may do anything: only the size stands in the way
    for method, path, kind in write_routes(client):
        ctype = MALFORMED[kind][1]
        over = client.app.state.body_limit(path) + 1  # 1 MB for the desk, limits.max_bytes for an article
        for what, content in (("declared", b"x" * over), ("streamed", chunks(over))):
            r = client.request(method, path, content=content, headers={"content-type": ctype})
            assert r.status_code == 413, (method, path, what, r.status_code, r.text[:200])
            assert "over the limit" in r.json()["detail"]


def test_a_body_at_the_limit_reaches_the_route(client, store):
    csrf = sign_in(client, store, "ada")
    padding = "x" * (DESK_BODY_LIMIT - 200)
    r = client.post("/jobs/1/reopen", data={"csrf_token": csrf, "reason": padding},
                    headers={"accept": "application/json"})  # fmt: skip
    assert r.status_code == 422, r.text  # the route's own rule (reason at most 2000 characters)


def test_sign_in_is_the_only_anonymous_write_and_it_is_capped_too(client):
    assert PUBLIC_WRITES <= PUBLIC_PATHS
    r = client.post("/login", content=b"x" * OVER, headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413
    r = client.post("/login", content=chunks(OVER), headers={"content-type": "application/x-www-form-urlencoded"})
    assert r.status_code == 413


def test_anonymous_reads_are_refused_before_their_query_is_validated(client):
    for method, path, _ in operations(client, ("get",)):
        if path in PUBLIC_PATHS or path.startswith("/static/"):
            continue
        r = client.get(path + "?limit=-5&sort=nonsense&threshold=9&mode=bogus", headers={"accept": "application/json"},
                       follow_redirects=False)  # fmt: skip
        assert r.status_code == 401, (path, r.status_code, r.text[:200])
        page = client.get(path, follow_redirects=False, headers={"accept": "text/html"})
        if path.startswith("/api/v1/"):
            assert page.status_code == 401, path
        else:
            assert page.status_code == 303 and page.headers["location"].startswith("/login?next="), path


def test_a_bad_session_cookie_is_anonymous(client):
    client.cookies.set("relais_session", "not-a-session")
    assert client.get("/api/v1/me").status_code == 401
    r = client.put("/api/v1/jobs/1/segments/1", content=b"{", headers={"content-type": "application/json"})
    assert r.status_code == 401


# --------------------------------------------------------------------------- over a real socket


def raw_request(base_url: str, head: str, body: bytes = b"", wait: float = 10.0) -> tuple[int, float]:
    """Send ``head`` (and ``body``) to the live server; (status, seconds until the answer)."""
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        started = time.monotonic()
        sock.sendall(head.encode("latin-1") + body)
        answer = b""
        while b"\r\n" not in answer:
            part = sock.recv(4096)
            if not part:
                break
            answer += part
        return int(answer.split(b" ", 2)[1]), time.monotonic() - started


def test_a_huge_declared_body_is_answered_without_being_sent(live_server, store):
    # The client declares 60 MB and sends none of it: the answer must come anyway (the
    # server did not wait to read the body), 401 without a session, 413 with one.
    head = ("PUT /api/v1/jobs/1/segments/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 60000000\r\n{cookie}\r\n")  # fmt: skip
    status, _ = raw_request(live_server, head.format(cookie=""))
    assert status == 401
    from relais.review import accounts

    with store.write() as s:
        token, _ = accounts.open_session(s, accounts.get_user(s, "tina"))
    status, _ = raw_request(live_server, head.format(cookie=f"Cookie: relais_session={token}\r\n"))
    assert status == 413


def test_a_streamed_body_is_cut_off_at_the_limit(live_server, store):
    from relais.review import accounts

    with store.write() as s:
        token, _ = accounts.open_session(s, accounts.get_user(s, "tina"))
    head = ("PUT /api/v1/jobs/1/segments/1 HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Transfer-Encoding: chunked\r\nCookie: relais_session={token}\r\n\r\n")  # fmt: skip
    chunk = b"x" * 65536
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(OVER // len(chunk) + 1))
    # The chunks stop just past the limit and the stream is left open: the answer comes
    # at the limit, not at the end of a body that never ends.
    status, _ = raw_request(live_server, head, body)
    assert status == 413
