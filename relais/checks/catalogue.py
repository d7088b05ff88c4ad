"""The list of checks as Markdown, from the registry itself (docs/checks.md embeds it;
tests/checks/test_catalogue.py keeps the two in step).

    python -m relais.checks.catalogue
"""

from __future__ import annotations

import inspect

from relais.checks.registry import all_checks


def catalogue() -> str:
    lines = ["| id | severity | languages | what it finds |", "|---|---|---|---|"]
    for check in all_checks():
        doc = inspect.getdoc(type(check)) or ""
        summary = check.description or doc.split("\n\n")[0].replace("\n", " ")
        locales = ", ".join(sorted(check.locales)) if check.locales else "all"
        summary = summary.replace("|", r"\|")
        lines.append(f"| `{check.id}` | {check.severity.value} | {locales} | {summary} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(catalogue(), end="")
