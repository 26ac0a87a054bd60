"""Reason codes, per action: every lifecycle change names one, and the audit trail records it.
The codes are business configuration (reference data, /api/v1/config/reason-codes): services load an
action's active codes (services/configuration.reason_codes) and pass them in. REASON_CODES is the
seed (accord/seed/configuration.json starts from it) and the default when no codes are passed."""

from __future__ import annotations

from accord.errors import FieldError, InvalidInput

REASON_CODES: dict[str, frozenset[str]] = {
    "activate": frozenset({"first-order", "customer-request", "back-office"}),
    "suspend": frozenset({"non-payment", "customer-request", "fraud-suspected", "lost-or-stolen", "back-office"}),
    "resume": frozenset({"payment-received", "customer-request", "fraud-cleared", "back-office"}),
    "close": frozenset({"customer-request", "deceased", "moved-away", "fraud", "back-office"}),
    "anonymise": frozenset({"gdpr-erasure", "retention-expired"}),
    "terminate": frozenset({"customer-request", "non-payment", "moved-away", "competitor", "back-office"}),
    "change-offering": frozenset({"upgrade", "downgrade", "customer-request", "back-office"}),
    "move": frozenset({"customer-request", "account-restructure", "back-office"}),
    "update": frozenset({"customer-request", "correction", "back-office"}),
}


def check_reason(
    action: str,
    reason: str | None,
    *,
    field: str = "reason",
    required: bool = True,
    codes: frozenset[str] | None = None,
) -> str | None:
    """The reason code if it is one of the action's `codes` (default: the seed's); 422 naming the field
    otherwise."""
    codes = REASON_CODES.get(action, frozenset()) if codes is None else codes
    if reason is None:
        if required:
            raise InvalidInput(f"a reason is required to {action}", [FieldError(field, f"one of {sorted(codes)}")])
        return None
    if reason not in codes:
        raise InvalidInput(f"{reason!r} is not a reason to {action}", [FieldError(field, f"one of {sorted(codes)}")])
    return reason
