"""The shape of the package: layers that only import downwards, no import cycle, no
hidden (function-level) import of Relais code (migrations: tests/store/test_migrations_frozen.py).

The layers, lowest first (docs/architecture.md):

    base (errors, config, locales) → document, text → engines → checks → store → memory
    → jobs | review → publish → desk → feeds → cli | web

A module may import its own package and any lower layer; jobs and review sit side by
side and do not import each other, nor do cli and web.  Read from the source with
``ast``, so a new upward arrow fails here before anyone runs it.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent / "relais"

# package (first part after "relais.") → rank; equal ranks of different packages may not import each other
LAYERS: dict[str, float] = {
    "errors": 0, "config": 0, "locales": 0, "__init__": 0,
    "document": 1, "text": 1,
    "engines": 2,
    "checks": 3,
    "store": 4,
    "memory": 5,
    "jobs": 6, "review": 6, "metrics": 6,
    "publish": 7,
    "desk": 8,
    "feeds": 8.5,  # relais.feeds: drives the desk, driven by the cli
    "cli": 9, "web": 9, "__main__": 10,
}  # fmt: skip
# Within the base rank, what may import what (errors imports nothing of ours).
BASE_ORDER = {"errors": 0, "config": 1, "locales": 1, "__init__": 0}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.Module, module: str, is_package: bool):
    """(target module, line, at module level) for every import of relais code."""

    def targets(node) -> list[str]:
        if isinstance(node, ast.Import):
            return [a.name for a in node.names if a.name == "relais" or a.name.startswith("relais.")]
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            if name != "relais" and not name.startswith("relais."):
                return []
            # "from relais.store import repo" imports the module relais.store.repo
            return [f"{name}.{a.name}" if (ROOT.parent / f"{name}.{a.name}".replace(".", "/")).with_suffix(".py").exists()
                    or (ROOT.parent / f"{name}.{a.name}".replace(".", "/") / "__init__.py").exists() else name
                    for a in node.names]  # fmt: skip
        return []

    def walk(node, top: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                continue  # annotations only: no import at run time
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                for target in targets(child):
                    yield target, child.lineno, top
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            yield from walk(child, inner)

    yield from walk(tree, True)


def _graph():
    edges: dict[str, set[str]] = defaultdict(set)
    hidden: dict[tuple[str, str], str] = {}
    where: dict[tuple[str, str], int] = {}
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        module = _module_name(path)
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for target, line, top in _imports(tree, module, path.name == "__init__.py"):
            if not top:
                hidden.setdefault((module, target), f"{module}:{line} imports {target} inside a function")
                continue
            if target != module:
                edges[module].add(target)
                where.setdefault((module, target), line)
    return edges, hidden, where


EDGES, HIDDEN, WHERE = _graph()


def _rank(module: str) -> tuple[int, int]:
    package = _package(module)
    return LAYERS[package], BASE_ORDER.get(package, 0)


def test_every_package_has_a_layer():
    packages = {_package(m) for m in EDGES} | {_package(t) for ts in EDGES.values() for t in ts}
    assert sorted(packages - set(LAYERS)) == [], "give the new package a layer here and in docs/architecture.md"


def test_imports_only_point_down():
    upward = []
    for module, targets in sorted(EDGES.items()):
        for target in sorted(targets):
            if _package(module) == _package(target):
                continue
            if _rank(target) >= _rank(module):
                upward.append(f"{module}:{WHERE[(module, target)]} imports {target}")
    assert upward == []


def test_no_import_cycle():
    """Between modules, within a package too (base ↔ prompt ↔ validate was one)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in EDGES.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(EDGES):
        if module not in index:
            visit(module)
    assert cycles == []


# The documented lazy loads: a command loads a heavy optional dependency only when it runs.
LAZY = {
    ("relais.cli", "relais.web.app"): "relais serve: FastAPI, Jinja and uvicorn, seconds on every other command",
    ("relais.cli", "relais.jobs.queue"): "relais worker: Procrastinate, PostgreSQL only",
    ("relais.desk", "relais.jobs.queue"): "the task queue: Procrastinate, PostgreSQL only",
}


def test_no_hidden_import_of_relais_code():
    """A function-level import hides an arrow from this test and from a reader, except
    the lazy loads above.  Heavy optional dependencies (llama_cpp, ctranslate2,
    grammalecte…) may load lazily anywhere: they are not Relais code."""
    assert sorted({h for (module, target), h in HIDDEN.items() if (module, target) not in LAZY}) == []


def test_the_graph_is_read():
    """The test itself sees the arrows (a parser that found nothing would pass the rest)."""
    assert "relais.store.repo" in EDGES["relais.store.translation"]
    assert "relais.document.translation" in EDGES["relais.document.render"]
