"""Where every test store comes from: one factory for the whole suite, on the backend
``RELAIS_TEST_BACKEND`` chooses (``sqlite``, the default, or ``postgres``).

``./dev.sh test`` runs the suite twice, once per backend.  Tests never build a database
URL themselves: they take the ``store_url`` fixture (a fresh, empty store), the
``new_store_url`` factory (more than one, a copy of a seeded template, or one not yet
migrated), or ``relais_home`` for the ``relais`` command (tests/conftest.py).

SQLite: a file under the test's ``tmp_path`` (migrated when first opened, as a user's
would be); a seeded template is a file copied for each test.

PostgreSQL (``RELAIS_TEST_POSTGRES``, an admin URL of a role that may create databases):
one database per test, made with ``CREATE DATABASE … TEMPLATE`` from a database migrated
once per session (a file-level copy, much faster than running the migrations each time)
or from a seeded template, and dropped ``WITH (FORCE)`` after the test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import NullPool

from relais.store.db import open_store
from tests.postgres import drop_database

BACKENDS = ("sqlite", "postgres")
BACKEND = os.environ.get("RELAIS_TEST_BACKEND", "").strip().lower() or "sqlite"

T = TypeVar("T")


def on_postgres() -> bool:
    return BACKEND == "postgres"


def sqlite_only(why: str) -> pytest.MarkDecorator:
    """Skip a test about the SQLite store (pragmas, FTS5, its own indexes) on the postgres pass."""
    return pytest.mark.skipif(on_postgres(), reason=f"about the SQLite store: {why}")


class TestDatabases:
    """Fresh databases for one test session; templates are made once and dropped at the end."""

    __test__ = False  # not a test class

    def __init__(self, backend: str, root: Path, admin_url: str | None = None):
        if backend not in BACKENDS:
            raise ValueError(f"RELAIS_TEST_BACKEND={backend!r}: use one of {', '.join(BACKENDS)}")
        if backend == "postgres" and not admin_url:
            raise ValueError("RELAIS_TEST_BACKEND=postgres needs RELAIS_TEST_POSTGRES (./dev.sh test sets it)")
        self.backend = backend
        self.root = root  # SQLite templates
        self.admin_url = admin_url
        self._admin: Engine | None = None
        self._migrated: str | None = None  # PostgreSQL: the migrated template's name
        self._seeded: dict[str, tuple[str, Any]] = {}  # key → (template: file or database, seed result)
        self._handed_out: set[Path] = set()

    # ----------------------------------------------------------------------- public

    def new(self, folder: Path, name: str = "relais", *, template: str | None = None, migrated: bool = True) -> str:
        """The URL of a new database: empty (``migrated``: at the latest schema on
        PostgreSQL; SQLite migrates on first open) or a copy of the seeded ``template``."""
        if template is not None and template not in self._seeded:
            raise KeyError(f"no seeded template {template!r} (call seeded() first)")
        if self.backend == "sqlite":
            path = self._free_path(folder, name)
            if template is not None:
                shutil.copyfile(self._seeded[template][0], path)
            return f"sqlite:///{path}"
        if template is not None:
            source = self._seeded[template][0]
        elif migrated:
            source = self._migrated_template()
        else:
            source = None
        return self._url(self._create("relais_test", source))

    def seeded(self, key: str, seed: Callable[[str], T]) -> T:
        """Make the template ``key`` once per session: ``seed(url)`` fills a new store (and
        closes every connection it opened); returns what ``seed`` returned."""
        if key not in self._seeded:
            if self.backend == "sqlite":
                folder = self.root / f"template-{key}"
                folder.mkdir(parents=True, exist_ok=True)
                path = folder / "relais.db"
                result = seed(f"sqlite:///{path}")
                self._seeded[key] = (str(path), result)
            else:
                name = self._create("relais_tmpl", self._migrated_template())
                result = seed(self._url(name))
                self._close_connections(name)
                self._seeded[key] = (name, result)
        return self._seeded[key][1]

    def drop(self, url: str) -> None:
        """Drop a database ``new()`` made (SQLite files go with ``tmp_path``)."""
        if self.backend == "postgres":
            self._drop(make_url(url).database)

    def close(self) -> None:
        if self.backend == "postgres":
            for name, _ in self._seeded.values():
                self._drop(name)
            if self._migrated:
                self._drop(self._migrated)
            if self._admin is not None:
                self._admin.dispose()
        self._seeded.clear()
        self._migrated = None

    # ----------------------------------------------------------------------- SQLite

    def _free_path(self, folder: Path, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path, n = folder / f"{name}.db", 1
        while path in self._handed_out or path.exists():
            n += 1
            path = folder / f"{name}-{n}.db"
        self._handed_out.add(path)
        return path

    # ----------------------------------------------------------------------- PostgreSQL

    def _admin_engine(self) -> Engine:
        if self._admin is None:
            self._admin = create_engine(self.admin_url, isolation_level="AUTOCOMMIT", pool_size=1)
        return self._admin

    def _url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def _migrated_template(self) -> str:
        if self._migrated is None:
            name = self._create("relais_tmpl", None)
            open_store(self._url(name)).close()
            # No autovacuum in the copies: a worker on a test database makes DROP DATABASE
            # WITH (FORCE) fail (PostgreSQL 15 may not end it for an ordinary role), and on
            # a template it delays CREATE DATABASE.  A test's tables are tiny anyway.
            engine = create_engine(self._url(name), poolclass=NullPool)
            with engine.begin() as conn:
                for table in inspect(conn).get_table_names():
                    conn.execute(text(f'ALTER TABLE "{table}" SET (autovacuum_enabled = false, toast.autovacuum_enabled = false)'))
            engine.dispose()  # a template must have no connections
            self._migrated = name
        return self._migrated

    def _create(self, prefix: str, template: str | None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with self._admin_engine().connect() as conn:
            conn.execute(text(sql))
        return name

    def _close_connections(self, name: str) -> None:
        """End any session still on ``name`` (a store a seed function forgot to close):
        PostgreSQL refuses to copy a database someone is connected to."""
        with self._admin_engine().connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"),
                {"name": name},
            )

    def _drop(self, name: str | None) -> None:
        if name:
            drop_database(self._admin_engine(), name)
