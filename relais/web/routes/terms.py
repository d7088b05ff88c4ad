"""The termbase: terms and their renderings as a page and as JSON; adding a term,
approving or rejecting a proposed rendering."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from relais.errors import InputError
from relais.locales import available
from relais.memory import termbase
from relais.review import pages, terms
from relais.store.models import TermStatus, TermType
from relais.web import views
from relais.web.deps import API_V1, SESSION_ONLY, Config, FormWriter, Person, done, page

TermStatusFilter = Literal["", "proposed", "approved"]
TermLang = Annotated[str, Query(max_length=16, description="renderings in this language (all when empty)")]
TermText = Annotated[str, Query(max_length=500, description="text in the source term or a rendering")]

router = APIRouter()


def found_terms(s, lang: str, status: str, q: str) -> list[dict[str, Any]]:
    return [views.term_json(t, lang or None, status or None) for t in pages.terms(s, lang, status, q)]


@router.get("/terms", response_class=HTMLResponse, tags=["pages"],
            summary="The termbase: terms and their renderings; approve or reject proposals (editor)")  # fmt: skip
def terms_page(request: Request, config: Config, w: Person, lang: TermLang = "", status: TermStatusFilter = "",
               q: TermText = "") -> Response:  # fmt: skip
    with config.store.read() as s:
        error = None
        try:
            found = found_terms(s, lang, status, q)
        except InputError as exc:
            found, error = [], str(exc)
        langs = available()
        addable = langs if w.actor.is_editor else tuple(x for x in w.actor.languages if x in langs)
        return page(request, "terms.html", w, terms=found, lang=lang, status=status, q=q, error=error,
                    languages=langs, addable=addable, types=TermType.ALL)  # fmt: skip


@router.get(API_V1 + "/terms", tags=["api v1: desk"], openapi_extra=SESSION_ONLY,
            summary="The termbase as JSON, filtered by language, status and text (people only)")  # fmt: skip
def terms_json(config: Config, w: Person, lang: TermLang = "", status: TermStatusFilter = "",
              q: TermText = "") -> list[dict[str, Any]]:  # fmt: skip
    with config.store.read() as s:
        return found_terms(s, lang, status, q)


@router.post("/terms", tags=["actions"],
             summary="Add a term and its rendering: proposed (translator, own languages) or approved (editor)")  # fmt: skip
def add_term(
    request: Request,
    config: Config,
    w: FormWriter,
    source_term: Annotated[str, Form(max_length=500, description="the term in the source language")],
    lang: Annotated[str, Form(max_length=16, description="target language of the rendering")],
    rendering: Annotated[str, Form(max_length=500, description="how the term is written in that language")],
    type: Annotated[str, Form(description="person, place, organisation or term")] = TermType.TERM,
    forbidden: Annotated[str, Form(max_length=2000, description="comma-separated variants not to use")] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    request.state.back = "/terms"
    with config.store.write() as s:
        term, row = terms.add_term(s, w.actor, source_term, lang, rendering, type_=type,
                                   forbidden=terms.split_variants(forbidden), note=note.strip() or None)  # fmt: skip
        status, text_, source = row.status, row.text, term.source_term
        payload = {"term": views.term_json(term, lang), "rendering": views.rendering_json(row)}
    back = "/terms?" + urlencode({"q": source})
    verb = "approved" if status == TermStatus.APPROVED else "proposed; an editor will review it"
    return done(request, back, f"{source} → {text_} ({lang}): {verb}.", payload)


@router.post("/terms/renderings/{rendering_id}/approve", tags=["actions"],
             summary="Approve a proposed rendering: it becomes the house rendering (editor)")  # fmt: skip
def approve_term_rendering(request: Request, config: Config, w: FormWriter, rendering_id: int) -> Response:
    request.state.back = "/terms"
    with config.store.write() as s:
        row = termbase.approve_rendering(s, w.actor, rendering_id)
        label, payload = terms.label(row), {"rendering": views.rendering_json(row)}
    return done(request, "/terms", f"Approved {label}.", payload)


@router.post("/terms/renderings/{rendering_id}/reject", tags=["actions"],
             summary="Reject a proposed rendering, or withdraw an approved one (editor)")  # fmt: skip
def reject_term_rendering(request: Request, config: Config, w: FormWriter, rendering_id: int) -> Response:
    request.state.back = "/terms"
    with config.store.write() as s:
        label = terms.reject(s, w.actor, rendering_id)
    return done(request, "/terms", f"Rejected {label}.", {"rendering": rendering_id})
