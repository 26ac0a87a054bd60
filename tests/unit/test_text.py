from __future__ import annotations

from accord.rules.text import a_or_an, nul_fields


def test_nul_fields_names_each_field_as_the_client_wrote_it() -> None:
    document = {
        "givenName": "A\x00da",
        "emails": [{"address": "ok@example.com"}, {"address": "x\x00@example.com"}],
        "characteristics": {"na\x00me": "v"},
        "clean": ["a", "b"],
    }
    assert list(nul_fields(document)) == ["givenName", "emails[1].address", "characteristics.na\x00me"]
    assert list(nul_fields("\x00")) == ["body"]
    assert list(nul_fields({"a": 1, "b": None, "c": ["\\u0000 as text"]})) == []


def test_a_or_an_follows_the_first_letter() -> None:
    assert [a_or_an(w) for w in ("active", "suspended", "internet", "Organisation", "phone")] == [
        "an active",
        "a suspended",
        "an internet",
        "an Organisation",
        "a phone",
    ]
