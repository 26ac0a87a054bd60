"""The subscription state machine, the dates its transitions take effect, and what depends on what."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from accord.errors import Conflict, InvalidInput
from accord.rules import subscriptions as rules
from accord.rules.agreements import close_blockers, status_action
from accord.rules.catalogue import OfferingTerms

FIBER = OfferingTerms("fiber-optic", "access", "internet", Decimal("50"), "USD", True)
DSL = OfferingTerms("dsl", "access", "internet", Decimal("25"), "USD", True)
TV = OfferingTerms("streaming-tv", "addon", "internet", Decimal("10"), "USD", True)
PHONE = OfferingTerms("phone-line", "access", "phone", Decimal("20"), "USD", True)
EURO_DSL = OfferingTerms("dsl-eu", "access", "internet", Decimal("25"), "EUR", True)
RETIRED = OfferingTerms("isdn", "access", "internet", Decimal("25"), "USD", False)

ALLOWED = [
    ("active", "suspend", "suspended"),
    ("suspended", "resume", "active"),
    ("active", "change-offering", "active"),
    ("active", "move", "active"),
    ("suspended", "move", "suspended"),
    ("active", "terminate", "terminated"),
    ("suspended", "terminate", "terminated"),
]
REFUSED = [
    (status, action)
    for status in rules.STATUSES
    for action in rules.ACTIONS
    if (status, action) not in {(s, a) for s, a, _ in ALLOWED}
]


@pytest.mark.parametrize(("status", "action", "to"), ALLOWED)
def test_allowed_transitions(status: str, action: str, to: str) -> None:
    assert rules.allowed(status, action)
    assert rules.transition(status, action) == to


@pytest.mark.parametrize(("status", "action"), REFUSED)
def test_refused_transitions_are_409(status: str, action: str) -> None:
    assert not rules.allowed(status, action)
    with pytest.raises(Conflict) as refused:
        rules.transition(status, action)
    assert refused.value.errors[0].field == "status"


def test_every_refusal_is_listed() -> None:
    # resume from active, change-offering while suspended, and anything once terminated
    assert ("active", "resume") in REFUSED
    assert ("suspended", "suspend") in REFUSED
    assert ("suspended", "change-offering") in REFUSED
    assert {a for s, a in REFUSED if s == "terminated"} == set(rules.ACTIONS)


def test_terminated_is_final() -> None:
    with pytest.raises(Conflict, match="a terminated subscription cannot resume") as refused:
        rules.transition("terminated", "resume")
    assert refused.value.errors[0].detail == "is terminated; allowed: nothing (final)"


class TestWhen:
    today = date(2026, 12, 3)

    def test_suspend_today_or_later_never_before(self) -> None:
        assert rules.suspend_from(self.today, None) == self.today
        assert rules.suspend_from(self.today, date(2027, 1, 1)) == date(2027, 1, 1)
        with pytest.raises(InvalidInput) as past:
            rules.suspend_from(self.today, date(2026, 12, 2))
        assert past.value.errors[0].field == "effectiveDate"

    def test_change_offering_now_or_from_the_next_bill_period(self) -> None:
        assert rules.change_offering_from("now", self.today, 15) == self.today
        assert rules.change_offering_from("endOfBillPeriod", self.today, 15) == date(2026, 12, 15)
        assert rules.change_offering_from("endOfBillPeriod", self.today, 1) == date(2027, 1, 1)

    def test_terminate_now_or_at_the_end_of_the_term(self) -> None:
        assert rules.terminate_on("now", self.today, date(2027, 6, 1)) == self.today
        assert rules.terminate_on("endOfTerm", self.today, date(2027, 6, 1)) == date(2027, 6, 1)
        for no_term in (None, self.today, date(2026, 1, 1)):
            with pytest.raises(InvalidInput) as refused:
                rules.terminate_on("endOfTerm", self.today, no_term)
            assert refused.value.errors[0].field == "when"

    @pytest.mark.parametrize(
        ("on", "end", "months"),
        [
            (date(2026, 12, 3), date(2027, 12, 3), 12),
            (date(2026, 12, 3), date(2027, 6, 15), 7),  # a started month counts
            (date(2026, 12, 20), date(2027, 6, 15), 6),
            (date(2026, 12, 3), date(2026, 12, 4), 1),
            (date(2026, 12, 3), date(2026, 12, 3), 0),
            (date(2026, 12, 3), date(2026, 1, 3), 0),
            (date(2026, 12, 3), None, 0),
            (date(2027, 1, 31), date(2027, 2, 28), 1),
        ],
    )
    def test_months_remaining_of_the_term(self, on: date, end: date | None, months: int) -> None:
        assert rules.months_remaining(on, end) == months
        assert rules.is_early_termination(on, end) == (months > 0)

    def test_what_runs_as_a_workflow(self) -> None:
        assert not rules.runs_as_workflow(self.today, self.today, rows=1)
        assert rules.runs_as_workflow(date(2026, 12, 4), self.today, rows=1)
        assert rules.runs_as_workflow(self.today, self.today, rows=2)


class TestDependants:
    def test_add_ons_left_without_access(self) -> None:
        fiber, tv, phone = rules.Held(1, FIBER, "active"), rules.Held(2, TV, "active"), rules.Held(3, PHONE, "active")
        assert rules.dependants(fiber, [fiber, tv, phone]) == [tv]
        assert rules.dependants(phone, [fiber, tv, phone]) == []
        assert rules.dependants(tv, [fiber, tv, phone]) == []

    def test_another_access_of_the_family_keeps_them(self) -> None:
        fiber, dsl, tv = rules.Held(1, FIBER, "active"), rules.Held(2, DSL, "suspended"), rules.Held(3, TV, "active")
        assert rules.dependants(fiber, [fiber, dsl, tv]) == []

    def test_terminated_ones_do_not_count(self) -> None:
        fiber, dsl, tv = (
            rules.Held(1, FIBER, "active"),
            rules.Held(2, DSL, "terminated"),
            rules.Held(3, TV, "terminated"),
        )
        assert rules.dependants(fiber, [fiber, dsl, tv]) == []

    def test_only_active_access_allows_add_ons(self) -> None:
        assert rules.access_families([rules.Held(1, FIBER, "suspended"), rules.Held(2, PHONE, "active")]) == {"phone"}


class TestChangeOffering:
    def test_same_kind_and_family_on_sale_in_the_currency(self) -> None:
        assert rules.change_offering_errors(FIBER, DSL, "dsl", "USD") == []
        assert [e.detail for e in rules.change_offering_errors(FIBER, None, "nope", "USD")] == [
            "no offering 'nope' on sale"
        ]
        assert rules.change_offering_errors(FIBER, RETIRED, "isdn", "USD")[0].detail == "no offering 'isdn' on sale"
        assert "already" in rules.change_offering_errors(FIBER, FIBER, "fiber-optic", "USD")[0].detail
        assert "priced in EUR" in rules.change_offering_errors(FIBER, EURO_DSL, "dsl-eu", "USD")[0].detail
        assert "cannot replace" in rules.change_offering_errors(FIBER, PHONE, "phone-line", "USD")[0].detail
        assert "cannot replace" in rules.change_offering_errors(FIBER, TV, "streaming-tv", "USD")[0].detail

    def test_upgrade_or_downgrade_by_price(self) -> None:
        assert rules.offering_change_kind(DSL, FIBER) == "upgrade"
        assert rules.offering_change_kind(FIBER, DSL) == "downgrade"


class TestAgreementStatus:
    @pytest.mark.parametrize(
        ("current", "new", "action"),
        [("active", "suspended", "suspend"), ("suspended", "active", "resume"), ("active", "closed", "close"),
         ("suspended", "closed", "close")],
    )  # fmt: skip
    def test_allowed(self, current: str, new: str, action: str) -> None:
        assert status_action(current, new) == action

    @pytest.mark.parametrize(("current", "new"), [("closed", "active"), ("closed", "suspended")])
    def test_closed_is_final(self, current: str, new: str) -> None:
        with pytest.raises(Conflict):
            status_action(current, new)

    def test_close_blockers_name_each_live_subscription(self) -> None:
        blockers = close_blockers([("s1", "dsl", "active"), ("s2", "streaming-tv", "suspended")])
        assert [(b.field, b.detail) for b in blockers] == [
            ("subscriptions[s1]", "dsl is active: terminate it first"),
            ("subscriptions[s2]", "streaming-tv is suspended: terminate it first"),
        ]
