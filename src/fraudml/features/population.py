"""Which numbers a model is for, and which as_of dates the data can support.

One rule, shared by training snapshots and scoring: a model is for the numbers
**live at as_of**. A number is live when

* it is in use: it made or received a call or an SMS before as_of (where the data
  has no calls or SMS at all, like the Sichuan user table, an account open at as_of
  is enough), and
* it is not shut down: not closed before as_of where the source records closing
  dates (``accounts.closed_at``); where no account has a closing date, a number
  with spend recorded for months ended before as_of but none for the last of them
  has stopped paying, and was shut down (docs/sichuan-model.md).

Training snapshots keep only live numbers; scoring gives every other number the
decision ``closed``, with the reason in words (docs/scoring.md).
"""

from __future__ import annotations

import ibis
import pandas as pd
import pyarrow as pa

from fraudml.errors import InputError
from fraudml.features.context import last_complete_month
from fraudml.engine import Tables, register

NOT_IN_USE = "not in use: no call or SMS before as_of"


CLOSED_ON = "closed on "  # then the day, YYYY-MM-DD
STOPPED_PAYING = ("shut down: no spend recorded for ", ", the last month before as_of")  # around the month, YYYY-MM


def _events(tables: Tables):
    """(msisdn, at) of every call and SMS."""
    calls, sms = tables["calls"], tables["sms"]
    return ibis.union(calls.select("msisdn", at=calls.started_at), sms.select("msisdn", at=sms.sent_at))


def first_events(tables: Tables):
    """(msisdn, first, last): when each number made or received its first and its last call or SMS."""
    events = _events(tables)
    return events.group_by("msisdn").aggregate(first=events.at.min(), last=events.at.max())


def has_events(tables: Tables) -> bool:
    """Whether the data holds calls or SMS (else activity is unknown: account records only)."""
    return not {"calls", "sms"} <= tables.absent


def activity_span(tables: Tables, first=None) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """When the data's activity starts and ends: its first and last call or SMS; for account records only, the
    start and the end of its months of spend. None when the data holds neither."""
    if has_events(tables):
        first = first_events(tables) if first is None else first
        span = first.aggregate(first=first["first"].min(), last=first["last"].max()).to_pandas().iloc[0]
    elif "account_months" not in tables.absent:
        months = tables["account_months"]
        month = months.month.cast("timestamp")
        span = months.aggregate(first=month.min(), last=month.max()).to_pandas().iloc[0]
        if not pd.isna(span["last"]):  # a month's spend is known once the month has ended
            span["last"] = pd.Timestamp(span["last"]) + pd.DateOffset(months=1)
    else:
        return None
    if pd.isna(span["first"]):
        return None
    return pd.Timestamp(span["first"]), pd.Timestamp(span["last"])


def check_as_of(tables: Tables, dates, lookback_days: int, first=None) -> None:
    """Refuse as_of dates the data cannot support: one before which no number has any activity, or one past the
    data's last activity by more than the longest window (every window would be empty)."""
    span = activity_span(tables, first)
    if span is None:
        return
    start, last = span
    for as_of in sorted({pd.Timestamp(d) for d in dates}):
        if as_of <= start:
            raise InputError(f"as_of {as_of:%Y-%m-%d}: no number has any activity before it (the data starts "
                             f"{start:%Y-%m-%d %H:%M}); give a later date, or --allow-stale")
        if as_of - last > pd.Timedelta(days=lookback_days):
            raise InputError(f"as_of {as_of:%Y-%m-%d} is {(as_of - last).days:,} days after the data's last activity "
                             f"({last:%Y-%m-%d %H:%M}), more than the longest window ({lookback_days} days): every "
                             "window would be empty; give a date the data covers, or --allow-stale")


def population(con, tables: Tables, candidates: pd.DataFrame, first=None) -> pd.DataFrame:
    """``candidates`` (msisdn, as_of) with ``reason``: null for a number live at as_of, else why it is not, in
    words. Rows keep the candidates' order."""
    keyed = candidates[["msisdn", "as_of"]].reset_index(drop=True)
    keyed = keyed.assign(row=pd.RangeIndex(len(keyed)), as_of=keyed["as_of"].astype("datetime64[us]"))
    c = register(con, "population_candidates", pa.Table.from_pandas(keyed, preserve_index=False))
    out = population_reasons(tables, c, "row", first).to_pandas().sort_values("row")
    return pd.DataFrame({"msisdn": candidates["msisdn"].to_numpy(), "as_of": keyed["as_of"].to_numpy(),
                         "reason": out["reason"].astype(object).where(out["reason"].notna(), None).to_numpy()})


def population_reasons(tables: Tables, candidates, key: str, first=None):
    """The rule as one engine expression, for DuckDB and Spark alike: ``candidates`` (an engine table of ``key``,
    msisdn, as_of; ``key`` unique) as ``key``, msisdn, as_of, reason (null for a live number)."""
    facts = candidates.select(key, "msisdn", "as_of")
    if has_events(tables):
        first = first_events(tables) if first is None else first
        facts = facts.left_join(first.select("msisdn", _first="first"), "msisdn").drop("msisdn_right")
    closing = _recorded_closings(tables)
    if closing is not None:
        facts = facts.left_join(closing, "msisdn").drop("msisdn_right")
    elif "account_months" not in tables.absent:
        facts = facts.left_join(_spend_history(facts, tables["account_months"], key), key).drop(f"{key}_right")
    reason = ibis.null().cast("string")
    if "_first" in facts.columns:  # a number without any event is not in use either (the comparison is null)
        reason = ibis.ifelse(facts._first < facts.as_of, reason, NOT_IN_USE)
    if "_closed" in facts.columns:
        reason = ibis.ifelse(facts._closed < facts.as_of, CLOSED_ON + _day(facts._closed), reason)
    if "_history" in facts.columns:
        stopped = (facts._history.fill_null(0) > 0) & (facts._paid.fill_null(0) == 0)
        month = _day(last_complete_month(facts.as_of)).substr(0, 7)
        reason = ibis.ifelse(stopped, STOPPED_PAYING[0] + month + STOPPED_PAYING[1], reason)
    return facts.select(key, "msisdn", "as_of", reason=reason)


def _day(at):
    """A timestamp's date as text, YYYY-MM-DD, in either engine."""
    return at.cast("date").cast("string")


def _recorded_closings(tables: Tables):
    """(msisdn, _closed) when the source records closing dates (some account has one), else None."""
    if "accounts" in tables.absent:
        return None
    accounts = tables["accounts"]
    if not accounts.closed_at.notnull().any().to_pandas():
        return None
    return accounts.group_by("msisdn").aggregate(_closed=accounts.closed_at.max())


def _spend_history(candidates, months, key: str):
    """Per candidate: months with a spend row ended before as_of (_history), and spend in the last one (_paid)."""
    last = last_complete_month(candidates.as_of)
    month = months.month.cast("timestamp")
    j = candidates.join(months, [candidates.msisdn == months.msisdn, month <= last])
    in_last = j.month.cast("timestamp") == last_complete_month(j.as_of)
    return j.group_by(key).aggregate(_history=j.count(), _paid=j.arpu.count(where=in_last))
