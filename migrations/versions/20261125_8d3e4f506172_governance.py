"""governance

Revision ID: 8d3e4f506172
Revises: 6b1c2d3e4f50
Create Date: 2026-11-25 18:29:00.480704
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '8d3e4f506172'
down_revision: str | None = '6b1c2d3e4f50'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('governance_rules',
    sa.Column('coop_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('proposers', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('quorum_numerator', sa.Integer(), nullable=False),
    sa.Column('quorum_denominator', sa.Integer(), nullable=False),
    sa.Column('majority', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.CheckConstraint('quorum_numerator >= 0 AND quorum_denominator >= 1 AND quorum_numerator <= quorum_denominator', name='ck_governance_rules_quorum'),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.PrimaryKeyConstraint('coop_id')
    )
    op.create_table('proposal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('setting_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('setting_target', sa.Integer(), nullable=True),
    sa.Column('current_value', sa.JSON(), nullable=True),
    sa.Column('proposed_value', sa.JSON(), nullable=True),
    sa.Column('effective_on', sa.Date(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('households', sa.Integer(), nullable=False),
    sa.Column('yes_votes', sa.Integer(), nullable=False),
    sa.Column('no_votes', sa.Integer(), nullable=False),
    sa.Column('abstentions', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('apply_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.CheckConstraint("status IN ('open', 'passed', 'rejected', 'no_quorum')", name='ck_proposal_status'),
    sa.ForeignKeyConstraint(['author_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index('ix_proposal_status_closes', ['status', 'closes_at'], unique=False)

    op.create_table('setting_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('coop_id', sa.Integer(), nullable=False),
    sa.Column('setting_key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('setting_target', sa.Integer(), nullable=True),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('proposal_id', sa.Integer(), nullable=True),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['coop_id'], ['cooperative.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('setting_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_setting_change_coop_id'), ['coop_id'], unique=False)
        batch_op.create_index('ix_setting_change_key', ['coop_id', 'setting_key', 'setting_target'], unique=False)

    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=False),
    sa.Column('choice', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('cast_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("choice IN ('yes', 'no', 'abstain')", name='ck_vote_choice'),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposal.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('proposal_id', 'household_id', name='uq_vote_household')
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_household_id'), ['household_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_proposal_id'), ['proposal_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vote_proposal_id'))
        batch_op.drop_index(batch_op.f('ix_vote_household_id'))

    op.drop_table('vote')
    with op.batch_alter_table('setting_change', schema=None) as batch_op:
        batch_op.drop_index('ix_setting_change_key')
        batch_op.drop_index(batch_op.f('ix_setting_change_coop_id'))

    op.drop_table('setting_change')
    with op.batch_alter_table('proposal', schema=None) as batch_op:
        batch_op.drop_index('ix_proposal_status_closes')
        batch_op.drop_index(batch_op.f('ix_proposal_coop_id'))

    op.drop_table('proposal')
    op.drop_table('governance_rules')
