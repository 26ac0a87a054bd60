"""Every line logged inside an activity carries its workflow id and run id."""

from __future__ import annotations

import json
import logging

import pytest
import structlog
from temporalio import activity
from temporalio.testing import ActivityEnvironment

from accord.config import Settings
from accord.logs import configure_logging


@activity.defn(name="log_something")
async def log_something() -> None:
    structlog.get_logger("test").info("inside the activity", order_ref="shop-1")


async def test_activity_lines_carry_workflow_and_run_id(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(Settings(log_format="json"))
    try:
        await ActivityEnvironment().run(log_something)
        line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    finally:
        logging.getLogger().handlers.clear()
        structlog.reset_defaults()

    assert line["event"] == "inside the activity"
    assert line["order_ref"] == "shop-1"
    assert line["workflow_id"] == "test"
    assert line["run_id"] == "test-run"
    assert line["activity"] == "unknown"
    assert line["level"] == "info"
