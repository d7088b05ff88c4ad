"""The review library: edits, conflicts, claims, confirmations, approval, four eyes,
the journal (a real seeded store)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from relais.errors import InputError, NotFound
from relais.review import accounts, service
from relais.store.actors import Actor, PermissionDenied
from relais.review.service import Conflict, InvalidState
from relais.store.models import FindingRow, ReviewEventRow, ReviewStatus, RevisionRow
from relais.store.db import open_store
from tests.review.seed import PASSWORD

FIXED_FIGURE = "La tempête a endommagé 4 200 mètres de digue en janvier."


@pytest.fixture
def seeded(seeded_url, seeded_job):
    store = open_store(seeded_url)
    yield store, seeded_job
    store.close()


@pytest.fixture
def store(seeded):
    return seeded[0]


@pytest.fixture
def job(seeded):
    return seeded[1]


def _translator(store, name: str) -> Actor:
    """A second French translator, added for the test."""
    with store.write() as s:
        if name not in {u.name for u in accounts.list_users(s)}:
            accounts.add_user(s, name, PASSWORD, "translator", ["fr"])
    return actor(store, name)


def actor(store, name: str) -> Actor:
    with store.read() as s:
        return Actor.of(accounts.get_user(s, name))


def segment(store, job, index):
    with store.read() as s:
        return service.segment_view(s, job.job_id, job.segment_ids[index])


def test_draft_view_shows_the_real_findings_and_that_nothing_is_confirmed(store, job):
    with store.read() as s:
        view = service.job_view(s, job.job_id)
    segs = view.segments
    assert [s.version for s in segs] == [0] * 6
    assert [f.check for f in segs[3].findings] == ["numbers.mismatch"]
    assert segs[3].findings[0].severity == "critical"
    assert "untranslated.fragment" in {f.check for f in segs[5].findings}
    # every segment needs a person's confirmation before the article can be approved
    assert not any(s.confirmed for s in segs)
    assert view.unconfirmed() == tuple(f"block {i}, segment 1" for i in range(1, 7))
    assert len(view.blockers()) == 6


def test_a_fixing_edit_is_rechecked_and_its_finding_disappears(store, job):
    tina = actor(store, "tina")
    with store.write() as s:
        seg = service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED_FIGURE, 0, active_seconds=8.0)
    assert seg.version == 1 and seg.text == FIXED_FIGURE
    assert seg.findings == []
    assert [f.check for f in seg.draft_findings] == ["numbers.mismatch"]
    assert not seg.confirmed  # a new version: nobody has confirmed it yet
    with store.write() as s:
        stored = s.scalars(select(FindingRow).where(FindingRow.stage == "revision")).all()
        assert stored == []  # nothing found in the fixed text
        assert service.job_view(s, job.job_id).review_status == ReviewStatus.IN_REVIEW


def test_an_edit_that_breaks_a_figure_is_flagged_at_once(store, job):
    tina = actor(store, "tina")
    with store.write() as s:
        seg = service.save_segment(
            s, tina, job.job_id, job.segment_ids[4], "Les bateaux de pêche sont restés au port pendant 5 semaines.", 0
        )
    assert "numbers.extra" in {f.check for f in seg.findings} or "numbers.mismatch" in {f.check for f in seg.findings}


def test_second_save_on_the_same_version_is_a_conflict_and_nothing_is_lost(store, job):
    tina, ada = actor(store, "tina"), actor(store, "ada")
    sid = job.segment_ids[4]
    with store.write() as s:
        service.save_segment(s, tina, job.job_id, sid, "Les chalutiers sont restés au port pendant trois semaines.", 0)
        service.release(s, tina, job.job_id)  # nobody holds the job now: ada may edit too
    with pytest.raises(Conflict) as exc:
        with store.write() as s:
            service.save_segment(s, ada, job.job_id, sid, "Les navires de pêche sont restés à quai trois semaines.", 0)
    assert exc.value.version == 1
    assert exc.value.text.startswith("Les chalutiers")
    assert exc.value.yours.startswith("Les navires")
    # the second person resolves by saving on top of version 1
    with store.write() as s:
        seg = service.save_segment(s, ada, job.job_id, sid, exc.value.yours, exc.value.version)
    assert seg.version == 2
    with store.read() as s:
        texts = [r.text for r in s.scalars(select(RevisionRow).order_by(RevisionRow.version))]
    assert texts == ["Les chalutiers sont restés au port pendant trois semaines.", exc.value.yours]


def test_saving_the_same_text_again_adds_nothing(store, job):
    tina = actor(store, "tina")
    with store.write() as s:
        service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED_FIGURE, 0)
        seg = service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED_FIGURE + "  ", 1)
    assert seg.version == 1


@pytest.mark.parametrize(
    "text, message",
    [
        ("Les travaux commenceront au <a2>printemps</a2>.", "<a2> is not a tag of the source segment"),
        ("Les travaux commenceront au <a1>printemps.", "placeholder <a1> is never closed"),
        ("x" * 5001, "too long"),
    ],
)
def test_broken_text_is_refused_with_a_clear_message(store, job, text, message):
    with pytest.raises(InputError, match=message):
        with store.write() as s:
            service.save_segment(s, actor(store, "tina"), job.job_id, job.segment_ids[5], text, 0)


def test_translators_touch_only_their_languages(store, job):
    dora = actor(store, "dora")  # German
    with pytest.raises(PermissionDenied):
        with store.write() as s:
            service.save_segment(s, dora, job.job_id, job.segment_ids[3], FIXED_FIGURE, 0)
    with store.write() as s:
        assert service.queue(s, dora) == []
        assert [i.job_id for i in service.queue(s, actor(store, "tina"))] == [job.job_id]


def test_an_edit_after_confirmation_makes_the_confirmation_lapse(store, job):
    tina = actor(store, "tina")
    sid = job.segment_ids[4]
    with store.write() as s:
        seg = service.confirm_segment(s, tina, job.job_id, sid, 0, seconds=12.5)
        assert (seg.confirmed_by, seg.confirmed_how) == ("tina", "editor")
        seg = service.save_segment(s, tina, job.job_id, sid, "Les bateaux sont restés au port trois semaines.", 0)
    assert not seg.confirmed
    with store.read() as s:
        event = s.scalar(select(ReviewEventRow).where(ReviewEventRow.action == "confirm"))
    assert (event.actor, event.version, event.how, event.seconds) == ("tina", 0, "editor", 12.5)


def test_confirming_a_stale_version_is_a_conflict(store, job):
    tina = actor(store, "tina")
    sid = job.segment_ids[4]
    with store.write() as s:
        service.save_segment(s, tina, job.job_id, sid, "Les bateaux sont restés au port trois semaines.", 0)
    with pytest.raises(Conflict):
        with store.write() as s:
            service.confirm_segment(s, tina, job.job_id, sid, 0)


def confirm_all(store, job, who="tina"):
    person = actor(store, who)
    with store.write() as s:
        for seg in service.job_view(s, job.job_id).segments:
            if not seg.confirmed:
                service.confirm_segment(s, person, job.job_id, seg.id, seg.version)


def test_the_article_needs_every_segment_confirmed_one_by_one(store, job):
    tina = actor(store, "tina")
    with pytest.raises(InvalidState, match="not confirmed"):
        with store.write() as s:
            service.approve_article(s, tina, job.job_id)
    with store.write() as s:
        for seg in service.job_view(s, job.job_id).segments[:-1]:
            service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
    with pytest.raises(InvalidState, match="block 6, segment 1 is not confirmed"):  # names the one left
        with store.write() as s:
            service.approve_article(s, tina, job.job_id)
    confirm_all(store, job)
    with store.write() as s:
        view = service.approve_article(s, tina, job.job_id)
    assert view.review_status == ReviewStatus.APPROVED
    assert all(seg.confirmed for seg in view.segments)
    with store.read() as s:
        confirmations = s.scalars(select(ReviewEventRow).where(ReviewEventRow.action == "confirm")).all()
        assert len(confirmations) == 6 and {c.actor for c in confirmations} == {"tina"}
        # approving the article confirmed nothing by itself
        assert s.scalar(select(ReviewEventRow).where(ReviewEventRow.action == "approve_article")).segment_id is None
        # the whole approved text was checked again
        assert s.scalars(select(FindingRow).where(FindingRow.stage == "approval")).all()


def test_a_claim_reserves_the_job_until_released_taken_over_or_idle(store, job):
    tina, tom, eddie = actor(store, "tina"), _translator(store, "tom"), actor(store, "eddie")
    sid = job.segment_ids[4]
    with store.write() as s:
        service.claim(s, tina, job.job_id)
    for attempt in (lambda s: service.save_segment(s, tom, job.job_id, sid, "Autre.", 0),
                    lambda s: service.confirm_segment(s, tom, job.job_id, sid, 0),
                    lambda s: service.claim(s, tom, job.job_id),
                    lambda s: service.save_segment(s, eddie, job.job_id, sid, "Autre.", 0)):  # fmt: skip
        with pytest.raises(PermissionDenied, match="claimed by tina"):
            with store.write() as s:
                attempt(s)
    with store.write() as s:
        service.claim(s, eddie, job.job_id)  # an editor takes it over
        service.save_segment(s, eddie, job.job_id, sid, "Les bateaux sont restés au port trois semaines.", 0)
    with pytest.raises(PermissionDenied, match="claimed by eddie"):
        with store.write() as s:
            service.save_segment(s, tina, job.job_id, sid, "Autre.", 1)
    with store.write() as s:
        service.release(s, eddie, job.job_id)
        service.claim(s, tom, job.job_id)
    # a claim lapses when its holder is idle longer than the rules allow
    idle = service.Rules(claim_idle=0.001)
    time.sleep(0.01)  # two writes can be under a millisecond apart: tom must have been idle
    with store.write() as s:
        service.save_segment(s, tina, job.job_id, sid, "Les bateaux restèrent au port trois semaines.", 1, rules=idle)
    with store.read() as s:
        events = [(e.actor, e.action, e.before, e.how) for e in service.journal(s, job.job_id)]
    assert ("eddie", "claim", "tina", "take_over") in events
    assert ("eddie", "release", "eddie", None) in events
    assert events[-2:] == [("tina", "claim", None, None), ("tina", "edit", "Les bateaux sont restés au port trois semaines.", None)]


def test_approved_article_is_locked_until_an_editor_reopens_it(store, job):
    tina, eddie = actor(store, "tina"), actor(store, "eddie")
    confirm_all(store, job)
    with store.write() as s:
        service.approve_article(s, tina, job.job_id)
    with pytest.raises(InvalidState, match="reopen"):
        with store.write() as s:
            service.save_segment(s, tina, job.job_id, job.segment_ids[4], "Autre texte.", 0)
    with pytest.raises(PermissionDenied):
        with store.write() as s:
            service.reopen(s, tina, job.job_id)
    with store.write() as s:
        service.reopen(s, eddie, job.job_id, "the headline is too long")
        assert service.job_view(s, job.job_id).review_status == ReviewStatus.IN_REVIEW


def test_sign_off_and_publication_need_an_editor_who_did_not_work_on_the_round(store, job):
    from relais.publish.publisher import publish

    eddie, ada, tina = actor(store, "eddie"), actor(store, "ada"), actor(store, "tina")
    with pytest.raises(InvalidState, match="approve it first"):
        with store.write() as s:
            service.sign_off(s, ada, job.job_id)
    confirm_all(store, job)
    with store.write() as s:
        service.release(s, tina, job.job_id)
        service.claim(s, eddie, job.job_id)
        service.save_segment(s, eddie, job.job_id, job.segment_ids[3], FIXED_FIGURE, 0)  # an editor rewrites one
        service.confirm_segment(s, eddie, job.job_id, job.segment_ids[3], 1)
        service.release(s, eddie, job.job_id)
        service.claim(s, tina, job.job_id)
        service.approve_article(s, tina, job.job_id)  # and has a translator approve it
    for who in (eddie, tina):
        with pytest.raises(PermissionDenied, match="four eyes|only an editor"):
            with store.write() as s:
                service.sign_off(s, who, job.job_id)
    with store.write() as s:
        service.sign_off(s, ada, job.job_id)
    with pytest.raises(PermissionDenied, match="four eyes"):
        with store.write() as s:
            publish(s, eddie, job.job_id)
    with store.write() as s:
        publish(s, ada, job.job_id)
        # a new round after reopening: eddie did nothing in it, so he may sign it off then
        service.reopen(s, ada, job.job_id, "a late correction")
        assert service.job_view(s, job.job_id).review_status == ReviewStatus.IN_REVIEW


def test_the_journal_records_who_did_what(store, job):
    tina = actor(store, "tina")
    with store.write() as s:
        service.claim(s, tina, job.job_id)
        service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED_FIGURE, 0)
    with store.write() as s:
        events = [(e.actor, e.action, e.version, e.before, e.after) for e in service.journal(s, job.job_id)]
    assert events[0] == ("tina", "claim", None, None, "tina")
    assert events[1][:3] == ("tina", "edit", 1)
    assert events[1][3].endswith("4 300 mètres de digue en janvier.") and events[1][4] == FIXED_FIGURE


def test_unknown_job_and_segment_are_not_found(store, job):
    with pytest.raises(NotFound):
        with store.write() as s:
            service.job_view(s, 999)
    with pytest.raises(NotFound):
        with store.write() as s:
            service.save_segment(s, actor(store, "tina"), job.job_id, 99999, "x", 0)


def test_passwords_sign_in_and_rate_limit(store):
    with store.write() as s:
        assert accounts.authenticate(s, "tina", PASSWORD).name == "tina"
        assert accounts.authenticate(s, "tina", "wrong password!") is None
        assert accounts.authenticate(s, "nobody", PASSWORD) is None
        user = accounts.get_user(s, "tina")
        assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    throttle = accounts.LoginThrottle(limit=3, window=60)
    for _ in range(3):
        assert throttle.retry_after("tina", "1.2.3.4") == 0
        throttle.failed("tina", "1.2.3.4")
    assert throttle.retry_after("tina", "5.6.7.8") > 0  # per name
    assert throttle.retry_after("other", "1.2.3.4") > 0  # per address
    assert throttle.retry_after("other", "5.6.7.8") == 0


@pytest.mark.parametrize(
    "name, password, role, langs, message",
    [
        ("tina", PASSWORD, "translator", ["fr"], "already exists"),
        ("new", "short", "translator", ["fr"], "at least 10"),
        ("new", PASSWORD, "boss", [], "unknown role"),
        ("new", PASSWORD, "translator", [], "at least one language"),
        ("new", PASSWORD, "translator", ["xx"], "unknown language"),
        ("bad name!", PASSWORD, "editor", [], "invalid user name"),
    ],
)
def test_bad_accounts_are_refused(store, name, password, role, langs, message):
    with pytest.raises(InputError, match=message):
        with store.write() as s:
            accounts.add_user(s, name, password, role, langs)


def test_sessions_store_only_a_hash_and_expire_with_the_account(store):
    with store.write() as s:
        token, row = accounts.open_session(s, accounts.get_user(s, "tina"))
        assert row.token_hash != token and token not in row.token_hash
    with store.write() as s:
        assert accounts.find_session(s, token).user.name == "tina"
        assert accounts.find_session(s, token + "x") is None
        accounts.set_active(s, "tina", False)
    with store.write() as s:
        assert accounts.find_session(s, token) is None


def test_an_edit_is_rolled_back_with_its_transaction(store, job):
    # pysqlite would commit a SAVEPOINT taken before any other write; the store emits
    # BEGIN itself so that a failing caller (an XLIFF import) loses nothing but itself.
    with pytest.raises(RuntimeError):
        with store.write() as s:
            service.save_segment(s, actor(store, "tina"), job.job_id, job.segment_ids[3], FIXED_FIGURE, 0)
            raise RuntimeError("the rest of the import failed")
    with store.write() as s:
        assert s.scalars(select(RevisionRow)).all() == []
        assert service.segment_view(s, job.job_id, job.segment_ids[3]).version == 0
