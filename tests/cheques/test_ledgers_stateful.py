"""Both ledgers against a reference model (hypothesis stateful): random sequences of pledge,
work, pay, correct, allocate, redeem, replay, dispute and expire keep the balances equal to the model,
no lot below zero and every contribution transaction summing to zero."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, text
from sqlmodel import select

from coop.auth.service import add_membership, create_person
from coop.cheques import allocation, disputes
from coop.cheques import service as cheques
from coop.cheques.jobs import expire_cheques
from coop.cheques.models import ChequeRedemption
from coop.cheques.scheme import SchemeInput, card_of, list_services, save_provider, save_scheme
from coop.cooperatives.service import create_cooperative
from coop.credits import pledges
from coop.credits import service as credits
from coop.credits.models import CreditEntry
from coop.errors import Conflict
from coop.members.service import HouseholdInput, save_household
from coop.models import metadata
from coop.statements.service import monthly_rows

RATE = 1500
BASE, CAP, VALIDITY = 4, 40, 3


@dataclass
class Lot:
    period: date
    allocated: int
    left: int
    expires_on: date


@dataclass
class Family:
    id: int
    code: str
    single_since: date | None
    initial_pledge: int
    pledges: list[tuple[date, int]] = field(default_factory=list)
    minutes: int = 0
    lots: list[Lot] = field(default_factory=list)


def _empty(engine) -> None:
    tables = list(reversed(metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(t.name for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def make_machine(database):
    class Ledgers(RuleBasedStateMachine):
        @initialize()
        def setup(self) -> None:
            _empty(database.engine)
            self.period = date(2026, 1, 1)
            self.postings: list[tuple[str, int, int, bool]] = []  # key, household, minutes, is_correction
            self.reversed: set[str] = set()
            self.redemptions: dict[str, tuple[int, int, date]] = {}
            self.takes: dict[str, list[tuple[Lot, int]]] = {}
            self.disputed: set[str] = set()
            self.n = 0
            with database.scope() as s:
                coop = create_cooperative(s, slug="model", name="Model")
                person = create_person(s, email="p@example.be", display_name="P", password="x" * 12)
                add_membership(s, coop_id=coop.id, person_id=person.id, role="provider")
                save_scheme(s, coop_id=coop.id, data=SchemeInput(base_quota=BASE, yearly_cap=CAP,
                                                                 validity_months=VALIDITY))
                service_id = list_services(s, coop_id=coop.id)[0].id
                provider = save_provider(s, coop_id=coop.id, provider_id=None, name="P", service_ids={service_id},
                                         person_ids={person.id})
                self.coop_id, self.provider_id, self.service_id = coop.id, provider.id, service_id
                self.families = []
                for i, since in enumerate([None, date(2026, 1, 1), date(2026, 3, 10)]):
                    h = save_household(s, coop_id=coop.id, household_id=None, actor_id=None, data=HouseholdInput(
                        name=f"F{i}", is_single_parent=since is not None, single_parent_since=since,
                        pledge_minutes=60 * i))
                    code = card_of(s, coop_id=coop.id, household_id=h.id).code
                    self.families.append(Family(id=h.id, code=code, single_since=since, initial_pledge=60 * i))

        @property
        def today(self) -> date:
            return self.period.replace(day=15)

        def key(self) -> str:
            self.n += 1
            return f"k{self.n}"

        @rule()
        def next_month(self) -> None:
            self.period = allocation.add_months(self.period, 1)

        @rule(i=st.integers(0, 2), minutes=st.integers(0, 600))
        def pledge(self, i: int, minutes: int) -> None:
            family = self.families[i]
            with database.scope() as s:
                pledges.set_pledge(s, coop_id=self.coop_id, household_id=family.id, minutes=minutes, cents=0,
                                   today=self.today, actor_id=None)
            family.pledges.append((allocation.add_months(self.period, 1), minutes))

        @rule()
        def post_pledges(self) -> None:
            with database.scope() as s:
                pledges.post_pledges_due(s, coop_id=self.coop_id, period=self.period)
            for family in self.families:
                key = f"pledge:{family.id}:{self.period:%Y-%m}"
                due = ([m for eff, m in family.pledges if eff <= self.period] or [family.initial_pledge])[-1]
                if due and key not in {p[0] for p in self.postings}:
                    family.minutes -= due
                    self.postings.append((key, family.id, -due, False))

        @rule(i=st.integers(0, 2), minutes=st.integers(1, 600), night=st.integers(0, 600))
        def work(self, i: int, minutes: int, night: int) -> None:
            night = min(night, minutes)
            family, key = self.families[i], self.key()
            with database.scope() as s:
                credits.post_hours_worked(s, household_id=family.id, minutes=minutes, night_minutes=night, key=key,
                                          on_date=self.today)
            credited = minutes - night + night * 3 // 2
            family.minutes += credited
            self.postings.append((key, family.id, credited, False))

        @rule(i=st.integers(0, 2), cents=st.integers(1, 20_000))
        def pay(self, i: int, cents: int) -> None:
            family, key = self.families[i], self.key()
            with database.scope() as s:
                credits.record_payment(s, coop_id=self.coop_id, household_id=family.id, cents=cents,
                                       on_date=self.today, key=key, actor_id=None)
            family.minutes += cents * 60 // RATE
            self.postings.append((key, family.id, cents * 60 // RATE, False))

        @precondition(lambda self: self.postings)
        @rule(data=st.data())
        def correct(self, data: st.DataObject) -> None:
            key, household_id, minutes, is_correction = data.draw(st.sampled_from(self.postings))
            fix_key = self.key()
            with database.scope() as s:
                original = s.exec(select(credits.CreditTransaction).where(
                    credits.CreditTransaction.key == key)).one()
                try:
                    credits.reverse_transaction(s, coop_id=self.coop_id, transaction_id=original.id,
                                                key=fix_key, on_date=self.today, actor_id=None)
                    refused = False
                except Conflict:
                    refused = True
            assert refused == (is_correction or key in self.reversed)
            if not refused:
                self.reversed.add(key)
                self.postings.append((fix_key, household_id, -minutes, True))
                next(f for f in self.families if f.id == household_id).minutes -= minutes

        @rule()
        def allocate(self) -> None:
            with database.scope() as s:
                for family in self.families:
                    allocation.allocate_household(s, household_id=family.id, period=self.period)
            for family in self.families:
                if any(lot.period == self.period for lot in family.lots):
                    continue
                single = family.single_since is not None and family.single_since <= self.period
                year = sum(lot.allocated for lot in family.lots if lot.period.year == self.period.year)
                quota = max(0, min(BASE * (2 if single else 1), CAP - year))
                family.lots.append(Lot(self.period, quota, quota, allocation.add_months(self.period, VALIDITY)))

        @rule(i=st.integers(0, 2), wanted=st.integers(1, 12))
        def redeem(self, i: int, wanted: int) -> None:
            family, key = self.families[i], self.key()
            usable = [lot for lot in sorted(family.lots, key=lambda lot: lot.period)
                      if lot.left > 0 and lot.expires_on > self.today]
            data = cheques.RedemptionInput(household_code=family.code, service_id=self.service_id, cheques=wanted,
                                           used_on=self.today, idempotency_key=key)
            try:
                with database.scope() as s:
                    cheques.redeem(s, coop_id=self.coop_id, provider_id=self.provider_id, data=data, actor_id=None,
                                   today=self.today)
                refused = False
            except Conflict:
                refused = True
            assert refused == (sum(lot.left for lot in usable) < wanted)
            if refused:
                return
            self.redemptions[key] = (i, wanted, self.today)
            self.takes[key] = []
            for lot in usable:
                take = min(lot.left, wanted)
                lot.left -= take
                wanted -= take
                if take:
                    self.takes[key].append((lot, take))

        @precondition(lambda self: self.redemptions)
        @rule(data=st.data(), change=st.booleans())
        def replay(self, data: st.DataObject, change: bool) -> None:
            key = data.draw(st.sampled_from(sorted(self.redemptions)))
            i, wanted, used_on = self.redemptions[key]
            body = cheques.RedemptionInput(household_code=self.families[i].code, service_id=self.service_id,
                                           cheques=wanted + change, used_on=used_on, idempotency_key=key)
            try:
                with database.scope() as s:
                    _, is_new = cheques.redeem(s, coop_id=self.coop_id, provider_id=self.provider_id, data=body,
                                               actor_id=None, today=self.today)
                assert not change and not is_new
            except Conflict as exc:
                assert change and exc.code == "idempotency_mismatch"

        @precondition(lambda self: set(self.redemptions) - self.disputed)
        @rule(data=st.data(), uphold=st.booleans())
        def dispute(self, data: st.DataObject, uphold: bool) -> None:
            key = data.draw(st.sampled_from(sorted(set(self.redemptions) - self.disputed)))
            i = self.redemptions[key][0]
            self.disputed.add(key)
            with database.scope() as s:
                redemption = s.exec(select(ChequeRedemption).where(ChequeRedemption.idempotency_key == key)).one()
                if not disputes.may_dispute(redemption, today=self.today):
                    return
                dispute = disputes.open_dispute(s, coop_id=self.coop_id, household_id=self.families[i].id,
                                                redemption_id=redemption.id, reason="no", actor_id=None,
                                                today=self.today)
                disputes.resolve_dispute(s, coop_id=self.coop_id, dispute_id=dispute.id, uphold=uphold,
                                         actor_id=None, today=self.today)
            if uphold:
                for lot, take in self.takes[key]:
                    if lot.expires_on > self.today:
                        lot.left += take

        @rule()
        def expire(self) -> None:
            expire_cheques(database, today=self.today)
            for family in self.families:
                for lot in family.lots:
                    if lot.expires_on <= self.today:
                        lot.left = 0

        @invariant()
        def agrees_with_the_model(self) -> None:
            with database.scope(write=False) as s:
                for family in self.families:
                    assert credits.balance(s, household_id=family.id) == family.minutes
                    remainders = allocation.lot_remainders(s, household_id=family.id)
                    assert all(left >= 0 for _, left in remainders)
                    assert [(lot.period, left) for lot, left in remainders] == [
                        (lot.period, lot.left) for lot in family.lots]
                rows = {r.household_id: r for r in monthly_rows(s, coop_id=self.coop_id, month=self.period)}
                for family in self.families:
                    assert rows[family.id].contribution_closing_min == family.minutes
                    assert rows[family.id].cheques_closing == sum(lot.left for lot in family.lots)
                unbalanced = s.exec(select(CreditEntry.transaction_id).group_by(CreditEntry.transaction_id)
                                    .having(func.sum(CreditEntry.minutes) != 0)).all()
                assert unbalanced == []

    return Ledgers


def test_ledgers_agree_with_a_reference_model(app):
    database = app.extensions["coop.db"]
    examples = 6 if database.engine.dialect.name == "postgresql" else 12
    run_state_machine_as_test(make_machine(database), settings=settings(
        max_examples=examples, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))


@pytest.fixture(autouse=True)
def _clean_after(app):
    yield
    _empty(app.extensions["coop.db"].engine)
