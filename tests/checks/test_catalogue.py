"""docs/checks.md lists exactly the registered checks, as the registry describes them."""

from relais.checks.catalogue import catalogue
from relais.checks.registry import all_checks
from tests.helpers import ROOT


def test_docs_list_every_check():
    assert catalogue() in (ROOT / "docs" / "checks.md").read_text()


def test_every_check_has_id_severity_and_description():
    for check in all_checks():
        assert check.id.count(".") == 1, check.id
        assert check.severity is not None
        assert check.description or (type(check).__doc__ or "").strip(), check.id
