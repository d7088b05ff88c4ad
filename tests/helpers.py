"""Running the real ``relais`` command in a subprocess, with its own data directory and
the test's store (``RELAIS_DATABASE_URL``: SQLite or PostgreSQL, tests/stores.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError, ProgrammingError
from sqlalchemy.pool import NullPool

from relais.config import Config, load_config

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


@dataclass(frozen=True)
class RelaisHome:
    """A data directory and the store Relais uses there (the ``relais_home`` fixture)."""

    path: Path
    db_url: str


def relais_env(home: RelaisHome, **extra: str) -> dict[str, str]:
    """The environment of a ``relais`` command on ``home``: none of the caller's Relais
    or OpenAI settings, the data directory and the store's URL, then ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "OPENAI_"))}
    env["RELAIS_HOME"] = str(home.path)
    env["RELAIS_DATABASE_URL"] = home.db_url
    env.update(extra)
    return env


def relais_config(home: RelaisHome, **extra: str) -> Config:
    """The configuration a ``relais`` command on ``home`` would load (for a ``Desk``)."""
    return load_config(home.path, environ=relais_env(home, **extra))


@contextmanager
def running_desk(home: RelaisHome, *, seeded: bool = True, **settings: str) -> Iterator:
    """A desk on ``home`` (rule-based risk, ``settings`` on top) with its engines, whose
    ``run_here(job_ids)`` runs jobs in this process; the review users seeded unless not
    ``seeded``.  Closed after."""
    from relais.desk import Desk
    from relais.jobs.executor import EnginePool
    from tests.review.seed import seed_users

    desk = Desk(relais_config(home, **{"RELAIS_RISK_METHOD": "rules", **settings}))
    if seeded:
        seed_users(desk.store)
    engines = EnginePool(desk.config)
    desk.run_here = lambda ids: desk.run(ids, desk.executor(engines))
    try:
        yield desk
    finally:
        engines.close()
        desk.close()


def run_relais(
    home: RelaisHome, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``relais ARGS`` as a user would run it; stdout and stderr decoded.  ``env`` (from
    ``relais_env(home, ...)``) replaces the default environment of ``home``."""
    proc = subprocess.run(
        [sys.executable, "-m", "relais", *args],
        input=input,
        capture_output=True,
        env=env or relais_env(home),
        timeout=timeout,
        cwd=ROOT,
    )
    return subprocess.CompletedProcess(
        proc.args, proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    )


def query(db_url: str, sql: str, **params) -> list[tuple] | None:
    """The rows of ``sql`` on the store at ``db_url`` (SQLite or PostgreSQL), through a
    connection of its own, as another process sees it; None while the database or the
    table does not exist yet (a ``relais`` run is still creating it)."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return None  # connecting would create the file
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    except (OperationalError, ProgrammingError):
        return None
    finally:
        engine.dispose()


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """A clear one-line message, a non-zero exit, no traceback."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle.lower() in errors[0].lower(), errors[0]


def at_revision(url: str, revision: str, rows=(), *, down: bool = False) -> None:
    """Take the store at ``url`` to migration ``revision`` (up from empty, or ``down``
    from where it is), then run ``rows`` (SQL, parameters) there: a store as an older
    Relais left it.  Through the store's own migration connection."""
    from alembic import command

    from relais.store.db import Store, alembic_config

    store = Store(url)
    with store.schema_connection(foreign_keys=not down) as conn:  # a downgrade rebuilds tables
        cfg = alembic_config(url)
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)
        for sql, params in rows:
            conn.execute(text(sql), params)
        conn.commit()
    store.close()
