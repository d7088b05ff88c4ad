"""Plain-text conventions (see relais/document/plaintext.py)."""

from __future__ import annotations

import pytest

from relais.document.ingest import ingest_bytes

PARA = "The district council confirmed on Monday that the footbridge over the canal will close for repairs in September."


def ingest_txt(source: str):
    return ingest_bytes(source.encode(), fmt="text")


def kinds(article) -> list[str]:
    return [str(b.kind) for b in article.blocks]


@pytest.mark.parametrize(
    "source, expected",
    [
        # The first line is the headline, even glued to the first paragraph.
        (f"Footbridge to close\n{PARA}", ["headline", "paragraph"]),
        (f"\n\n  Footbridge to close  \n\n{PARA}\n\n{PARA}", ["headline", "paragraph", "paragraph"]),
        # Bullets right after the headline are key points …
        (f"Footbridge to close\n\n- Closed from September.\n* Reopens in spring.\n• Detour signed.\n\n{PARA}", ["headline", "key_point", "key_point", "key_point", "paragraph"]),
        # … and after a "Key points" line; later bullets are a list.
        (f"Footbridge to close\n\n{PARA}\n\nKey points:\n- Closed from September.\n- Reopens in spring.", ["headline", "paragraph", "key_point", "key_point"]),
        (f"Footbridge to close\n\n{PARA}\n\n- Closed from September.\n- Reopens in spring.", ["headline", "paragraph", "list_item", "list_item"]),
        # A whole-block quotation is a quote; a quote with narration is a paragraph.
        (f"Footbridge to close\n\n{PARA}\n\n“We had no choice.”", ["headline", "paragraph", "quote"]),
        (f"Footbridge to close\n\n{PARA}\n\n\"We had no choice,\" she said. \"None at all.\"", ["headline", "paragraph", "paragraph"]),
        # A short line without closing punctuation, followed by text, is a subheading.
        (f"Footbridge to close\n\n{PARA}\n\nWhat happens next\n\n{PARA}", ["headline", "paragraph", "subheading", "paragraph"]),
        (f"Footbridge to close\n\n{PARA}\n\nThe end.", ["headline", "paragraph", "paragraph"]),
        # A single line is a headline-only article.
        ("Footbridge to close", ["headline"]),
        # No blank line anywhere (a CMS export, an e-mail): a line is a paragraph …
        (f"Footbridge to close\n{PARA}\n{PARA}\n{PARA}", ["headline", "paragraph", "paragraph", "paragraph"]),
        (f"Footbridge to close\n{PARA}\nWhat happens next\n{PARA}\n- Detour signed.\n- Reopens in spring.",
         ["headline", "paragraph", "subheading", "paragraph", "list_item", "list_item"]),
        # … but a line that stops mid-sentence, continued in lower case, is hard wrapping.
        ("Footbridge to close\nThe district council confirmed\non Monday that the bridge\nwill close.\nIt reopens in spring.",
         ["headline", "paragraph", "paragraph"]),
    ],
)  # fmt: skip
def test_block_kinds(source, expected):
    assert kinds(ingest_txt(source)) == expected


def test_hard_wrapped_lines_are_joined_and_windows_newlines_work():
    article = ingest_txt("Footbridge to close\r\n\r\nThe district council confirmed\r\non Monday that the bridge\r\nwill close.\r\n")
    assert article.blocks[1].text == "The district council confirmed on Monday that the bridge will close."


def test_ordered_items_and_continuation_lines():
    article = ingest_txt(f"Footbridge to close\n\n{PARA}\n\n1. First the deck\n   is lifted.\n2) Then the rails.")
    items = article.blocks[2:]
    assert [b.text for b in items] == ["First the deck is lifted.", "Then the rails."]
    assert all(b.attrs == {"list": items[0].attrs["list"], "ordered": "1"} for b in items)


def test_bullets_separated_by_blank_lines_are_one_list():
    article = ingest_txt(f"Footbridge to close\n\n- Closed from September.\n\n- Reopens in spring.\n\n{PARA}\n\n- a\n\n- b")
    assert kinds(article) == ["headline", "key_point", "key_point", "paragraph", "list_item", "list_item"]
    assert article.blocks[4].attrs == article.blocks[5].attrs


def test_byline_lines_become_metadata():
    article = ingest_txt(f"Footbridge to close\n\nBy Ilse Brandt and Tom Osei\n3 March 2026\n\n{PARA}")
    assert kinds(article) == ["headline", "paragraph"]
    assert article.author == "Ilse Brandt and Tom Osei"
    assert article.date == "2026-03-03"


def test_a_sentence_starting_with_by_is_not_a_byline():
    article = ingest_txt(f"Footbridge to close\n\nBy Monday, the council had voted to close it.\n\n{PARA}")
    assert kinds(article) == ["headline", "paragraph", "paragraph"]
    assert article.author is None


def test_text_that_looks_like_placeholders_is_neutralised():
    article = ingest_txt(f"Footbridge to close\n\nEngineers wrote <a1>urgent</a1> and </b1> on the plans. {PARA}")
    block = article.blocks[1]
    assert block.marks == {}
    assert block.text.startswith("Engineers wrote ‹a1>urgent‹/a1> and ‹/b1> on the plans.")


@pytest.mark.parametrize("line, text", [
    # what a CMS export or a web service's text carries: the characters they stand for
    ("She said &quot;no&quot; and left.", 'She said "no" and left.'),
    ("L&#39;école rouvre &amp; la cantine aussi.", "L'école rouvre & la cantine aussi."),
    ("Il a dit &laquo;&nbsp;non&nbsp;&raquo; et &#x2019;voilà&#8217;.", "Il a dit «\u00a0non\u00a0» et ’voilà’."),
    # not a reference: as written
    ("AT&T and R&D grew; &bogus; stays, & so does &amp without its end.", "AT&T and R&D grew; &bogus; stays, & so does &amp without its end."),
    # a reference to a control character or to nothing stays as written
    ("Bell &#7; and nothing &#0; here.", "Bell &#7; and nothing &#0; here."),
])  # fmt: skip
def test_html_character_references_are_read_as_characters(line, text):
    article = ingest_txt(f"Footbridge to close\n\n{line}")
    assert article.blocks[1].text == text
