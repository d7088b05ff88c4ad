"""Historic migrations carry frozen copies of what they compute: none imports the
application (anything under ``relais`` outside ``relais.store.migrations``), so a
migration does the same thing whatever the application's code becomes."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import relais.store

VERSIONS = sorted((Path(relais.store.__file__).parent / "migrations" / "versions").glob("*.py"))


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (function-level imports included)."""
    modules: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # a relative import stays inside the migrations package
                modules.add("relais.store.migrations." + (node.module or ""))
            else:
                modules.add(node.module or "")
    return modules


def test_every_migration_is_looked_at():
    assert [p.name[:4] for p in VERSIONS] == [f"{n:04d}" for n in range(1, len(VERSIONS) + 1)]
    assert len(VERSIONS) >= 8


@pytest.mark.parametrize("path", VERSIONS, ids=lambda p: p.stem)
def test_a_migration_imports_nothing_from_the_application(path: Path):
    application = {
        m for m in imported_modules(path)
        if (m == "relais" or m.startswith("relais.")) and not m.startswith("relais.store.migrations")
    }  # fmt: skip
    assert application == set(), f"{path.name} imports live application code: {sorted(application)}"
