"""Fresh PostgreSQL databases for tests, from the server ./dev.sh test starts.

``RELAIS_TEST_POSTGRES`` is an admin URL (a role that may create databases); each test
gets its own database, dropped afterwards.  Without it the PostgreSQL tests are skipped
(./dev.sh test and .ci/run always set it).

These are the empty databases of tests/store/test_postgres.py (which runs whenever the
server is there); the whole suite on PostgreSQL (RELAIS_TEST_BACKEND=postgres) gets its
databases from tests/stores.py.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError

ADMIN_URL = os.environ.get("RELAIS_TEST_POSTGRES")


def require_postgres() -> str:
    if not ADMIN_URL:
        pytest.skip("RELAIS_TEST_POSTGRES is not set (./dev.sh test starts PostgreSQL and sets it)")
    return ADMIN_URL


@contextmanager
def fresh_database() -> Iterator[str]:
    """The URL of a new, empty database; dropped on exit."""
    admin_url = require_postgres()
    name = f"relais_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        drop_database(admin, name)
        admin.dispose()


def drop_database(admin: Engine, name: str, *, tries: int = 50) -> None:
    """``DROP DATABASE … WITH (FORCE)``, waiting out a background worker on it.

    An ordinary role may not end a process it does not own: an autovacuum worker that has
    just started on the database makes the drop fail with "must be a member of the role
    whose process is being terminated"; it is gone in a moment, so try again."""
    for attempt in range(tries):
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            return
        except DBAPIError as exc:
            if attempt == tries - 1 or "must be a member of the role" not in str(exc.orig):
                raise
            time.sleep(0.1)
