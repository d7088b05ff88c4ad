"""Pre-clean a saved web page before trafilatura extracts the article from it.

trafilatura finds the main content; this module makes its job easier and records the
structure it cannot keep:

* ``find_structure`` marks, before anything is dropped, the elements that carry
  article structure trafilatura flattens or leaves out: the headline ``<h1>``, the
  standfirst (class/id/itemprop words from ``furniture.toml``), a box of key points
  (class/id words, or a "Key points" label followed by a list) and figures with
  captions.
* ``drop_furniture`` removes page furniture: scripts, navigation, site header and
  footer, forms and buttons, ARIA landmarks that are not the article, hidden elements,
  and anything whose class or id names furniture ("cookie", "share", "newsletter",
  "related", "comments", "byline" …).  An element that holds the headline or a marked
  structure element, or that holds several paragraphs and a large share of the page's
  text, is never dropped for its tag, class, id or role, so a page whose article
  wrapper happens to carry "share" in a class name (or sits in a ``<form>``) does not
  lose its story.
* ``normalise_figures`` turns ``<figcaption>`` into a paragraph next to its image:
  trafilatura 2.3.1 loses caption text when the caption contains inline markup.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree

from relais.document.furniture import html_markers, key_point_label, matches_words
from relais.document.inline import strip_placeholders
from relais.document.richtext import html_to_inline
from relais.locales import SOURCE, get_pack

# Always dropped: never article text, whatever their attributes say.
HARD_DROP_TAGS = frozenset(
    {"script", "style", "noscript", "template", "iframe", "object", "embed", "svg", "canvas",
     "button", "input", "select", "textarea", "dialog", "link", "meta"}
)
# Dropped unless they hold the story (some sites wrap the whole page in a <form>, or put
# the headline and standfirst in an article <header>).
SOFT_DROP_TAGS = frozenset({"nav", "header", "footer", "aside", "form", "menu"})
FURNITURE_ROLES = frozenset(
    {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alertdialog",
     "menu", "menubar", "toolbar", "tablist", "form"}
)
NEVER_DROP_TAGS = frozenset({"html", "body", "main", "article"})
# An element holding more than this share of the page text is content, not furniture.
MAX_FURNITURE_SHARE = 0.4
MIN_STORY_PARAGRAPHS = 2
# How far after the headline (in text-bearing elements) a standfirst may sit.
STANDFIRST_WINDOW = 6
LAZY_SRC_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-srcset", "srcset")

ROLE_ATTR = "data-relais-role"
MAX_DATA_VALUE = 80  # longer data-* values are payloads (JSON, URLs), not names
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Elements that may hold a "Key points" label.
_LABEL_TAGS = frozenset({"h2", "h3", "h4", "h5", "h6", "p", "strong", "b", "div", "span", "dt"})


@dataclass
class Figure:
    src: str | None
    caption_element: etree._Element


@dataclass
class PageStructure:
    """Elements of the pre-cleaned page that carry article structure (see module doc)."""

    headline: etree._Element | None = None
    standfirst: etree._Element | None = None
    key_point_lists: list[etree._Element] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    notes: list[etree._Element] = field(default_factory=list)  # a correction or update note the page marks


def parse_html(text: str) -> etree._Element | None:
    """Parse a page; None when there is nothing to parse."""
    parser = lxml.html.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
    try:
        return lxml.html.document_fromstring(text.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return None


def element_text(element: etree._Element) -> str:
    """Visible text of an element as ingest will see it (placeholders removed)."""
    text, _ = html_to_inline(element)
    return strip_placeholders(text)


def match_key(text: str) -> str:
    """Text reduced to letters and digits, for matching the same passage across parsers."""
    return re.sub(r"\W+", "", strip_placeholders(text)).casefold()


def find_structure(root: etree._Element, title: str | None = None) -> PageStructure:
    """Mark headline, standfirst and key points; ``title`` is the page's metadata title."""
    structure = PageStructure()
    structure.headline = _find_headline(root, title)
    if structure.headline is not None:
        structure.headline.set(ROLE_ATTR, "headline")
    structure.key_point_lists = _find_key_points(root)
    for lst in structure.key_point_lists:
        lst.set(ROLE_ATTR, "key-points")
    structure.standfirst = _find_standfirst(root, structure.headline)
    if structure.standfirst is not None:
        structure.standfirst.set(ROLE_ATTR, "standfirst")
    structure.notes = _mark_notes(root)
    return structure


_NOTE_HOLDERS = frozenset({"p", "div", "aside", "section", "blockquote", "footer"})


def _mark_notes(root: etree._Element) -> list[etree._Element]:
    """Notes the page marks as such (``<aside class="correction">``) become paragraphs
    that open with the English label of their kind ("Correction: …"), unless they have
    one: ``relais.document.tidy`` then makes them note blocks, as it does every
    paragraph opening with a label, so there is one way a note is recognised.  They are
    kept through the furniture pass (an aside is furniture otherwise)."""
    pack = get_pack(SOURCE)
    labels = pack.notes if pack else {}
    marked = []
    for element in list(root.iter()):
        if not isinstance(element.tag, str) or element.tag.lower() not in _NOTE_HOLDERS:
            continue
        if any(a in marked for a in element.iterancestors()):
            continue
        kind = next((k for k, words in html_markers().notes.items() if k in labels and _marked(element, words)), None)
        if kind is None or not element_text(element).strip():
            continue
        if element.tag.lower() in ("aside", "footer", "section"):  # not furniture, not a section of its own
            element.tag = "div" if element.find(".//p") is not None else "p"
        element.set(ROLE_ATTR, "note")
        first = next((p for p in element.iter("p")), element)
        text = element_text(first).lstrip().casefold()
        if not any(text.startswith(label.casefold()) for label in labels[kind]):
            first.text = f"{labels[kind][0]}: " + (first.text or "").lstrip()
        marked.append(element)
    return marked


def _find_headline(root: etree._Element, title: str | None) -> etree._Element | None:
    """The article's <h1>: the one matching the metadata title, else one inside the article.

    Many sites also use <h1> for the site logo; when no <h1> matches the title or sits in
    an <article>/<main>, the metadata title is the better headline (None here).
    """
    h1s = [h for h in root.iter("h1") if match_key(element_text(h))]
    title_key = match_key(title or "")
    if title_key:
        for h1 in h1s:
            key = match_key(element_text(h1))
            if key in title_key or title_key in key:
                return h1
    for h1 in h1s:
        if any(a.tag in ("article", "main") for a in h1.iterancestors()):
            return h1
    if title_key:
        return None
    return h1s[0] if h1s else None


def _find_key_points(root: etree._Element) -> list[etree._Element]:
    markers = html_markers()
    found: list[etree._Element] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        lst = None
        if _marked(element, markers.key_points):
            lst = element if element.tag in ("ul", "ol") else next(element.iter("ul", "ol"), None)
        elif element.tag in _LABEL_TAGS and len(element) <= 1 and key_point_label(element.text_content()):
            lst = _list_after_label(element)
            if lst is not None:
                element.set(ROLE_ATTR, "key-points-label")
        if lst is not None and not any(lst is f for f in found) and not any(lst in f.iterdescendants() for f in found):
            found.append(lst)
    return found


def _list_after_label(label: etree._Element) -> etree._Element | None:
    """The list a "Key points" label introduces: its next sibling, climbing out of <strong>/<p>."""
    node = label
    for _ in range(3):
        sibling = node.getnext()
        while sibling is not None and not isinstance(sibling.tag, str):
            sibling = sibling.getnext()
        if sibling is not None:
            if sibling.tag in ("ul", "ol"):
                return sibling
            return None
        node = node.getparent()
        if node is None:
            return None
    return None


def _find_standfirst(root: etree._Element, headline: etree._Element | None) -> etree._Element | None:
    markers = html_markers()
    if headline is None:
        return None
    seen = 0
    for element in _following(root, headline):
        if element.tag not in ("p", "div", "h2", "h3", "span", "section"):
            continue
        text = element_text(element).strip()
        if not text:
            continue
        if _marked(element, markers.standfirst) and len(text.split()) >= 4 and element.get(ROLE_ATTR) is None:
            return element
        if element.tag == "p" or element.tag.startswith("h"):
            seen += 1
            if seen >= STANDFIRST_WINDOW:
                return None
    return None


def _following(root: etree._Element, start: etree._Element):
    """Elements after ``start`` in document order (not its descendants)."""
    past = False
    inside = set(start.iter())
    for element in root.iter():
        if element is start:
            past = True
            continue
        if past and element not in inside and isinstance(element.tag, str):
            yield element


def _marked(element: etree._Element, patterns) -> bool:
    """Class, id, itemprop or a short data-* value names one of ``patterns``.

    data-* attributes count because component-based sites name their parts there
    (data-component="newsletter", data-testid="standfirst").
    """
    for attr, value in element.attrib.items():
        named = attr in ("class", "id", "itemprop") or (attr.startswith("data-") and len(value) <= MAX_DATA_VALUE)
        if named and value and matches_words(value, patterns):
            return True
    return False


def drop_furniture(root: etree._Element, structure: PageStructure) -> None:
    protected = _protected(root, structure)
    body_length = max(len(_squeezed_text(root)), 1)
    doomed: list[etree._Element] = []
    doomed_set: set[etree._Element] = set()
    for element in root.iter():
        if not isinstance(element.tag, str) or element in protected:
            continue
        if any(a in doomed_set for a in element.iterancestors()):
            continue  # inside something already going
        if _is_furniture(element, body_length):
            doomed.append(element)
            doomed_set.add(element)
    for element in doomed:
        if element.getparent() is not None:
            element.drop_tree()  # keeps the tail text, which belongs to the parent


def _is_furniture(element: etree._Element, body_length: int) -> bool:
    tag = element.tag.lower()
    if tag in HARD_DROP_TAGS:
        return True
    if tag in NEVER_DROP_TAGS:
        return False
    if element.get("aria-hidden", "").lower() == "true" or element.get("hidden") is not None:
        return True
    if _HIDDEN_STYLE.search(element.get("style", "")):
        return True
    soft = (
        tag in SOFT_DROP_TAGS
        or (element.get("role") or "").lower() in FURNITURE_ROLES
        or _marked(element, html_markers().furniture)
    )
    if not soft:
        return False
    return not _holds_the_story(element, body_length)


def _holds_the_story(element: etree._Element, body_length: int) -> bool:
    """A wrapper with several paragraphs and much of the page's text is content.

    Guards against a furniture word in the class of a page or article wrapper
    ("has-share-bar"); a one-paragraph cookie notice on a nearly empty page is still
    furniture.
    """
    if len(_squeezed_text(element)) <= MAX_FURNITURE_SHARE * body_length:
        return False
    return sum(1 for _ in element.iter("p")) >= MIN_STORY_PARAGRAPHS


def _protected(root: etree._Element, structure: PageStructure) -> set[etree._Element]:
    keep: list[etree._Element] = []
    if structure.headline is not None:
        keep.append(structure.headline)
    if structure.standfirst is not None:
        keep.append(structure.standfirst)
    keep.extend(structure.key_point_lists)
    keep.extend(structure.notes)
    keep.extend(e for e in root.iter() if isinstance(e.tag, str) and e.get(ROLE_ATTR) == "key-points-label")
    protected: set[etree._Element] = set()
    for element in keep:
        protected.add(element)
        protected.update(element.iterancestors())
        # Inside a protected element only hard furniture goes (a button in the headline).
        protected.update(d for d in element.iterdescendants() if isinstance(d.tag, str) and d.tag not in HARD_DROP_TAGS)
    return protected


def _squeezed_text(element: etree._Element) -> str:
    return re.sub(r"\s+", "", element.text_content())


def normalise_figures(root: etree._Element) -> list[Figure]:
    """Give lazy images a src and turn figcaptions into paragraphs; return captioned figures."""
    for img in root.iter("img"):
        if not img.get("src"):
            for attr in LAZY_SRC_ATTRS:
                value = (img.get(attr) or "").strip()
                if value:
                    img.set("src", value.split(",")[0].split()[0])
                    break
    figures = []
    for figure in root.iter("figure"):
        captions = list(figure.iter("figcaption"))
        if not captions:
            continue
        caption = captions[0]
        caption.tag = "p"
        caption.set(ROLE_ATTR, "caption")
        img = next(figure.iter("img"), None)
        src = img.get("src") if img is not None else None
        if element_text(caption).strip():
            figures.append(Figure(src=src.strip() if src else None, caption_element=caption))
    return figures
