"""ORM models, one table per module."""

from accord.models.agreement import Agreement
from accord.models.audit import AuditEvent, OutboxEvent
from accord.models.base import Base
from accord.models.configuration import ReferenceItem
from accord.models.customer import Customer, CustomerEmail
from accord.models.early_termination import EarlyTermination
from accord.models.idempotency import IdempotencyKey
from accord.models.offering import Offering
from accord.models.order import Order
from accord.models.schedule import SubscriptionChange
from accord.models.subscription import Subscription
from accord.models.tmf_document import TmfDocument

__all__ = [
    "Agreement",
    "AuditEvent",
    "Base",
    "Customer",
    "CustomerEmail",
    "EarlyTermination",
    "IdempotencyKey",
    "Offering",
    "Order",
    "OutboxEvent",
    "ReferenceItem",
    "Subscription",
    "SubscriptionChange",
    "TmfDocument",
]
