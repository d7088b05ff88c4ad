"""Saved web pages → Article, with trafilatura finding the article in the page.

Pipeline:

1. Metadata (title, author, date, canonical URL, site name) from the untouched page with
   ``trafilatura.extract_metadata`` (it reads JSON-LD, Open Graph and meta tags, which
   the pre-clean removes).
2. ``htmlclean``: mark structure (headline, standfirst, key points, captions), drop
   page furniture, turn figcaptions into paragraphs.
3. ``trafilatura.extract(output_format="xml")`` on the cleaned page; its XML (``head``,
   ``p``, ``list/item``, ``quote``, ``graphic``, ``table``; ``hi``/``ref`` inline) is
   mapped to typed blocks with placeholders.
4. News pages keep the headline, standfirst, key points and lead image outside the
   article body that trafilatura extracts.  Marked elements that sit between the
   headline and the start of the extracted body, and are missing from it, are put back
   in page order; elements trafilatura did extract are typed by matching their text.

Furniture strings left glued to text, bylines and key-point labels are handled by
``relais.document.tidy`` (run by ingest for every format).
"""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import trafilatura
from lxml import etree
from trafilatura.settings import Document

from relais.document.htmlclean import (
    PageStructure,
    drop_furniture,
    find_structure,
    match_key,
    normalise_figures,
    parse_html,
)
from relais.document.inline import strip_placeholders
from relais.document.model import Article, Block, BlockKind
from relais.document.richtext import InlineBuilder, html_to_inline, link_target
from relais.document.story import modified_time
from relais.errors import InputError

NO_TEXT = "no article text found in the web page"
_TITLE_SEPARATORS = (" | ", " - ", " – ", " — ", " :: ", " · ")


@dataclass
class _Item:
    """A block in the making, with the key used to match it against page structure."""

    kind: BlockKind
    text: str
    marks: dict[str, dict[str, str]]
    attrs: dict[str, str] = field(default_factory=dict)
    graphic_src: str | None = None  # a <graphic> right before this paragraph

    @property
    def key(self) -> str:
        return match_key(self.text)


def parse_webpage(text: str) -> Article:
    root = parse_html(text)
    if root is None:
        raise InputError(NO_TEXT)
    meta = _metadata(root)
    modified = _modified(root)  # before the page is cut down to its story
    page_url = (meta.url or None) if meta else None
    base_url = _base_url(root, page_url)
    title = _page_title(root, meta)

    structure = find_structure(root, title)
    drop_furniture(root, structure)
    figures = normalise_figures(root)

    body = _xml_items(_extract_xml(root), base_url)
    if not any(match_key(item.text) for item in body):
        raise InputError(NO_TEXT)

    items = _assemble(root, structure, figures, body, title, base_url)
    blocks = [Block(i.kind, i.text, i.marks, i.attrs) for i in items if i.text]
    return Article(
        blocks=blocks,
        title=title or _headline_text(blocks),
        author=(meta.author or None) if meta else None,
        date=(meta.date or None) if meta else None,
        url=page_url,
        modified=modified,
        source_format="html",
    )


# Where a page says when it was last changed, most specific first.
_MODIFIED_XPATHS = (
    "//meta[@property='article:modified_time']/@content",
    "//meta[@property='og:updated_time']/@content",
    "//meta[@itemprop='dateModified']/@content",
    "//*[@itemprop='dateModified']/@datetime",
    "//meta[@name='last-modified' or @name='Last-Modified' or @http-equiv='last-modified']/@content",
)
_JSON_LD_MODIFIED = re.compile(r'"dateModified"\s*:\s*"([^"]{8,40})"')


def _modified(root: etree._Element) -> str | None:
    """The page's last-modified time (meta tags, microdata, JSON-LD), ISO 8601 in UTC."""
    for xpath in _MODIFIED_XPATHS:
        for value in root.xpath(xpath):
            if (when := modified_time(str(value))) is not None:
                return when
    for script in root.xpath("//script[@type='application/ld+json']/text()"):
        if (m := _JSON_LD_MODIFIED.search(script)) and (when := modified_time(m.group(1))) is not None:
            return when
    return None


def _metadata(root: etree._Element) -> Document | None:
    with _quiet_trafilatura():
        try:
            return trafilatura.extract_metadata(copy.deepcopy(root))
        except Exception:  # a metadata bug on an odd page must not cost the article
            return None


def _extract_xml(root: etree._Element) -> str | None:
    with _quiet_trafilatura():
        try:
            return trafilatura.extract(
                copy.deepcopy(root),  # trafilatura prunes the tree it is given
                # No url: trafilatura would resolve links against it, ignoring <base href>;
                # _add_xml resolves them against the right base instead.
                output_format="xml",
                include_formatting=True,
                include_links=True,
                include_images=True,
                include_comments=False,
                include_tables=True,
                with_metadata=False,
                deduplicate=False,
            )
        except Exception as exc:  # pathological markup: report it as unusable input
            raise InputError(f"{NO_TEXT} (the extractor failed: {type(exc).__name__})") from None


@contextmanager
def _quiet_trafilatura() -> Iterator[None]:
    """trafilatura logs its doubts about odd pages; ingest reports problems itself."""
    logger = logging.getLogger("trafilatura")
    previous = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(previous)


def _base_url(root: etree._Element, page_url: str | None) -> str | None:
    base = next((b.get("href") for b in root.iter("base") if b.get("href")), None)
    if base:
        resolved = link_target(base, page_url)
        if resolved and resolved.startswith(("http://", "https://")):
            return resolved
    return page_url


def _page_title(root: etree._Element, meta: Document | None) -> str | None:
    """The article title without the site name.

    trafilatura prefers Open Graph and JSON-LD, then falls back to the page's <h1>, which
    on many sites is the logo; a "title" that is just the site name is replaced by the
    <title> element.
    """
    title = meta.title if meta else None
    sitename = meta.sitename if meta else None
    if not title or (sitename and match_key(title) == match_key(sitename)):
        element = next(root.iter("title"), None)
        title = element.text_content() if element is not None else title
    return _strip_site_name(title, sitename)


def _strip_site_name(title: str | None, sitename: str | None) -> str | None:
    """"Flood plan approved | The Sennet Courier" → "Flood plan approved"."""
    if not title:
        return None
    title = " ".join(title.split())
    for sep in _TITLE_SEPARATORS:
        head, found, tail = title.rpartition(sep)
        if not found or not head:
            continue
        if sitename and match_key(tail) == match_key(sitename):
            return head.strip()
        if sep == " | " and len(tail.split()) <= 4:
            return head.strip()  # "Headline | Site" is the common pattern even without og:site_name
    return title


def _headline_text(blocks: list[Block]) -> str | None:
    for block in blocks:
        if block.kind is BlockKind.HEADLINE:
            return strip_placeholders(block.text)
    return None


# ---------------------------------------------------------------------------------------
# trafilatura XML → items

_BLOCK_TAGS = frozenset({"p", "head", "list", "quote", "table", "graphic", "div", "code"})
_INLINE_TAGS = frozenset({"hi", "ref", "lb", "del", "span"})


def _xml_items(xml: str | None, base_url: str | None) -> list[_Item]:
    if not xml:
        return []
    try:
        doc = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    main = doc.find("main")
    items: list[_Item] = []
    if main is not None:
        _walk(main, items, base_url, in_quote=False, counters={"list": 0})
    return items


def _walk(element: etree._Element, items: list[_Item], base_url: str | None, *, in_quote: bool, counters: dict) -> None:
    pending_src: str | None = None
    loose = InlineBuilder()  # text and inline elements sitting directly in a container

    def flush_loose() -> None:
        nonlocal loose
        if loose.has_text():
            text, marks = loose.build()
            items.append(_Item(BlockKind.QUOTE if in_quote else BlockKind.PARAGRAPH, text, marks))
        loose = InlineBuilder()

    loose.text(element.text or "")
    for child in element:
        tag = child.tag
        if tag in _INLINE_TAGS:
            _add_xml_node(loose, child, base_url)
            continue
        flush_loose()
        if tag == "graphic":
            pending_src = link_target(child.get("src"), base_url)
            loose.text(child.tail or "")
            continue
            pending_src = link_target(child.get("src"), base_url)
            continue
        if tag == "head":
            items.append(_inline_item(BlockKind.SUBHEADING, child, base_url, rend=child.get("rend")))
        elif tag == "p":
            item = _inline_item(BlockKind.QUOTE if in_quote else BlockKind.PARAGRAPH, child, base_url)
            item.graphic_src = pending_src
            items.append(item)
        elif tag == "list":
            _list_items(child, items, base_url, counters, depth=1, in_quote=in_quote)
        elif tag == "quote":
            if any(c.tag in _BLOCK_TAGS for c in child):
                _walk(child, items, base_url, in_quote=True, counters=counters)
            else:
                items.append(_inline_item(BlockKind.QUOTE, child, base_url))
        elif tag == "table":
            for row in child.iter("row"):
                items.append(_row_item(row, base_url, in_quote))
        elif tag == "code":
            pass  # code listings are not translated
        else:
            _walk(child, items, base_url, in_quote=in_quote, counters=counters)
        pending_src = None
        loose.text(child.tail or "")
    flush_loose()


def _list_items(lst: etree._Element, items: list[_Item], base_url: str | None, counters: dict, *, depth: int, in_quote: bool) -> None:
    counters["list"] += 1
    attrs = {"list": f"l{counters['list']}"}
    if lst.get("rend") == "ol":
        attrs["ordered"] = "1"
    if depth > 1:
        attrs["depth"] = str(depth)
    for entry in lst:
        if entry.tag != "item":
            continue
        builder = InlineBuilder()
        _add_xml(builder, entry, base_url, skip=("list",))
        text, marks = builder.build()
        kind = BlockKind.QUOTE if in_quote else BlockKind.LIST_ITEM
        items.append(_Item(kind, text, marks, dict(attrs) if kind is BlockKind.LIST_ITEM else {}))
        for nested in entry.iter("list"):
            if nested.getparent() is entry:
                _list_items(nested, items, base_url, counters, depth=depth + 1, in_quote=in_quote)


def _row_item(row: etree._Element, base_url: str | None, in_quote: bool) -> _Item:
    builder = InlineBuilder()
    for position, cell in enumerate(row.iter("cell")):
        if position:
            builder.text(" | ")
        _add_xml(builder, cell, base_url)
    text, marks = builder.build()
    return _Item(BlockKind.QUOTE if in_quote else BlockKind.PARAGRAPH, text, marks)


def _inline_item(kind: BlockKind, element: etree._Element, base_url: str | None, rend: str | None = None) -> _Item:
    builder = InlineBuilder()
    _add_xml(builder, element, base_url)
    text, marks = builder.build()
    attrs = {"rend": rend} if rend else {}
    return _Item(kind, text, marks, attrs)


def _add_xml(builder: InlineBuilder, element: etree._Element, base_url: str | None, skip: tuple[str, ...] = ()) -> None:
    """Inline content of a trafilatura XML element (not its tail)."""
    builder.text(element.text or "")
    for child in element:
        _add_xml_node(builder, child, base_url, skip)


def _add_xml_node(builder: InlineBuilder, child: etree._Element, base_url: str | None, skip: tuple[str, ...] = ()) -> None:
    """One inline node and its tail: ``hi`` → bold/italic, ``ref`` → link, ``lb`` → space."""
    tag = child.tag if isinstance(child.tag, str) else None
    if tag in skip or tag == "graphic":
        pass  # nested lists are separate items; images inside text are not text
    elif tag == "lb":
        builder.text(" ")
    elif tag == "hi":
        rend = child.get("rend") or ""
        kinds = [k for k, flag in (("b", "#b"), ("i", "#i")) if flag in rend]
        for kind in kinds:
            builder.open(kind)
        _add_xml(builder, child, base_url, skip)
        for kind in reversed(kinds):
            builder.close(kind)
    elif tag == "ref":
        href = link_target(child.get("target"), base_url)
        if href is not None:
            builder.open("a", {"href": href})
        _add_xml(builder, child, base_url, skip)
        if href is not None:
            builder.close("a")
    elif tag is not None:
        _add_xml(builder, child, base_url, skip)
    builder.text(child.tail or "")


# ---------------------------------------------------------------------------------------
# Page structure + extracted body → ordered items


def _assemble(
    root: etree._Element,
    structure: PageStructure,
    figures: list,
    body: list[_Item],
    title: str | None,
    base_url: str | None,
) -> list[_Item]:
    headline = _headline_item(structure, title, base_url)
    standfirst = _dom_item(BlockKind.STANDFIRST, structure.standfirst, base_url) if structure.standfirst is not None else None
    key_points = [
        (lst, [_dom_item(BlockKind.KEY_POINT, li, base_url) for li in lst if li.tag == "li"])
        for lst in structure.key_point_lists
    ]
    captions = [(fig, _dom_item(BlockKind.CAPTION, fig.caption_element, base_url)) for fig in figures]
    for fig, caption in captions:
        src = link_target(fig.src, base_url)
        if src:
            caption.attrs["src"] = src

    # Type what trafilatura extracted.
    headline_key = headline.key if headline else None
    standfirst_key = standfirst.key if standfirst else None
    key_point_keys = {kp.key for _, kps in key_points for kp in kps if kp.key}
    caption_by_key = {caption.key: caption for _, caption in captions if caption.key}
    seen_headline = False
    for item in body:
        if headline_key and item.key == headline_key and not seen_headline and item.kind in (BlockKind.SUBHEADING, BlockKind.PARAGRAPH):
            item.kind, seen_headline = BlockKind.HEADLINE, True
        elif standfirst_key and item.key == standfirst_key and item.kind is BlockKind.PARAGRAPH:
            item.kind = BlockKind.STANDFIRST
        elif item.kind is BlockKind.LIST_ITEM and item.key in key_point_keys:
            item.kind, item.attrs = BlockKind.KEY_POINT, {}
        elif item.kind is BlockKind.PARAGRAPH and item.key in caption_by_key:
            item.kind = BlockKind.CAPTION
            src = item.graphic_src or caption_by_key[item.key].attrs.get("src")
            item.attrs = {"src": src} if src else {}
        elif item.kind is BlockKind.SUBHEADING:
            item.attrs = {}

    # Put back structure that lies before the extracted body and is missing from it.
    extracted = {item.key for item in body}
    body_start = _body_start_index(root, body, headline_key)
    order = {element: n for n, element in enumerate(root.iter())}
    headline_pos = order.get(structure.headline, -1) if structure.headline is not None else -1

    def before_body(pos: int) -> bool:
        return headline_pos < pos and (body_start is None or pos < body_start)

    missing: list[tuple[int, list[_Item]]] = []
    if standfirst is not None and standfirst.key not in extracted:
        missing.append((order[structure.standfirst], [standfirst]))
    for lst, points in key_points:
        if points and not any(kp.key in extracted for kp in points) and before_body(order[lst]):
            missing.append((order[lst], points))
    for fig, caption in captions:
        pos = order[fig.caption_element]
        # Captions need a known body start: figures further down that trafilatura left
        # out were judged not to belong to the article.
        if caption.key and caption.key not in extracted and body_start is not None and before_body(pos):
            missing.append((pos, [caption]))
    missing.sort(key=lambda entry: entry[0])
    top = [item for _, group in missing for item in group]

    items = [i for i in body if i.kind is not BlockKind.HEADLINE]
    prefix = [headline] if headline else []
    return prefix + top + items


def _headline_item(structure: PageStructure, title: str | None, base_url: str | None) -> _Item | None:
    if structure.headline is not None:
        item = _dom_item(BlockKind.HEADLINE, structure.headline, base_url)
        if item.key:
            return item
    if title:
        builder = InlineBuilder()
        builder.text(title)
        text, marks = builder.build()
        return _Item(BlockKind.HEADLINE, text, marks)
    return None


def _dom_item(kind: BlockKind, element: etree._Element, base_url: str | None) -> _Item:
    text, marks = html_to_inline(element, base_url)
    return _Item(kind, text, marks)


_BODY_START_TAGS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "td", "div", "pre"})


def _body_start_index(root: etree._Element, body: list[_Item], headline_key: str | None) -> int | None:
    """Document position of the element where the extracted body starts, if it can be found."""
    first = next((item for item in body if item.key and item.key != headline_key), None)
    if first is None:
        return None
    for position, element in enumerate(root.iter()):
        if element.tag in _BODY_START_TAGS and match_key(element.text_content()) == first.key:
            return position
    return None

