"""Web pages: structure kept as typed blocks, furniture and hostile markup removed."""

from __future__ import annotations

import pytest

from relais.document.ingest import ingest_bytes
from relais.document.inline import nesting_problem, strip_placeholders
from relais.document.model import BlockKind

BODY = (
    "<p>The regional assembly voted on Thursday to extend the night bus network to three more towns, "
    "after a trial that carried more than forty thousand passengers in its first six months.</p>"
    "<p>Transport officials said the extension would cost about two million pounds a year and would be "
    "reviewed after eighteen months, once passenger numbers for the winter were known.</p>"
)


def page(body: str, head: str = "<title>Night buses extended | Valley Post</title>") -> bytes:
    return f"<!DOCTYPE html><html lang='en'><head>{head}</head><body>{body}</body></html>".encode()


def ingest_html(body: str, head: str | None = None):
    data = page(body) if head is None else page(body, head)
    return ingest_bytes(data, fmt="html")


def kinds(article) -> list[str]:
    return [str(b.kind) for b in article.blocks]


def all_text(article) -> str:
    return "\n".join(b.text for b in article.blocks)


def test_headline_from_h1_and_site_name_stripped_from_title():
    article = ingest_html(f"<article><h1>Night buses extended to three towns</h1>{BODY}</article>")
    assert article.blocks[0].kind is BlockKind.HEADLINE
    assert article.blocks[0].text == "Night buses extended to three towns"
    assert kinds(article) == ["headline", "paragraph", "paragraph"]


def test_headline_from_title_when_the_page_has_no_h1():
    article = ingest_html(f"<article>{BODY}</article>")
    assert article.blocks[0].text == "Night buses extended"
    assert article.title == "Night buses extended"


@pytest.mark.parametrize(
    "heading",
    [
        '<h2 id="s1">Why it matters<button class="copy-link"><span>Copy link to section</span></button></h2>',
        '<h2 id="s1">Why it matters <button type="button">Copy link to section</button></h2>',
        # No button, no class: only the post-clean against known strings can catch it.
        '<h2 id="s1">Why it matters<span>Copy link to section</span></h2>',
        '<h2 id="s1">Why it matters<a href="#s1">Copy link</a></h2>',
    ],
)
def test_copy_link_widgets_never_reach_the_heading(heading):
    article = ingest_html(f"<article><h1>Night buses extended to three towns</h1>{BODY}{heading}{BODY}</article>")
    subheadings = [b for b in article.blocks if b.kind is BlockKind.SUBHEADING]
    assert [b.text for b in subheadings] == ["Why it matters"]
    assert subheadings[0].marks == {}


def test_standfirst_key_points_and_caption_outside_the_body_container():
    html = f"""
    <article>
      <header>
        <h1>Night buses extended to three towns</h1>
        <p class="article__dek">The assembly backed the plan after a trial carried forty thousand passengers.</p>
      </header>
      <aside class="key-points"><h3>At a glance</h3><ul>
        <li>Three more towns join the night network.</li><li>The cost is about two million pounds a year.</li>
      </ul></aside>
      <figure><img data-src="/img/bus.jpg" alt="A night bus"><figcaption>A night bus at <i>Market Square</i>.</figcaption></figure>
      <div class="article-body">{BODY}</div>
    </article>"""
    head = '<title>Night buses | Valley Post</title><link rel="canonical" href="https://post.example/news/night-buses">'
    article = ingest_html(html, head)
    assert kinds(article) == ["headline", "standfirst", "key_point", "key_point", "caption", "paragraph", "paragraph"]
    caption = article.blocks[4]
    assert caption.text == "A night bus at <i1>Market Square</i1>."
    assert caption.attrs["src"] == "https://post.example/img/bus.jpg"
    assert article.url == "https://post.example/news/night-buses"


def test_structure_inside_a_page_without_body_container():
    """When trafilatura extracts the whole article, blocks are typed by matching text."""
    html = f"""
    <main><h1>Night buses extended to three towns</h1>
      <p class="standfirst">The assembly backed the plan after a trial carried forty thousand passengers.</p>
      <h2>Key points</h2>
      <ul><li>Three more towns join the night network.</li><li>The cost is about two million pounds a year.</li></ul>
      {BODY}
      <figure><img src="https://post.example/img/depot.jpg"><figcaption>The <b>new</b> depot in Ashby.</figcaption></figure>
      <p>Drivers' representatives welcomed the decision but asked for better lighting at the depot, where
      several night shifts begin and end after midnight, and for more staff on the busiest routes.</p>
    </main>"""
    article = ingest_html(html)
    assert kinds(article) == [
        "headline", "standfirst", "key_point", "key_point", "paragraph", "paragraph", "caption", "paragraph",
    ]  # fmt: skip
    caption = article.blocks[6]
    assert caption.text == "The <b1>new</b1> depot in Ashby."  # trafilatura alone would drop "The "
    assert caption.attrs == {"src": "https://post.example/img/depot.jpg"}


def test_hostile_markup_is_dropped_and_text_kept():
    html = f"""<article><h1>Night buses extended to three towns</h1>
      <p>The plan <script>alert('x')</script>was backed by <a href="javascript:alert(1)">most members</a>,
      <a href=" JaVa&#x09;Script:alert(2)">all of them</a> and <a href="data:text/html,hi">the chair</a>.
      <img src="x" onerror="alert(3)">The vote was <b onclick="steal()">41 to 12</b>, officials said on Thursday.</p>
      {BODY}</article>"""
    article = ingest_html(html)
    text = all_text(article)
    for bad in ("alert", "javascript", "JaVa", "onerror", "onclick", "steal", "data:"):
        assert bad not in text and bad not in str([b.marks for b in article.blocks])
    paragraph = article.blocks[1]
    assert "was backed by most members, all of them and the chair." in paragraph.text
    assert "<b1>41 to 12</b1>" in paragraph.text
    assert not any(k.startswith("a") for k in paragraph.marks)


def test_literal_placeholders_in_the_page_are_neutralised():
    html = f"""<article><h1>Night buses extended to three towns</h1>
      <p>A reader typed &lt;a1&gt;click here&lt;/a1&gt; and &lt;/b2&gt; into the comment form, which was
      then shown on the page as text during the trial of the new night bus timetable service.</p>{BODY}</article>"""
    article = ingest_html(html)
    paragraph = article.blocks[1]
    assert paragraph.marks == {}
    assert strip_placeholders(paragraph.text) == paragraph.text
    assert "‹a1>click here‹/a1>" in paragraph.text


def test_relative_links_without_a_page_url_stay_relative():
    html = f"<article><h1>Night buses extended</h1><p>See <a href='/timetable'>the timetable</a> for the new routes, published on Thursday by the transport office of the assembly.</p>{BODY}</article>"
    article = ingest_html(html)
    assert article.url is None
    assert article.blocks[1].marks == {"a1": {"href": "/timetable"}}


def test_base_href_resolves_relative_links():
    head = '<title>Night buses</title><base href="https://post.example/news/">'
    html = f"<article><h1>Night buses extended</h1><p>See <a href='timetable'>the timetable</a> for the new routes, published on Thursday by the transport office of the assembly.</p>{BODY}</article>"
    article = ingest_html(html, head)
    assert article.blocks[1].marks == {"a1": {"href": "https://post.example/news/timetable"}}


def test_byline_without_class_is_metadata_not_text():
    html = f"""<article><h1>Night buses extended to three towns</h1>
      <p>By Joanna Pike, Transport reporter · Thursday 4 June 2026</p>{BODY}</article>"""
    article = ingest_html(html)
    assert kinds(article) == ["headline", "paragraph", "paragraph"]
    assert article.author == "Joanna Pike"
    assert article.date == "2026-06-04"


def test_nested_marks_and_links_with_formatting():
    html = f"""<article><h1>Night buses extended to three towns</h1>
      <p><strong>Bold <em>and italic</em></strong> then <a href="https://a.example/x"><b>a bold link</b> with
      more words</a> and a <a href="https://a.example/y">second link</a> about the night bus trial results.</p>{BODY}</article>"""
    block = ingest_html(html).blocks[1]
    assert block.text.startswith("<b1>Bold <i1>and italic</i1></b1> then <a1><b2>a bold link</b2> with more words</a1> and a <a2>second link</a2>")
    assert block.marks == {"b1": {}, "i1": {}, "a1": {"href": "https://a.example/x"}, "b2": {}, "a2": {"href": "https://a.example/y"}}
    assert nesting_problem(block.text) is None


def test_ordered_and_nested_lists():
    html = f"""<article><h1>Night buses extended to three towns</h1>{BODY}
      <p>The new routes, in the order they open, are listed below by the transport office of the assembly:</p>
      <ol><li>Ashby to Market Square</li><li>Kelton to the hospital<ul><li>via the ring road</li></ul></li></ol>
      {BODY}</article>"""
    article = ingest_html(html)
    items = [b for b in article.blocks if b.kind is BlockKind.LIST_ITEM]
    assert [b.text for b in items] == ["Ashby to Market Square", "Kelton to the hospital", "via the ring road"]
    assert items[0].attrs["ordered"] == "1" and items[0].attrs["list"] == items[1].attrs["list"]
    assert items[2].attrs["list"] != items[0].attrs["list"] and items[2].attrs["depth"] == "2"


def test_furniture_boxes_inside_the_body_are_removed():
    html = f"""<article><h1>Night buses extended to three towns</h1>
      <div class="article-body">{BODY}
        <div class="newsletter-promo"><p>Sign up to our newsletter for the morning briefing on transport and more.</p></div>
        <div id="ad-slot-3">Advertisement</div>
        <p>AdvertisementThe operator said drivers would be recruited from the existing daytime staff over the summer months.</p>
        <ul class="share-links"><li><a href="https://x.example/share">Share on X</a></li></ul>
        <p><strong>Read more:</strong> <a href="/other">Rail fares to rise in January</a></p>
        <section class="related-articles"><h2>Related</h2><ul><li><a href="/a">Bus depot expands</a></li></ul></section>
      </div></article>"""
    article = ingest_html(html)
    text = all_text(article)
    for needle in ("newsletter", "Advertisement", "Share on X", "Read more", "Rail fares", "Related", "Bus depot"):
        assert needle not in text
    assert article.blocks[-1].text.startswith("The operator said drivers")


def test_a_wrapper_with_a_furniture_word_in_its_class_is_not_dropped():
    """Furniture class words only drop small elements: this wrapper holds the whole story."""
    html = f"<div class='page has-share-bar'><article class='story comments-enabled'><h1>Night buses extended</h1>{BODY}</article></div>"
    article = ingest_html(html)
    assert kinds(article) == ["headline", "paragraph", "paragraph"]


def test_the_whole_page_in_a_form_still_ingests():
    html = f"<form id='aspnetForm' action='/'><article><h1>Night buses extended</h1>{BODY}</article><input type='hidden' name='x'></form>"
    assert kinds(ingest_html(html)) == ["headline", "paragraph", "paragraph"]


def test_table_rows_become_paragraphs():
    html = f"""<article><h1>Night buses extended to three towns</h1>{BODY}
      <table><tr><th>Town</th><th>Buses per night</th></tr><tr><td>Ashby</td><td>6</td></tr></table></article>"""
    texts = [b.text for b in ingest_html(html).blocks]
    assert "Town | Buses per night" in texts and "Ashby | 6" in texts


def test_a_logo_h1_is_not_the_headline():
    head = '<title>Night buses extended to three towns | Valley Post</title><meta property="og:site_name" content="Valley Post">'
    html = f"<div class='top'><h1>Valley Post</h1></div><div class='story'><h2>Night buses extended to three towns</h2>{BODY}</div>"
    article = ingest_html(html, head)
    assert article.blocks[0].kind is BlockKind.HEADLINE
    assert article.blocks[0].text == "Night buses extended to three towns"
    assert "Valley Post" not in all_text(article)


def test_the_h1_matching_the_title_wins_over_other_h1s():
    head = "<title>Night buses extended | Valley Post</title>"
    html = f"<h1>Valley Post</h1><div><h1>Night buses extended to three towns</h1>{BODY}</div>"
    assert ingest_html(html, head).blocks[0].text == "Night buses extended to three towns"


@pytest.mark.parametrize(
    "standfirst",
    [
        '<p class="standfirst">The assembly backed the plan after a long trial.</p>',
        '<div class="c-article-header__dek"><p>The assembly backed the plan after a long trial.</p></div>',
        '<p itemprop="description">The assembly backed the plan after a long trial.</p>',
        '<div data-gu-name="standfirst"><p>The assembly backed the plan after a long trial.</p></div>',
        '<h2 class="subtitle">The assembly backed the plan after a long trial.</h2>',
    ],
)
def test_standfirst_markers(standfirst):
    html = f"<article><header><h1>Night buses extended to three towns</h1>{standfirst}</header><div class='article-body'>{BODY}</div></article>"
    article = ingest_html(html)
    assert kinds(article) == ["headline", "standfirst", "paragraph", "paragraph"]
    assert article.blocks[1].text == "The assembly backed the plan after a long trial."


def test_an_unmarked_paragraph_under_the_headline_is_not_a_standfirst():
    html = f"<article><h1>Night buses extended to three towns</h1><p>The assembly backed the plan after a long trial.</p>{BODY}</article>"
    assert kinds(ingest_html(html)) == ["headline", "paragraph", "paragraph", "paragraph"]
