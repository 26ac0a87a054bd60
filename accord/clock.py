"""Business dates are local dates in the operator's timezone."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from accord.config import get_settings


def business_today() -> date:
    return datetime.now(ZoneInfo(get_settings().timezone)).date()
