"""The Temporal client, the search attributes Accord's workflows carry, and links to the Web UI."""

from __future__ import annotations

from urllib.parse import quote

from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.contrib.pydantic import pydantic_data_converter

from accord.config import Settings

ONBOARDING_WORKFLOW = "Onboarding"

ORDER_REF = SearchAttributeKey.for_keyword("OrderRef")
SEARCH_ATTRIBUTES = [ORDER_REF]


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_target,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


def workflow_url(settings: Settings, workflow_id: str) -> str:
    """The workflow's page in the Temporal Web UI (its latest run)."""
    base = settings.temporal_ui_url.rstrip("/")
    return f"{base}/namespaces/{settings.temporal_namespace}/workflows/{quote(workflow_id, safe='')}"
