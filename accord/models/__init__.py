"""ORM models, one table per module."""

from accord.models.agreement import Agreement
from accord.models.base import Base
from accord.models.customer import Customer
from accord.models.offering import Offering
from accord.models.order import Order
from accord.models.subscription import Subscription

__all__ = ["Agreement", "Base", "Customer", "Offering", "Order", "Subscription"]
