"""trend_fits.automatic_n: how many of a fit's observations rest on automatic acceptances

Zero-touch runs (``CTRENDS_AUTO_ACCEPT``) accept rows with no human; a fit says how much of it
rests on them. The ``latest_trend_fits`` view is dropped and re-created around the change: on
PostgreSQL its ``f.*`` was expanded when it was created (it would not show the new column, and
would block dropping it again), and SQLite's batch mode copies the table under the view.

Revision ID: 0008_zero_touch
Revises: 0007_row_decisions
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_zero_touch"
down_revision: str | None = "0007_row_decisions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LATEST_TREND_FITS = """
CREATE VIEW latest_trend_fits AS
SELECT f.* FROM trend_fits f
WHERE f.id = (
    SELECT MAX(g.id) FROM trend_fits g
    WHERE g.benchmark = f.benchmark
      AND COALESCE(g.metric, '') = COALESCE(f.metric, '')
      AND g.compute_measure = f.compute_measure
      AND g.form = f.form
      AND g.variant = f.variant
      AND g.observation_source = f.observation_source
)
"""


def upgrade() -> None:
    op.execute("DROP VIEW IF EXISTS latest_trend_fits")
    with op.batch_alter_table("trend_fits", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("automatic_n", sa.Integer(), server_default="0", nullable=False)
        )
    op.execute(LATEST_TREND_FITS)


def downgrade() -> None:
    op.execute("DROP VIEW IF EXISTS latest_trend_fits")
    with op.batch_alter_table("trend_fits", schema=None) as batch_op:
        batch_op.drop_column("automatic_n")
    op.execute(LATEST_TREND_FITS)
