"""Running the real ``relais`` command in a subprocess, with its own data directory."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def relais_env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RELAIS_", "OPENAI_"))}
    env["RELAIS_HOME"] = str(home)
    env.update(extra)
    return env


def run_relais(
    home: Path, *args: str, input: bytes | None = None, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess:
    """``relais ARGS`` as a user would run it; stdout and stderr decoded."""
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


def assert_one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """A clear one-line message, a non-zero exit, no traceback."""
    assert proc.returncode != 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert len(errors) == 1, proc.stderr
    for needle in needles:
        assert needle.lower() in errors[0].lower(), errors[0]
