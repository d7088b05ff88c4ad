"""Migration 0008 on a store that the old review desk filled: approvals become
confirmations, those the old "Approve article" made for every untouched segment are
marked bulk and count as unconfirmed, and the memory entries of published articles are
linked to their publication."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from relais.review import accounts, service
from relais.store.actors import Actor
from relais.store.db import open_store
from relais.store.models import ReviewEventRow, ReviewStatus, TmSupportRow
from relais.review.workflow import InvalidState
from tests.helpers import at_revision
from tests.review.seed import seed_job, seed_users


def _event(job: int, segment: int | None, action: str, at: str, actor: str = "tina", version: int | None = 0):
    return ("INSERT INTO review_events (job_id, segment_id, user_id, actor, action, version, created_at) "
            "VALUES (:j, :s, (SELECT id FROM users WHERE name = :a), :a, :act, :v, :t)",
            {"j": job, "s": segment, "a": actor, "act": action, "v": version, "t": at})  # fmt: skip


def _old_approval(job, explicit: list[int], at: str) -> list[tuple[str, dict]]:
    """What the old desk wrote: explicit approvals a while before, then in one request the
    approvals of every other segment and the article's."""
    rows = [_event(job.job_id, sid, "approve_segment", "2026-03-02 09:00:00") for sid in explicit]
    rows += [_event(job.job_id, sid, "approve_segment", at) for sid in job.segment_ids if sid not in explicit]
    rows.append(_event(job.job_id, None, "approve_article", at, version=None))
    rows.append(("UPDATE jobs SET review_status = 'approved' WHERE id = :j", {"j": job.job_id}))
    return rows


def _tm_entry(job, index: int, target: str) -> tuple[str, dict]:
    return ("INSERT INTO tm_entries (source_lang, target_lang, source_text, target_text, source_key, origin, job_id, "
            "segment_id, article_id, approved_by, created_at) SELECT 'en', 'fr', text, :t, text, 'review', :j, id, "
            ":a, 'tina', '2026-03-02 09:05:00' FROM segments WHERE id = :s",
            {"t": target, "j": job.job_id, "a": job.article_id, "s": job.segment_ids[index]})  # fmt: skip


def test_old_approvals_become_honest_confirmations(new_store_url):
    url = new_store_url(migrated=False)
    store = open_store(url)
    seed_users(store)
    published = seed_job(store)  # approved the old way, then signed off and published
    pending = seed_job(store, title="A second story")  # approved the old way, never published
    store.close()
    rows = _old_approval(published, [published.segment_ids[0]], "2026-03-02 09:05:00")
    rows += [_event(published.job_id, None, "sign_off", "2026-03-02 10:00:00", "eddie", None),
             _event(published.job_id, None, "publish", "2026-03-02 10:01:00", "eddie", None),
             ("INSERT INTO publications (job_id, number, actor, markdown, html, json, audit, created_at) "
              "VALUES (:j, 1, 'eddie', '', '', '{}', '{}', '2026-03-02 10:01:00')", {"j": published.job_id}),
             ("UPDATE jobs SET review_status = 'published' WHERE id = :j", {"j": published.job_id}),
             _tm_entry(published, 4, "Les chalutiers sont restés au port trois semaines.")]  # fmt: skip
    rows += _old_approval(pending, [pending.segment_ids[2]], "2026-03-03 11:00:00")
    rows += [_tm_entry(pending, 1, "Le conseil a adopté le plan par 7 voix contre 2.")]
    at_revision(url, "0007", rows, down=True)

    store = open_store(url)  # migrates: 0008
    try:
        with store.read() as s:
            events = s.query(ReviewEventRow).filter(ReviewEventRow.action == "confirm").all()
            assert not s.query(ReviewEventRow).filter(ReviewEventRow.action == "approve_segment").count()
            how = {(e.job_id, e.segment_id): e.how for e in events}
            for job, explicit in ((published, published.segment_ids[0]), (pending, pending.segment_ids[2])):
                assert how[(job.job_id, explicit)] == "editor"  # a person's own approval of that segment
                assert {how[(job.job_id, sid)] for sid in job.segment_ids if sid != explicit} == {"bulk"}
            view = service.job_view(s, pending.job_id)
            assert [seg.confirmed_by for seg in view.segments].count("tina") == 1  # bulk ones do not count
            supports = s.query(TmSupportRow).all()
            assert [(x.job_id, x.confirmed_by) for x in supports] == [(published.job_id, "tina")]
            ada = Actor.of(accounts.get_user(s, "ada"))
        # the article approved in bulk and never published cannot be signed off as it is …
        with pytest.raises(InvalidState, match="not confirmed by a person: reopen"):
            with store.write() as s:
                service.sign_off(s, ada, pending.job_id)
        # … it is reopened, which withdraws what it taught the memory, and confirmed
        with store.write() as s:
            service.reopen(s, ada, pending.job_id, "approved in bulk before confirmations")
            assert service.job_view(s, pending.job_id).review_status == ReviewStatus.IN_REVIEW
        with store.read() as s:
            targets = {t for (t,) in s.execute(text("SELECT target_text FROM tm_entries"))}
        assert targets == {"Les chalutiers sont restés au port trois semaines."}
    finally:
        store.close()
