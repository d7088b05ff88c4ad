"""What the desk's pages read, as library functions: the web routes (``relais.web``)
call these and hold no query of their own.

Each function takes an open session; none writes.  What a person may do with a job is
still decided by the review rules (``relais.review.workflow``, through the service);
the few checks here are on who may see a page at all (a translator sees the jobs of
their languages; people are managed by an admin; the statistics are for editors).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from relais.document.diff import ADDED, CHANGED, REMOVED, summary
from relais.errors import InputError
from relais.locales import available
from relais.memory import termbase, tm
from relais.review import accounts, service
from relais.document.translation import Translation
from relais.store.actors import Actor, PermissionDenied
from relais.review.workflow import Action, Rules, decide, offered
from relais.store import repo, updates
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


def may_withdraw(session: Session, actor: Actor, story_id: int) -> bool:
    """Whether the editor page offers ``actor`` to withdraw the job's story."""
    return bool(service.withdrawable(session, actor, {story_id}))


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


# --------------------------------------------------------------------------- the update of a story


@dataclass(frozen=True)
class SegmentChange:
    """What the new version did to one of its segments, as the editor shows it."""

    change: str  # unchanged | moved | changed | added (relais.document.diff)
    old_source: str | None = None  # the earlier version's English (None: added)
    previous: str | None = None  # the base's text for it (None: added, or the engine had failed there)
    carried: str | None = None  # unchanged or moved: "confirmed" or "draft", how its text was carried

    @property
    def to_review(self) -> bool:
        """Changed or added: the translator's work in this update."""
        return self.change in (CHANGED, ADDED)


@dataclass(frozen=True)
class StoryUpdate:
    """A job that updates the job of an earlier version of its story: which version and
    job it updates, and what changed, segment by segment, in reading order."""

    base_job_id: int
    base_version: int  # the story version the base translated
    base_status: str  # the base job's review status (published, or superseded before it was)
    version: int  # the version this job translates
    segments: dict[int, SegmentChange]  # new segment id → its change
    removed: dict[int | None, list[str]]  # new segment id (None: before the first) → English removed after it
    counts: dict[str, int]  # changed, added, removed, carried

    @property
    def to_review(self) -> list[int]:
        """The changed and added segments, in reading order (the page lists them first)."""
        return [sid for sid, c in self.segments.items() if c.to_review]


def story_update(session: Session, view: Translation) -> StoryUpdate | None:
    """What the job updates, for the editor and the job JSON; None for a job that updates
    none.  It reads the one comparison of the versions, ``updates.plan`` (the one the run
    carried from): no second diff here."""
    plan = updates.plan(session, repo.get_job(session, view.id))
    if plan is None:
        return None
    ids = [seg.id for seg in view.segments]  # the plan's new indices, in the same reading order
    segments: dict[int, SegmentChange] = {}
    removed: dict[int | None, list[str]] = {}
    last: int | None = None  # the new segment a removed one follows
    for change in plan.changes:
        if change.kind == REMOVED:
            removed.setdefault(last, []).append(change.old_text or "")
            continue
        last = ids[change.new]
        carry = plan.carry.get(last)
        segments[last] = SegmentChange(
            change.kind, carry.old_source if carry else change.old_text, carry.old_text if carry else None,
            carry.kind if carry and carry.kind != CHANGED else None,
        )  # fmt: skip
    kinds = summary(plan.changes)
    counts = {"changed": kinds[CHANGED], "added": kinds[ADDED], "removed": kinds[REMOVED],
              "carried": sum(c.carried is not None for c in segments.values())}  # fmt: skip
    base_status = repo.get_job(session, plan.base_job_id).review_status
    return StoryUpdate(plan.base_job_id, plan.base_version, base_status, view.version, segments, removed, counts)


def folded_segments(view: Translation, update: StoryUpdate) -> set[int]:
    """The segments the editor folds: unchanged (or moved) and confirmed, so nothing is
    left to do on them, unless they are the immediate neighbour (in reading order) of a
    changed or added segment or of a removed one: those stay open, for context."""
    ids = [seg.id for seg in view.segments]
    near: set[int] = set()
    for i, sid in enumerate(ids):
        if update.segments[sid].to_review:
            near.update(ids[max(i - 1, 0) : i + 2])
    for after in update.removed:
        i = ids.index(after) if after is not None else -1
        near.update(ids[max(i, 0) : i + 2])
    return {seg.id for seg in view.segments
            if not update.segments[seg.id].to_review and seg.confirmed and seg.id not in near}  # fmt: skip


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
