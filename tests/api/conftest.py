"""Fixtures of the HTTP API tests: a desk on a fresh store (SQLite or PostgreSQL) with
the tiny random-weight GGUF engine, the real app over it, and tokens made as
``relais tokens add`` makes them."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from relais.desk import Desk
from relais.web.app import create_app
from tests.helpers import relais_config
from tests.llama_server import free_port

ARTICLE = (
    "A new footbridge for Lindqvist Harbour\n\n"
    "The council of a small coastal town voted on Tuesday to build a footbridge across the old harbour. "
    "The bridge will link the ferry quay with the market square, and work should start next spring. "
    "Residents have asked for a crossing for more than ten years.\n\n"
    "The mayor said the project would cost about four million euros and would be paid for by the region."
)


def make_desk(home, tiny_gguf, **settings: str) -> Desk:
    return Desk(relais_config(home, RELAIS_LLAMA_MODEL=str(tiny_gguf), RELAIS_RISK_METHOD="rules", **settings))


@pytest.fixture
def desk(relais_home, tiny_gguf) -> Iterator[Desk]:
    desk = make_desk(relais_home, tiny_gguf)
    yield desk
    desk.close()


@pytest.fixture
def app(desk):
    return create_app(desk.store, desk=desk)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def article(**extra) -> dict:
    return {"content": ARTICLE, "format": "text", "targets": ["fr"], **extra}


class LiveServer:
    """The app under uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        import uvicorn

        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))  # fmt: skip
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)
