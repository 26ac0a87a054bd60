"""The customer rules: lifecycle state machine, blockers, hierarchy, normalisation for search."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from pydantic import ValidationError

from accord.errors import Conflict, InvalidInput, field_errors
from accord.rules import customers as rules
from accord.schemas.customers import CustomerCreate, CustomerInput


class TestLifecycle:
    @pytest.mark.parametrize(
        ("status", "action", "expected"),
        [
            ("prospect", "activate", "active"),
            ("active", "suspend", "suspended"),
            ("suspended", "resume", "active"),
            ("prospect", "close", "closed"),
            ("active", "close", "closed"),
            ("suspended", "close", "closed"),
        ],
    )
    def test_allowed_transitions(self, status: str, action: str, expected: str) -> None:
        assert rules.transition(status, action) == expected

    @pytest.mark.parametrize(
        ("status", "action"),
        [
            ("active", "activate"),
            ("prospect", "suspend"),
            ("active", "resume"),
            ("suspended", "suspend"),
            ("closed", "activate"),
            ("closed", "resume"),
            ("closed", "close"),
        ],
    )
    def test_refused_transitions_are_409_naming_the_status(self, status: str, action: str) -> None:
        with pytest.raises(Conflict) as exc:
            rules.transition(status, action)
        assert exc.value.errors[0].field == "status"
        assert status in exc.value.errors[0].detail

    def test_closed_is_final(self) -> None:
        with pytest.raises(Conflict) as exc:
            rules.transition("closed", "resume")
        assert "nothing (final)" in exc.value.errors[0].detail

    def test_only_a_closed_customer_is_anonymised_and_only_once(self) -> None:
        rules.check_anonymisable("closed", anonymised=False)
        with pytest.raises(Conflict):
            rules.check_anonymisable("active", anonymised=False)
        with pytest.raises(Conflict):
            rules.check_anonymisable("closed", anonymised=True)


class TestBlockers:
    def test_nothing_blocks_a_customer_without_subscriptions_or_debt(self) -> None:
        assert rules.closure_blockers(open_subscription_ids=[], open_balances={"USD": Decimal("0.00")}) == []
        rules.refuse_if_blocked("closed", [])

    def test_subscriptions_and_debt_are_listed(self) -> None:
        blockers = rules.closure_blockers(
            open_subscription_ids=["s1", "s2"], open_balances={"USD": Decimal("12.50"), "EUR": Decimal("0")}
        )
        assert [b.kind for b in blockers] == ["activeSubscriptions", "unpaidBalance"]
        assert blockers[0].ids == ("s1", "s2")
        assert blockers[1].detail == "12.50 USD unpaid"
        with pytest.raises(Conflict) as exc:
            rules.refuse_if_blocked("closed", blockers)
        assert [e.field for e in exc.value.errors] == ["activeSubscriptions", "unpaidBalance"]
        assert "s1, s2" in exc.value.errors[0].detail

    def test_deletion_is_also_blocked_by_what_refers_to_the_customer(self) -> None:
        blockers = rules.deletion_blockers(
            open_subscription_ids=[], open_balances={}, agreement_ids=["a1"], order_refs=["shop-1"], child_ids=["c1"]
        )
        assert [b.kind for b in blockers] == ["agreements", "orders", "children"]


class TestHierarchy:
    def test_an_individual_contact_of_an_organisation(self) -> None:
        rules.check_parent(
            child_kind="individual", relationship="contact", parent_kind="organisation", creates_cycle=False
        )

    def test_the_parent_must_be_an_organisation_and_no_cycle(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            rules.check_parent(
                child_kind="organisation", relationship="subsidiary", parent_kind="individual", creates_cycle=True
            )
        assert [e.field for e in exc.value.errors] == ["parentId", "parentId"]

    def test_relationship_fits_the_child(self) -> None:
        with pytest.raises(InvalidInput) as exc:
            rules.check_parent(
                child_kind="organisation", relationship="contact", parent_kind="organisation", creates_cycle=False
            )
        assert exc.value.errors[0].field == "relationship"


class TestNormalisation:
    def test_search_key_ignores_accents_case_and_strokes(self) -> None:
        assert rules.search_key("Nguyễn Văn Đặng") == "nguyen van dang"
        assert rules.search_key(unicodedata.normalize("NFD", "Nguyễn")) == "nguyen"
        assert rules.search_key("  O'Brien-Smith ") == "o brien smith"
        assert rules.search_key("STRASSE Straße") == "strasse strasse"
        assert rules.search_key("Łódź Søren") == "lodz soren"

    def test_name_query_is_a_prefix_match_on_every_word(self) -> None:
        assert rules.name_prefixes("Nguy") == [("nguy", "nguz")]
        assert rules.name_prefixes("nguyễn  V v") == [("nguyen", "nguyeo"), ("v", "w")]
        assert rules.name_prefixes("a'b & c%_") == [("a", "b"), ("b", "c"), ("c", "d")]  # no pattern syntax
        assert rules.name_prefixes("Иван") == [("иван", "ивао")]
        assert rules.name_prefixes(" &!' ") is None

    def test_email_key_is_case_insensitive(self) -> None:
        assert rules.email_key(" Ada@Example.COM ") == rules.email_key("ada@example.com")

    def test_phones_in_e164(self) -> None:
        assert rules.e164("+44 20 7946 0958") == "+442079460958"
        assert rules.e164("020 7946 0958", "GB") == "+442079460958"
        assert rules.e164("(415) 555-2671", "US") == "+14155552671"
        with pytest.raises(rules.PhoneError, match="country"):
            rules.e164("020 7946 0958")
        with pytest.raises(rules.PhoneError, match="not a valid"):
            rules.e164("+44 20 1234")

    def test_preferred_is_the_flagged_one_else_the_first(self) -> None:
        assert rules.preferred([{"a": 1}, {"a": 2, "preferred": True}]) == {"a": 2, "preferred": True}
        assert rules.preferred([{"a": 1}, {"a": 2}]) == {"a": 1}
        assert rules.preferred([]) is None


class TestCustomerInput:
    def test_a_valid_customer_is_normalised(self) -> None:
        data = CustomerInput.model_validate(
            {
                "givenName": unicodedata.normalize("NFD", "Nguyễn"),
                "emails": [{"address": " Ada@Example.COM ", "type": "work"}],
                "phones": [{"number": "020 7946 0958", "country": "GB", "preferred": True}],
                "preferredLanguage": "vi-VN",
            }
        )
        assert data.given_name == "Nguyễn"
        assert unicodedata.is_normalized("NFC", data.given_name)
        assert data.emails[0].address == "Ada@Example.COM"  # stored as entered (trimmed)
        assert data.phones[0].number == "+442079460958"
        assert data.phones[0].model_dump(by_alias=True) == {
            "number": "+442079460958",
            "type": "mobile",
            "preferred": True,
        }

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"phones": [{"number": "+1"}, {"number": "12"}]}, "phones[0].number"),
            ({"emails": [{"address": "a@b.example"}, {"address": "not-an-email"}]}, "emails[1].address"),
            ({"emails": [{"address": "a@b.example"}, {"address": "A@B.example"}]}, "emails"),
            ({"phones": [{"number": "+442079460958", "preferred": True}] * 2}, "phones"),
            ({"givenName": "x" * 201}, "givenName"),
            ({"preferredLanguage": "english!"}, "preferredLanguage"),
            (
                {"identifications": [{"type": "passport", "number": "X1", "issuingCountry": "gb"}]},
                "identifications[0].issuingCountry",
            ),
            ({"nickname": "Ada"}, "nickname"),
        ],
    )
    def test_invalid_fields_are_named_as_sent(self, body: dict[str, object], field: str) -> None:
        with pytest.raises(ValidationError) as exc:
            CustomerInput.model_validate(body)
        assert field in [e.field for e in field_errors(exc.value)]

    def test_length_limits_count_characters_not_bytes(self) -> None:
        assert CustomerInput.model_validate({"familyName": "语" * 200}).family_name == "语" * 200

    def test_an_organisation_needs_a_trading_name_and_an_individual_a_name(self) -> None:
        with pytest.raises(ValidationError):
            CustomerInput.model_validate({"type": "organisation"})
        with pytest.raises(ValidationError):
            CustomerCreate.model_validate({"type": "individual"})
        with pytest.raises(ValidationError):
            CustomerInput.model_validate({"relationship": "contact"})  # no parent
