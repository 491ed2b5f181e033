"""Growth, faster figures: the days of the month each member posted on, in the monthly rollup
(a bit mask), so the 90-day per-member figures read the rollup instead of the activity table;
the number of active members per ISO week, kept at ingestion (growth_weeks); and the rollups
indexed by member (cohorts, erasure, rebuilds).

Revision ID: 0007_growth_days
Revises: 0006_privacy
"""
from collections import defaultdict

import sqlalchemy as sa
from alembic import op

revision = "0007_growth_days"
down_revision = "0006_privacy"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("growth_member_months") as batch:
        batch.add_column(sa.Column("days", sa.Integer, nullable=False, server_default="0"))
    op.create_index("ix_growth_member_months_user", "growth_member_months", ["user_id", "month"])
    op.create_index("ix_growth_member_weeks_user", "growth_member_weeks", ["user_id", "week_start"])
    op.create_table(
        "growth_weeks",
        sa.Column("week_start", sa.Date, nullable=False),
        sa.Column("members", sa.Integer, nullable=False),
        sa.PrimaryKeyConstraint("week_start", name="pk_growth_weeks"),
    )
    op.execute("INSERT INTO growth_weeks (week_start, members) "
               "SELECT week_start, count(*) FROM growth_member_weeks GROUP BY week_start")
    # Backfill from the activity rows (bit n-1: a message on day n of the month).
    connection = op.get_bind()
    activity = sa.table("growth_activity", sa.column("day", sa.Date), sa.column("month", sa.Date),
                        sa.column("user_id", sa.String), sa.column("messages", sa.Integer))
    months = sa.table("growth_member_months", sa.column("month", sa.Date), sa.column("user_id", sa.String),
                      sa.column("days", sa.Integer))
    masks: dict[tuple, int] = defaultdict(int)
    for day, month, user_id in connection.execute(
        sa.select(activity.c.day, activity.c.month, activity.c.user_id).where(activity.c.messages > 0).distinct()
    ):
        masks[(month, user_id)] |= 1 << (day.day - 1)
    if masks:
        connection.execute(
            months.update().where(months.c.month == sa.bindparam("m"), months.c.user_id == sa.bindparam("u"))
            .values(days=sa.bindparam("d")),
            [{"m": month, "u": user_id, "d": mask} for (month, user_id), mask in masks.items()],
        )


def downgrade() -> None:
    op.drop_table("growth_weeks")
    op.drop_index("ix_growth_member_weeks_user", table_name="growth_member_weeks")
    op.drop_index("ix_growth_member_months_user", table_name="growth_member_months")
    with op.batch_alter_table("growth_member_months") as batch:
        batch.drop_column("days")
