"""An agreement's status lifecycle: active ⇄ suspended, either → closed (final). Pure: no I/O."""

from __future__ import annotations

from collections.abc import Sequence

from accord.errors import Conflict, FieldError

# (from, to) → the action, whose reason codes apply (accord/rules/reasons.py).
STATUS_CHANGES: dict[tuple[str, str], str] = {
    ("active", "suspended"): "suspend",
    ("suspended", "active"): "resume",
    ("active", "closed"): "close",
    ("suspended", "closed"): "close",
}


def status_action(current: str, new: str) -> str:
    """The action that takes an agreement from `current` to `new`, or 409."""
    action = STATUS_CHANGES.get((current, new))
    if action is None:
        raise Conflict(f"an agreement cannot go from {current} to {new}", [FieldError("status", f"is {current}")])
    return action


def close_blockers(live_subscriptions: Sequence[tuple[str, str, str]]) -> list[FieldError]:
    """What keeps an agreement from closing: its subscriptions that are not terminated, given as
    (id, offering code, status)."""
    return [
        FieldError(f"subscriptions[{sid}]", f"{code} is {status}: terminate it first")
        for sid, code, status in live_subscriptions
        if status != "terminated"
    ]
