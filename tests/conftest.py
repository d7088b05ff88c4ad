"""Fixtures shared by all test packages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests import stores
from tests.gguf_factory import write_tiny_gguf
from tests.helpers import RelaisHome
from tests.llama_server import running_llama_server
from tests.postgres import ADMIN_URL
from tests.review.seed import SEEDED, SeededJob, seed_review

# ---------------------------------------------------------------------------------------
# Engines: a tiny real model and a real llama.cpp server (owner: engines)
# ---------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tiny_gguf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random-weight llama GGUF (about 0.5 MB) that llama.cpp loads and generates from."""
    return write_tiny_gguf(tmp_path_factory.mktemp("models") / "tiny-random.gguf")


@pytest.fixture(scope="session")
def llama_server(tiny_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """Base URL (``http://127.0.0.1:PORT/v1``) of a real llama.cpp server serving ``tiny_gguf``."""
    log = tmp_path_factory.mktemp("llama-server") / "server.log"
    with running_llama_server(tiny_gguf, log) as base_url:
        yield base_url


# ---------------------------------------------------------------------------------------
# Stores: every test database comes from here, SQLite or PostgreSQL (tests/stores.py)
# ---------------------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    if stores.BACKEND not in stores.BACKENDS:
        raise pytest.UsageError(f"RELAIS_TEST_BACKEND={stores.BACKEND!r}: use one of {', '.join(stores.BACKENDS)}")
    if stores.on_postgres() and not ADMIN_URL:
        raise pytest.UsageError("RELAIS_TEST_BACKEND=postgres needs RELAIS_TEST_POSTGRES (./dev.sh test sets it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The postgres pass of ``./dev.sh test`` runs the tests that touch a store: those that
    take a database from ``databases`` (directly or through ``store_url``, ``relais_home``,
    ``seeded_url`` …).  Every other test would run exactly as it does in the SQLite pass,
    so it runs once.  Tests marked ``shipped`` run the shipped demo model (seconds to
    minutes each) and are not about the store: SQLite pass only."""
    if not stores.on_postgres():
        return
    keep, drop = [], []
    for item in items:
        uses_store = "databases" in getattr(item, "fixturenames", ())
        (keep if uses_store and not item.get_closest_marker("shipped") else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_report_header(config: pytest.Config) -> str:
    where = f" ({make_url(ADMIN_URL).render_as_string(hide_password=True)})" if stores.on_postgres() else ""
    return f"relais store backend: {stores.BACKEND}{where}"


@pytest.fixture(scope="session")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[stores.TestDatabases]:
    """The session's database factory, on the backend RELAIS_TEST_BACKEND chooses."""
    dbs = stores.TestDatabases(stores.BACKEND, tmp_path_factory.mktemp("store-templates"), ADMIN_URL)
    yield dbs
    dbs.close()


@pytest.fixture
def new_store_url(databases: stores.TestDatabases, tmp_path: Path) -> Iterator[Callable[..., str]]:
    """``new_store_url(name="relais", *, template=None, migrated=True)``: the URL of another
    fresh database for this test (a copy of a seeded template if named; not yet migrated
    if ``migrated=False``); each is dropped after the test."""
    made: list[str] = []

    def make(name: str = "relais", *, template: str | None = None, migrated: bool = True) -> str:
        url = databases.new(tmp_path, name, template=template, migrated=migrated)
        made.append(url)
        return url

    yield make
    for url in made:
        databases.drop(url)


@pytest.fixture
def store_url(new_store_url: Callable[..., str]) -> str:
    """The URL of a fresh, empty store for this test (SQLite under tmp_path, or PostgreSQL)."""
    return new_store_url()


@pytest.fixture
def relais_home(tmp_path: Path, store_url: str) -> RelaisHome:
    """A data directory (tmp_path) and a fresh store for the ``relais`` command:
    ``run_relais(relais_home, ...)`` and ``relais_env(relais_home)`` set RELAIS_HOME and
    RELAIS_DATABASE_URL."""
    return RelaisHome(tmp_path, store_url)


@pytest.fixture(scope="session")
def seeded_job(databases: stores.TestDatabases) -> SeededJob:
    """The French job (and the four users) of the seeded template (tests/review/seed.py)."""
    return databases.seeded(SEEDED, seed_review)


@pytest.fixture
def seeded_url(new_store_url: Callable[..., str], seeded_job: SeededJob) -> str:
    """A fresh copy of the seeded store: the four users and ``seeded_job``."""
    return new_store_url(template=SEEDED)


@pytest.fixture
def seeded_home(tmp_path: Path, seeded_url: str) -> RelaisHome:
    """``relais_home`` on a copy of the seeded store."""
    return RelaisHome(tmp_path, seeded_url)
