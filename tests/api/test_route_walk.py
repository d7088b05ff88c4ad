"""Every operation under /api/v1, against a real server (uvicorn on loopback, on the
seeded store): without credentials, with a revoked or unknown token, with a token lacking
the operation's scope (on a route for people at the desk: any token), and, for an
operation with a body, a malformed body without credentials (401) and with them (422).

What each operation accepts is read from its ``x-relais-auth`` in the app's own
``/openapi.json`` (``relais.web.deps.token_auth`` / ``SESSION_ONLY``), so an operation
added later is walked without touching this file, and one that does not say fails.
The cases are one per operation and condition, named ``METHOD /path: condition``.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from relais.review import accounts
from relais.review.tokens import SCOPES
from relais.store.db import Store
from relais.store.models import JobRow
from relais.web.app import SESSION_COOKIE, create_app
from relais.web.deps import AUTH_KEY
from tests.api.conftest import LiveServer, make_desk
from tests.helpers import RelaisHome
from tests.review.seed import SEEDED, SeededJob

PROBLEM = "application/problem+json"
MALFORMED = b'{"not json'
BODY_METHODS = ("POST", "PUT", "PATCH")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as described: /api/v1/jobs/{job_id}
    auth: dict[str, Any] | None  # its x-relais-auth
    has_body: bool

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def operations(schema: dict[str, Any]) -> list[Operation]:
    """Every /api/v1 operation the description lists."""
    return [Operation(method.upper(), path, op.get(AUTH_KEY), "requestBody" in op)
            for path, ops in schema["paths"].items() if path.startswith("/api/v1/")
            for method, op in ops.items()]  # fmt: skip


def described() -> dict[str, Any]:
    """The app's /openapi.json, at collection time (the app on a throwaway store, which
    describing itself does not touch); ``test_the_walk_is_what_the_live_app_describes``
    checks the server under test describes the same."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{Path(folder) / 'schema.db'}")
        try:
            return TestClient(create_app(store)).get("/openapi.json").json()
        finally:
            store.close()


OPERATIONS = operations(described())


# --------------------------------------------------------------------------- the conditions


@dataclass(frozen=True)
class Case:
    op: Operation
    condition: str
    credentials: str | None  # a key of Walk.credentials, or None
    body: bytes | None
    expected: int | None  # the status; None: any but 401 and 403 (the caller got through)
    query: str = ""
    why: str = ""  # what the 403's detail names

    @property
    def id(self) -> str:
        return f"{self.op}{self.query and '?' + self.query}: {self.condition}"


def cases(op: Operation) -> list[Case]:
    auth = op.auth or {}
    body = MALFORMED if op.method in BODY_METHODS else None
    found = [
        Case(op, "no credentials", None, None, 401),
        Case(op, "a revoked token", "revoked", body, 401),
        Case(op, "an unknown token", "unknown", body, 401),
        Case(op, "not a bearer token", "basic", body, 401),
    ]
    if auth.get("session_only"):
        found.append(Case(op, "a token with every scope (people only)", "every scope", body, 403, why="for people"))
        own = "session"
    else:
        scope = auth.get("token_scope", "?")
        found.append(Case(op, f"a token without {scope!r}", f"no {scope}", body, 403, why="scope"))
        for query, other in auth.get("query_scopes", {}).items():
            found.append(Case(op, f"a token without {other!r}", f"no {other}", body, 403, query, why="scope"))
        own = "every scope"
    if op.has_body:
        found.append(Case(op, "a malformed body, no credentials", None, MALFORMED, 401))
        found.append(Case(op, "a malformed body, with credentials", own, MALFORMED, 422))
    else:
        found.append(Case(op, f"its own credentials ({'a session' if own == 'session' else 'a token'})", own, None, None))
    return found


CASES = [case for op in OPERATIONS for case in cases(op)]


# --------------------------------------------------------------------------- the server


@dataclass
class Walk:
    url: str
    credentials: dict[str, dict[str, str]]  # name → headers
    ids: dict[str, int]  # path placeholder → a real id

    def path(self, op: Operation) -> str:
        def fill(m: re.Match) -> str:
            assert m.group(1) in self.ids, f"{op}: no id for {{{m.group(1)}}} (add one to the walk fixture)"
            return str(self.ids[m.group(1)])

        return re.sub(r"\{([^}]+)\}", fill, op.path)


@pytest.fixture(scope="module")
def walk(databases, seeded_job: SeededJob, tiny_gguf, tmp_path_factory) -> Iterator[Walk]:
    """The app under uvicorn on a copy of the seeded store, with the tokens and the
    session the cases use."""
    job = seeded_job
    folder = tmp_path_factory.mktemp("route-walk")
    url = databases.new(folder, template=SEEDED)
    desk = make_desk(RelaisHome(folder, url), tiny_gguf)
    try:
        secrets = {"every scope": desk.add_token("walk-all", list(SCOPES)),
                   "revoked": desk.add_token("walk-revoked", list(SCOPES))}  # fmt: skip
        desk.revoke_token("walk-revoked")
        for scope in SCOPES:
            secrets[f"no {scope}"] = desk.add_token(f"walk-no-{scope}", [s for s in SCOPES if s != scope])
        credentials = {name: {"authorization": f"Bearer {secret}"} for name, secret in secrets.items()}
        credentials["unknown"] = {"authorization": "Bearer relais_not-a-token"}
        credentials["basic"] = {"authorization": "Basic eDp5"}
        with desk.store.write() as s:  # ada (admin) may see and do everything a person may
            session, row = accounts.open_session(s, accounts.get_user(s, "ada"))
            credentials["session"] = {"cookie": f"{SESSION_COOKIE}={session}", "x-csrf-token": row.csrf_token}
        with desk.store.read() as s:
            story = s.get(JobRow, job.job_id).article.story_id
        ids = {"job_id": job.job_id, "segment_id": job.segment_ids[0], "story_id": story}
        with LiveServer(create_app(desk.store, desk=desk)) as live:
            yield Walk(live.url, credentials, ids)
    finally:
        desk.close()
        databases.drop(url)


# --------------------------------------------------------------------------- the tests


def test_the_walk_is_what_the_live_app_describes(walk) -> None:
    schema = httpx.get(f"{walk.url}/openapi.json").json()
    assert operations(schema) == OPERATIONS
    assert {str(op) for op in OPERATIONS} >= {
        "POST /api/v1/articles", "GET /api/v1/jobs/{job_id}", "GET /api/v1/jobs/{job_id}/translation",
        "GET /api/v1/stories/{story_id}", "GET /api/v1/jobs/{job_id}/review", "GET /api/v1/jobs/{job_id}/journal",
        "GET /api/v1/jobs/{job_id}/revisions", "PUT /api/v1/jobs/{job_id}/segments/{segment_id}",
        "POST /api/v1/jobs/{job_id}/segments/{segment_id}/confirm", "GET /api/v1/me", "GET /api/v1/users",
        "GET /api/v1/queue", "GET /api/v1/memory", "GET /api/v1/terms", "GET /api/v1/stats",
    }  # fmt: skip
    # the desk's JSON has one place: no route under /api/ outside /api/v1
    assert not [p for p in schema["paths"] if p.startswith("/api/") and not p.startswith("/api/v1/")]


@pytest.mark.parametrize("op", OPERATIONS, ids=str)
def test_every_operation_says_what_it_accepts(op: Operation) -> None:
    auth = op.auth
    assert isinstance(auth, dict), f"{op} has no {AUTH_KEY} (openapi_extra=token_auth(scope) or SESSION_ONLY)"
    if auth.get("session_only"):
        assert auth == {"session_only": True}, op
    else:
        assert auth.get("token_scope") in SCOPES, op
        assert set(auth) <= {"token_scope", "query_scopes"}, op
        assert set(auth.get("query_scopes", {}).values()) <= set(SCOPES), op


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_route_walk(walk, case: Case) -> None:
    assert case.op.auth is not None, f"{case.op} has no {AUTH_KEY}"
    headers = dict(walk.credentials[case.credentials]) if case.credentials else {}
    if case.body is not None:
        headers["content-type"] = "application/json"
    url = f"{walk.url}{walk.path(case.op)}" + (f"?{case.query}" if case.query else "")
    answer = httpx.request(case.op.method, url, content=case.body, headers=headers, timeout=30)
    if case.expected is None:
        assert answer.status_code not in (401, 403) and answer.status_code < 500, answer.text
        return
    assert answer.status_code == case.expected, answer.text
    assert answer.headers["content-type"] == PROBLEM
    problem = answer.json()
    assert problem["status"] == case.expected and problem["title"] and problem["detail"] and problem["type"]
    if case.expected == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")
    if case.why:
        assert case.why in problem["detail"], problem
