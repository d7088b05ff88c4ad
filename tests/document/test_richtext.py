"""Building placeholder text: tidy spans, safe links, neutralised fake tags."""

from __future__ import annotations

import lxml.html
import pytest

from relais.document.richtext import InlineBuilder, html_to_inline, link_target, normalise


def build(*events) -> tuple[str, dict]:
    builder = InlineBuilder()
    for event in events:
        if isinstance(event, str):
            builder.text(event)
        elif event[0] == "open":
            builder.open(*event[1:])
        else:
            builder.close(*event[1:])
    return builder.build()


def test_spaces_move_outside_marks_and_collapse():
    text, marks = build("Read ", ("open", "a", {"href": "https://x.example"}), "  the\n report ", ("close", "a"), " now.")
    assert text == "Read <a1>the report</a1> now."
    assert marks == {"a1": {"href": "https://x.example"}}


def test_empty_and_self_nested_marks_disappear_and_ids_are_renumbered():
    text, marks = build(
        ("open", "b"), "  ", ("close", "b"),
        ("open", "b"), "bold ", ("open", "b"), "inner", ("close", "b"), ("close", "b"),
        " and ", ("open", "i"), "it", ("close", "i"),
    )  # fmt: skip
    assert text == "<b1>bold inner</b1> and <i1>it</i1>"
    assert marks == {"b1": {}, "i1": {}}


def test_fake_placeholders_split_across_text_nodes_are_neutralised():
    text, marks = build("<", "b1>fake", "</b1> and <a2>")
    assert text == "‹b1>fake‹/b1> and ‹a2>"
    assert marks == {}


def test_stray_close_is_ignored_and_unclosed_marks_close_at_the_end():
    builder = InlineBuilder()
    builder.text("a ")
    assert builder.close("b") is False
    builder.open("i")
    builder.text("b")
    assert builder.build() == ("a <i1>b</i1>", {"i1": {}})


def test_invisible_and_control_characters():
    text, _ = build("soft\u00adhyphen zero\u200bwidth bell\x07 nbsp\u00a0kept")
    assert text == "softhyphen zerowidth bell nbsp\u00a0kept"


def test_normalise_after_an_edit():
    text, marks = normalise("<a1></a1> Title <b2>x</b2>", {"a1": {"href": "h"}, "b2": {}})
    assert (text, marks) == ("Title <b1>x</b1>", {"b1": {}})


@pytest.mark.parametrize(
    "href, base, expected",
    [
        ("https://a.example/x", None, "https://a.example/x"),
        ("/x", "https://a.example/news/1", "https://a.example/x"),
        ("y", "https://a.example/news/1", "https://a.example/news/y"),
        ("//cdn.example/z", "https://a.example/", "https://cdn.example/z"),
        ("/x", None, "/x"),
        ("mailto:desk@a.example", None, "mailto:desk@a.example"),
        ("javascript:alert(1)", None, None),
        (" JaVaScRiPt:alert(1)", "https://a.example/", None),
        ("java\tscript:alert(1)", None, None),
        ("java\nscript:alert(1)", "https://a.example/", None),
        ("data:text/html;base64,xx", None, None),
        ("vbscript:msgbox", None, None),
        ("file:///etc/passwd", None, None),
        ("", None, None),
        (None, None, None),
    ],
)
def test_link_target(href, base, expected):
    assert link_target(href, base) == expected


def test_html_to_inline():
    element = lxml.html.fragment_fromstring(
        "<p>The <strong>vote</strong><script>x()</script> was <a href='javascript:x'>close</a>, "
        "<em>very</em> <a href='/r'>close</a><br>indeed<button>Share</button>.</p>"
    )
    text, marks = html_to_inline(element, "https://a.example/")
    assert text == "The <b1>vote</b1> was close, <i1>very</i1> <a1>close</a1> indeed."
    assert marks == {"b1": {}, "i1": {}, "a1": {"href": "https://a.example/r"}}
