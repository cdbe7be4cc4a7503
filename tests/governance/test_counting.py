"""Quorum and majority: exact ties, quorum missed by one, abstentions, two thirds."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coop.governance.models import GovernanceRules
from coop.governance.service import decide

DEFAULT = GovernanceRules(coop_id=1)
TWO_THIRDS = GovernanceRules(coop_id=1, majority="two_thirds")


@pytest.mark.parametrize(("yes", "no", "abstain", "households", "outcome"), [
    (2, 1, 0, 9, "passed"),        # 3 of 9 households: one third exactly is enough
    (2, 0, 0, 9, "no_quorum"),     # quorum missed by one household
    (2, 0, 0, 7, "no_quorum"),     # a third of 7 is 2.33: 3 households needed
    (3, 0, 0, 7, "passed"),
    (2, 2, 0, 9, "rejected"),      # exact tie
    (0, 0, 3, 9, "rejected"),      # only abstentions: quorum reached, no majority
    (1, 0, 2, 9, "passed"),        # abstentions count for the quorum, not against
    (5, 6, 0, 11, "rejected"),
    (0, 0, 0, 0, "rejected"),      # no household at all: nothing to adopt
])
def test_simple_majority_of_votes_cast_with_a_third_as_quorum(yes, no, abstain, households, outcome):
    assert decide(yes=yes, no=no, abstain=abstain, households=households, rules=DEFAULT) == outcome


@pytest.mark.parametrize(("yes", "no", "abstain", "outcome"), [
    (2, 1, 0, "passed"), (3, 2, 0, "rejected"), (4, 2, 0, "passed"), (0, 0, 2, "rejected")])
def test_two_thirds_majority(yes, no, abstain, outcome):
    assert decide(yes=yes, no=no, abstain=abstain, households=5, rules=TWO_THIRDS) == outcome


def test_quorum_fraction_is_exact():
    half = GovernanceRules(coop_id=1, quorum_numerator=1, quorum_denominator=2)
    assert decide(yes=5, no=0, abstain=0, households=10, rules=half) == "passed"
    assert decide(yes=4, no=0, abstain=0, households=10, rules=half) == "no_quorum"
    assert decide(yes=4, no=0, abstain=1, households=10, rules=half) == "passed"


counts = st.integers(min_value=0, max_value=60)


@given(yes=counts, no=counts, abstain=counts, extra=counts, rules=st.sampled_from([DEFAULT, TWO_THIRDS]))
def test_one_more_yes_never_turns_a_pass_into_a_failure(yes, no, abstain, extra, rules):
    households = yes + no + abstain + extra
    before = decide(yes=yes, no=no, abstain=abstain, households=households + 1, rules=rules)
    after = decide(yes=yes + 1, no=no, abstain=abstain, households=households + 1, rules=rules)
    assert before != "passed" or after == "passed"


@given(yes=counts, no=counts, abstain=counts, extra=counts)
def test_simple_majority_passes_exactly_with_quorum_and_more_yes_than_no(yes, no, abstain, extra):
    households = yes + no + abstain + extra
    quorum = 3 * (yes + no + abstain) >= households
    outcome = decide(yes=yes, no=no, abstain=abstain, households=households, rules=DEFAULT)
    assert (outcome == "passed") == (quorum and yes > no)
    assert (outcome == "no_quorum") == (not quorum)
