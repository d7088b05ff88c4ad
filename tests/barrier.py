"""Real processes that start the same work at the same instant, for race tests.

``python -m tests.barrier DIR NAME TARGET ARGS...`` imports what it will run, says it is
ready (``DIR/NAME.ready``), waits for ``DIR/go``, then runs ``TARGET``: ``relais`` (the
command line, with ``ARGS``) or ``module:function``, which is called with ``ARGS`` (as
strings) before the barrier, to prepare, and returns what to call after it.  Importing
and preparing first means every process meets the barrier with its start-up cost paid,
so what follows the barrier really runs at once.

``Barrier`` starts such processes and releases them together.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import time
from pathlib import Path

POLL = 0.0005  # seconds between two looks at the go file


def _prepare(spec: str, args: tuple[str, ...]):
    if spec == "relais":
        from relais.cli import main

        def run() -> None:
            sys.argv = ["relais", *args]
            main()

        return run
    module, _, function = spec.partition(":")
    return getattr(importlib.import_module(module), function)(*args)


def _main(folder: str, name: str, spec: str, *args: str) -> None:
    run = _prepare(spec, args)
    folder_path = Path(folder)
    (folder_path / f"{name}.ready").touch()
    go = folder_path / "go"
    deadline = time.monotonic() + 300
    while not go.exists():
        if time.monotonic() > deadline:
            sys.exit("barrier: never released")
        time.sleep(POLL)
    run()


class Barrier:
    """Processes started behind one barrier: ``start`` each, then ``release`` them all."""

    def __init__(self, folder: Path, env: dict[str, str], cwd: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.env, self.cwd = env, cwd
        self.names: list[str] = []

    def start(self, name: str, target: str, *args: str, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
        """A process that runs ``target ARGS`` once released (``popen``: stdout, stderr…)."""
        self.names.append(name)
        command = [sys.executable, "-m", "tests.barrier", str(self.folder), name, target, *args]
        return subprocess.Popen(command, env=env or self.env, cwd=self.cwd, **popen)

    def release(self, processes: list[subprocess.Popen], timeout: float = 120) -> None:
        """Wait until every process is ready, then let them all go at once."""
        deadline = time.monotonic() + timeout
        while not all((self.folder / f"{n}.ready").exists() for n in self.names):
            if time.monotonic() > deadline or any(p.poll() is not None for p in processes):
                raise RuntimeError("a process behind the barrier did not get ready")
            time.sleep(0.01)
        (self.folder / "go").touch()


if __name__ == "__main__":
    _main(*sys.argv[1:])
