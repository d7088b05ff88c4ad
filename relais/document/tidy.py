"""Format-independent clean-up of parsed blocks, run by ingest after every parser.

Each parser (web page, Markdown, plain text) turns its source into typed blocks; the
rules that do not depend on the source format live here so they apply the same way to
all three:

1. Furniture glued to a block's edges is cut ("Why it mattersCopy link to section"),
   blocks that are only furniture ("Share", "Read more: …") or carry no letters or
   digits are dropped, and marks are renumbered.
2. A byline/dateline block near the top ("By Ana Ferreira · 4 June 2026") is dropped;
   its author and date are returned as metadata.
3. Key points: a label block ("Key points", "At a glance") followed by a list becomes
   ``key_point`` blocks (the label is dropped); so does a list that comes before the
   first paragraph of the article (a summary list under the headline).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from relais.document.byline import parse_byline
from relais.document.furniture import DEFAULT_LANGUAGES, is_furniture, key_point_label, strip_furniture
from relais.document.inline import strip_placeholders
from relais.document.model import Block, BlockKind
from relais.document.richtext import normalise
from relais.document.text import machine_text
from relais.locales import SOURCE, derived, get_pack

# A byline is looked for only among the first blocks (headline, standfirst, byline…),
# never in the body where "By …" lines are real sentences.
BYLINE_WINDOW = 5

_BEFORE_BODY = frozenset({BlockKind.HEADLINE, BlockKind.STANDFIRST, BlockKind.KEY_POINT, BlockKind.CAPTION})


@dataclass
class Tidied:
    blocks: list[Block]
    author: str | None = None
    date: str | None = None


def tidy_blocks(
    blocks: Sequence[Block],
    *,
    languages: Sequence[str] = DEFAULT_LANGUAGES,
    leading_list_is_key_points: bool = True,
    strip_ui_text: bool = True,
) -> Tidied:
    """``strip_ui_text=False`` keeps UI strings inside text blocks: a translation being
    audited must show its leaked furniture to the checks, not have it cleaned away."""
    cleaned = [b for b in (_clean_block(b, languages, strip_ui_text) for b in blocks) if b is not None]
    result = Tidied(cleaned)
    _take_byline(result, languages)
    _label_key_points(result.blocks, languages)
    _label_notes(result.blocks)
    if leading_list_is_key_points:
        _leading_list_to_key_points(result.blocks)
    return result


def _clean_block(block: Block, languages: Sequence[str], strip_ui_text: bool = True) -> Block | None:
    # What a parser decoded from the file's character references (&#x202E;) under the
    # store's text rule; the file's own characters were checked by decode_article.
    text = machine_text(block.text)
    text = strip_furniture(text, languages) if strip_ui_text else text
    text, marks = normalise(text, block.marks)
    plain = strip_placeholders(text)
    if not any(ch.isalnum() for ch in plain) or (strip_ui_text and is_furniture(text, languages)):
        return None
    return Block(block.kind, text, marks, dict(block.attrs))


def _take_byline(result: Tidied, languages: Sequence[str]) -> None:
    for index, block in enumerate(result.blocks[:BYLINE_WINDOW]):
        if block.kind not in (BlockKind.PARAGRAPH, BlockKind.STANDFIRST, BlockKind.SUBHEADING):
            continue
        byline = parse_byline(block.text, languages)
        if byline is not None:
            result.author, result.date = byline.author, byline.date
            del result.blocks[index]
            return


def _label_key_points(blocks: list[Block], languages: Sequence[str]) -> None:
    index = 0
    while index < len(blocks):
        block = blocks[index]
        is_label = block.kind in (BlockKind.SUBHEADING, BlockKind.PARAGRAPH) and key_point_label(block.text, languages)
        if is_label and index + 1 < len(blocks) and blocks[index + 1].kind in (BlockKind.LIST_ITEM, BlockKind.KEY_POINT):
            del blocks[index]
            _list_to_key_points(blocks, index)
        index += 1


@derived
def _note_label() -> re.Pattern | None:
    """The source pack's note labels at the start of a paragraph, bold or not:
    "Correction: …", "<b1>Update:</b1> …" (group "tag": a wrapping placeholder)."""
    pack = get_pack(SOURCE)
    alternatives = {kind: [re.escape(w) for w in words] for kind, words in (pack.notes if pack else {}).items()}
    if not alternatives:
        return None
    groups = "|".join(f"(?P<{kind}>{'|'.join(sorted(words, key=len, reverse=True))})" for kind, words in alternatives.items())
    return re.compile(rf"^\s*(?:<(?P<tag>[a-z]+\d+)>)?\s*(?:{groups})\s*[:：]\s*(?:</(?P=tag)>)?\s*", re.IGNORECASE)


def _label_notes(blocks: list[Block]) -> None:
    """A paragraph opening with a note label ("Correction:", "Update:", "Clarification:",
    "Editor's note:") becomes a note block: the label is dropped (each target language
    writes its own, from its pack) and ``attrs["note"]`` says which note it is."""
    pattern = _note_label()
    if pattern is None:
        return
    for index, block in enumerate(blocks):
        if block.kind is not BlockKind.PARAGRAPH or not (m := pattern.match(block.text)):
            continue
        tag = m.group("tag")
        if tag and f"</{tag}>" not in m.group(0):
            continue  # the bold runs past the label: not a label
        rest = block.text[m.end():]
        if not any(ch.isalnum() for ch in strip_placeholders(rest)):
            continue
        kind = next(k for k, v in m.groupdict().items() if k != "tag" and v)
        marks = {k: v for k, v in block.marks.items() if k != tag}
        blocks[index] = Block(BlockKind.NOTE, rest, marks, {**block.attrs, "note": kind})


def _leading_list_to_key_points(blocks: list[Block]) -> None:
    for index, block in enumerate(blocks):
        if block.kind is BlockKind.LIST_ITEM:
            _list_to_key_points(blocks, index)
            return
        if block.kind not in _BEFORE_BODY:
            return


def _list_to_key_points(blocks: list[Block], start: int) -> None:
    """Turn the list starting at ``blocks[start]`` (items sharing its list id) into key points."""
    list_id = blocks[start].attrs.get("list")
    index = start
    while index < len(blocks) and blocks[index].kind is BlockKind.LIST_ITEM and blocks[index].attrs.get("list") == list_id:
        item = blocks[index]
        attrs = {k: v for k, v in item.attrs.items() if k not in ("list", "ordered", "depth")}
        blocks[index] = Block(BlockKind.KEY_POINT, item.text, item.marks, attrs)
        index += 1
