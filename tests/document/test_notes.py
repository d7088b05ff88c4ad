"""Newsroom notes: a paragraph opening with "Correction:", "Update:", "Clarification:" or
"Editor's note:" is a note block, placed where the source has it, and each target
language writes its own label (its pack's ``[notes]``).  A note the page marks as such
(``<aside class="correction">``) is one too."""

from __future__ import annotations

import pytest

from relais.document.ingest import ingest_bytes
from relais.document.model import BlockKind
from relais.document.render import note_label

TABLE = [
    # paragraph, (kind, note, text)
    ("Correction: An earlier version gave the wrong date.", ("note", "correction", "An earlier version gave the wrong date.")),
    ("**Correction:** An earlier version gave the wrong date.", ("note", "correction", "An earlier version gave the wrong date.")),
    ("UPDATE : The quay reopened on Friday.", ("note", "update", "The quay reopened on Friday.")),
    ("Clarification: The mayor spoke on Tuesday.", ("note", "clarification", "The mayor spoke on Tuesday.")),
    ("Editor’s note: Names have been changed.", ("note", "editors_note", "Names have been changed.")),
    ("Updated figures show more damage.", ("paragraph", None, "Updated figures show more damage.")),
    ("The correction: a new date.", ("paragraph", None, "The correction: a new date.")),
    ("**Correction: an earlier version** was wrong.", ("paragraph", None, "<b1>Correction: an earlier version</b1> was wrong.")),
]


@pytest.mark.parametrize(("paragraph", "expected"), TABLE)
def test_notes_are_recognised(paragraph: str, expected: tuple) -> None:
    article = ingest_bytes(f"# Harbour floods\n\nThe harbour flooded on Monday.\n\n{paragraph}\n".encode(), name="a.md")
    last = article.blocks[-1]
    assert (str(last.kind), last.attrs.get("note"), last.text) == expected


def test_the_target_writes_its_own_label() -> None:
    assert note_label("fr", "correction") == "Rectificatif\u00a0:"
    assert note_label("de", "correction") == "Korrektur:"
    assert note_label("es", "update") == "Actualización:"
    assert note_label("xx", "correction") == "Correction:"  # no pack: the source's label
    assert BlockKind.NOTE == "note"


BODY = ("<p>The harbour in Sennet flooded on Monday after two days of heavy rain and a high tide.</p>"
        "<p>Fishing boats stayed in port and the quay road was closed to traffic for most of the day.</p>")  # fmt: skip

PAGE_TABLE = [
    # the note as the page marks it, (kind, note, text)
    ('<aside class="article-correction">An earlier version gave the wrong date of the flood.</aside>',
     ("note", "correction", "An earlier version gave the wrong date of the flood.")),
    ('<div class="correction-box"><p><strong>Correction:</strong> An earlier version gave the wrong date.</p></div>',
     ("note", "correction", "An earlier version gave the wrong date.")),
    ('<section data-component="update-note"><p>The quay road reopened on Tuesday morning.</p></section>',
     ("note", "update", "The quay road reopened on Tuesday morning.")),
    ('<p class="editors-note">Names of residents have been changed at their request.</p>',
     ("note", "editors_note", "Names of residents have been changed at their request.")),
    # not marked: an ordinary paragraph, kept as one
    ('<p class="closing">The council meets again on Thursday to discuss the repairs.</p>',
     ("paragraph", None, "The council meets again on Thursday to discuss the repairs.")),
]


@pytest.mark.parametrize(("note", "expected"), PAGE_TABLE)
def test_notes_marked_in_the_page_are_recognised(note: str, expected: tuple) -> None:
    page = f"<html><body><article><h1>Harbour floods</h1>{BODY}{note}</article></body></html>"
    article = ingest_bytes(page.encode(), name="a.html")
    last = article.blocks[-1]
    assert (str(last.kind), last.attrs.get("note"), last.text) == expected
    assert [str(b.kind) for b in article.blocks[:3]] == ["headline", "paragraph", "paragraph"]
