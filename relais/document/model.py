"""The article as Relais sees it: typed blocks of text with inline placeholders.

Everything downstream (segmentation, engines, checks, review, rendering) works on
these records, whatever the article was ingested from.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from enum import StrEnum

from relais.document.inline import strip_placeholders


class BlockKind(StrEnum):
    HEADLINE = "headline"
    STANDFIRST = "standfirst"
    KEY_POINT = "key_point"
    SUBHEADING = "subheading"
    PARAGRAPH = "paragraph"
    QUOTE = "quote"
    CAPTION = "caption"
    LIST_ITEM = "list_item"
    NOTE = "note"  # a correction, update or clarification note (attrs["note"]: which one)


@dataclass
class Block:
    """One structural unit of an article.

    ``text`` carries inline markup as numbered placeholders (see ``relais.document.inline``):
    ``"Read <a1>the report</a1> on <b1>Monday</b1>."``; ``marks`` maps each placeholder
    id to its attributes (``{"a1": {"href": "https://…"}, "b1": {}}``).  ``attrs`` holds
    block-level data that is not translated (an image ``src`` for a caption, a list id
    grouping consecutive list items).
    """

    kind: BlockKind
    text: str
    marks: dict[str, dict[str, str]] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"kind": str(self.kind), "text": self.text, "marks": self.marks, "attrs": self.attrs}

    @classmethod
    def from_dict(cls, data: dict) -> Block:
        return cls(BlockKind(data["kind"]), data["text"], dict(data.get("marks") or {}), dict(data.get("attrs") or {}))


@dataclass
class Article:
    """An ingested source article: metadata plus ordered blocks."""

    blocks: list[Block]
    title: str | None = None
    author: str | None = None
    date: str | None = None
    url: str | None = None
    modified: str | None = None  # when the page says it was last changed (ISO 8601, UTC): orders versions
    source_format: str = "text"  # "html" | "markdown" | "text"
    source_language: str = "en"

    @property
    def headline(self) -> str | None:
        for block in self.blocks:
            if block.kind is BlockKind.HEADLINE:
                return block.text
        return self.title

    def content_hash(self) -> str:
        """Hash of what will be translated (blocks and their markup), not of the raw bytes.

        Two saves of the same story that differ only in page furniture hash the same,
        so the store keeps one article.
        """
        payload = json.dumps(
            {"lang": self.source_language, "blocks": [b.to_dict() for b in self.blocks]},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def word_count(self) -> int:
        return sum(len(strip_placeholders(b.text).split()) for b in self.blocks)
