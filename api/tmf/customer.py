"""TMF629 Customer Management: Accord's customers as TMF Customers."""

from __future__ import annotations

from fastapi import APIRouter

from accord.tmf.conventions import CUSTOMER_API

router = APIRouter(prefix=CUSTOMER_API, tags=["TMF629 Customer Management"])
