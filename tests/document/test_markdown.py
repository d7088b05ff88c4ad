"""Markdown conventions (see relais/document/markdown.py)."""

from __future__ import annotations

import pytest

from relais.document.ingest import ingest_bytes

PARA = "The harbour trust said the new pontoon would open in August, two months later than planned, because of a shortage of steel."


def ingest_md(source: str):
    return ingest_bytes(source.encode(), fmt="markdown")


def kinds(article) -> list[str]:
    return [str(b.kind) for b in article.blocks]


@pytest.mark.parametrize(
    "source, expected",
    [
        (f"# Pontoon delayed\n\n*Steel shortage pushes opening to August.*\n\n{PARA}", ["headline", "standfirst", "paragraph"]),
        (f"# Pontoon delayed\n\n_Steel shortage pushes opening to August._\n\n{PARA}", ["headline", "standfirst", "paragraph"]),
        # Partly emphasised: an ordinary paragraph.
        (f"# Pontoon delayed\n\n*Steel* shortage pushes opening to *August*.\n\n{PARA}", ["headline", "paragraph", "paragraph"]),
        # Emphasised but not right under the headline: a paragraph.
        (f"# Pontoon delayed\n\n{PARA}\n\n*An italic aside about the pontoon.*", ["headline", "paragraph", "paragraph"]),
        # A leading blockquote is a quote, never a standfirst.
        (f"# Pontoon delayed\n\n> \"We are doing our best.\"\n\n{PARA}", ["headline", "quote", "paragraph"]),
        # Setext headline, second-level headings.
        (f"Pontoon delayed\n===============\n\n{PARA}\n\n## Cost\n\n{PARA}", ["headline", "paragraph", "subheading", "paragraph"]),
        # A second "# " heading is a subheading.
        (f"# Pontoon delayed\n\n{PARA}\n\n# Cost\n\n{PARA}", ["headline", "paragraph", "subheading", "paragraph"]),
        # No headline at all is fine.
        (f"{PARA}\n\n{PARA}", ["paragraph", "paragraph"]),
        # Key points under a label heading, or right under the headline.
        (f"# Pontoon delayed\n\n## At a glance\n\n- Opening in August.\n- Steel shortage.\n\n{PARA}", ["headline", "key_point", "key_point", "paragraph"]),
        (f"# Pontoon delayed\n\n- Opening in August.\n- Steel shortage.\n\n{PARA}", ["headline", "key_point", "key_point", "paragraph"]),
        (f"# Pontoon delayed\n\n**Key points:**\n\n1. Opening in August.\n2. Steel shortage.\n\n{PARA}", ["headline", "key_point", "key_point", "paragraph"]),
        # A list further down is an ordinary list.
        (f"# Pontoon delayed\n\n{PARA}\n\n- first\n- second", ["headline", "paragraph", "list_item", "list_item"]),
        # Code and rules are not article text.
        (f"# Pontoon delayed\n\n{PARA}\n\n---\n\n```\nprint('x')\n```", ["headline", "paragraph"]),
    ],
)  # fmt: skip
def test_block_kinds(source, expected):
    assert kinds(ingest_md(source)) == expected


@pytest.mark.parametrize(
    "figure, caption",
    [
        ("![A pontoon](https://img.example/p.jpg)\n*The old pontoon in May.*", "The old pontoon in May."),
        ("![A pontoon](https://img.example/p.jpg)\n\n*The old pontoon in May.*", "The old pontoon in May."),
        ('![A pontoon](https://img.example/p.jpg "The old pontoon in May.")', "The old pontoon in May."),
        ("![The old pontoon in May.](https://img.example/p.jpg)", "The old pontoon in May."),
    ],
)
def test_caption_conventions(figure, caption):
    article = ingest_md(f"# Pontoon delayed\n\n{PARA}\n\n{figure}\n\n{PARA}")
    assert kinds(article) == ["headline", "paragraph", "caption", "paragraph"]
    assert article.blocks[2].text == caption
    assert article.blocks[2].attrs == {"src": "https://img.example/p.jpg"}


def test_inline_marks_and_links():
    article = ingest_md(
        f"# Pontoon delayed\n\nThe **trust** said the [report](https://trust.example/r 'Report') was *final*, "
        f"and `code` stays text. {PARA}"
    )
    block = article.blocks[1]
    assert block.text.startswith("The <b1>trust</b1> said the <a1>report</a1> was <i1>final</i1>, and code stays text.")
    assert block.marks == {"b1": {}, "a1": {"href": "https://trust.example/r"}, "i1": {}}


def test_hostile_markdown():
    article = ingest_md(
        f"# Pontoon delayed\n\nClick <a href=\"javascript:alert(1)\">here</a> or [there](javascript:alert(2)) "
        f"<script>alert(3)</script>and <b onclick='x()'>bold</b> &lt;a1&gt;fake&lt;/a1&gt;. {PARA}\n\n"
        "<div><script>alert(4)</script><p>Raw <em>HTML</em> paragraph about the pontoon.</p></div>"
    )
    text = "\n".join(b.text for b in article.blocks)
    for n in range(1, 5):
        assert f"alert({n})" not in text
    assert "javascript" not in str([b.marks for b in article.blocks])
    first = article.blocks[1]
    assert first.text.startswith("Click here or there and <b1>bold</b1>")
    assert "<b1>bold</b1> ‹a1>fake‹/a1>." in first.text
    assert set(first.marks) == {"b1"}
    assert article.blocks[2].text == "Raw <i1>HTML</i1> paragraph about the pontoon."


def test_front_matter_gives_metadata():
    article = ingest_md(
        "---\ntitle: \"Pontoon delayed until August\"\nauthor: Ilse Brandt\ndate: 2026-05-02\n"
        f"url: https://trust.example/news/pontoon\n---\n# Pontoon delayed\n\nSee [the plan](/plan). {PARA}"
    )
    assert (article.title, article.author, article.date, article.url) == (
        "Pontoon delayed until August",
        "Ilse Brandt",
        "2026-05-02",
        "https://trust.example/news/pontoon",
    )
    assert kinds(article) == ["headline", "paragraph"]
    assert article.blocks[1].marks == {"a1": {"href": "https://trust.example/plan"}}


def test_blockquote_paragraphs_and_list_items_with_nesting():
    article = ingest_md(
        f"# Pontoon delayed\n\n{PARA}\n\n> First quoted paragraph.\n>\n> Second quoted paragraph.\n\n"
        "- outer one\n  - inner one\n- outer two\n"
    )
    assert kinds(article)[2:] == ["quote", "quote", "list_item", "list_item", "list_item"]
    outer1, inner, outer2 = article.blocks[4:]
    assert outer1.attrs["list"] == outer2.attrs["list"] != inner.attrs["list"]
    assert inner.attrs["depth"] == "2"


def test_furniture_lines_are_dropped():
    article = ingest_md(f"# Pontoon delayed\n\n{PARA}\n\nAdvertisement\n\n## Cost Copy link to section\n\n{PARA}\n\nShare this article")
    assert kinds(article) == ["headline", "paragraph", "subheading", "paragraph"]
    assert article.blocks[2].text == "Cost"
