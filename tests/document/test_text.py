"""The one rule for text entering the store (relais/document/text.py), case by case."""

from __future__ import annotations

import pytest
from lxml import etree

from relais.document.decode import decode_article
from relais.document.text import ControlCharacterError, machine_text, person_text, xml_text
from relais.errors import InputError

# (what is supplied, what the store keeps from a person or a file)
KEPT = [
    ("Le ministre a démissionné.", "Le ministre a démissionné."),
    ("deux\r\nlignes", "deux\nlignes"),
    ("deux\rlignes", "deux\nlignes"),
    ("saut\x0bde ligne Word", "saut\nde ligne Word"),  # VT: Word's soft line break (Trados TMX)
    ("saut\x0cde page", "saut\nde page"),
    ("NEL\x85ici", "NEL\nici"),
    ("séparateur\u2028de ligne", "séparateur\nde ligne"),
    ("séparateur\u2029de paragraphe", "séparateur\nde paragraphe"),
    ("une\ttabulation", "une tabulation"),
    ("isolé \u2067كلمة\u2069 ici", "isolé كلمة ici"),
    ("forcé \u202eà l'envers\u202c", "forcé à l'envers"),
    ("\u202a\u202b\u202d\u2066\u2068", ""),
    ("marques \u200e\u200f gardées", "marques \u200e\u200f gardées"),  # LRM/RLM reorder nothing
    ("un emoji 🎉 et U+FFFD \ufffd", "un emoji 🎉 et U+FFFD \ufffd"),
]

# (supplied, the start of the refusal)
REFUSED = [
    ("Bonjour\x00", "U+0000 (NUL) at character 8"),
    ("\x07sonnerie", "U+0007 (BEL) at character 1"),
    ("retour\x08arrière", "U+0008 (BS) at character 7"),
    ("échap\x1b[31m", "U+001B (ESC) at character 6"),
    ("séparateur\x1fd'unité", "U+001F (US) at character 11"),
    ("supprimer\x7f", "U+007F (DEL) at character 10"),
    ("C1 \x9b ici", "U+009B (CSI) at character 4"),
    ("C1 \x80", "U+0080 (PAD) at character 4"),
    ("ligne un\nligne\x00 deux", "U+0000 (NUL) at line 2, column 6"),
    ("moitié \ud83d", "U+D83D (a lone surrogate) at character 8"),
    ("non \ufffe", "U+FFFE (a noncharacter) at character 5"),
    ("non \uffff", "U+FFFF (a noncharacter) at character 5"),
]


@pytest.mark.parametrize("supplied, kept", KEPT)
def test_what_the_store_keeps(supplied: str, kept: str) -> None:
    assert person_text(supplied) == kept
    assert machine_text(supplied) == kept  # the same rule, whoever supplied it


@pytest.mark.parametrize("supplied, message", REFUSED)
def test_a_person_s_control_character_is_refused_and_named(supplied: str, message: str) -> None:
    with pytest.raises(ControlCharacterError) as info:
        person_text(supplied, "the rendering")
    assert str(info.value) == f"{message} is not allowed in the rendering"
    assert isinstance(info.value, InputError)  # a clear one-line error wherever it surfaces


@pytest.mark.parametrize("supplied, message", REFUSED)
def test_a_machine_s_control_character_is_removed(supplied: str, message: str) -> None:
    cleaned = machine_text(supplied)
    person_text(cleaned)  # what is left passes the rule
    etree.SubElement(etree.Element("x"), "y").text = cleaned  # and XML can carry it


def test_the_first_offending_character_is_named_after_the_line_breaks_are_counted() -> None:
    with pytest.raises(ControlCharacterError, match=r"U\+0001 \(SOH\) at line 3, column 1"):
        person_text("un\r\ndeux\n\x01trois")


def test_tabs_stay_when_asked() -> None:
    assert person_text("- a\n\t- b", tabs=True) == "- a\n\t- b"
    assert machine_text("a\tb", tabs=True) == "a\tb"


@pytest.mark.parametrize("stored", ["nul\x00", "vt\x0b", "ff\x0c", "esc\x1b", "moitié \udc00", "\ufffe\uffff", "c1 \x85\x9b"])
def test_exports_carry_whatever_is_stored(stored: str) -> None:
    el = etree.Element("seg")
    el.text = xml_text(stored)  # lxml refuses what XML 1.0 cannot carry; xml_text never leaves one
    el.set("creationid", xml_text(stored))
    again = etree.fromstring(etree.tostring(el, encoding="UTF-8"))
    assert again.text == xml_text(stored)
    assert len(xml_text(stored)) == len(stored)  # each becomes one U+FFFD, visible in the export


@pytest.mark.parametrize(
    "data, needle",
    [
        (b"A headline\n\nThe council met on Tuesday.\x07 It voted.", "u+0007 (bel) at line 3, column 28"),
        ("A headline\n\nThe council met \u0085on \x1b Tuesday.".encode(), "u+001b (esc) at line 3, column 21"),
    ],
)
def test_an_article_file_follows_the_same_rule(data: bytes, needle: str) -> None:
    with pytest.raises(InputError) as info:
        decode_article(data)
    assert needle in str(info.value).lower() and "not allowed in an article" in str(info.value)


def test_an_article_file_gets_the_store_s_line_breaks_and_keeps_its_tabs() -> None:
    text = decode_article("# Title\r\n\r\n\tcode\x0bline\u2028two \u202eflipped\u202c.\r\n".encode())
    assert text == "# Title\n\n\tcode\nline\ntwo flipped.\n"


def test_characters_a_parser_decodes_from_references_are_cleaned() -> None:
    from relais.document.ingest import ingest_bytes

    body = " ".join(["The council approved the new sea wall on Tuesday evening after a long debate about costs."] * 3)
    article = ingest_bytes(f"# Sea wall vote\n\n{body} It was &#x202E;close&#x202C; at &#x9b;the end.".encode(), fmt="markdown")
    last = article.blocks[-1].text
    assert last.endswith("It was close at \ufffdthe end.")  # markdown-it makes a C1 reference U+FFFD itself
    assert person_text(last) == last
