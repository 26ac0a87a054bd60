"""The TM Forum Open API facades, served from the same services as Accord's own API."""

from __future__ import annotations

from fastapi import APIRouter

from api.tmf import account, catalogue, customer, product

routers: tuple[APIRouter, ...] = (customer.router, account.router, product.router, catalogue.router)
