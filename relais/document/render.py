"""Rebuild a translated article, block by block, as Markdown, HTML or JSON.

The input is the one model of a translation (``relais.document.translation``, built
from the store by ``relais.store.translation.load``).
A publication (``reviewed``) ends with the disclosure line, as a plain line.  Anything
else is an unreviewed machine draft and never carries the disclosure: it ends with a
visible line in the target language saying so (the locale's ``unreviewed``), and says
it to machines too (a comment in Markdown and HTML, a meta tag, the JSON status).
"""

from __future__ import annotations

import html
import json
from itertools import groupby

import nh3

from relais import __version__
from relais.document.inline import strip_placeholders, to_html, to_markdown
from relais.document.model import BlockKind
from relais.document.translation import Block, Translation
from relais.locales import SOURCE, get_pack

FORMATS = ("md", "html", "json")
EXTENSIONS = {"md": "md", "html": "html", "json": "json"}


def render(article: Translation, fmt: str) -> str:
    if fmt == "md":
        return render_markdown(article)
    if fmt == "html":
        return render_html(article)
    if fmt == "json":
        return render_json(article)
    raise ValueError(f"unknown format {fmt!r}")


def _groups(article: Translation):
    """Consecutive key points, and consecutive items of one list, render as one list."""

    def key(block: Block):
        if block.kind is BlockKind.KEY_POINT:
            return ("key_points",)
        if block.kind is BlockKind.LIST_ITEM:
            return ("list", block.attrs.get("list", ""), block.attrs.get("ordered", ""))
        return ("block", block.index)

    for k, items in groupby(article.blocks, key=key):
        yield k, list(items)


def note_label(lang: str, note: str | None) -> str:
    """How a newsroom in ``lang`` opens a note ("Rectificatif :"): from the language pack,
    else the source's own label."""
    pack, source = get_pack(lang), get_pack(SOURCE)
    if pack is not None and note in pack.notes:
        return pack.notes[note]
    english = (source.notes.get(note) if source else None) or ["Note"]
    return f"{english[0]}:"


def render_markdown(article: Translation) -> str:
    parts: list[str] = []
    if not article.reviewed:
        parts.append(f"<!-- {article.marker()} -->")
    for key, blocks in _groups(article):
        if key[0] == "key_points":
            parts.append("\n".join(f"- {to_markdown(b.text, b.marks)}" for b in blocks))
            continue
        if key[0] == "list":
            ordered = key[2] == "1"
            parts.append(
                "\n".join(
                    (f"{n}. " if ordered else "- ") + to_markdown(b.text, b.marks)
                    for n, b in enumerate(blocks, 1)
                )
            )
            continue
        block = blocks[0]
        text = to_markdown(block.text, block.marks)
        match block.kind:
            case BlockKind.HEADLINE:
                parts.append(f"# {text}")
            case BlockKind.SUBHEADING:
                parts.append(f"## {text}")
            case BlockKind.STANDFIRST:
                parts.append(f"_{text}_")
            case BlockKind.QUOTE:
                parts.append("> " + text.replace("\n", "\n> "))
            case BlockKind.CAPTION:
                src = block.attrs.get("src")
                parts.append((f"![]({src})\n" if src else "") + f"_{text}_")
            case BlockKind.NOTE:
                parts.append(f"**{note_label(article.target_language, block.attrs.get('note'))}** {text}")
            case _:
                parts.append(text)
    parts.append("---")
    parts.append(article.closing_line)
    return "\n\n".join(parts) + "\n"


ALLOWED_TAGS = {
    "article", "h1", "h2", "p", "ul", "ol", "li", "blockquote", "figure", "figcaption",
    "img", "a", "strong", "em", "hr", "footer", "aside",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href"},
    "img": {"src", "alt"},
    "p": {"class"},
    "ul": {"class"},
    "ol": {"class"},
    "footer": {"class"},
    "aside": {"class"},
}


def render_html(article: Translation) -> str:
    body: list[str] = []
    for key, blocks in _groups(article):
        if key[0] == "key_points":
            items = "".join(f"<li>{to_html(b.text, b.marks)}</li>" for b in blocks)
            body.append(f'<ul class="key-points">{items}</ul>')
            continue
        if key[0] == "list":
            tag = "ol" if key[2] == "1" else "ul"
            items = "".join(f"<li>{to_html(b.text, b.marks)}</li>" for b in blocks)
            body.append(f"<{tag}>{items}</{tag}>")
            continue
        block = blocks[0]
        text = to_html(block.text, block.marks)
        match block.kind:
            case BlockKind.HEADLINE:
                body.append(f"<h1>{text}</h1>")
            case BlockKind.SUBHEADING:
                body.append(f"<h2>{text}</h2>")
            case BlockKind.STANDFIRST:
                body.append(f'<p class="standfirst">{text}</p>')
            case BlockKind.QUOTE:
                body.append(f"<blockquote><p>{text}</p></blockquote>")
            case BlockKind.CAPTION:
                src = block.attrs.get("src")
                img = f'<img src="{html.escape(src)}" alt="">' if src else ""
                body.append(f"<figure>{img}<figcaption>{text}</figcaption></figure>")
            case BlockKind.NOTE:
                label = html.escape(note_label(article.target_language, block.attrs.get("note")))
                body.append(f'<p class="note"><strong>{label}</strong> {text}</p>')
            case _:
                body.append(f"<p>{text}</p>")
    footer = "disclosure" if article.reviewed else "relais-unreviewed"
    body.append(f'<footer class="{footer}"><p>{html.escape(article.closing_line, quote=False)}</p></footer>')
    # Sanitise what we produce: the text came from a web page and then from a model.
    clean = nh3.clean(
        "\n".join(body),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    title = html.escape(strip_placeholders(article.blocks[0].text)) if article.blocks else ""
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{html.escape(article.target_language)}">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{title}</title>",
    ]
    if not article.reviewed:
        head.insert(2, f"<!-- {html.escape(article.marker())} -->")
        head.append('<meta name="relais-status" content="unreviewed-machine-draft">')
    head.append("</head>")
    banner = "" if article.reviewed else f'<aside class="relais-unreviewed"><p>{html.escape(article.notice)}</p></aside>\n'
    return "\n".join(head) + f"\n<body>\n{banner}<article>\n{clean}\n</article>\n</body>\n</html>\n"


def render_json(article: Translation) -> str:
    data = {
        "relais_version": __version__,
        "status": "published" if article.reviewed else "unreviewed_machine_draft",
        "reviewed": article.reviewed,
        "notice": None if article.reviewed else article.notice,
        "job": {"id": article.job_id, "status": article.status, "engine": article.engine, "models": article.models},
        "article": {
            "id": article.article_id,
            "story": article.story_id,
            "version": article.version,
            "title": article.title,
            "author": article.author,
            "date": article.date,
            "url": article.url,
        },
        "source_language": article.source_language,
        "target_language": article.target_language,
        "counts": article.draft_counts,
        "blocks": [
            {
                "index": b.index,
                "kind": str(b.kind),
                "source": b.source,
                "text": b.text,
                "marks": b.marks,
                "attrs": b.attrs,
                "segments": [
                    {
                        "index": s.index,
                        "source": s.source,
                        "source_start": s.start,
                        "source_end": s.end,
                        "text": s.text if s.translated else None,
                        "status": s.status,
                        "error": s.error,
                        "risk": s.risk,
                        "provenance": s.provenance,
                    }
                    for s in b.segments
                ],
            }
            for b in article.blocks
        ],
        "disclosure": article.disclosure if article.reviewed else None,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
