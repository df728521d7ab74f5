"""Recent activity of the alerted numbers, from the canonical folder through the engine.

Only the numbers asked for are read out of the engine: their calls out and in
per day over the last ``days`` days before ``as_of``, the distinct numbers they
were in touch with, and the share of their calls at night (00:00-06:00).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa

from fraudml.engine import close, connect, load_tables, register

DAYS = 30
NIGHT_END_HOUR = 6  # the timing family's night: 00:00-06:00


@dataclass
class Activity:
    daily: pd.DataFrame  # msisdn, day, calls_out, calls_in (days without calls left out)
    totals: pd.DataFrame  # msisdn, calls, counterparts, night_share (numbers without calls left out)
    start: date  # first day of the window
    days: int


def recent_activity(data: str | Path, numbers: list[str], as_of: date, *, days: int = DAYS,
                    engine: str = "duckdb") -> Activity:
    """Calls per day, counterparts and night share of ``numbers`` over the ``days`` days before ``as_of``."""
    end = datetime.combine(as_of, datetime.min.time())
    start = end - timedelta(days=days)
    con = connect(engine)
    try:
        tables = load_tables(con, data)
        wanted = register(con, "report_numbers", pa.table({"msisdn": pa.array(sorted(set(numbers)), pa.string())}))
        calls = tables["calls"]
        calls = calls.filter(calls.started_at < end, calls.started_at >= start).join(wanted, "msisdn")
        per_day = calls.group_by(["msisdn", calls.started_at.date().name("day")]).aggregate(
            calls_out=calls.count(where=calls.direction == "out"), calls_in=calls.count(where=calls.direction == "in"))
        totals = calls.group_by("msisdn").aggregate(
            calls=calls.count(), counterparts=calls.counterpart.nunique(),
            night=calls.count(where=calls.started_at.hour() < NIGHT_END_HOUR))
        daily = per_day.order_by(["msisdn", "day"]).to_pandas()
        totals = totals.order_by("msisdn").to_pandas()
    finally:
        close(con)
    totals["night_share"] = totals.pop("night") / totals["calls"]
    daily["day"] = pd.to_datetime(daily["day"]).dt.date
    return Activity(daily, totals, start.date(), days)
