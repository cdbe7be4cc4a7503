"""bookings: bookings, each cooperative's booking rules, household calendar feeds

Revision ID: d83a7c84e241
Revises: d4fa7679b6d2
Create Date: 2026-11-25 15:58:03.794798
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'd83a7c84e241'
down_revision: str | None = 'd4fa7679b6d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('booking_rules',
    sa.Column('coop_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('max_minutes', sa.Integer(), nullable=False),
    sa.Column('max_days_ahead', sa.Integer(), nullable=False),
    sa.Column('min_notice_minutes', sa.Integer(), nullable=False),
    sa.Column('deadline_weekday', sa.Integer(), nullable=False),
    sa.Column('deadline_minute', sa.Integer(), nullable=False),
    sa.CheckConstraint('deadline_minute BETWEEN 0 AND 1439', name='ck_booking_rules_deadline_minute'),
    sa.CheckConstraint('deadline_weekday BETWEEN 0 AND 6', name='ck_booking_rules_deadline_day'),
    sa.CheckConstraint('max_days_ahead BETWEEN 1 AND 366', name='ck_booking_rules_days_ahead'),
    sa.CheckConstraint('max_minutes BETWEEN 30 AND 4320', name='ck_booking_rules_max_minutes'),
    sa.CheckConstraint('min_notice_minutes BETWEEN 0 AND 10080', name='ck_booking_rules_notice'),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.PrimaryKeyConstraint('coop_id')
    )
    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('site_id', sa.Integer(), nullable=False),
    sa.Column('child_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('end_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('is_overnight', sa.Boolean(), nullable=False),
    sa.Column('is_late', sa.Boolean(), nullable=False),
    sa.Column('series_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('end_at > start_at', name='ck_booking_range'),
    sa.ForeignKeyConstraint(['cancelled_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['child_id'], ['child.id'], ),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['site_id'], ['site.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index('ix_booking_child_start', ['child_id', 'start_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_series_id'), ['series_id'], unique=False)
        batch_op.create_index('ix_booking_site_start', ['site_id', 'start_at'], unique=False)
    op.create_table('calendar_feed',
    sa.Column('household_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.PrimaryKeyConstraint('household_id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_feed_coop_id'), ['coop_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('calendar_feed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_feed_coop_id'))
    op.drop_table('calendar_feed')
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index('ix_booking_site_start')
        batch_op.drop_index(batch_op.f('ix_booking_series_id'))
        batch_op.drop_index(batch_op.f('ix_booking_household_id'))
        batch_op.drop_index(batch_op.f('ix_booking_coop_id'))
        batch_op.drop_index('ix_booking_child_start')

    op.drop_table('booking')
    op.drop_table('booking_rules')
