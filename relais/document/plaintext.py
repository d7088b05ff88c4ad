"""Plain-text articles.

Conventions (kept simple on purpose, plain text carries little structure):

* The first non-empty line is the headline.
* Blocks are separated by blank lines; the lines of a block are joined with spaces
  (hard-wrapped text reads as one paragraph).  A file with no blank line at all (how
  many CMS exports and e-mails look) has one paragraph per line instead, except that a
  line that stops mid-sentence and is followed by one starting in lower case continues
  it (hard wrapping).
* A line starting with "- ", "* ", "• " (or "1. ", "1) ") starts a list item; indented
  lines after it continue the item.  Consecutive items form one list, even with blank
  lines between them.  A list right
  after the headline, or after a "Key points"-style line, becomes key points (see
  ``relais.document.tidy``).
* A block that is one quotation (starts with an opening quotation mark, ends with a
  closing one, and has no double quotation mark in between, so '"Yes," she said. "Now."'
  stays a paragraph) is a quote.
* A single short line (at most ``SUBHEADING_MAX_WORDS`` words) without closing
  punctuation, followed by more text, is a subheading.
* There is no inline markup and no way to mark a standfirst or a caption.  A "By …"
  line near the top is a byline (metadata, see ``relais.document.byline``).
* HTML character references that text exported from a CMS or a web service carries
  ("&quot;", "&#39;", "&amp;") are the characters they stand for; only complete ones
  (ending in ";"), and never one standing for a control character, which stays as
  written.
"""

from __future__ import annotations

import html
import re

from relais.document.model import Article, Block, BlockKind
from relais.document.richtext import InlineBuilder

SUBHEADING_MAX_WORDS = 12

_BULLET = re.compile(r"^\s*(?:[-*•]|(?P<number>\d{1,3})[.)])\s+(?P<text>\S.*)$")
_CONTINUATION = re.compile(r"^\s+\S")
_OPEN_QUOTES = "\"“‘'«„‚"
_CLOSE_QUOTES = "\"”’'»“‘"
_DOUBLE_QUOTES = "\"“”«»„"
_SENTENCE_END = tuple(".!?:;,…") + tuple(_CLOSE_QUOTES) + (")",)


_REFERENCE = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")


def _character(m: re.Match) -> str:
    decoded = html.unescape(m.group())
    if not decoded or decoded == m.group() or any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or c == "\ufffd" for c in decoded):
        return m.group()
    return decoded


def parse_text(text: str) -> Article:
    if "&" in text:
        text = _REFERENCE.sub(_character, text)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    chunks = _chunks(lines)
    blocks: list[Block] = []
    if chunks:
        first = chunks[0]
        blocks.append(_block(BlockKind.HEADLINE, first[0]))
        if len(first) > 1:
            chunks[0] = first[1:]
        else:
            chunks.pop(0)
    list_count = 0
    in_list = False  # consecutive items form one list, blank lines between them or not
    for position, chunk in enumerate(chunks):
        is_last = position == len(chunks) - 1
        for kind, content, ordered in _runs(chunk):
            if kind == "item":
                if not in_list:
                    list_count += 1
                    in_list = True
                attrs = {"list": f"l{list_count}"}
                if ordered:
                    attrs["ordered"] = "1"
                blocks.append(_block(BlockKind.LIST_ITEM, " ".join(content), attrs))
            else:
                in_list = False
                blocks.append(_block(_classify(content, is_last), " ".join(content)))
    return Article(blocks=blocks, source_format="text")


def _chunks(lines: list[str]) -> list[list[str]]:
    chunks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.rstrip())
        elif current:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    if len(chunks) == 1 and len(chunks[0]) > 1:  # no blank line anywhere: a line is a paragraph
        return _line_chunks(chunks[0])
    return chunks


def _line_chunks(lines: list[str]) -> list[list[str]]:
    """One chunk per line, a hard-wrapped line joined to the next (no sentence end
    there, and the next starts in lower case), list item continuations kept with it."""
    chunks: list[list[str]] = []
    for line in lines:
        previous = chunks[-1][-1] if chunks else None
        wrapped = previous is not None and not previous.rstrip().endswith(_SENTENCE_END) and line.lstrip()[:1].islower()
        if previous is not None and (wrapped or (_CONTINUATION.match(line) and not _BULLET.match(line))):
            chunks[-1].append(line)
        else:
            chunks.append([line])
    return chunks


def _runs(chunk: list[str]):
    """Split one blank-line-separated chunk into ("item", lines, ordered) and ("text", lines, False)."""
    kind: str | None = None
    content: list[str] = []
    ordered = False
    for line in chunk:
        bullet = _BULLET.match(line)
        if bullet:
            if content:
                yield kind, content, ordered
            kind, content, ordered = "item", [bullet.group("text").strip()], bullet.group("number") is not None
        elif kind == "item" and _CONTINUATION.match(line):
            content.append(line.strip())
        else:
            if kind == "item" and content:
                yield kind, content, ordered
                content = []
            kind = "text"
            content.append(line.strip())
    if content:
        yield kind, content, ordered


def _classify(lines: list[str], is_last: bool) -> BlockKind:
    text = " ".join(lines)
    if _is_quotation(text):
        return BlockKind.QUOTE
    if len(lines) == 1 and not is_last and len(text.split()) <= SUBHEADING_MAX_WORDS and not text.endswith(_SENTENCE_END):
        return BlockKind.SUBHEADING
    return BlockKind.PARAGRAPH


def _is_quotation(text: str) -> bool:
    """One quotation from start to end: '"We will rebuild."', not '"Yes," she said. "Now."'."""
    if len(text) < 3 or text[0] not in _OPEN_QUOTES or text[-1] not in _CLOSE_QUOTES:
        return False
    inner = text[1:-1]
    # Another double quotation mark inside means the quote closes and reopens around
    # narration.  (Single quotes are left alone: they double as apostrophes.)
    return not any(mark in inner for mark in _DOUBLE_QUOTES) if text[0] in _DOUBLE_QUOTES else True


def _block(kind: BlockKind, text: str, attrs: dict[str, str] | None = None) -> Block:
    builder = InlineBuilder()
    builder.text(text)
    built, marks = builder.build()
    return Block(kind, built, marks, dict(attrs or {}))
