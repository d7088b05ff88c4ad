"""Markdown articles, read from markdown-it-py's token stream (CommonMark).

Conventions:

* The first ``# `` heading is the headline; every other heading is a subheading.
* Standfirst: the paragraph right after the headline when it is *entirely* emphasised
  (``*Councillors backed the plan…*``); the emphasis is the marker and is not kept.
  A leading ``> `` block is a quote, never a standfirst.
* A list under a heading or line such as "Key points" / "At a glance", or a list right
  after the headline, becomes ``key_point`` blocks (see ``relais.document.tidy``); other
  lists become ``list_item`` blocks with ``attrs["list"]`` (and ``"ordered"``).
  Nested lists are flattened in reading order, each with its own list id and
  ``attrs["depth"]``.
* Blockquotes: every paragraph inside becomes a ``quote`` block.
* Captions: a paragraph that starts with an image.  The caption text is, in order of
  preference, the rest of that paragraph or the next paragraph when entirely
  emphasised (``![alt](src)`` then ``*Caption*`` on the next line), the image title
  (``![alt](src "Title")``), or the alt text.  ``attrs["src"]`` keeps the image.
* Inline links, bold and italic become placeholders; inline code keeps its text;
  raw inline HTML ``<b> <strong> <i> <em> <a href>`` is honoured, other tags dropped,
  ``<script>``/``<style>`` content dropped.  Raw HTML blocks are read as HTML.
* Code blocks and horizontal rules are not article text and are skipped.
* YAML-style front matter (``---`` … ``---``) gives title, author, date, url and modified.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from relais.document.model import Article, Block, BlockKind
from relais.document.richtext import HTML_SKIP, InlineBuilder, html_to_inline, link_target
from relais.document.story import modified_time

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?P<body>.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_MATTER_KEYS = {"title": "title", "author": "author", "date": "date", "url": "url", "canonical_url": "url",
                      "modified": "modified", "updated": "modified", "date_modified": "modified"}
_HTML_TAG = re.compile(r"^<(/?)([a-zA-Z][a-zA-Z0-9-]*)\b([^>]*)>$", re.DOTALL)
_HREF_ATTR = re.compile(r"""\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.IGNORECASE)
_HTML_MARKS = {"b": "b", "strong": "b", "i": "i", "em": "i", "a": "a"}
# Raw inline tags whose content is dropped up to the matching end tag.
_SKIP_CONTENT = frozenset({"script", "style", "noscript", "template", "iframe", "object", "svg", "math", "textarea", "select", "button"})
_HTML_TEXT_TAGS = ("p", "li", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "figcaption", "td", "th", "dd", "dt")


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark")
    # Parse every link as a link: markdown-it would leave "[text](javascript:…)" as
    # literal text; ``link_target`` drops the unsafe target and keeps just "text".
    md.validateLink = lambda url: True
    return md


@dataclass
class _List:
    list_id: str
    ordered: bool
    depth: int


@dataclass
class _State:
    base_url: str | None
    blocks: list[Block] = field(default_factory=list)
    lists: list[_List] = field(default_factory=list)
    list_count: int = 0
    quote_depth: int = 0
    item: InlineBuilder | None = None  # list item being collected

    def emit(self, kind: BlockKind, builder: InlineBuilder, attrs: dict[str, str] | None = None) -> None:
        text, marks = builder.build()
        if text:
            self.blocks.append(Block(kind, text, marks, dict(attrs or {})))

    def flush_item(self) -> None:
        if self.item is not None and self.lists:
            current = self.lists[-1]
            attrs = {"list": current.list_id}
            if current.ordered:
                attrs["ordered"] = "1"
            if current.depth > 1:
                attrs["depth"] = str(current.depth)
            kind = BlockKind.QUOTE if self.quote_depth else BlockKind.LIST_ITEM
            self.emit(kind, self.item, attrs if kind is BlockKind.LIST_ITEM else None)
        self.item = None

    def has_headline(self) -> bool:
        return any(b.kind is BlockKind.HEADLINE for b in self.blocks)


def parse_markdown(text: str) -> Article:
    meta, body = split_front_matter(text)
    state = _State(base_url=meta.get("url"))
    tokens = _parser().parse(body)
    index = 0
    while index < len(tokens):
        index = _block_token(state, tokens, index)
    state.flush_item()
    return Article(
        blocks=state.blocks,
        title=meta.get("title"),
        author=meta.get("author"),
        date=meta.get("date"),
        url=meta.get("url"),
        modified=modified_time(meta.get("modified")),
        source_format="markdown",
    )


def split_front_matter(text: str) -> tuple[dict[str, str], str]:
    """``key: value`` pairs of a leading ``---`` block (title, author, date, url) and the rest."""
    m = _FRONT_MATTER.match(text)
    if not m:
        return {}, text
    meta: dict[str, str] = {}
    for line in m.group("body").splitlines():
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if sep and key in _FRONT_MATTER_KEYS:
            value = value.strip().strip("\"'").strip()
            if value:
                meta[_FRONT_MATTER_KEYS[key]] = value
    return meta, text[m.end() :]


def _block_token(state: _State, tokens: list[Token], index: int) -> int:
    """Handle ``tokens[index]``; return the index of the next token to handle."""
    token = tokens[index]
    kind = token.type
    if kind == "heading_open":
        builder = _inline(tokens[index + 1], state.base_url)
        is_headline = token.tag == "h1" and not state.has_headline() and not state.quote_depth
        state.emit(BlockKind.HEADLINE if is_headline else BlockKind.SUBHEADING, builder)
        return index + 3
    if kind == "paragraph_open":
        return _paragraph(state, tokens, index)
    if kind == "blockquote_open":
        state.quote_depth += 1
    elif kind == "blockquote_close":
        state.quote_depth -= 1
    elif kind in ("bullet_list_open", "ordered_list_open"):
        state.flush_item()  # a nested list ends the text of its parent item
        state.list_count += 1
        state.lists.append(_List(f"l{state.list_count}", kind == "ordered_list_open", len(state.lists) + 1))
    elif kind in ("bullet_list_close", "ordered_list_close"):
        state.flush_item()
        state.lists.pop()
    elif kind == "list_item_open":
        state.flush_item()
        state.item = InlineBuilder()
    elif kind == "list_item_close":
        state.flush_item()
    elif kind == "html_block":
        _html_block(state, token.content)
    # fence, code_block, hr: not article text.
    return index + 1


def _paragraph(state: _State, tokens: list[Token], index: int) -> int:
    inline = tokens[index + 1]
    after = index + 3  # paragraph_open, inline, paragraph_close
    children = inline.children or []
    if state.item is not None:
        if state.item.has_text():
            state.item.text(" ")
        _add_inline(state.item, children, state.base_url)
        return after
    if state.quote_depth:
        state.emit(BlockKind.QUOTE, _inline(inline, state.base_url))
        return after
    image_at = _leading_image(children)
    if image_at is not None:
        return _figure(state, tokens, index, image_at)
    if _follows_headline(state) and _entirely_emphasised(children):
        state.emit(BlockKind.STANDFIRST, _inline_children(_unwrap_emphasis(children), state.base_url))
        return after
    state.emit(BlockKind.PARAGRAPH, _inline(inline, state.base_url))
    return after


def _follows_headline(state: _State) -> bool:
    return len(state.blocks) == 1 and state.blocks[0].kind is BlockKind.HEADLINE


def _figure(state: _State, tokens: list[Token], index: int, image_at: int) -> int:
    children = tokens[index + 1].children or []
    image = children[image_at]
    rest = [t for t in children[image_at + 1 :] if t.type not in ("softbreak", "hardbreak")]
    after = index + 3
    attrs = {}
    src = link_target(image.attrGet("src"), state.base_url)
    if src:
        attrs["src"] = src
    if rest and _entirely_emphasised(rest):
        caption = _inline_children(_unwrap_emphasis(rest), state.base_url)
    elif rest:
        # Image followed by ordinary text: the text is a paragraph, the image has no caption.
        caption = _image_caption(image, state.base_url)
        if caption is not None:
            state.emit(BlockKind.CAPTION, caption, attrs)
        state.emit(BlockKind.PARAGRAPH, _inline_children(rest, state.base_url))
        return after
    elif _next_is_emphasised_paragraph(tokens, after):
        caption = _inline_children(_unwrap_emphasis(tokens[after + 1].children or []), state.base_url)
        after += 3
    else:
        caption = _image_caption(image, state.base_url)
    if caption is not None:
        state.emit(BlockKind.CAPTION, caption, attrs)
    return after


def _image_caption(image: Token, base_url: str | None) -> InlineBuilder | None:
    title = image.attrGet("title")
    builder = InlineBuilder()
    if title:
        builder.text(str(title))
    else:
        _add_inline(builder, image.children or [], base_url)
    return builder if builder.has_text() else None


def _next_is_emphasised_paragraph(tokens: list[Token], index: int) -> bool:
    return (
        index + 2 < len(tokens)
        and tokens[index].type == "paragraph_open"
        and tokens[index].level == tokens[index - 1].level
        and _entirely_emphasised(tokens[index + 1].children or [])
    )


def _leading_image(children: list[Token]) -> int | None:
    for position, token in enumerate(children):
        if token.type == "text" and not token.content.strip():
            continue
        return position if token.type == "image" else None
    return None


def _trimmed(children: list[Token]) -> list[Token]:
    def blank(t: Token) -> bool:
        return t.type in ("softbreak", "hardbreak") or (t.type == "text" and not t.content.strip())

    start, end = 0, len(children)
    while start < end and blank(children[start]):
        start += 1
    while end > start and blank(children[end - 1]):
        end -= 1
    return children[start:end]


def _entirely_emphasised(children: list[Token]) -> bool:
    """True for ``*all of it*`` / ``_all of it_``: one em span that wraps everything."""
    body = _trimmed(children)
    if len(body) < 3 or body[0].type != "em_open" or body[-1].type != "em_close":
        return False
    depth = 0
    for position, token in enumerate(body):
        if token.type == "em_open":
            depth += 1
        elif token.type == "em_close":
            depth -= 1
            if depth == 0 and position != len(body) - 1:
                return False  # "*a* and *b*": two spans, not one wrapper
    return True


def _unwrap_emphasis(children: list[Token]) -> list[Token]:
    return _trimmed(children)[1:-1]


def _inline(inline: Token, base_url: str | None) -> InlineBuilder:
    return _inline_children(inline.children or [], base_url)


def _inline_children(children: list[Token], base_url: str | None) -> InlineBuilder:
    builder = InlineBuilder()
    _add_inline(builder, children, base_url)
    return builder


def _add_inline(builder: InlineBuilder, children: list[Token], base_url: str | None) -> None:
    links: list[bool] = []  # per open link: did it become a mark (safe target)?
    skipping: str | None = None  # inside raw <script>/<style>: drop until its end tag
    for token in children:
        kind = token.type
        if skipping is not None:
            if kind == "html_inline" and re.match(rf"</{skipping}\b", token.content, re.IGNORECASE):
                skipping = None
            continue
        if kind == "text":
            builder.text(token.content)
        elif kind in ("softbreak", "hardbreak"):
            builder.text(" ")
        elif kind == "code_inline":
            builder.text(token.content)
        elif kind in ("strong_open", "em_open"):
            builder.open("b" if kind == "strong_open" else "i")
        elif kind in ("strong_close", "em_close"):
            builder.close("b" if kind == "strong_close" else "i")
        elif kind == "link_open":
            href = link_target(token.attrGet("href"), base_url)
            links.append(href is not None)
            if href is not None:
                builder.open("a", {"href": href})
        elif kind == "link_close":
            if links and links.pop():
                builder.close("a")
        elif kind == "html_inline":
            skipping = _html_inline(builder, token.content, base_url)
        # image inside running text: its alt text is not part of the sentence.


def _html_inline(builder: InlineBuilder, tag_text: str, base_url: str | None) -> str | None:
    """Honour raw inline ``<b>``, ``<i>``, ``<a href>`` tags; return a tag name to skip to."""
    m = _HTML_TAG.match(tag_text.strip())
    if not m:
        return None  # comments, declarations
    closing, name, rest = m.group(1) == "/", m.group(2).lower(), m.group(3)
    if name in _SKIP_CONTENT and not closing and not rest.rstrip().endswith("/"):
        return name
    if name == "br":
        builder.text(" ")
        return None
    mark = _HTML_MARKS.get(name)
    if mark is None:
        return None
    if closing:
        builder.close(mark)
    elif mark == "a":
        href_match = _HREF_ATTR.search(rest)
        href = link_target(next((g for g in href_match.groups() if g is not None), None), base_url) if href_match else None
        # No safe target: open nothing; the builder ignores the unmatched </a>.
        if href is not None:
            builder.open("a", {"href": href})
    else:
        builder.open(mark)
    return None


def _html_block(state: _State, content: str) -> None:
    """A raw HTML block inside Markdown: read its paragraphs as HTML (scripts dropped)."""
    try:
        fragments = lxml.html.fragments_fromstring(content)
    except (etree.ParserError, ValueError):
        return
    for fragment in fragments:
        if isinstance(fragment, str):
            builder = InlineBuilder()
            builder.text(fragment)
            state.emit(BlockKind.QUOTE if state.quote_depth else BlockKind.PARAGRAPH, builder)
            continue
        if not isinstance(fragment.tag, str) or fragment.tag.lower() in HTML_SKIP:
            continue
        for element in _html_text_blocks(fragment):
            text, marks = html_to_inline(element, state.base_url)
            if text:
                in_quote = element.tag == "blockquote" or any(a.tag == "blockquote" for a in element.iterancestors())
                kind = BlockKind.QUOTE if state.quote_depth or in_quote else BlockKind.PARAGRAPH
                state.blocks.append(Block(kind, text, marks))


def _html_text_blocks(element: etree._Element) -> list[etree._Element]:
    """The innermost paragraph-like elements of an HTML fragment, or the fragment itself."""
    found = [e for e in element.iter(*_HTML_TEXT_TAGS)]
    innermost = [e for e in found if not any(d is not e for d in e.iter(*_HTML_TEXT_TAGS))]
    return innermost or [element]
