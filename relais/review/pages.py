"""What the desk's pages read, as library functions: the web routes (``relais.web``)
call these and hold no query of their own.

Each function takes an open session; none writes.  What a person may do with a job is
still decided by the review rules (``relais.review.workflow``, through the service);
the few checks here are on who may see a page at all (a translator sees the jobs of
their languages; people are managed by an admin; the statistics are for editors).
"""

from __future__ import annotations

import dataclasses

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from relais.errors import InputError
from relais.locales import available
from relais.memory import termbase, tm
from relais.review import accounts, service
from relais.document.translation import Translation
from relais.store.actors import Actor, PermissionDenied
from relais.review.workflow import Action, Rules, decide, offered
from relais.store import repo
from relais.store.models import BlockRow, ReviewStatus, Role, TermRenderingRow, TermRow, TermStatus, TmEntryRow, UserRow


def database_answers(session: Session) -> None:
    """One trivial query: raises if the database does not answer (the health check)."""
    session.execute(text("SELECT 1"))


def proposed_renderings(session: Session) -> int:
    """How many termbase renderings wait for an editor (the badge in the nav)."""
    return session.scalar(select(func.count(TermRenderingRow.id)).where(TermRenderingRow.status == TermStatus.PROPOSED)) or 0


# --------------------------------------------------------------------------- who sees what


def require_viewer(actor: Actor, language: str) -> None:
    """A job's pages are for those who may review its language."""
    if not actor.may_review(language):
        raise PermissionDenied(f"{actor.name} may not review {language} translations")


def require_admin(actor: Actor, what: str = "manage people") -> None:
    if actor.role != Role.ADMIN:
        raise PermissionDenied(f"only an admin can {what}")


def require_editor_for_stats(actor: Actor) -> None:
    if not actor.is_editor:
        raise PermissionDenied("only editors and admins can see the statistics")


def job_language(session: Session, job_id: int) -> str:
    """The target language of a job (NotFound when there is none)."""
    return repo.get_job(session, job_id).target_language


def viewable_job(session: Session, actor: Actor, job_id: int) -> Translation:
    """The job under review, for someone who may see it."""
    view = service.job_view(session, job_id)
    require_viewer(actor, view.target_language)
    return view


def people(session: Session, actor: Actor) -> list[UserRow]:
    """Every account, for an admin."""
    require_admin(actor)
    return accounts.list_users(session)


# --------------------------------------------------------------------------- queue


def queue(session: Session, actor: Actor, language: str | None, status: str | None, sort: str) -> list[service.QueueItem]:
    """The review queue as ``actor`` sees it, after checking the filter and the sort."""
    if status and status not in ReviewStatus.ORDER:
        raise InputError(f"unknown review status {status!r}")
    if sort not in service.QUEUE_SORTS:
        raise InputError(f"unknown sort {sort!r} (choose from {', '.join(sorted(service.QUEUE_SORTS))})")
    return service.queue(session, actor, language or None, status or None, sort)


def withdrawable_stories(session: Session, actor: Actor, items: list[service.QueueItem]) -> set[int]:
    """The stories of these queue items that ``actor`` may withdraw: the page offers
    exactly these (the review rules decide; the form then asks for the reason)."""
    return service.withdrawable(session, actor, {i.story_id for i in items})


# --------------------------------------------------------------------------- editor


def block_marks(session: Session, article_id: int) -> dict[int, dict]:
    """The inline marks (link targets) of each block of an article, by block position."""
    rows = session.execute(select(BlockRow.position, BlockRow.marks).where(BlockRow.article_id == article_id)).all()
    return dict(rows)


def segment_history(session: Session, job_id: int) -> dict[int, list[str | None]]:
    """Every saved text of each segment, oldest first (the machine draft not included)."""
    history: dict[int, list[str | None]] = {}
    for r in service.revisions(session, job_id):
        history.setdefault(r.segment_id, []).append(r.text)
    return history


def offered_actions(session: Session, actor: Actor, view: Translation, rules: Rules) -> dict[str, bool]:
    """What the page offers this person: exactly what the review rules allow now, and
    ``approve_when_confirmed``: whether they will be able to approve once every segment
    is confirmed (the page then shows the approval, disabled, with what is left)."""
    state = service.situation(session, repo.get_job(session, view.id), rules, view=view)
    actions = offered(actor, state)
    done = dataclasses.replace(state, unconfirmed=(), empty=())
    actions["approve_when_confirmed"] = decide(actor, done, Action.APPROVE).allowed
    return actions


# --------------------------------------------------------------------------- memory and termbase


def memory_matches(session: Session, q: str, source: str, target: str, mode: str, threshold: float,
                   limit: int) -> list[tuple[TmEntryRow, float | None, bool | None]]:  # fmt: skip
    """The memory page's results: a concordance ``search`` for ``q`` (score None), or the
    fuzzy ``lookup`` matches of the source sentence ``q`` into ``target``, best first."""
    if target and target not in available():
        raise InputError(f"unknown target language {target!r} (choose from {', '.join(available())})")
    if not q.strip():
        return []
    if mode == "search":
        return [(row, None, None) for row in tm.search(session, q, source or None, target or None, limit=limit)]
    if not target:
        raise InputError("choose a target language for a fuzzy lookup")
    out = []
    for m in tm.lookup(session, source or "en", target, q, threshold=threshold, limit=limit):
        row = session.get(TmEntryRow, m.id)
        if row is not None:
            out.append((row, m.score, m.exact))
    return out


def terms(session: Session, lang: str, status: str, q: str) -> list[TermRow]:
    """The termbase page's terms: with a rendering in ``lang`` and of ``status`` when
    given, and containing ``q``."""
    if lang and lang not in available():
        raise InputError(f"unknown language {lang!r} (choose from {', '.join(available())})")
    return termbase.list_terms(session, lang or None, status or None, q.strip() or None)
