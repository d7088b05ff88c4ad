"""Opening the store: one database (SQLite by default, PostgreSQL by URL) kept at the
latest schema by Alembic migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from importlib import resources
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from relais.errors import RelaisError

MODE_OPTION = "relais_mode"  # execution option: which kind of session a connection serves
READ, WRITE = "read", "write"
# PostgreSQL advisory lock key ("relais" in ASCII) held while migrations run (Store.migrate).
MIGRATION_LOCK = 0x72656C616973


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(resources.files("relais.store") / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # SQLAlchemy's recipe for pysqlite: take transaction handling away from the driver
    # (it would commit a SAVEPOINT taken before the first write, so a rolled-back import
    # could keep its first edit) and emit BEGIN ourselves in _sqlite_begin.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    # WAL lets the review app read while a job writes; foreign keys are off by default in SQLite.
    # busy_timeout first: on a new file, switching to WAL waits for another process
    # opening it at the same moment.
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # A write session takes SQLite's write lock at BEGIN: a deferred transaction that
    # reads and then writes fails at once with SQLITE_BUSY when another connection
    # committed in between (busy_timeout does not help there).  A read session stays
    # deferred, so in WAL mode it never waits for a writer, and query_only makes a write
    # in it fail loudly instead of racing.
    mode = conn.get_execution_options().get(MODE_OPTION)
    conn.exec_driver_sql(f"PRAGMA query_only={'ON' if mode == READ else 'OFF'}")
    conn.exec_driver_sql("BEGIN IMMEDIATE" if mode == WRITE else "BEGIN")


class Store:
    """The database behind Relais.  ``read()`` and ``write()`` are the only ways in."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, future=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        readonly = {"postgresql_readonly": True} if self.engine.dialect.name == "postgresql" else {}
        self._readers = sessionmaker(self.engine.execution_options(**{MODE_OPTION: READ}, **readonly), expire_on_commit=False)
        self._writing = threading.local()  # whether this thread has a write session open
        self._writers = sessionmaker(self.engine.execution_options(**{MODE_OPTION: WRITE}), expire_on_commit=False)

    def migrate(self) -> bool:
        """Bring the schema to the latest revision; True if this call ran migrations.

        Any number of processes may call it at once on the same store: the migrations
        run under a lock (a PostgreSQL advisory lock, SQLite's write lock) taken before
        the revision is read, so one process migrates while the others wait for it,
        then find the schema current.  A store already at the latest revision is only
        read, without the lock.  On SQLite a migration that rebuilds a table runs in a
        transaction of its own with foreign keys off (``schema_connection``)."""
        cfg = alembic_config(self.url)
        script = ScriptDirectory.from_config(cfg)
        order = [s.revision for s in reversed(list(script.walk_revisions()))]  # oldest first
        try:
            with self.engine.connect() as conn:
                current = MigrationContext.configure(conn).get_current_revision()
            if current == order[-1]:
                return False
            ran = False
            for target, rebuilds in self._steps(script, order, current):
                with self.schema_connection(foreign_keys=not rebuilds) as conn:
                    self._lock_schema(conn)
                    now = MigrationContext.configure(conn).get_current_revision()
                    if now is not None and order.index(now) >= order.index(target):
                        conn.rollback()  # another process migrated it while this one waited
                        continue
                    cfg.attributes["connection"] = conn
                    command.upgrade(cfg, target)
                    if rebuilds:
                        self._check_foreign_keys(conn)
                    conn.commit()
                    ran = True
            return ran
        except OperationalError as exc:
            raise RelaisError(f"cannot open the store at {self.display_url}: {exc.orig}") from None

    def _steps(self, script: ScriptDirectory, order: list[str], current: str | None) -> list[tuple[str, bool]]:
        """(revision to upgrade to, whether it rebuilds SQLite tables) for each run of
        pending migrations alike; on PostgreSQL one step to the head."""
        pending = order[order.index(current) + 1:] if current is not None else order
        if self.engine.dialect.name != "sqlite":
            return [(pending[-1], False)]
        steps: list[tuple[str, bool]] = []
        for revision in pending:
            rebuilds = bool(getattr(script.get_revision(revision).module, "sqlite_rebuilds_tables", False))
            if steps and steps[-1][1] == rebuilds:
                steps[-1] = (revision, rebuilds)
            else:
                steps.append((revision, rebuilds))
        return steps

    @contextmanager
    def schema_connection(self, *, foreign_keys: bool = True) -> Iterator[Connection]:
        """A connection for migrations.  On SQLite a migration that changes a table's
        constraints rebuilds the table (copy, drop, rename), and dropping a table with
        foreign keys on would cascade to every row that refers to it.  Such a migration
        declares ``sqlite_rebuilds_tables = True`` and runs with ``foreign_keys=False``:
        set before any transaction (where SQLite honours it), checked by
        ``_check_foreign_keys`` before the commit.  The other migrations keep foreign
        keys, and their cascades.  The connection is closed afterwards instead of going
        back to the pool."""
        with self.engine.connect() as conn:
            sqlite = self.engine.dialect.name == "sqlite"
            if sqlite and not foreign_keys:
                conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            try:
                yield conn
            finally:
                if sqlite and not foreign_keys:
                    conn.invalidate()

    def _check_foreign_keys(self, conn: Connection) -> None:
        if self.engine.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RelaisError(f"the migration left {len(broken)} row(s) pointing at nothing (first: {tuple(broken[0])})")

    def _lock_schema(self, conn: Connection) -> None:
        """Begin ``conn``'s transaction holding the lock migrations run under, until it ends."""
        if self.engine.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
        else:
            # SQLite: BEGIN IMMEDIATE (see _sqlite_begin) takes the write lock before the
            # first statement, waiting up to busy_timeout for another process's migration.
            conn.execution_options(**{MODE_OPTION: WRITE})
            conn.exec_driver_sql("SELECT 1")

    @property
    def display_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def read(self) -> AbstractContextManager[Session]:
        """A read-only unit of work: deferred (it never waits for a writer) and refused
        any write (SQLite ``query_only``, PostgreSQL ``READ ONLY``)."""
        return self._unit(self._readers)

    def write(self) -> AbstractContextManager[Session]:
        """A unit of work that may write: committed on success, rolled back on any error.
        On SQLite it holds the write lock from its first statement (``BEGIN IMMEDIATE``),
        waiting up to ``busy_timeout`` for it, so do slow work (checks, engines) before.
        A thread opens one at a time: a second one inside the first would wait for the
        first's own lock."""
        return self._unit(self._writers, write=True)

    @contextmanager
    def _unit(self, sessions: sessionmaker, *, write: bool = False) -> Iterator[Session]:
        if write:
            if getattr(self._writing, "open", False):
                raise RuntimeError("a write session is already open in this thread (it would wait for its own lock)")
            self._writing.open = True
        session = sessions()
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
            if write:
                self._writing.open = False

    def close(self) -> None:
        self.engine.dispose()


def open_store(url: str) -> Store:
    try:
        store = Store(url)
        store.migrate()
    except SQLAlchemyError as exc:
        raise RelaisError(f"cannot open the store at {url}: {exc}") from None
    return store
