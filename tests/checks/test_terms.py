"""Termbase checks: table cases (source, target, language, termbase, expected ids), fr/de/es, both ways.

The checks are run from relais/checks/terms.py directly, with the store's termbase
(``StoreTermbase``, built here from entries without a database) and with the
protocol-only ``DictTermbase`` of names.py.
"""

from __future__ import annotations

import pytest

from relais.checks.base import CheckContext, SegmentPair
from relais.text.names import DictTermbase
from relais.checks.terms import TermForbiddenCheck, TermViolationCheck
from relais.document.model import BlockKind
from relais.memory.termbase import StoreTermbase, TermMatch

CHECKS = (TermViolationCheck(), TermForbiddenCheck())


def _termbase(entries: dict[str, tuple[str, list[str]]], lang: str, types: dict[str, str] | None = None) -> StoreTermbase:
    types = types or {}
    return StoreTermbase([TermMatch(src, tgt, types.get(src, "person"), tuple(forb)) for src, (tgt, forb) in entries.items()], lang)


def _findings(source: str, target: str, lang: str, termbase, kind: BlockKind = BlockKind.PARAGRAPH):
    pair = SegmentPair(0, 0, kind, source, target, "en", lang)
    ctx = CheckContext("en", lang, termbase=termbase)
    return [f for check in CHECKS for f in check.run(pair, ctx)]


PUTIN_FR = {"Putin": ("Poutine", [])}
PUTIN_FR_FORBIDDEN = {"Putin": ("Poutine", ["Putin"])}
PUTIN_DE = {"Putin": ("Putin", ["Poutine"])}
PUTIN_ES = {"Putin": ("Putin", ["Poutine"])}
LAVROV_FR = {"Sergei Lavrov": ("Sergueï Lavrov", ["Sergei Lavrov"]), "Lavrov": ("Lavrov", [])}
CLIMATE = {"climate change": ("changement climatique", ["dérèglement climatique"])}
CLIMATE_DE = {"climate change": ("Klimawandel", [])}

CASES = [
    # --- terms.violation: fires
    ("Putin spoke on Tuesday.", "Putin a parlé mardi.", "fr", PUTIN_FR, {"terms.violation"}),
    ("The Kremlin said Putin's plan was ready.", "Le Kremlin a déclaré que le plan de Poutin était prêt.", "fr", PUTIN_FR, {"terms.violation"}),
    ("Sergei Lavrov arrived in Geneva.", "Sergej Lavrov est arrivé à Genève.", "fr", LAVROV_FR, {"terms.violation"}),
    ("Putin spoke on Tuesday.", "Poutine sprach am Dienstag.", "de", {"Putin": ("Putin", [])}, {"terms.violation"}),
    ("Putin spoke on Tuesday.", "Poutine habló el martes.", "es", {"Putin": ("Putin", [])}, {"terms.violation"}),
    ("Climate change is accelerating.", "Le réchauffement s'accélère.", "fr", CLIMATE, {"terms.violation"}),
    ("Climate change is accelerating.", "Die Erderwärmung beschleunigt sich.", "de", CLIMATE_DE, {"terms.violation"}),
    # --- terms.forbidden: fires (and not terms.violation as well)
    ("Putin spoke on Tuesday.", "Putin a parlé mardi.", "fr", PUTIN_FR_FORBIDDEN, {"terms.forbidden"}),
    ("The Kremlin said Putin's plan was ready.", "Der Kreml sagte, Poutines Plan sei fertig.", "de", PUTIN_DE, {"terms.forbidden"}),
    ("The Kremlin said Putin's plan was ready.", "El Kremlin dijo que el plan de Poutine estaba listo.", "es", PUTIN_ES, {"terms.forbidden"}),
    ("Sergei Lavrov arrived in Geneva.", "Sergei Lavrov est arrivé à Genève.", "fr", LAVROV_FR, {"terms.forbidden"}),
    ("Climate change is accelerating.", "Le dérèglement climatique s'accélère.", "fr", CLIMATE, {"terms.forbidden"}),
    # --- silent: the approved rendering, in any case and inflected
    ("Putin spoke on Tuesday.", "Poutine a parlé mardi.", "fr", PUTIN_FR_FORBIDDEN, set()),
    ("PUTIN SPEAKS", "POUTINE PREND LA PAROLE", "fr", PUTIN_FR_FORBIDDEN, set()),
    ("Putin spoke on Tuesday.", "Putin sprach am Dienstag.", "de", PUTIN_DE, set()),
    ("The Kremlin said Putin's plan was ready.", "Der Kreml sagte, Putins Plan sei fertig.", "de", PUTIN_DE, set()),
    ("Putin spoke on Tuesday.", "Putin habló el martes.", "es", PUTIN_ES, set()),
    ("Sergei Lavrov arrived in Geneva.", "Sergueï Lavrov est arrivé à Genève.", "fr", LAVROV_FR, set()),
    ("Climate change is accelerating.", "Le changement climatique s'accélère.", "fr", CLIMATE, set()),
    ("Climate change is accelerating.", "Der Klimawandel beschleunigt sich.", "de", CLIMATE_DE, set()),
    # --- silent: the term is not in the source, or the name was dropped (names.missing's)
    ("The minister spoke on Tuesday.", "Putin a parlé mardi.", "fr", PUTIN_FR_FORBIDDEN, set()),
    ("The minister Sergei Lavrov arrived in Geneva.", "Le ministre est arrivé à Genève.", "fr", LAVROV_FR, set()),
    ("The turkey was roasted.", "La dinde a été rôtie.", "fr", {"Turkey": ("Turquie", ["Turkey"])}, set()),
    # --- silent without a termbase
    ("Putin spoke on Tuesday.", "Putin a parlé mardi.", "fr", None, set()),
]


KOVALYOV = {"Yuri Kovalyov": ("Iouri Kovaliov", ["Youri Kovalev"])}
KOVALYOV_DE = {"Yuri Kovalyov": ("Juri Kowaljow", [])}
SURNAME_CASES = [
    # a person of the termbase is held to it on every mention, the surname alone too
    ("“We will stay,” said Kovalyov.", "« Nous resterons », a déclaré Youri Kovalev.", "fr", KOVALYOV, {"terms.forbidden"}),
    ("“We will stay,” said Kovalyov.", "« Nous resterons », a déclaré Kovalev.", "fr", KOVALYOV, {"terms.forbidden"}),
    ("“We will stay,” said Mr Kovalyov.", "« Nous resterons », a déclaré M. Kovaliov.", "fr", KOVALYOV, set()),
    ("Kovalyov's plan was ready.", "Le plan de Kovaliov était prêt.", "fr", KOVALYOV, set()),
    ("Kovalyov's plan was ready.", "Le plan de Kovalov était prêt.", "fr", KOVALYOV, {"terms.violation"}),
    ("Kovalyov spoke on Tuesday.", "Kowaljows Plan war fertig, sagte er am Dienstag.", "de", KOVALYOV_DE, set()),  # inflected
    ("Kovalyov spoke on Tuesday.", "Kowalew sprach am Dienstag.", "de", KOVALYOV_DE, {"terms.violation"}),
]


@pytest.mark.parametrize("source,target,lang,entries,expected", SURNAME_CASES)
def test_a_person_is_held_to_the_termbase_by_surname_alone(source, target, lang, entries, expected):
    assert {f.check for f in _findings(source, target, lang, _termbase(entries, lang))} == expected


@pytest.mark.parametrize("source,target,lang,entries,expected", CASES)
def test_terms_table(source, target, lang, entries, expected):
    termbase = None if entries is None else _termbase(entries, lang, {"climate change": "term", "Turkey": "place"})
    assert {f.check for f in _findings(source, target, lang, termbase)} == expected


# A DictTermbase folds case away ('turkey' is 'Turkey' to it), so the Turkey rows are
# only run with the store's termbase above.
@pytest.mark.parametrize("source,target,lang,entries,expected", [c for c in CASES if c[3] is not None and "Turkey" not in c[3]])
def test_terms_table_with_a_dict_termbase(source, target, lang, entries, expected):
    """The same table through the Termbase protocol alone (renderings())."""
    termbase = DictTermbase({src: {lang: entry} for src, entry in entries.items()})
    assert {f.check for f in _findings(source, target, lang, termbase)} == expected


def test_forbidden_points_at_the_variant_and_suggests_the_approved_rendering():
    target = "Selon le Kremlin, <b1>Putin</b1> a parlé."
    found = _findings("The Kremlin said <b1>Putin</b1> spoke.", target, "fr", _termbase(PUTIN_FR_FORBIDDEN, "fr"))
    assert [(f.check, target[f.start : f.end], f.suggestion) for f in found] == [("terms.forbidden", "Putin", "Poutine")]


def test_violation_points_at_the_rendering_used_and_suggests_the_approved_one():
    target = "Sergej Lavrov est arrivé à Genève."
    found = _findings("Sergei Lavrov arrived in Geneva.", target, "fr", _termbase(LAVROV_FR, "fr"))
    assert [(f.check, target[f.start : f.end], f.suggestion) for f in found] == [("terms.violation", "Sergej Lavrov", "Sergueï Lavrov")]


def test_longest_term_wins_in_the_source():
    # "Lavrov" alone would be satisfied by "Lavrov"; "Sergei Lavrov" is the term here.
    found = _findings("Sergei Lavrov arrived.", "Sergej Lavrov est arrivé.", "fr", _termbase(LAVROV_FR, "fr"))
    assert [f.suggestion for f in found] == ["Sergueï Lavrov"]


def test_a_termbase_of_another_language_is_silent():
    assert _findings("Putin spoke.", "Putin a parlé.", "fr", _termbase(PUTIN_DE, "de")) == []
