"""Customers on the wire: what a client sends (CustomerInput, CustomerCreate) and reads (CustomerView)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

import email_validator
from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from accord.rules.customers import RELATIONSHIPS, PhoneError, e164, email_key
from accord.schemas.common import Address, ApiModel, Characteristic, CountryCode, MaxChars, Name, Text, nfc

CustomerType = Literal["individual", "organisation"]
CustomerStatus = Literal["prospect", "active", "suspended", "closed"]
EmailType = Literal["home", "work", "billing", "other"]
PhoneType = Literal["mobile", "home", "work", "billing", "fax", "other"]
AddressType = Literal["home", "work", "billing", "shipping", "other"]
IdentificationType = Literal[
    "passport", "nationalId", "drivingLicence", "residencePermit", "taxId", "companyRegistration", "other"
]
Ref = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
# BCP 47 language tag (ISO 639 language, optional script / region / variants): en, en-GB, zh-Hant-TW.
LanguageTag = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8}){0,5}$", max_length=35)]
Segment = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")]


def valid_email(address: str) -> str:
    """Checked for shape (no DNS lookup) but stored as entered (NFC, trimmed): `Ada@Example.COM`
    stays so; uniqueness compares case-folded (rules.customers.email_key)."""
    address = nfc(address.strip())
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError as exc:
        raise ValueError(f"not a valid email address: {exc}") from exc
    return address


EmailAddress = Annotated[str, StringConstraints(max_length=320), AfterValidator(valid_email)]


class EmailContact(ApiModel):
    address: EmailAddress
    type: EmailType = "home"
    preferred: bool = False


class PhoneContact(ApiModel):
    # Only to read a national number ("020 7946 0958" with "GB"); the number is stored in E.164.
    country: CountryCode | None = Field(default=None, exclude=True)
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    type: PhoneType = "mobile"
    preferred: bool = False

    @field_validator("number")
    @classmethod
    def _e164(cls, number: str, info: ValidationInfo) -> str:
        try:
            return e164(number, info.data.get("country"))
        except PhoneError as exc:
            raise ValueError(str(exc)) from exc


class PostalAddress(Address):
    type: AddressType = "home"
    preferred: bool = False


class Identification(ApiModel):
    type: IdentificationType
    number: Annotated[Text, MaxChars(50)]
    issuing_country: CountryCode
    expires_on: date | None = None


def _one_preferred(items: list[Any], what: str) -> list[Any]:
    if sum(1 for i in items if i.preferred) > 1:
        raise ValueError(f"at most one of the {what} may be preferred")
    return items


class CustomerInput(ApiModel):
    """Everything a client may set on a customer (create, or the merge-patched representation)."""

    type: CustomerType = "individual"
    given_name: Name | None = None
    family_name: Name | None = None
    trading_name: Name | None = None
    emails: list[EmailContact] = Field(default_factory=list, max_length=10)
    phones: list[PhoneContact] = Field(default_factory=list, max_length=10)
    addresses: list[PostalAddress] = Field(default_factory=list, max_length=10)
    identifications: list[Identification] = Field(default_factory=list, max_length=10)
    characteristics: list[Characteristic] = Field(default_factory=list, max_length=50)
    segment: Segment | None = None
    preferred_language: LanguageTag | None = None
    marketing_consent: bool = False
    external_ref: Ref | None = Field(default=None, description="the client's own id for this customer; unique")
    parent_id: uuid.UUID | None = Field(default=None, description="the parent organisation")
    relationship: str | None = Field(default=None, description=f"to the parent: one of {sorted(RELATIONSHIPS)}")
    paying_parent: bool = Field(default=False, description="the parent pays this customer's bills")

    @field_validator("emails")
    @classmethod
    def _emails(cls, emails: list[EmailContact]) -> list[EmailContact]:
        keys = [email_key(e.address) for e in emails]
        if len(set(keys)) < len(keys):
            raise ValueError("the same address is listed twice")
        return _one_preferred(emails, "emails")

    @field_validator("phones")
    @classmethod
    def _phones(cls, phones: list[PhoneContact]) -> list[PhoneContact]:
        if len({p.number for p in phones}) < len(phones):
            raise ValueError("the same number is listed twice")
        return _one_preferred(phones, "phones")

    @field_validator("addresses")
    @classmethod
    def _addresses(cls, addresses: list[PostalAddress]) -> list[PostalAddress]:
        return _one_preferred(addresses, "addresses")

    @model_validator(mode="after")
    def _consistent(self) -> CustomerInput:
        if self.type == "organisation" and not self.trading_name:
            raise ValueError("an organisation needs a tradingName")
        if self.parent_id is None and (self.relationship is not None or self.paying_parent):
            raise ValueError("relationship and payingParent need a parentId")
        return self


class CustomerCreate(CustomerInput):
    status: Literal["prospect", "active"] = Field(default="prospect", description="a new customer starts as a prospect")
    reason_code: str | None = Field(default=None, description="why it starts active (activate reason codes)")

    @model_validator(mode="after")
    def _named(self) -> CustomerCreate:
        if self.type == "individual" and not (self.given_name or self.family_name):
            raise ValueError("an individual needs a givenName or a familyName")
        return self


class CustomerView(ApiModel):
    id: uuid.UUID
    href: str
    customer_number: str
    type: CustomerType
    name: str | None = Field(description="display name: trading name, or given and family names")
    given_name: str | None
    family_name: str | None
    trading_name: str | None
    email: str | None = Field(description="the preferred email (read-only; set emails)")
    phone: str | None = Field(description="the preferred phone, E.164 (read-only; set phones)")
    emails: list[dict[str, Any]]
    phones: list[dict[str, Any]]
    addresses: list[dict[str, Any]]
    identifications: list[dict[str, Any]]
    characteristics: list[dict[str, Any]]
    segment: str | None
    preferred_language: str | None
    marketing_consent: bool
    external_ref: str | None
    status: CustomerStatus
    status_reason: str | None
    parent_id: uuid.UUID | None
    relationship: str | None
    paying_parent: bool
    anonymised_at: datetime | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    version: int


# The view's fields a client cannot set (PATCH may repeat them unchanged, nothing more).
READ_ONLY = frozenset(
    {
        "id",
        "href",
        "customerNumber",
        "type",
        "name",
        "email",
        "phone",
        "status",
        "statusReason",
        "anonymisedAt",
        "createdAt",
        "updatedAt",
        "createdBy",
        "updatedBy",
        "version",
    }
)
EDITABLE = frozenset(f.alias or name for name, f in CustomerInput.model_fields.items()) - {"type"}


def display_name(kind: str, given: str | None, family: str | None, trading: str | None) -> str | None:
    if kind == "organisation":
        return trading
    return " ".join(n for n in (given, family) if n) or trading


def customer_document(row: Any) -> dict[str, Any]:
    """The customer as the API shows it, keyed as on the wire (CustomerView's aliases), from an ORM
    customer or a row with the same columns: the one mapping from storage to the representation. Its
    values stay Python's (UUIDs, datetimes); pydantic-core serialises them as CustomerView does."""
    return {
        "id": row.id,
        "href": f"/api/v1/customers/{row.id}",
        "customerNumber": row.customer_number,
        "type": row.kind,
        "name": display_name(row.kind, row.given_name, row.family_name, row.trading_name),
        "givenName": row.given_name,
        "familyName": row.family_name,
        "tradingName": row.trading_name,
        "email": row.email,
        "phone": row.phone,
        "emails": row.emails,
        "phones": row.phones,
        "addresses": row.addresses,
        "identifications": row.identifications,
        "characteristics": row.characteristics,
        "segment": row.segment,
        "preferredLanguage": row.preferred_language,
        "marketingConsent": row.marketing_consent,
        "externalRef": row.external_ref,
        "status": row.status,
        "statusReason": row.status_reason,
        "parentId": row.parent_id,
        "relationship": row.relationship,
        "payingParent": row.paying_parent,
        "anonymisedAt": row.anonymised_at,
        "createdAt": row.created_at,
        "updatedAt": row.updated_at,
        "createdBy": row.created_by,
        "updatedBy": row.updated_by,
        "version": row.version,
    }


def customer_view(row: Any) -> CustomerView:
    """The customer's document, validated as a CustomerView (what a single read or a write answers)."""
    return CustomerView.model_validate(customer_document(row))


class LifecycleRequest(ApiModel):
    reason_code: Annotated[str, StringConstraints(min_length=1, max_length=50)]
