"""Customer rules, no I/O: the lifecycle state machine, what blocks closing or deleting a customer,
the hierarchy, and the normalisations behind validation and search (names, emails, phones)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import phonenumbers

from accord.errors import Conflict, FieldError, InvalidInput
from accord.rules.text import a_or_an

# ---------------------------------------------------------------------------------------------
# Lifecycle

STATUSES = ("prospect", "active", "suspended", "closed")

# action → (the statuses it may start from, the status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "activate": (frozenset({"prospect"}), "active"),
    "suspend": (frozenset({"active"}), "suspended"),
    "resume": (frozenset({"suspended"}), "active"),
    # A prospect that never became a customer may be closed too; closed is final.
    "close": (frozenset({"prospect", "active", "suspended"}), "closed"),
}


def transition(status: str, action: str) -> str:
    """The status `action` leads to from `status`; 409 when the lifecycle does not allow it.

    prospect → active → suspended → closed, with suspended → active (resume) and any open status →
    closed. Closed is final: a returning customer is onboarded again (the anonymise action works on
    closed customers only)."""
    if action not in TRANSITIONS:
        raise ValueError(f"unknown customer action {action!r}")
    sources, target = TRANSITIONS[action]
    if status not in sources:
        allowed = sorted(a for a, (s, _) in TRANSITIONS.items() if status in s)
        raise Conflict(
            f"{a_or_an(status)} customer cannot be {_past(action)}",
            [FieldError("status", f"is {status}; allowed: {', '.join(allowed) or 'nothing (final)'}")],
        )
    return target


# What the audit trail calls each action once done.
PAST = {"activate": "activated", "suspend": "suspended", "resume": "resumed", "close": "closed"}


def _past(action: str) -> str:
    return PAST.get(action, action)


def check_anonymisable(status: str, anonymised: bool) -> None:
    if status != "closed":
        raise Conflict(
            "only a closed customer can be anonymised", [FieldError("status", f"is {status}; close it first")]
        )
    if anonymised:
        raise Conflict("the customer is already anonymised", [FieldError("anonymisedAt", "already set")])


# ---------------------------------------------------------------------------------------------
# What blocks closing or deleting


@dataclass(frozen=True)
class Blocker:
    """One reason a customer cannot be closed or deleted, e.g. ("activeSubscriptions", [ids])."""

    kind: str
    detail: str
    ids: tuple[str, ...] = ()


def closure_blockers(*, open_subscription_ids: Sequence[str], open_balances: Mapping[str, Decimal]) -> list[Blocker]:
    """Closing needs every subscription ended and nothing owed (per currency)."""
    blockers = []
    if open_subscription_ids:
        blockers.append(
            Blocker(
                "activeSubscriptions",
                f"{len(open_subscription_ids)} subscription(s) not terminated",
                tuple(open_subscription_ids),
            )
        )
    for currency, amount in sorted(open_balances.items()):
        if amount > 0:
            blockers.append(Blocker("unpaidBalance", f"{amount} {currency} unpaid"))
    return blockers


def deletion_blockers(
    *,
    open_subscription_ids: Sequence[str],
    open_balances: Mapping[str, Decimal],
    agreement_ids: Sequence[str],
    order_refs: Sequence[str],
    child_ids: Sequence[str],
) -> list[Blocker]:
    """Deleting removes the row, so anything that refers to it blocks too: deletion is for a
    customer recorded by mistake; a real one is closed (and anonymised) instead."""
    blockers = closure_blockers(open_subscription_ids=open_subscription_ids, open_balances=open_balances)
    if agreement_ids:
        blockers.append(Blocker("agreements", f"{len(agreement_ids)} agreement(s)", tuple(agreement_ids)))
    if order_refs:
        blockers.append(Blocker("orders", f"{len(order_refs)} order(s)", tuple(order_refs)))
    if child_ids:
        blockers.append(Blocker("children", f"{len(child_ids)} child customer(s)", tuple(child_ids)))
    return blockers


def refuse_if_blocked(action: str, blockers: Sequence[Blocker]) -> None:
    if blockers:
        raise Conflict(
            f"the customer cannot be {action}: {'; '.join(b.detail for b in blockers)}",
            [FieldError(b.kind, b.detail + (f": {', '.join(b.ids)}" if b.ids else "")) for b in blockers],
        )


# ---------------------------------------------------------------------------------------------
# Hierarchy

ORGANISATION_RELATIONSHIPS = frozenset({"subsidiary", "branch", "department"})
INDIVIDUAL_RELATIONSHIPS = frozenset({"contact", "employee", "member"})
RELATIONSHIPS = ORGANISATION_RELATIONSHIPS | INDIVIDUAL_RELATIONSHIPS


def check_parent(
    *,
    child_kind: str,
    relationship: str | None,
    parent_kind: str,
    creates_cycle: bool,
) -> None:
    """A parent is an organisation; an organisation's relationship to it is one of
    ORGANISATION_RELATIONSHIPS, an individual's one of INDIVIDUAL_RELATIONSHIPS; no cycles."""
    errors = []
    if parent_kind != "organisation":
        errors.append(FieldError("parentId", "the parent must be an organisation"))
    allowed = ORGANISATION_RELATIONSHIPS if child_kind == "organisation" else INDIVIDUAL_RELATIONSHIPS
    if relationship not in allowed:
        errors.append(FieldError("relationship", f"for an {child_kind}: one of {sorted(allowed)}"))
    if creates_cycle:
        errors.append(FieldError("parentId", "the parent is this customer or one of its descendants"))
    if errors:
        raise InvalidInput("the parent cannot be set", errors)


# ---------------------------------------------------------------------------------------------
# Normalisation: names for search, emails, phones

# Letters that carry no combining mark under NFKD but that people type without the stroke.
_FOLD = str.maketrans(
    {"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "\u0131": "i", "þ": "th", "æ": "ae", "œ": "oe"}
)
_WORDS = re.compile(r"[\W_]+")


def search_key(value: str) -> str:
    """Accent- and case-insensitive form of free text: NFKD, combining marks removed, case-folded,
    a few stroked letters folded (Đặng → dang), runs of non-word characters → one space."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLD)
    return _WORDS.sub(" ", unicodedata.normalize("NFC", stripped)).strip()


def search_name(*names: str | None) -> str:
    return search_key(" ".join(n for n in names if n))


def name_prefixes(query: str) -> list[tuple[str, str]] | None:
    """Each word of `query` (as search_key has it) as the range of words that start with it,
    [word, the next string after every such word) in code point order: "nguy van" → [("nguy",
    "nguz"), ("van", "vao")]. A name matches when each range holds one of its words. None when the
    query has no word."""
    words = sorted(set(search_key(query).split()))
    if not words:
        return None
    return [(word, word[:-1] + chr(ord(word[-1]) + 1)) for word in words]


def email_key(address: str) -> str:
    """The form in which two addresses are the same address (stored as entered, compared by this)."""
    return unicodedata.normalize("NFC", address.strip()).casefold()


class PhoneError(ValueError):
    pass


def e164(number: str, region: str | None = None) -> str:
    """The number in E.164 (+442079460958). A national number needs `region` (ISO 3166 alpha-2)."""
    try:
        parsed = phonenumbers.parse(number, region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if number.strip().startswith("+") or region else " (give it as +<country code>…, or its country)"
        raise PhoneError(f"not a phone number{hint}") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise PhoneError("not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def preferred(items: Iterable[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    """The item marked preferred, else the first."""
    items = list(items)
    return next((i for i in items if i.get("preferred")), items[0] if items else None)


# What anonymising writes over a closed customer's personal data (ids, agreements, bills stay).
ANONYMISED_NAME = "anonymised"
PERSONAL_FIELDS = (
    "name",
    "givenName",
    "familyName",
    "tradingName",
    "email",
    "phone",
    "emails",
    "phones",
    "addresses",
    "identifications",
    "characteristics",
    "preferredLanguage",
)
