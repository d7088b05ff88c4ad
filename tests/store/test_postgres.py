"""The same store on PostgreSQL: migrations, the review flow with its conflict detection,
publishing, the translation memory (pg_trgm) and the termbase, on a real server."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select, text

from relais.memory import termbase, tm
from relais.publish.publisher import publish
from relais.review import accounts, service
from relais.store.actors import Actor
from relais.review.service import Conflict
from relais.store.db import open_store
from relais.store.models import Base, RevisionRow, TermStatus
from tests.postgres import fresh_database
from tests.review.seed import seed_job, seed_users

FIXED = "La tempête a endommagé 4 200 mètres de digue en janvier."


@pytest.fixture
def pg_store():
    with fresh_database() as url:
        store = open_store(url)
        yield store
        store.close()


def test_migrations_build_the_models_on_postgresql(pg_store):
    assert pg_store.engine.dialect.name == "postgresql"
    with pg_store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        extensions = set(conn.execute(text("SELECT extname FROM pg_extension")).scalars())
        indexes = set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'tm_entries'")).scalars())
    # the pg_trgm GIN index exists only in the migration (it is not a portable model index),
    # and the task queue's tables are Procrastinate's schema (migration 0006), not models
    def ours(d) -> bool:
        table = d[1] if d[0] == "remove_table" else d[1].table if d[0] == "remove_index" else None
        return not (d[0] == "remove_index" and d[1].name == "ix_tm_trgm") and not (
            table is not None and table.name.startswith("procrastinate_")
        )

    assert [d for d in diff if ours(d)] == []
    assert "pg_trgm" in extensions and "ix_tm_trgm" in indexes
    open_store(pg_store.url).close()  # migrating again is a no-op


def test_review_publish_and_memory_on_postgresql(pg_store):
    seed_users(pg_store)
    job = seed_job(pg_store)
    with pg_store.write() as s:
        tina = Actor.of(accounts.get_user(s, "tina"))
        eddie = Actor.of(accounts.get_user(s, "eddie"))
        ada = Actor.of(accounts.get_user(s, "ada"))
        seg = service.save_segment(s, tina, job.job_id, job.segment_ids[3], FIXED, 0, active_seconds=7)
        assert seg.version == 1 and seg.findings == []
        service.release(s, tina, job.job_id)  # so that ada may edit too
    with pytest.raises(Conflict):  # the unique (job, segment, version) key decides, on PostgreSQL too
        with pg_store.write() as s:
            service.save_segment(s, ada, job.job_id, job.segment_ids[3], "Autre texte.", 0)
    with pg_store.write() as s:
        assert [r.version for r in s.scalars(select(RevisionRow))] == [1]
        for seg in service.job_view(s, job.job_id).segments:
            service.confirm_segment(s, tina, job.job_id, seg.id, seg.version)
        service.approve_article(s, tina, job.job_id)
        service.sign_off(s, eddie, job.job_id)
        pub = publish(s, eddie, job.job_id)
    assert "4 200 mètres" in pub.markdown and pub.audit["effort"]["segments_edited"] == 1

    with pg_store.write() as s:
        assert sum(st.entries for st in tm.stats(s)) == 6
        (exact,) = [m for m in tm.lookup(s, "en", "fr", "The storm damaged 4,200 metres of sea wall in January.") if m.exact]
        assert exact.target_text == FIXED
        fuzzy = tm.lookup(s, "en", "fr", "The storm damaged 4,200 metres of sea wall in February.", threshold=0.6)
        assert fuzzy and not fuzzy[0].exact and fuzzy[0].target_text == FIXED  # found through pg_trgm
        assert [e.target_text for e in tm.search(s, "tempête")] == [FIXED]


def test_termbase_on_postgresql(pg_store):
    seed_users(pg_store)
    with pg_store.write() as s:
        eddie = Actor.of(accounts.get_user(s, "eddie"))
        term = termbase.get_or_add_term(s, "Yevgeny Sorokin", "person")
        proposed = termbase.add_rendering(s, term, "fr", "Ievgueni Sorokine", forbidden=["Yevgeny Sorokin"])
        termbase.approve_rendering(s, eddie, proposed.id)
    with pg_store.write() as s:
        hints = termbase.hints_for(s, "Yevgeny Sorokin left on Friday.", "en", "fr")
        assert [(h.target, h.forbidden) for h in hints] == [("Ievgueni Sorokine", ("Yevgeny Sorokin",))]
        assert [r.status for t in termbase.list_terms(s, "fr") for r in t.renderings] == [TermStatus.APPROVED]
