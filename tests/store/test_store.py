"""The store: migrations match the models, articles are stored once, drafts once per segment."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from relais.document.model import Article, Block, BlockKind
from relais.engines.types import Provenance, SegmentResult
from relais.store import repo, translation
from relais.store.db import open_store
from relais.store.models import Base, DraftRow


@pytest.fixture
def store(store_url):
    s = open_store(store_url)
    yield s
    s.close()


def _article(text="The council met on Monday. It voted 7 to 2.") -> Article:
    return Article(
        blocks=[
            Block(BlockKind.HEADLINE, "Council votes on flood plan"),
            Block(BlockKind.PARAGRAPH, text),
            Block(BlockKind.PARAGRAPH, "See <a1>the plan</a1>.", {"a1": {"href": "https://example.org/plan"}}),
        ],
        title="Council votes on flood plan",
        source_format="text",
    )


def _ours(obj, name, type_, reflected, compare_to):
    # Made by migrations, not models: the trigram indexes of the translation memory (FTS5
    # tables on SQLite, a pg_trgm GIN index on PostgreSQL) and the task queue's tables
    # (Procrastinate's own schema, PostgreSQL only).
    if type_ == "table" and name.startswith(("tm_fts", "procrastinate_")):
        return False
    if type_ == "index" and (name == "ix_tm_trgm" or reflected and obj.table.name.startswith("procrastinate_")):
        return False
    return True


def test_migrations_match_models(store):
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_object": _ours})
        diff = compare_metadata(context, Base.metadata)
    assert diff == []


def test_migrate_is_idempotent(new_store_url):
    url = new_store_url(migrated=False)
    open_store(url).close()
    open_store(url).close()


def test_article_stored_once_with_segments(store):
    with store.write() as s:
        row, created = repo.save_article(s, _article(), b"raw", "story.txt")
        assert created
        first_id = row.id
    with store.write() as s:
        row, created = repo.save_article(s, _article(), b"raw again", "copy.txt")
        assert not created and row.id == first_id
        segs = repo.article_segments(s, first_id)
        assert [seg.text for seg, _ in segs] == [
            "Council votes on flood plan",
            "The council met on Monday.",
            "It voted 7 to 2.",
            "See <a1>the plan</a1>.",
        ]
        for seg, block in segs:
            assert block.text[seg.start_offset : seg.end_offset] == seg.text


def test_different_text_is_a_different_article(store):
    with store.write() as s:
        a, _ = repo.save_article(s, _article(), b"", None)
        b, created = repo.save_article(s, _article("The council met on Tuesday."), b"", None)
        assert created and a.id != b.id


def test_one_draft_per_job_and_segment(store):
    prov = Provenance("llama", "m", "abc", "p1")
    with store.write() as s:
        row, _ = repo.save_article(s, _article(), b"", None)
        job = repo.create_job(s, row.id, "fr", "llama")
        seg = repo.article_segments(s, row.id)[0][0]
        repo.save_drafts(s, job.id, [(seg.id, SegmentResult(str(seg.id), "Le conseil", prov))])
        job_id, seg_id = job.id, seg.id
    with pytest.raises(IntegrityError):
        with store.write() as s:
            repo.save_drafts(s, job_id, [(seg_id, SegmentResult(str(seg_id), "Encore", prov))])
    with store.write() as s:
        assert [d.text for d in s.scalars(select(DraftRow))] == ["Le conseil"]


def test_translated_article_marks_pending_and_failed(store):
    prov = Provenance("llama", "m", "abc", "p1")
    with store.write() as s:
        row, _ = repo.save_article(s, _article(), b"", None)
        job = repo.create_job(s, row.id, "fr", "llama")
        segs = [seg for seg, _ in repo.article_segments(s, row.id)]
        repo.save_drafts(
            s,
            job.id,
            [
                (segs[0].id, SegmentResult("0", "Le conseil vote", prov)),
                (segs[1].id, SegmentResult("1", None, prov, error="placeholders changed")),
            ],
        )
        job_id = job.id
    with store.write() as s:
        draft = translation.load(s, job_id, current=False)
    assert draft.draft_counts == {"segments": 4, "translated": 1, "failed": 1, "pending": 2}
    assert draft.blocks[0].text == "Le conseil vote"
    assert draft.blocks[1].text == "⟦The council met on Monday.⟧ ⟦It voted 7 to 2.⟧"
    assert draft.disclosure.startswith("Cet article a été traduit de l’anglais")
    assert draft.notice.startswith("Traduction automatique non relue")
