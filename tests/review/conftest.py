"""Fixtures of the review desk tests: a real store (SQLite or PostgreSQL) seeded once per
session and copied for each test (``seeded_url``, tests/conftest.py: hashing the four
passwords and loading the checks takes seconds; copying a database does not), the real
app, signed-in clients and a live server."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from relais.review import accounts
from relais.web.app import SESSION_COOKIE, create_app
from relais.store.db import Store, open_store
from tests.llama_server import free_port
from tests.review.seed import SeededJob


@pytest.fixture
def store(seeded_url: str) -> Iterator[Store]:
    store = open_store(seeded_url)
    yield store
    store.close()


@pytest.fixture
def job(seeded_job: SeededJob) -> SeededJob:
    return seeded_job


@pytest.fixture
def app(store: Store):
    return create_app(store)


def sign_in(client: TestClient, store: Store, name: str) -> str:
    """Open a real session for ``name`` (as POST /login does, without the slow password
    hash) and put its cookie in the client; returns the session's CSRF token."""
    with store.write() as s:
        token, row = accounts.open_session(s, accounts.get_user(s, name))
        csrf = row.csrf_token
    client.cookies.set(SESSION_COOKIE, token)
    return csrf


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c



@pytest.fixture
def live_server(store: Store) -> Iterator[str]:
    """The app under uvicorn on 127.0.0.1, in a background thread."""
    import uvicorn

    port = free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the review app did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
