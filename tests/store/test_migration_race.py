"""Any number of processes may open a fresh store at the same instant: one runs the
migrations, the others wait for it and find the schema current (SQLite and PostgreSQL)."""

from __future__ import annotations

import subprocess

from alembic.script import ScriptDirectory

from relais.store.db import Store, alembic_config
from tests.barrier import Barrier
from tests.helpers import ROOT, query, relais_env, RelaisHome

PROCESSES = 4


def open_and_say(url: str):
    """In each racing process, once released: open the store, say whether this process migrated it."""

    def run() -> None:
        store = Store(url)
        try:
            print("migrated" if store.migrate() else "current", flush=True)
        finally:
            store.close()

    return run


def test_processes_opening_a_fresh_store_at_once_all_succeed_and_migrate_it_once(new_store_url, tmp_path):
    url = new_store_url(migrated=False)
    env = relais_env(RelaisHome(tmp_path, url))
    barrier = Barrier(tmp_path / "barrier", env, ROOT)
    target = "tests.store.test_migration_race:open_and_say"
    procs = [
        barrier.start(f"p{i}", target, url, stdout=subprocess.PIPE, stderr=subprocess.PIPE) for i in range(PROCESSES)
    ]
    barrier.release(procs)
    results = [(p.wait(timeout=180), *(stream.read().decode() for stream in (p.stdout, p.stderr))) for p in procs]
    for code, stdout, stderr in results:
        assert code == 0, stderr
        assert "Traceback" not in stderr, stderr
    said = sorted(stdout.strip() for _, stdout, _ in results)
    assert said == ["current"] * (PROCESSES - 1) + ["migrated"]

    head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
    assert query(url, "SELECT version_num FROM alembic_version") == [(head,)]
    # Opened again later: nothing to do.
    store = Store(url)
    try:
        assert store.migrate() is False
    finally:
        store.close()
