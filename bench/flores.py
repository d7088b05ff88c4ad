"""Reading the FLORES-200 dev files the benchmarks compare against (path given by the
user; the data is never copied into the repository)."""

from __future__ import annotations

from pathlib import Path

DEFAULT = Path("../shared/eval/flores-dev")


def read_lines(path: Path, n: int, offset: int = 0) -> list[str]:
    """Lines ``offset`` to ``offset + n`` of a FLORES file, without their newlines."""
    with path.open(encoding="utf-8") as fh:
        lines = [line.rstrip("\n") for _, line in zip(range(offset + n), fh)]
    return lines[offset:]
