"""Withdrawing a story: every publication marked withdrawn and kept, the memory and the
termbase forget what only they taught, nothing more happens to its jobs, and the story
takes no update; only a signed-in editor may, with a reason."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from relais.document.model import Article, Block, BlockKind
from relais.document.story import story_keys
from relais.errors import InputError
from relais.memory.tm import lookup
from relais.publish.publisher import latest_publication, publish, withdraw_story
from relais.review import service
from relais.review.service import InvalidState
from relais.store import repo
from relais.store.actors import Actor, PermissionDenied
from relais.store.db import open_store
from relais.store.models import PublicationRow, ReviewEventRow, ReviewStatus, StoryRow
from tests.publish.test_publisher import _actor, review_and_sign_off

SOURCE = "The storm damaged 4,200 metres of sea wall in January."


@pytest.fixture
def published(seeded_url, seeded_job):
    store = open_store(seeded_url)
    review_and_sign_off(store, seeded_job)
    with store.write() as s:
        publish(s, _actor(store, "eddie"), seeded_job.job_id)
    yield store, seeded_job
    store.close()


def _story(store, job) -> int:
    with store.read() as s:
        return repo.get_job(s, job.job_id).article.story_id


def test_a_withdrawn_story_keeps_its_publications_marked(published):
    store, job = published
    story = _story(store, job)
    with store.read() as s:
        assert lookup(s, "en", "fr", SOURCE)  # the memory learnt it at publication
    with store.write() as s:
        done = withdraw_story(s, _actor(store, "ada"), story, "legal complaint from the harbour board")
    assert (done.jobs, done.publications) == (1, 1) and done.memory_entries >= 1
    with store.read() as s:
        pub = latest_publication(s, job.job_id)
        assert pub.withdrawn_by == "ada" and pub.withdrawn_reason == "legal complaint from the harbour board"
        assert pub.markdown  # kept as it was
        assert repo.get_job(s, job.job_id).review_status == ReviewStatus.WITHDRAWN
        assert s.get(StoryRow, story).withdrawn_by == "ada"
        assert lookup(s, "en", "fr", SOURCE) == []  # only this publication supported it
        event = s.scalars(select(ReviewEventRow).where(ReviewEventRow.action == "withdraw")).one()
        assert (event.actor, event.before, event.after) == ("ada", "published", "legal complaint from the harbour board")
    # nothing more happens to its job, and the story takes no update
    with pytest.raises(InvalidState, match="withdrawn"):
        with store.write() as s:
            service.reopen(s, _actor(store, "eddie"), job.job_id)
    update = Article(blocks=[Block(BlockKind.PARAGRAPH, "A new paragraph.")], title="Update")
    with pytest.raises(InputError, match="withdrawn"):
        with store.write() as s:
            repo.save_article(s, update, b"", None, keys=story_keys(), story_id=story)
    with pytest.raises(InvalidState, match="was withdrawn"):
        with store.write() as s:
            withdraw_story(s, _actor(store, "ada"), story, "again")


@pytest.mark.parametrize(
    ("who", "reason", "error", "message"),
    [
        ("tina", "a reason", PermissionDenied, "only an editor"),
        (None, "a reason", PermissionDenied, "signed in"),
        ("eddie", "   ", InputError, "say why"),
        ("tina", "", PermissionDenied, "only an editor"),  # who is asking comes first
    ],
)
def test_who_may_withdraw_and_why(published, who, reason, error, message):
    store, job = published
    actor = _actor(store, who) if who else Actor.command_line()
    with pytest.raises(error, match=message):
        with store.write() as s:
            withdraw_story(s, actor, _story(store, job), reason)
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(PublicationRow).where(PublicationRow.withdrawn_at.is_not(None))) == 0
