"""``relais languages`` prints the coverage table."""

from __future__ import annotations

from typer.testing import CliRunner

from relais.cli import app
from relais.locales import coverage_table


def test_relais_languages_prints_the_coverage_table() -> None:
    result = CliRunner().invoke(app, ["languages"])
    assert result.exit_code == 0, result.output
    assert result.output == coverage_table()
    assert "pl: lacks figures" in result.output
