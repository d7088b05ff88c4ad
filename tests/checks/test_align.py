"""Aligning two whole documents on real-looking articles (``relais.checks.align``): a
clean translation stays silent when the English lost a paragraph, when the French has
three more, when both are plain text with a line per paragraph, and when it ends with
a disclosure line; what really is missing or added is one finding where it is.

The article pair (tests/checks/fixtures/ferry.*.md) is written for these tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from relais.checks.align import align_articles, known_text
from relais.checks.audit import check_documents
from relais.document.ingest import ingest_bytes
from relais.locales import get_pack

FIXTURES = Path(__file__).parent / "fixtures"
EN = (FIXTURES / "ferry.en.md").read_text(encoding="utf-8")
FR = (FIXTURES / "ferry.fr.md").read_text(encoding="utf-8")
LOUD = ("critical", "major")
# Paragraphs of another story, in French, that the English does not have.
STRAY = [
    "Le musée de la ville rouvrira ses portes au public après deux ans de travaux.",
    "La mairie a planté cent vingt arbres le long du boulevard Ernest-Vasseur.",
    "Selon la préfecture, la circulation restera difficile jusqu’à la fin du mois.",
]


def _paragraphs(text: str) -> list[str]:
    return text.strip().split("\n\n")


def _check(source: str, target: str, *, names=("a.md", "b.md")):
    return check_documents(source.encode(), target.encode(), "fr", source_name=names[0], target_name=names[1])


def _loud(report, ignore=()) -> list[tuple[str, str]]:
    return [(f.check, f.text) for f in report.findings if f.severity.value in LOUD and f.check not in ignore]


def test_a_clean_translation_is_silent():
    assert [(f.check, f.text) for f in _check(EN, FR).findings] == []


def test_a_paragraph_the_english_lost_is_one_addition_where_it_is():
    english = _paragraphs(EN)
    dropped = english.pop(4)  # Harbour Lines … 3% pay rise (0 is the headline)
    report = _check("\n\n".join(english), FR)
    assert _loud(report) == [("addition.block", _paragraphs(FR)[4])]
    assert dropped


@pytest.mark.parametrize("positions", [(1, 5, 9), (0, 3, 4), (8, 9, 10)])
def test_three_paragraphs_added_to_the_translation_are_three_additions_and_nothing_else(positions):
    french = _paragraphs(FR)
    for at, stray in zip(sorted(positions, reverse=True), STRAY):
        french.insert(at, stray)
    report = _check(EN, "\n\n".join(french))
    assert sorted(_loud(report)) == sorted(("addition.block", s) for s in STRAY)


def test_a_paragraph_missing_from_the_translation_is_named():
    french = _paragraphs(FR)
    del french[5]  # the buses (0 is the headline)
    report = _check(EN, "\n\n".join(french))
    (missing,) = _loud(report)
    assert missing[0] == "align.block_missing"
    assert any("Buses will replace" in f.message for f in report.findings if f.check == "align.block_missing")


def test_plain_text_with_a_line_per_paragraph_aligns_like_markdown():
    english, french = "\n".join(_paragraphs(EN)).replace("# ", ""), "\n".join(_paragraphs(FR)).replace("# ", "")
    report = _check(english, french, names=("a.txt", "b.txt"))
    assert [(f.check, f.text) for f in report.findings] == []


def test_a_pair_the_aligner_is_unsure_of_is_not_compared_but_named():
    french = _paragraphs(FR)
    # The translator put another story's paragraph in the place of the strike's start.
    french[2] = ("Le musée de la ville, fermé depuis deux ans pour des travaux de rénovation, rouvrira ses portes "
                 "au public samedi avec une exposition consacrée aux peintres de la côte et aux photographes du port, "
                 "a annoncé la mairie dans un communiqué publié mardi soir.")  # fmt: skip
    report = _check(EN, "\n\n".join(french))
    found = [(f.check, f.severity.value, f.text) for f in report.findings]
    # Not "6 a.m. is missing" from a paragraph that never was its translation: the
    # aligner says it is unsure, once, over that paragraph.
    assert found == [("align.uncertain", "minor", french[2])]


def test_publication_ends_with_its_disclosure_line_and_raises_nothing():
    disclosure = get_pack("fr").disclosure["en"]
    report = _check(EN, FR + "\n---\n\n" + disclosure + "\n")
    assert [(f.check, f.text) for f in report.findings] == []


def test_a_disclosure_line_with_straight_apostrophes_is_flagged_for_them():
    disclosure = get_pack("fr").disclosure["en"].replace("’", "'")
    report = _check(EN, FR + "\n\n" + disclosure + "\n")
    found = [(f.check, f.severity.value) for f in report.findings]
    assert found and all(c.startswith("typography.") and s == "minor" for c, s in found), found
    assert all(f.text in disclosure for f in report.findings)


@pytest.mark.parametrize(
    ("text", "known"),
    [
        ("Cet article a été traduit de l’anglais à l’aide d’outils d’intelligence artificielle, puis relu et corrigé par un traducteur local.", True),
        ("*Cet article a été traduit de l'anglais à l'aide d'outils d'intelligence artificielle, puis relu et corrigé par un traducteur.*", True),
        (get_pack("de").disclosure["en"], True),
        (get_pack("fr").unreviewed, True),
        ("Cet article a été traduit de l’anglais par notre correspondant à Lenholm.", False),
        ("Les négociations doivent reprendre mercredi à Lenholm, selon le syndicat.", False),
    ],
)  # fmt: skip
def test_known_text(text, known):
    assert known_text(text) is known


def test_the_addition_finding_spans_its_block_in_the_document():
    french = _paragraphs(FR)
    french.insert(3, STRAY[0])
    document = "\n\n".join(french)
    report = _check(EN, document)
    (addition,) = [f for f in report.findings if f.check == "addition.block"]
    assert document[addition.start : addition.end] == STRAY[0] == addition.text


def test_known_text_is_never_aligned():
    src = ingest_bytes(EN.encode(), name="a.md")
    tgt = ingest_bytes((FR + "\n\n" + get_pack("fr").disclosure["en"]).encode(), name="b.md", language="fr", strip_ui_text=False)
    aligned = align_articles(src, tgt, "fr")
    (last,) = [p for p in aligned.pairs if p.known]
    assert last.source == "" and not last.sure and last.block == len(tgt.blocks) - 1
    assert aligned.findings == []


# -- the lexical anchor ---------------------------------------------------------------
# Paragraphs with no figure, name, quotation or link: only their words tell them apart.
PLAIN_EN = [
    "The river burst its banks after three days of heavy rain, flooding the lower streets of the town.",
    "Residents carried their furniture upstairs while volunteers filled sandbags outside the school.",
    "Farmers said the water had ruined the harvest in the surrounding fields and drowned many animals.",
    "The council promised to repair the damaged bridge before the winter and to clean the flooded houses.",
]
PLAIN_FR = [
    "La rivière est sortie de son lit après trois jours de fortes pluies, inondant les rues basses de la ville.",
    "Les habitants ont monté leurs meubles à l’étage pendant que des bénévoles remplissaient des sacs de sable devant l’école.",
    "Les agriculteurs ont déclaré que l’eau avait ruiné la récolte dans les champs voisins et noyé de nombreux animaux.",
    "Le conseil a promis de réparer le pont endommagé avant l’hiver et de nettoyer les maisons inondées.",
]


def test_the_lexicon_makes_a_translation_cheaper_than_an_unrelated_paragraph():
    from relais.checks.align import pair_cost
    from relais.checks.lexicon import lexicon_for

    lexicon = lexicon_for("fr")
    if lexicon is None:
        pytest.skip("FreeDict eng-fra is not installed (dict-freedict-eng-fra)")
    right = pair_cost(PLAIN_EN[2], PLAIN_FR[2], 0.5, 0.5, lexicon=lexicon)
    wrong = pair_cost(PLAIN_EN[2], PLAIN_FR[1], 0.5, 0.5, lexicon=lexicon)
    assert right < wrong - 1.0
    # without a lexicon only the lengths differ
    plain_right, plain_wrong = pair_cost(PLAIN_EN[2], PLAIN_FR[2], 0.5, 0.5), pair_cost(PLAIN_EN[2], PLAIN_FR[1], 0.5, 0.5)
    assert (wrong - right) > (plain_wrong - plain_right) + 1.0


@pytest.mark.parametrize("source,right,wrong", [
    # a name known by its rendering: Germany is Alemania
    ("Troops from Germany crossed the border at dawn.", "Tropas de Alemania cruzaron la frontera al amanecer.",
     "Tropas de Marruecos cruzaron la frontera al amanecer."),
    # a name opening the sentence on both sides
    ("Luxembourg has a long history of independence.", "Luxemburgo tiene una larga historia de independencia.",
     "Portugal tiene una larga historia de independencia."),
])  # fmt: skip
def test_names_opening_a_sentence_or_known_by_their_rendering_anchor_a_pair(source, right, wrong):
    from relais.checks.align import pair_cost

    assert pair_cost(source, right, 0.5, 0.5, lang="es") < pair_cost(source, wrong, 0.5, 0.5, lang="es") - 1.0


def test_shared_word_stems_anchor_a_pair_without_lexicon_names_or_figures():
    from relais.checks.align import pair_cost

    source = "The committee rejected the proposal after a difficult discussion."
    right = "Il comitato ha respinto la proposta dopo una discussione difficile."
    unrelated = "Il gatto dorme tranquillo sul vecchio divano del salotto."
    assert pair_cost(source, right, 0.5, 0.5) < pair_cost(source, unrelated, 0.5, 0.5) - 1.0


@pytest.mark.parametrize("drop", range(len(PLAIN_EN)))
def test_a_dropped_paragraph_without_anchors_is_found_by_its_words(drop):
    english = [p for i, p in enumerate(PLAIN_EN) if i != drop]
    report = _check("\n\n".join(english), "\n\n".join(PLAIN_FR))
    assert _loud(report) == [("addition.block", PLAIN_FR[drop])]


def test_unrelated_needs_enough_known_words_and_no_counterpart():
    from relais.checks.align import unrelated
    from relais.checks.lexicon import lexicon_for

    lexicon = lexicon_for("fr")
    if lexicon is None:
        pytest.skip("FreeDict eng-fra is not installed (dict-freedict-eng-fra)")
    assert unrelated(PLAIN_EN[0], STRAY[1], lexicon)
    assert not unrelated(PLAIN_EN[0], STRAY[0], lexicon)  # "ville" renders "town": one word of ten found
    assert not unrelated(PLAIN_EN[0], PLAIN_FR[0], lexicon)
    assert not unrelated("The river rose.", STRAY[1], lexicon)  # too few known words to say
    assert not unrelated(PLAIN_EN[0], STRAY[1], None)


@pytest.mark.parametrize("source,target,lang", [
    # a figure and a place moved from the first sentence to the second: the two sentences
    # pair as one, and nothing is "missing" from one and "extra" in the other
    ("Phnom Kaleng, 14 km north of Battambang. This hilltop shrine was built in the 10th century by a local prince.",
     "Phnom Kaleng. Se trata de un santuario construido en la cima de una colina en el siglo X por un príncipe local, a 14 km al norte de Battambang.",
     "es"),
    ("Lac Vermeil, 30 km east of Annecy. The small lake was dug by monks in the 12th century to breed fish.",
     "Lac Vermeil. Ce petit lac a été creusé par des moines au XIIe siècle pour élever des poissons, à 30 km à l’est d’Annecy.",
     "fr"),
])  # fmt: skip
def test_a_figure_moved_to_the_next_sentence_pairs_both_sentences_as_one(source, target, lang):
    report = check_documents(source.encode(), target.encode(), lang, source_name="a.md", target_name="b.md")
    assert _loud(report) == []


def test_two_sentences_translated_one_for_one_stay_two_pairs():
    from relais.checks.align import align_sentences

    source = ["The council met on Monday to discuss the budget.", "It approved 4.2 million euros for the schools."]
    target = ["Le conseil s’est réuni lundi pour discuter du budget.", "Il a approuvé 4,2 millions d’euros pour les écoles."]
    assert align_sentences(source, target) == [([0], [0]), ([1], [1])]
