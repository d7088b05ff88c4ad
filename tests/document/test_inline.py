"""Placeholders: detection of lost, duplicated and badly nested inline markup."""

import pytest

from relais.document.inline import (
    neutralise_literal_tags,
    placeholder_problem,
    strip_placeholders,
    to_html,
    to_markdown,
)

MARKS = {"a1": {"href": "https://example.org/report?a=1&b=2"}, "b1": {}, "i1": {}}


@pytest.mark.parametrize(
    "source, target, problem",
    [
        ("Read <a1>the report</a1>.", "Lisez <a1>le rapport</a1>.", None),
        ("Read <a1>the report</a1>.", "Lisez le rapport.", "missing </a1> <a1>"),
        ("Read <a1>the report</a1>.", "Lisez <a1>le</a1> <a1>rapport</a1>.", "unexpected </a1> <a1>"),
        ("<b1>Now</b1> and <i1>then</i1>", "<i1>Parfois</i1> et <b1>maintenant</b1>", None),
        ("<b1>Now</b1>", "</b1>Maintenant<b1>", "not properly nested"),
        ("<b1><a1>x</a1></b1>", "<b1><a1>x</b1></a1>", "not properly nested"),
        ("No markup.", "Pas de balise.", None),
        ("No markup.", "Pas <b1>de</b1> balise.", "unexpected"),
    ],
)
def test_placeholder_problem(source, target, problem):
    found = placeholder_problem(source, target)
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found


def test_strip_and_neutralise():
    assert strip_placeholders("A <a1>b</a1> <b2>c</b2>") == "A b c"
    assert neutralise_literal_tags("type <b1> to bold") == "type ‹b1> to bold"
    assert strip_placeholders(neutralise_literal_tags("x <a1>y</a1>")) == "x ‹a1>y‹/a1>"


def test_to_html_escapes_text_and_attributes():
    html = to_html('Tom & <a1>"Jerry" <script></a1> <b1>bold</b1>', MARKS)
    assert html == (
        'Tom &amp; <a href="https://example.org/report?a=1&amp;b=2">"Jerry" &lt;script&gt;</a>'
        " <strong>bold</strong>"
    )


def test_to_markdown_escapes_markdown_syntax():
    md = to_markdown("2 * 3 [x] <a1>link</a1> <i1>it</i1> _u_", MARKS)
    assert md == r"2 \* 3 \[x\] [link](https://example.org/report?a=1&b=2) *it* \_u\_"
