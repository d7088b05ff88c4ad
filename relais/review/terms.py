"""Adding to the termbase as a person: what the desk's terms page does.

A translator proposes renderings in their own languages; an editor's rendering is
approved at once, through ``termbase.approve_rendering`` (one house rendering per term
and language).  Approving and rejecting proposals are ``termbase``'s own functions.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from relais.errors import InputError
from relais.locales import available
from relais.memory import termbase
from relais.store.actors import Actor, PermissionDenied
from relais.store.models import TermRenderingRow, TermRow, TermStatus, TermType


def split_variants(value: str) -> list[str]:
    """Forbidden variants typed as a comma-separated list."""
    return list(dict.fromkeys(v for v in (" ".join(p.split()) for p in value.split(",")) if v))


def add_term(session: Session, actor: Actor, source_term: str, lang: str, rendering: str, *,
             type_: str = TermType.TERM, forbidden: list[str] | None = None, note: str | None = None,
             term_note: str | None = None, proposed: bool = False) -> tuple[TermRow, TermRenderingRow]:  # fmt: skip
    """Add ``source_term`` (found or new) and its ``rendering`` in ``lang``: proposed by
    ``actor``, approved when ``actor`` is an editor (unless ``proposed``).  ``note`` is
    about the rendering, ``term_note`` about the term.  A forbidden variant equal to the
    rendering is dropped.  The desk's terms page and ``relais terms add`` both add here."""
    if lang not in available():
        raise InputError(f"unknown language {lang!r} (choose from {', '.join(available())})")
    if not actor.may_review(lang):
        raise PermissionDenied(f"{actor.name} may not add terms in {lang}")
    if type_ not in TermType.ALL:
        raise InputError(f"unknown term type {type_!r} (choose from {', '.join(TermType.ALL)})")
    term = termbase.get_or_add_term(session, source_term, type_, note=term_note)
    variants = [v for v in (forbidden or []) if v != " ".join(rendering.split())]
    row = termbase.add_rendering(session, term, lang, rendering, forbidden=variants, note=note, proposed_by=actor.name)
    if actor.is_editor and not proposed and row.status != TermStatus.APPROVED:
        row = termbase.approve_rendering(session, actor, row.id)
    return term, row


def label(row: TermRenderingRow) -> str:
    """A rendering as the desk names it: ``source → text (lang)``."""
    return f"{row.term.source_term} → {row.text} ({row.lang})"


def reject(session: Session, actor: Actor, rendering_id: int) -> str:
    """Reject (or withdraw) a rendering as an editor; returns its label.  A non-editor is
    refused before the rendering is looked up: the same answer for any id."""
    if not actor.is_editor:
        raise PermissionDenied(f"{actor.name} may not approve or reject termbase entries (editors only)")
    name = label(termbase.get_rendering(session, rendering_id))
    termbase.reject_rendering(session, actor, rendering_id)
    return name
