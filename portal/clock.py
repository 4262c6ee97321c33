"""The current time, in China Standard Time.

`PORTAL_NOW` (ISO date or datetime) fixes it, so that tests and reproducible
builds do not depend on the day they run.
"""
from __future__ import annotations

import datetime as dt
import os

CST = dt.timezone(dt.timedelta(hours=8), "CST")


def now() -> dt.datetime:
    fixed = os.environ.get("PORTAL_NOW")
    if fixed:
        value = dt.datetime.fromisoformat(fixed)
        return value if value.tzinfo else value.replace(tzinfo=CST)
    return dt.datetime.now(CST)


def today() -> dt.date:
    return now().date()
