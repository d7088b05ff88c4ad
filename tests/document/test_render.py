"""Rendering a translated article: structure kept; a draft ends with the visible unreviewed
notice in the target language and never with the disclosure; a publication ends with the
disclosure as a plain line."""

import json
from html import unescape

import pytest

from relais.document.model import BlockKind
from relais.document.render import render_html, render_json, render_markdown
from relais.document.translation import UNREVIEWED, Block, Segment, Translation
from relais.locales import available, get_locale

DISCLOSURE = get_locale("fr").disclosure_from("en")
NOTICE = get_locale("fr").unreviewed


def _block(i, kind, source, text, marks=None, attrs=None, status="translated"):
    draft = text if status == "translated" else None
    failed = {"engine": "llama", "model": "gemma"} if status == "failed" else None
    seg = Segment(i, i, 0, kind, source, 0, len(source), draft=draft, text=draft or "", provenance=failed)
    assert seg.status == status
    return Block(i, kind, source, marks or {}, attrs or {}, [seg])


def _article(reviewed=False):
    blocks = [
        _block(0, BlockKind.HEADLINE, "Flood plan approved", "Plan contre les crues approuvé"),
        _block(1, BlockKind.STANDFIRST, "Councillors voted 7-2.", "Les conseillers ont voté à 7 contre 2."),
        _block(2, BlockKind.KEY_POINT, "Cost: £4m", "Coût : 4 M£"),
        _block(3, BlockKind.KEY_POINT, "Work starts in May", "Les travaux commencent en mai"),
        _block(4, BlockKind.SUBHEADING, "What happens next", "La suite"),
        _block(
            5,
            BlockKind.PARAGRAPH,
            "Read <a1>the plan</a1> <b1>now</b1>.",
            "Lisez <a1>le plan</a1> <b1>maintenant</b1>.",
            {"a1": {"href": "https://example.org/plan"}, "b1": {}},
        ),
        _block(6, BlockKind.QUOTE, "“We are ready,” she said.", "« Nous sommes prêts », a-t-elle dit."),
        _block(7, BlockKind.CAPTION, "The river in May", "La rivière en mai", attrs={"src": "https://example.org/r.jpg"}),
        _block(
            8,
            BlockKind.PARAGRAPH,
            "Click <a1>here</a1>.",
            "Cliquez <a1>ici</a1> <script>alert(1)</script>.",
            {"a1": {"href": "javascript:alert(1)"}},
        ),
        _block(9, BlockKind.PARAGRAPH, "It failed.", None, status="failed"),
    ]
    return Translation(
        job_id=3, article_id=1, source_language="en", target_language="fr", title="Flood plan approved",
        author="Ana Ferreira", date="2026-06-04", url="https://example.org/flood", status="done",
        review_status="published" if reviewed else "draft", assignee=None, headline_signoff=False,
        disclosure=DISCLOSURE, blocks=blocks, reviewed=reviewed, engine="llama", models=["gemma"], notice=NOTICE,
    )  # fmt: skip


def test_markdown_structure_marker_and_notice():
    md = render_markdown(_article())
    lines = [line for line in md.splitlines() if line.strip()]
    assert lines[0].startswith("<!-- " + UNREVIEWED)
    assert lines[1] == "# Plan contre les crues approuvé"
    assert "- Coût : 4 M£\n- Les travaux commencent en mai" in md
    assert "## La suite" in md
    assert "Lisez [le plan](https://example.org/plan) **maintenant**." in md
    assert "> « Nous sommes prêts », a-t-elle dit." in md
    assert "![](https://example.org/r.jpg)\n_La rivière en mai_" in md
    assert "⟦It failed.⟧" in md
    assert lines[-1] == NOTICE and DISCLOSURE not in md


def test_reviewed_markdown_has_no_marker_and_ends_with_the_plain_disclosure():
    md = render_markdown(_article(reviewed=True))
    assert UNREVIEWED not in md and NOTICE not in md
    assert md.rstrip().splitlines()[-1] == DISCLOSURE
    assert not DISCLOSURE.startswith(("«", "„", "“", '"'))


def test_html_is_sanitised_and_marked():
    html = render_html(_article())
    assert "<!-- " + UNREVIEWED in html
    assert '<meta name="relais-status" content="unreviewed-machine-draft">' in html
    assert "<h1>Plan contre les crues approuvé</h1>" in html
    assert '<ul class="key-points"><li>Coût : 4 M£</li>' in html
    assert "javascript:" not in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert html.rstrip().endswith("</html>")
    body = unescape(html.split("<article>")[1].split("</article>")[0])
    assert body.strip().endswith(f'<footer class="relais-unreviewed"><p>{NOTICE}</p></footer>')
    assert DISCLOSURE not in html
    assert f'<aside class="relais-unreviewed"><p>{NOTICE}</p></aside>' in unescape(html)
    published = render_html(_article(reviewed=True))
    assert published.split("</article>")[0].strip().endswith(f'<footer class="disclosure"><p>{DISCLOSURE}</p></footer>')
    assert NOTICE not in published and "relais-unreviewed" not in published


def test_json_has_segments_offsets_and_status():
    data = json.loads(render_json(_article()))
    assert data["status"] == "unreviewed_machine_draft" and data["reviewed"] is False
    assert data["target_language"] == "fr"
    assert data["disclosure"] is None and data["notice"] == NOTICE
    assert DISCLOSURE not in render_json(_article())
    assert json.loads(render_json(_article(reviewed=True)))["disclosure"] == DISCLOSURE
    assert [b["kind"] for b in data["blocks"]][:3] == ["headline", "standfirst", "key_point"]
    seg = data["blocks"][5]["segments"][0]
    assert seg["source_start"] == 0 and seg["source_end"] == len(seg["source"])
    assert data["blocks"][9]["segments"][0]["status"] == "failed"
    assert data["counts"]["failed"] == 1


@pytest.mark.parametrize("code", available())
def test_every_language_has_a_plain_disclosure_line_and_an_unreviewed_notice(code):
    locale = get_locale(code)
    line = locale.disclosure_from("en")
    assert len(line) > 60 and "'" not in line and "\n" not in line
    assert line[0].isupper() and line[-1] == "."  # a sentence, not a quotation
    assert len(locale.unreviewed) > 40 and "\n" not in locale.unreviewed and locale.unreviewed != line
