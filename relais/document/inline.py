"""Inline markup as placeholders.

Links, bold and italic inside a block travel through segmentation and translation as
numbered tags that engines copy around the translated words:

    "Read <a1>the report</a1> on <b1>Monday</b1>."   marks = {"a1": {"href": …}, "b1": {}}

``a`` is a link, ``b`` bold, ``i`` italic; the number makes each span unique inside its
block, so a lost or duplicated span is detectable (``placeholder_problem``).
"""

from __future__ import annotations

import html
import re
from collections import Counter

PLACEHOLDER_RE = re.compile(r"<(/?)([abi])(\d+)>")
KIND_OF = {"a": "link", "b": "bold", "i": "italic"}


def strip_placeholders(text: str) -> str:
    return PLACEHOLDER_RE.sub("", text)


def neutralise_literal_tags(text: str) -> str:
    """Make source text that merely looks like a placeholder harmless (``<b1>`` → ``‹b1>``).

    Ingest calls this on raw text before it inserts real placeholders, so that a page
    cannot smuggle fake markup into the pipeline.
    """
    return PLACEHOLDER_RE.sub(lambda m: "‹" + m.group(0)[1:], text)


def placeholders(text: str) -> Counter[str]:
    """Multiset of tags in ``text``, e.g. ``{"<a1>": 1, "</a1>": 1}``."""
    return Counter(m.group(0) for m in PLACEHOLDER_RE.finditer(text))


def placeholder_problem(source: str, target: str) -> str | None:
    """Why ``target`` does not carry exactly the placeholders of ``source``, or None."""
    want, got = placeholders(source), placeholders(target)
    if want != got:
        missing = sorted((want - got).elements())
        extra = sorted((got - want).elements())
        parts = []
        if missing:
            parts.append("missing " + " ".join(missing))
        if extra:
            parts.append("unexpected " + " ".join(extra))
        return "placeholders changed: " + ", ".join(parts)
    return nesting_problem(target)


def nesting_problem(text: str) -> str | None:
    """Tags must open before they close and nest properly."""
    stack: list[str] = []
    for m in PLACEHOLDER_RE.finditer(text):
        closing, name = m.group(1) == "/", m.group(2) + m.group(3)
        if not closing:
            stack.append(name)
        elif not stack or stack[-1] != name:
            return f"placeholder </{name}> is not properly nested"
        else:
            stack.pop()
    if stack:
        return f"placeholder <{stack[-1]}> is never closed"
    return None


def placeholder_tokens(text: str):
    """Yield ("text", str) | ("open", id) | ("close", id) tokens."""
    pos = 0
    for m in PLACEHOLDER_RE.finditer(text):
        if m.start() > pos:
            yield "text", text[pos : m.start()]
        yield ("close" if m.group(1) else "open"), m.group(2) + m.group(3)
        pos = m.end()
    if pos < len(text):
        yield "text", text[pos:]


def to_html(text: str, marks: dict[str, dict[str, str]]) -> str:
    """Block text with placeholders → escaped inline HTML."""
    out: list[str] = []
    for kind, value in placeholder_tokens(text):
        if kind == "text":
            out.append(html.escape(value, quote=False))
            continue
        tag = {"a": "a", "b": "strong", "i": "em"}[value[0]]
        if kind == "close":
            out.append(f"</{tag}>")
        elif tag == "a":
            href = (marks.get(value) or {}).get("href", "")
            out.append(f'<a href="{html.escape(href, quote=True)}">')
        else:
            out.append(f"<{tag}>")
    return "".join(out)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def to_markdown(text: str, marks: dict[str, dict[str, str]]) -> str:
    """Block text with placeholders → inline Markdown (CommonMark)."""
    out: list[str] = []
    for kind, value in placeholder_tokens(text):
        if kind == "text":
            out.append(_MD_SPECIAL.sub(r"\\\1", value))
            continue
        letter = value[0]
        if letter == "a":
            if kind == "open":
                out.append("[")
            else:
                href = (marks.get(value) or {}).get("href", "")
                href = href.replace(" ", "%20").replace(")", "%29").replace("(", "%28")
                out.append(f"]({href})")
        else:
            out.append("**" if letter == "b" else "*")
    return "".join(out)
