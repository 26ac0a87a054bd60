"""The product catalogue on the wire: one definition per kind of catalogue entity (category, product
specification, offering, price). The same definitions are what a published version holds, what a
change set's items carry, what the seed file and an export file contain."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StringConstraints, model_validator

from accord.principal import Principal
from accord.schemas.common import Amount, ApiModel, CurrencyCode, MaxChars, Name, Text

# A catalogue code: what people and other systems quote (offering "fiber-optic", price "fiber-optic-monthly").
Code = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[a-z0-9][a-z0-9._-]{0,59}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,49}$")]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=4000)]

EntityType = Literal["category", "specification", "offering", "price"]
Lifecycle = Literal["inDesign", "active", "retired"]
OfferingKind = Literal["access", "addon"]
PriceType = Literal["oneOff", "recurring", "usage"]
Period = Literal["month", "quarter", "year"]


class CategoryDef(ApiModel):
    code: Code
    name: Name
    description: Description = ""
    parent_code: Code | None = Field(default=None, description="the parent category; none for a top category")


class CharacteristicSpec(ApiModel):
    name: Annotated[Text, MaxChars(100)]
    value_type: Literal["string", "number", "boolean"] = "string"
    unit: Annotated[Text, MaxChars(20)] | None = None
    values: list[Annotated[str, StringConstraints(max_length=200)]] = Field(
        default_factory=list, max_length=100, description="the allowed values; empty: any"
    )
    default: Annotated[str, StringConstraints(max_length=200)] | None = None


class SpecificationDef(ApiModel):
    """What is technically delivered, with its characteristics (download speed, data allowance, lines)."""

    code: Code
    name: Name
    description: Description = ""
    characteristics: list[CharacteristicSpec] = Field(default_factory=list, max_length=100)


class BundleComponent(ApiModel):
    offering_code: Code
    min_quantity: int = Field(default=1, ge=0, le=100)
    max_quantity: int = Field(default=1, ge=1, le=100)

    @model_validator(mode="after")
    def _ordered(self) -> BundleComponent:
        if self.max_quantity < self.min_quantity:
            raise ValueError("maxQuantity is less than minQuantity")
        return self


class EarlyTerminationRule(ApiModel):
    """What ending inside the commitment term costs: the recurring charges left to the term's end
    (`remainingCharges`, optionally a percentage of them), or a fixed amount."""

    rule: Literal["remainingCharges", "fixed"] = "remainingCharges"
    percentage: Decimal | None = Field(default=None, ge=0, le=100)
    amount: Amount | None = None
    currency: CurrencyCode | None = None

    @model_validator(mode="after")
    def _complete(self) -> EarlyTerminationRule:
        if self.rule == "fixed" and (self.amount is None or self.currency is None):
            raise ValueError("a fixed early-termination charge needs amount and currency")
        return self


class Commitment(ApiModel):
    terms: list[Literal[12, 24]] = Field(min_length=1, description="the commitment terms offered, in months")
    early_termination: EarlyTerminationRule = Field(default_factory=EarlyTerminationRule)


class OfferingDef(ApiModel):
    """What is sold. An access offering belongs to a family (phone, internet); an add-on requires an
    access offering of its family. A bundle is an offering made of other offerings (its components)."""

    code: Code
    name: Name
    description: Description = ""
    category_code: Code | None = None
    specification_code: Code | None = None
    kind: OfferingKind
    family: Annotated[Label, StringConstraints(max_length=40)]
    status: Lifecycle = "inDesign"
    channels: list[Label] = Field(default_factory=list, description="where it may be sold; empty: every channel")
    segments: list[Label] = Field(default_factory=list, description="market segments; empty: every segment")
    customer_types: list[Literal["individual", "organisation"]] = Field(default_factory=list, description="empty: both")
    valid_from: date | None = Field(default=None, description="on sale from the start of this day")
    valid_to: date | None = Field(default=None, description="on sale to the END of this day (operator timezone)")
    bundle: list[BundleComponent] = Field(default_factory=list, max_length=50)
    requires_offerings: list[Code] = Field(
        default_factory=list, description="needs one of these on the same agreement (besides an add-on's access)"
    )
    excludes: list[Code] = Field(default_factory=list, description="may not be held with any of these")
    requires_held: list[Code] = Field(
        default_factory=list, description="eligibility: the customer must already hold one of these"
    )
    max_quantity: int | None = Field(default=None, ge=1, le=100, description="per agreement")
    commitment: Commitment | None = None

    @model_validator(mode="after")
    def _validity(self) -> OfferingDef:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("validTo is before validFrom")
        return self


class PriceTier(ApiModel):
    up_to: Decimal | None = Field(default=None, gt=0, description="units up to here (inclusive); none: the rest")
    unit_amount: Amount


class Discount(ApiModel):
    """e.g. first 3 months half price: {"type": "percentage", "value": "50", "periods": 3}."""

    type: Literal["percentage", "amount"]
    value: Amount = Field(gt=0)
    periods: int | None = Field(default=None, ge=1, le=120, description="bill periods; none: for as long as held")


class PriceDef(ApiModel):
    """One price of one offering, in one currency."""

    code: Code
    offering_code: Code
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    price_type: PriceType
    period: Period | None = Field(default=None, description="recurring prices: month, quarter or year")
    amount: Amount = Field(ge=0, description="per period, once, or per unit (usage without tiers)")
    currency: CurrencyCode
    unit: Annotated[Text, MaxChars(40)] | None = Field(default=None, description="usage: the unit")
    tiers: list[PriceTier] = Field(default_factory=list, max_length=20)
    valid_from: date | None = None
    valid_to: date | None = None
    discount: Discount | None = None

    @model_validator(mode="after")
    def _shape(self) -> PriceDef:
        if self.price_type == "recurring" and self.period is None:
            raise ValueError("a recurring price needs a period")
        if self.price_type != "recurring" and self.period is not None:
            raise ValueError("only a recurring price has a period")
        if self.price_type != "usage" and (self.tiers or self.unit):
            raise ValueError("only a usage price has a unit and tiers")
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValueError("validTo is before validFrom")
        return self


DEFINITIONS: dict[str, type[ApiModel]] = {
    "category": CategoryDef,
    "specification": SpecificationDef,
    "offering": OfferingDef,
    "price": PriceDef,
}


class CatalogueDocument(ApiModel):
    """A whole catalogue (the seed file, an export) or a change set's items, as one JSON document."""

    format: Literal["accord-catalogue/1"] = "accord-catalogue/1"
    version: int | None = None
    effective_at: datetime | None = None
    categories: list[CategoryDef] = Field(default_factory=list)
    specifications: list[SpecificationDef] = Field(default_factory=list)
    offerings: list[OfferingDef] = Field(default_factory=list)
    prices: list[PriceDef] = Field(default_factory=list)
    change_set: ChangeSetExport | None = None


# --- Reads.


class OfferingView(OfferingDef):
    """An offering as the catalogue shows it. `monthlyPrice`/`currency` are its recurring monthly price
    in its first currency (as the foundation showed it); `prices` are all of them."""

    requires: str | None = Field(default=None, description="an add-on: the access it needs, e.g. 'internet access'")
    monthly_price: Decimal | None = None
    currency: str | None = None
    prices: list[PriceDef] = Field(default_factory=list)
    catalogue_version: int


class PriceView(PriceDef):
    catalogue_version: int


class CategoryView(CategoryDef):
    children: list[CategoryView] = Field(default_factory=list)


class VersionView(ApiModel):
    number: int
    effective_at: datetime
    published_at: datetime
    published_by: str
    change_set_id: uuid.UUID | None
    summary: str


# --- Eligibility.


class EligibilityRequest(ApiModel):
    offering_code: Code
    customer_id: uuid.UUID | None = Field(default=None, description="or customerType and segment")
    customer_type: Literal["individual", "organisation"] | None = None
    segment: Label | None = None
    channel: Label | None = Field(default=None, description="default: the caller's channel")
    agreement_id: uuid.UUID | None = Field(default=None, description="what the customer already holds there")
    currency: CurrencyCode | None = Field(default=None, description="default: the agreement's currency")
    at: AwareDatetime | None = Field(default=None, description="default: now")


class Quote(ApiModel):
    currency: str
    recurring: Decimal | None = None
    period: Period | None = None
    monthly_equivalent: Decimal | None = None
    one_off: Decimal = Decimal("0")
    usage: list[PriceDef] = Field(default_factory=list)
    discount: Discount | None = None
    discounted_recurring: Decimal | None = Field(default=None, description="the recurring price while discounted")
    commitment: Commitment | None = None


class EligibilityReason(ApiModel):
    field: str
    detail: str


class EligibilityView(ApiModel):
    offering_code: str
    eligible: bool
    price: Quote | None = None
    reasons: list[EligibilityReason] = Field(default_factory=list)
    catalogue_version: int | None = None


# --- Change sets.

ChangeSetStatus = Literal[
    "draft", "validating", "awaitingApproval", "scheduled", "publishing", "published", "rejected", "cancelled", "failed"
]


class ChangeSetCreate(ApiModel):
    title: Name
    description: Description = ""
    effective_at: AwareDatetime | None = Field(default=None, description="when it goes live; none: once approved")
    apply_to_existing_from: date | None = Field(
        default=None,
        description="new prices apply to existing subscribers from their first bill period starting on or after "
        "this date; none: existing subscribers keep their price",
    )


class ChangeSetPatch(ApiModel):
    title: Name | None = None
    description: Description | None = None
    effective_at: AwareDatetime | None = None
    apply_to_existing_from: date | None = None


class ItemCreate(ApiModel):
    entity_type: EntityType
    action: Literal["add", "modify", "retire"]
    code: Code
    data: dict[str, Any] = Field(
        default_factory=dict,
        description="add: the whole definition; modify: a JSON merge patch of the live one; retire: nothing",
    )


class ItemView(ItemCreate):
    id: uuid.UUID
    position: int


class Finding(ApiModel):
    field: str
    detail: str


class ChangeSetView(ApiModel):
    id: uuid.UUID
    title: str
    description: str
    status: ChangeSetStatus
    author: str
    effective_at: datetime | None
    apply_to_existing_from: date | None
    approved_by: str | None
    decided_at: datetime | None
    decision_reason: str | None
    findings: list[Finding]
    published_version: int | None
    workflow_id: str
    items: list[ItemView]
    created_at: datetime
    updated_at: datetime


class Decision(ApiModel):
    reason: Description | None = None


class ChangeSetExport(ApiModel):
    title: str
    description: str = ""
    effective_at: datetime | None = None
    apply_to_existing_from: date | None = None
    items: list[ItemCreate] = Field(default_factory=list)


class ImportRequest(ApiModel):
    document: CatalogueDocument
    title: Name | None = None
    effective_at: AwareDatetime | None = None
    apply_to_existing_from: date | None = None


class DiffLine(ApiModel):
    entity_type: EntityType
    code: str
    action: Literal["add", "modify", "retire"]
    changes: dict[str, Any] = Field(default_factory=dict, description="{field: {from, to}}")


class ImportPreview(ApiModel):
    base_version: int
    summary: str
    lines: list[DiffLine]
    findings: list[Finding]


# --- What crosses the workflow boundary.


class ChangeSetStart(BaseModel):
    change_set_id: uuid.UUID
    author: str


class ChangeSetAct(BaseModel):
    change_set_id: uuid.UUID
    principal: Principal
    reason: str | None = None


class SubmitOutcome(BaseModel):
    status: str
    findings: list[Finding] = Field(default_factory=list)


class PublishOutcome(BaseModel):
    status: str
    version: int | None = None
    # Instants at which existing subscribers' price changes fall due (start of each business day).
    price_change_days: list[date] = Field(default_factory=list)
    due_at: list[datetime] = Field(default_factory=list)


CatalogueDocument.model_rebuild()
CategoryView.model_rebuild()
