"""The subscription lifecycle as a pure state machine, and the dates its transitions take effect.

    active ──suspend──▶ suspended ──resume──▶ active
    active ──change-offering──▶ active        active/suspended ──move──▶ (same status)
    active/suspended ──terminate──▶ terminated (final)

A transition the machine refuses is a 409 (the subscription is not in a state that allows it). When a
transition takes effect (now, a future date, the end of the bill period, the end of the commitment
term) is decided here too; whether it runs in the API's transaction or as a workflow as well."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from accord.errors import Conflict, FieldError, InvalidInput
from accord.rules.bill_cycle import next_period_start
from accord.rules.catalogue import OfferingTerms
from accord.rules.orders import add_months
from accord.rules.text import a_or_an

Status = Literal["active", "suspended", "terminated"]
Action = Literal["suspend", "resume", "change-offering", "move", "terminate"]

STATUSES: tuple[Status, ...] = ("active", "suspended", "terminated")
ACTIONS: tuple[Action, ...] = ("suspend", "resume", "change-offering", "move", "terminate")

# (from, action) → to. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], Status] = {
    ("active", "suspend"): "suspended",
    ("suspended", "resume"): "active",
    ("active", "change-offering"): "active",
    ("active", "move"): "active",
    ("suspended", "move"): "suspended",
    ("active", "terminate"): "terminated",
    ("suspended", "terminate"): "terminated",
}


def allowed(status: str, action: str) -> bool:
    return (status, action) in TRANSITIONS


def transition(status: str, action: str) -> Status:
    """The status after `action`, or 409 when a subscription in `status` cannot do it."""
    to = TRANSITIONS.get((status, action))
    if to is None:
        can = sorted(a for (s, a) in TRANSITIONS if s == status)
        raise Conflict(
            f"{a_or_an(status)} subscription cannot {action}",
            [FieldError("status", f"is {status}; allowed: {', '.join(can) or 'nothing (final)'}")],
        )
    return to


# --- When a transition takes effect.

ChangeWhen = Literal["now", "endOfBillPeriod"]
TerminateWhen = Literal["now", "endOfTerm"]


def suspend_from(today: date, requested: date | None) -> date:
    """A suspension starts today or on a later date; never in the past."""
    if requested is None:
        return today
    if requested < today:
        raise InvalidInput("a suspension cannot start in the past", [FieldError("effectiveDate", f"before {today}")])
    return requested


def change_offering_from(when: ChangeWhen, today: date, bill_day: int) -> date:
    """Now, or the first day of the next bill period (the current one is billed at the old offering)."""
    return today if when == "now" else next_period_start(today, bill_day)


def terminate_on(when: TerminateWhen, today: date, commitment_end: date | None) -> date:
    """Now, or the end of the agreement's commitment term (which must be ahead)."""
    if when == "now":
        return today
    if commitment_end is None or commitment_end <= today:
        raise InvalidInput(
            "there is no commitment term ahead to terminate at",
            [FieldError("when", "the agreement has no running commitment term: terminate now")],
        )
    return commitment_end


def months_remaining(on: date, commitment_end: date | None) -> int:
    """Whole months left of a commitment term when a subscription ends `on`; a started month counts
    as a whole one. 0 when the term is over (or there is none): no early termination."""
    if commitment_end is None or on >= commitment_end:
        return 0
    months = (commitment_end.year - on.year) * 12 + commitment_end.month - on.month
    if add_months(on, months) < commitment_end:
        return months + 1
    if months > 0 and add_months(on, months - 1) >= commitment_end:
        return months - 1
    return months


def is_early_termination(on: date, commitment_end: date | None) -> bool:
    return months_remaining(on, commitment_end) > 0


def runs_as_workflow(effective: date, today: date, rows: int) -> bool:
    """A transition that waits for a date or touches more than one row is a workflow; the rest is
    done in the API's own transaction."""
    return effective > today or rows > 1


# --- What depends on what.


@dataclass(frozen=True)
class Held:
    """A subscription as the dependency rules see it."""

    id: object
    offering: OfferingTerms
    status: str


def live(subscriptions: Iterable[Held]) -> list[Held]:
    return [s for s in subscriptions if s.status != "terminated"]


def access_families(subscriptions: Iterable[Held]) -> set[str]:
    """Families with an active access subscription: the add-ons they allow."""
    return {s.offering.family for s in subscriptions if s.status == "active" and s.offering.kind == "access"}


def dependants(leaving: Held, others: Iterable[Held]) -> list[Held]:
    """The add-ons left without access when `leaving` goes (is terminated or moved away): the live
    add-ons of its family, unless another live access offering of that family stays."""
    if leaving.offering.kind != "access":
        return []
    staying = [s for s in live(others) if s.id != leaving.id]
    if any(s.offering.kind == "access" and s.offering.family == leaving.offering.family for s in staying):
        return []
    return [s for s in staying if s.offering.kind == "addon" and s.offering.family == leaving.offering.family]


def change_offering_errors(
    current: OfferingTerms, new: OfferingTerms | None, code: str, currency: str
) -> list[FieldError]:
    """An upgrade or downgrade swaps an offering for another on sale, of the same kind and family, in
    the agreement's currency."""
    field = "offeringCode"
    if new is None or not new.active:
        return [FieldError(field, f"no offering {code!r} on sale")]
    if new.code == current.code:
        return [FieldError(field, f"the subscription already is {code}")]
    errors = []
    if new.currency != currency:
        errors.append(FieldError(field, f"{new.code} is priced in {new.currency}, the agreement is in {currency}"))
    if (new.kind, new.family) != (current.kind, current.family):
        errors.append(
            FieldError(
                field,
                f"{new.code} is {a_or_an(new.family)} {new.kind}: "
                f"it cannot replace {a_or_an(current.family)} {current.kind}",
            )
        )
    return errors


def offering_change_kind(current: OfferingTerms, new: OfferingTerms) -> str:
    """The reason code a change records when the client gives none."""
    return "upgrade" if new.monthly_price >= current.monthly_price else "downgrade"
