"""Build block text with inline placeholders from any source format.

Parsers feed an ``InlineBuilder`` with text and open/close events for links, bold and
italic as they walk their own tree (HTML, trafilatura XML, Markdown tokens); ``build()``
returns ``(text, marks)`` in the placeholder form of ``relais.document.inline``:

* literal ``<b1>``-like text from the source is neutralised, so only real marks exist;
* whitespace is collapsed, and spaces at the inner edges of a mark move outside it
  (``<b1> Monday </b1>`` → `` <b1>Monday</b1> ``), so segmentation and engines see
  tight spans;
* empty marks disappear, a mark nested in one of its own kind is unwrapped, and ids
  are numbered per kind in order of appearance (a1, a2, b1 …).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from lxml import etree

from relais.document.inline import PLACEHOLDER_RE, neutralise_literal_tags

MARK_KINDS = ("a", "b", "i")

# Regular whitespace collapses to one space; no-break spaces carry meaning ("9 a.m.") and stay.
_SPACES = re.compile(r"[^\S\u00a0\u202f]+")
# Invisible characters that only get in the way of segmentation and translation.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff\u00ad"), None)

SAFE_SCHEMES = frozenset({"http", "https", "mailto", "tel"})


def clean_text(text: str) -> str:
    """Source text → one line: control and invisible characters removed, spaces collapsed."""
    text = text.translate(_INVISIBLE)
    text = "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text)
    return _SPACES.sub(" ", text)


def link_target(href: str | None, base_url: str | None = None) -> str | None:
    """A link target that is safe to keep, resolved against ``base_url``; None to drop it.

    Only http(s), mailto and tel survive: ``javascript:``, ``data:``, ``vbscript:`` and
    friends are dropped (the link text stays).  Browsers ignore whitespace and control
    characters inside a scheme ("java\\tscript:"), so the check does too.
    """
    if href is None:
        return None
    href = "".join(ch for ch in href.strip() if unicodedata.category(ch) != "Cc")
    if not href:
        return None
    squeezed = re.sub(r"\s+", "", href)
    scheme = urlsplit(squeezed).scheme.lower() if ":" in squeezed.split("/")[0] else ""
    if scheme and scheme not in SAFE_SCHEMES:
        return None
    if not scheme and base_url:
        resolved = urljoin(base_url, href)
        if urlsplit(resolved).scheme.lower() not in SAFE_SCHEMES:
            return None
        return resolved
    return href


@dataclass
class _Span:
    kind: str | None  # None for the root
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Span | str] = field(default_factory=list)


class InlineBuilder:
    """Accumulates the inline content of one block."""

    def __init__(self) -> None:
        self._root = _Span(None)
        self._stack: list[_Span] = [self._root]

    def text(self, text: str) -> None:
        if text:
            self._stack[-1].children.append(text)

    def open(self, kind: str, attrs: dict[str, str] | None = None) -> None:
        if kind not in MARK_KINDS:
            raise ValueError(f"unknown mark kind {kind!r}")
        span = _Span(kind, dict(attrs or {}))
        self._stack[-1].children.append(span)
        self._stack.append(span)

    def close(self, kind: str | None = None) -> bool:
        """Close the innermost open mark (of ``kind``, closing any inside it first).

        Returns False, and changes nothing, when no such mark is open: stray closing
        tags in sloppy sources are ignored rather than breaking the nesting.
        """
        for depth in range(len(self._stack) - 1, 0, -1):
            if kind is None or self._stack[depth].kind == kind:
                del self._stack[depth:]
                return True
        return False

    def open_kinds(self) -> list[str]:
        return [span.kind for span in self._stack[1:] if span.kind]

    def has_text(self) -> bool:
        return _has_text(self._root)

    def build(self) -> tuple[str, dict[str, dict[str, str]]]:
        counters = dict.fromkeys(MARK_KINDS, 0)
        marks: dict[str, dict[str, str]] = {}
        text = _render(self._root, frozenset(), counters, marks)
        text = re.sub(r" {2,}", " ", text).strip()
        return text, marks


def _has_text(span: _Span) -> bool:
    return any((c.strip() if isinstance(c, str) else _has_text(c)) for c in span.children)


def _render(span: _Span, inside: frozenset[str], counters: dict[str, int], marks: dict) -> str:
    parts: list[str] = []
    run: list[str] = []  # adjacent text children, neutralised together

    def flush() -> None:
        if run:
            parts.append(clean_text(neutralise_literal_tags("".join(run))))
            run.clear()

    for child in span.children:
        if isinstance(child, str):
            run.append(child)
            continue
        flush()
        unwrap = child.kind in inside or not _has_text(child)
        if unwrap:
            parts.append(_render(child, inside, counters, marks))
            continue
        counters[child.kind] += 1
        mark_id = f"{child.kind}{counters[child.kind]}"
        marks[mark_id] = dict(child.attrs)
        inner = _render(child, inside | {child.kind}, counters, marks)
        lead = " " if inner[:1].isspace() else ""
        trail = " " if inner[-1:].isspace() else ""
        parts.append(f"{lead}<{mark_id}>{inner.strip(' ')}</{mark_id}>{trail}")
    flush()
    return "".join(parts)


def normalise(text: str, marks: dict[str, dict[str, str]]) -> tuple[str, dict[str, dict[str, str]]]:
    """Re-build placeholder text: drop emptied marks, tidy spaces, renumber ids.

    Used after text was edited (furniture cut from the edges, a label removed).
    """
    builder = InlineBuilder()
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        builder.text(text[pos : m.start()])
        mark_id = m.group(2) + m.group(3)
        if m.group(1):
            builder.close(m.group(2))
        else:
            builder.open(m.group(2), marks.get(mark_id, {}))
        pos = m.end()
    builder.text(text[pos:])
    return builder.build()


# ---------------------------------------------------------------------------------------
# HTML elements → inline content

# Elements whose content is never article text.
HTML_SKIP = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "math",
     "canvas", "button", "input", "select", "textarea", "option", "form", "head", "title",
     "img", "picture", "video", "audio", "source", "track", "map"}
)
_HTML_BOLD = frozenset({"b", "strong"})
_HTML_ITALIC = frozenset({"i", "em", "cite", "dfn"})
# Block-level elements met inside an inline context get a space around them, so
# "<li>One</li><li>Two</li>" does not read "OneTwo".
_HTML_BLOCKISH = frozenset(
    {"p", "div", "li", "ul", "ol", "dl", "dt", "dd", "tr", "td", "th", "table", "section",
     "article", "blockquote", "figure", "figcaption", "h1", "h2", "h3", "h4", "h5", "h6", "br", "hr"}
)


def add_html(builder: InlineBuilder, element: etree._Element, base_url: str | None = None) -> None:
    """Feed the content of an lxml HTML element (not its own tag) into ``builder``."""
    builder.text(element.text or "")
    for child in element:
        _add_html_node(builder, child, base_url)


def _add_html_node(builder: InlineBuilder, node: etree._Element, base_url: str | None) -> None:
    tag = node.tag.lower() if isinstance(node.tag, str) else None
    if tag is not None and tag not in HTML_SKIP:
        if tag in _HTML_BLOCKISH:
            builder.text(" ")
        kind = None
        if tag == "a":
            href = link_target(node.get("href"), base_url)
            if href is not None:
                kind, attrs = "a", {"href": href}
        elif tag in _HTML_BOLD:
            kind, attrs = "b", {}
        elif tag in _HTML_ITALIC:
            kind, attrs = "i", {}
        if kind:
            builder.open(kind, attrs)
            add_html(builder, node, base_url)
            builder.close(kind)
        else:
            add_html(builder, node, base_url)
        if tag in _HTML_BLOCKISH:
            builder.text(" ")
    # Comments, processing instructions and skipped elements still own their tail text.
    builder.text(node.tail or "")


def html_to_inline(element: etree._Element, base_url: str | None = None) -> tuple[str, dict[str, dict[str, str]]]:
    builder = InlineBuilder()
    add_html(builder, element, base_url)
    return builder.build()
