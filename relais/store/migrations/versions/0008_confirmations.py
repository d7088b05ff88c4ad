"""Confirmations one by one, and a memory that learns from publications.

- ``review_events`` gains ``how`` and ``seconds``.  Segment approvals become ``confirm``
  events.  Those the old "Approve article" made for every segment nobody had approved
  (the run of ``approve_segment`` events it wrote just before its ``approve_article``
  event, by the same person, in the same second) are marked ``how = 'bulk'``: nobody
  confirmed them, so they do not count as confirmed, and an article approved that way
  and not yet published must be reopened and confirmed before it can be signed off.
  The other approvals were a person's own action on one segment: ``how = 'editor'``.
- ``tm_support``: the publications that support each memory entry.  Entries made from a
  job that has been published are linked to its latest publication; entries made at
  approval for an article never published keep no support (reopening that article
  withdraws them, as it will any entry only its publications support).
- ``term_renderings.publication_id``: the publication a proposal was learnt from.
- ``findings.replaces``: whether a finding's suggestion replaces exactly its words (one
  key accepts it) or is advice.  Findings stored before say nothing: advice.

This migration carries its own SQL and imports nothing from the application.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
BULK_WINDOW = 2.0  # seconds: one request's transaction wrote the whole run


def _aware(value):
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _mark_confirmations(bind) -> None:
    events = bind.execute(
        sa.text("SELECT id, job_id, user_id, actor, action, created_at FROM review_events ORDER BY job_id, id")
    ).all()
    bulk: set[int] = set()
    run: list = []  # the approve_segment events since the job's last other event
    previous_job = None
    for e in events:
        if e.job_id != previous_job:
            run, previous_job = [], e.job_id
        if e.action == "approve_segment":
            run.append(e)
            continue
        if e.action == "approve_article":
            at = _aware(e.created_at)
            for r in reversed(run):
                if r.actor != e.actor or abs((at - _aware(r.created_at)).total_seconds()) > BULK_WINDOW:
                    break
                bulk.add(r.id)
        run = []
    bind.execute(sa.text("UPDATE review_events SET action = 'confirm', how = 'editor' WHERE action = 'approve_segment'"))
    ids = sorted(bulk)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        bind.execute(
            sa.text("UPDATE review_events SET how = 'bulk' WHERE id IN :ids").bindparams(sa.bindparam("ids", expanding=True)),
            {"ids": chunk},
        )


def upgrade() -> None:
    op.add_column("findings", sa.Column("replaces", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.add_column("review_events", sa.Column("how", sa.String(16)))
    op.add_column("review_events", sa.Column("seconds", sa.Float()))
    _mark_confirmations(op.get_bind())

    op.create_table(
        "tm_support",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("entry_id", sa.Integer(), sa.ForeignKey("tm_entries.id", ondelete="CASCADE"), nullable=False),
        sa.Column("publication_id", sa.Integer(), sa.ForeignKey("publications.id", ondelete="CASCADE"), nullable=False),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("segment_id", sa.Integer(), sa.ForeignKey("segments.id", ondelete="SET NULL")),
        sa.Column("confirmed_by", sa.String(200)),
        sa.Column("confirmed_at", TS),
        sa.Column("signed_off_by", sa.String(200)),
        sa.Column("draft_text", sa.Text()),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("entry_id", "publication_id"),
    )
    op.create_index("ix_tm_support_job", "tm_support", ["job_id"])
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "INSERT INTO tm_support (entry_id, publication_id, job_id, segment_id, confirmed_by, confirmed_at, draft_text,"
            " created_at)"
            " SELECT e.id, p.id, e.job_id, e.segment_id, e.approved_by, e.approved_at, e.draft_text, p.created_at"
            " FROM tm_entries e JOIN publications p ON p.job_id = e.job_id"
            " WHERE e.origin = 'review' AND p.number = (SELECT max(number) FROM publications q WHERE q.job_id = e.job_id)"
        )
    )
    with op.batch_alter_table("term_renderings") as batch:
        batch.add_column(sa.Column("publication_id", sa.Integer()))
        batch.create_foreign_key("fk_term_renderings_publication", "publications", ["publication_id"], ["id"],
                                 ondelete="SET NULL")  # fmt: skip


def downgrade() -> None:
    with op.batch_alter_table("term_renderings") as batch:
        batch.drop_constraint("fk_term_renderings_publication", type_="foreignkey")
        batch.drop_column("publication_id")
    op.drop_index("ix_tm_support_job", "tm_support")
    op.drop_table("tm_support")
    op.execute("UPDATE review_events SET action = 'approve_segment' WHERE action = 'confirm'")
    op.drop_column("review_events", "seconds")
    op.drop_column("review_events", "how")
    with op.batch_alter_table("findings") as batch:
        batch.drop_column("replaces")
