"""The task queue's tables on PostgreSQL (Procrastinate's schema), so jobs are queued in
the same database, and the same transaction, as the work they describe.

SQLite has no task queue: jobs run in the process that queued them.

Procrastinate's schema is the one of the pinned version (``procrastinate==3.10.0``);
upgrading Procrastinate means a new migration applying its migration scripts
(``procrastinate/sql/migrations``) between the two versions.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from alembic import op
from procrastinate.schema import SchemaManager

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    # The schema is plain SQL with '%' in it: run it on the driver connection without
    # parameters so nothing reads it as a placeholder.
    bind.connection.driver_connection.execute(SchemaManager.get_schema())


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    bind.connection.driver_connection.execute(
        """
        DO $$ DECLARE r record; BEGIN
          FOR r IN SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename LIKE 'procrastinate\\_%' LOOP
            EXECUTE format('DROP TABLE %I CASCADE', r.tablename);
          END LOOP;
          FOR r IN SELECT p.oid::regprocedure AS f FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
                   WHERE n.nspname = current_schema() AND p.proname LIKE 'procrastinate\\_%' LOOP
            EXECUTE format('DROP FUNCTION %s CASCADE', r.f);
          END LOOP;
          FOR r IN SELECT t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
                   WHERE n.nspname = current_schema() AND t.typname LIKE 'procrastinate\\_%' AND t.typtype IN ('e', 'c') LOOP
            EXECUTE format('DROP TYPE IF EXISTS %I CASCADE', r.typname);
          END LOOP;
        END $$;
        """
    )
