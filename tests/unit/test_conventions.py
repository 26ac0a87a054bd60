"""The pure rules behind the API conventions: merge patch, If-Match, change lists, request fingerprints."""

from __future__ import annotations

import pytest

from accord.errors import AccordError, PreconditionFailed
from accord.principal import DEVELOPMENT_PRINCIPAL, development_principal
from accord.rules.changes import changed_fields
from accord.rules.merge_patch import merge_patch
from accord.rules.preconditions import ANY_VERSION, IfMatch, etag, parse_if_match
from accord.rules.reasons import check_reason
from accord.services.idempotency import fingerprint


class TestMergePatch:
    def test_rfc_7396_examples(self) -> None:
        assert merge_patch({"a": "b"}, {"a": "c"}) == {"a": "c"}
        assert merge_patch({"a": "b"}, {"b": "c"}) == {"a": "b", "b": "c"}
        assert merge_patch({"a": "b"}, {"a": None}) == {}
        assert merge_patch({"a": "b", "b": "c"}, {"a": None}) == {"b": "c"}
        assert merge_patch({"a": ["b"]}, {"a": "c"}) == {"a": "c"}
        assert merge_patch({"a": "c"}, {"a": ["b"]}) == {"a": ["b"]}
        assert merge_patch({"a": {"b": "c"}}, {"a": {"b": "d", "c": None}}) == {"a": {"b": "d"}}
        assert merge_patch({"a": [{"b": "c"}]}, {"a": [1]}) == {"a": [1]}
        assert merge_patch({"e": None}, {"a": 1}) == {"e": None, "a": 1}
        assert merge_patch([1, 2], {"a": "b", "c": None}) == {"a": "b"}
        assert merge_patch({}, {"a": {"bb": {"ccc": None}}}) == {"a": {"bb": {}}}

    def test_the_target_is_not_modified(self) -> None:
        target = {"a": {"b": 1}}
        merge_patch(target, {"a": {"b": 2}})
        assert target == {"a": {"b": 1}}


class TestIfMatch:
    def test_parses_weak_strong_lists_and_star(self) -> None:
        assert parse_if_match('W/"3"') == IfMatch(frozenset({3}))
        assert parse_if_match('"3"') == IfMatch(frozenset({3}))
        assert parse_if_match('W/"3", W/"4"') == IfMatch(frozenset({3, 4}))
        assert parse_if_match("*") is ANY_VERSION
        assert parse_if_match(None) is ANY_VERSION

    @pytest.mark.parametrize("header", ["3", 'W/"abc"', "", 'W/"3",'])
    def test_malformed_is_a_400_naming_the_header(self, header: str) -> None:
        with pytest.raises(AccordError) as caught:
            parse_if_match(header)
        assert caught.value.status == 400
        assert caught.value.errors[0].field == "If-Match"

    def test_stale_version_is_412_with_the_current_etag(self) -> None:
        parse_if_match('W/"5"').check(5)
        with pytest.raises(PreconditionFailed) as caught:
            parse_if_match('W/"4"').check(5, what="customer")
        assert caught.value.status == 412
        assert "version 5" in caught.value.detail
        assert caught.value.errors[0].detail == f"current ETag is {etag(5)}"
        ANY_VERSION.check(99)


def test_changed_fields_lists_only_what_differs() -> None:
    before = {"email": "a@x.com", "phone": "+1", "status": "active"}
    after = {"email": "b@x.com", "phone": "+1", "segment": "business"}
    assert changed_fields(before, after) == {
        "email": {"from": "a@x.com", "to": "b@x.com"},
        "segment": {"from": None, "to": "business"},
        "status": {"from": "active", "to": None},
    }


def test_reason_codes_are_checked_per_action() -> None:
    assert check_reason("suspend", "non-payment") == "non-payment"
    assert check_reason("suspend", None, required=False) is None
    with pytest.raises(AccordError) as caught:
        check_reason("suspend", "gdpr-erasure", field="reasonCode")
    assert caught.value.status == 422
    assert caught.value.errors[0].field == "reasonCode"


class TestFingerprint:
    def test_key_order_and_whitespace_do_not_count(self) -> None:
        a = fingerprint("POST", "/x", b"", b'{"a": 1, "b": [1, 2]}')
        b = fingerprint("POST", "/x", b"", b'{"b":[1,2],"a":1}')
        assert a == b

    def test_values_path_and_query_do(self) -> None:
        base = fingerprint("POST", "/x", b"", b'{"a": 1}')
        assert fingerprint("POST", "/x", b"", b'{"a": 2}') != base
        assert fingerprint("POST", "/y", b"", b'{"a": 1}') != base
        assert fingerprint("POST", "/x", b"q=1", b'{"a": 1}') != base

    def test_a_body_that_is_not_json_is_taken_as_it_is(self) -> None:
        assert fingerprint("POST", "/x", b"", b"abc") != fingerprint("POST", "/x", b"", b"abd")


class TestDevelopmentPrincipal:
    def test_headers_name_subject_and_channel(self) -> None:
        named = development_principal({"x-accord-user": "jane.csa", "x-accord-channel": "call-centre"})
        assert (named.subject, named.channel, named.audit_name) == ("jane.csa", "call-centre", "jane.csa@call-centre")

    def test_each_header_is_optional(self) -> None:
        assert development_principal({}) == DEVELOPMENT_PRINCIPAL
        assert development_principal({"x-accord-user": "bob"}).channel == DEVELOPMENT_PRINCIPAL.channel

    @pytest.mark.parametrize("name", ["", " bob", "bob smith", "-bob", "x" * 101])
    def test_a_malformed_name_is_refused(self, name: str) -> None:
        with pytest.raises(AccordError) as caught:
            development_principal({"x-accord-user": name})
        assert caught.value.errors[0].field == "X-Accord-User"
