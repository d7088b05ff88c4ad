"""Findings of the automatic checks, meaning risk per draft, headline sign-off flag.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "findings",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("job_id", sa.Integer(), sa.ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("segment_id", sa.Integer(), sa.ForeignKey("segments.id", ondelete="CASCADE")),
        sa.Column("stage", sa.String(16), nullable=False),
        sa.Column("block_position", sa.Integer(), nullable=False),
        sa.Column("segment_position", sa.Integer()),
        sa.Column("check", sa.String(64), nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("start_offset", sa.Integer(), nullable=False),
        sa.Column("end_offset", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("suggestion", sa.Text()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_findings_job", "findings", ["job_id", "stage"])
    with op.batch_alter_table("drafts") as batch:
        batch.add_column(sa.Column("risk", sa.Float()))
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("headline_signoff", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("headline_signoff")
    with op.batch_alter_table("drafts") as batch:
        batch.drop_column("risk")
    op.drop_index("ix_findings_job", "findings")
    op.drop_table("findings")
