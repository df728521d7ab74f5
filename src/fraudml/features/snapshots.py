"""Snapshots and the target: which (msisdn, as_of) rows a feature table holds, and their labels.

Target (see docs/features.md):

* "The fraud has started" means the number has made or received a call or an
  SMS; a schedule snapshots only numbers with such activity before ``as_of``
  (optionally: within the last ``active_days``).
* A fraud number (label 1) is **positive** at ``as_of`` when its fraud has
  started before ``as_of`` and it was not yet confirmed at ``as_of``
  (``labelled_at`` null or on/after ``as_of``).
* A fraud number already confirmed before ``as_of`` is **left out**: it is
  already blocked, there is nothing left to detect.
* A normal number (label 0) is **negative**. A number without a label row has a
  null label (unknown), as has a fraud number whose activity starts later.

Static labels (every ``labelled_at`` null, as in the Sichuan data, one period)
give one snapshot at the end of the data and the labels as they are.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from fraudml.errors import InputError, example_rows
from fraudml.engine import Tables, connect, load_tables, register
from fraudml.tables import read_parquet

SPECS = "end, weekly, every:N (days), auto, or a .parquet/.csv file with msisdn and as_of"


def _events(tables: Tables):
    """(msisdn, at) of every call and SMS."""
    calls, sms = tables["calls"], tables["sms"]
    return ibis.union(calls.select("msisdn", at=calls.started_at), sms.select("msisdn", at=sms.sent_at))


def first_events(tables: Tables):
    """(msisdn, first, last): when each number made or received its first and its last call or SMS."""
    events = _events(tables)
    return events.group_by("msisdn").aggregate(first=events.at.min(), last=events.at.max())


def data_span(first) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First day with activity, and the day after the last one (the end of the data as an as_of), from ``first_events``."""
    span = first.aggregate(first=first["first"].min(), last=first["last"].max()).to_pandas().iloc[0]
    if pd.isna(span["first"]):
        raise InputError("the data has no calls or SMS: cannot place snapshots")
    return pd.Timestamp(span["first"]).normalize(), pd.Timestamp(span["last"]).normalize() + pd.Timedelta(days=1)


def schedule_dates(first_events, every_days: int | None) -> list[pd.Timestamp]:
    """as_of dates: the end of the data, then every ``every_days`` back while a week of history remains (None: end only)."""
    first, end = data_span(first_events)
    if every_days is None:
        return [end]
    if every_days < 1:
        raise InputError(f"snapshot spacing must be at least 1 day, got {every_days}")
    dates, d = [], end
    while d >= first + pd.Timedelta(days=min(every_days, 7)) or not dates:
        dates.append(d)
        d -= pd.Timedelta(days=every_days)
    return sorted(dates)


def active_snapshots(con, tables: Tables, dates: list[pd.Timestamp], active_days: int | None = None,
                     first=None) -> pd.DataFrame:
    """(msisdn, as_of) for every number with a call or an SMS before as_of (within ``active_days`` when given)."""
    d = register(con, "snapshot_dates", pa.table({"as_of": pa.array(pd.to_datetime(dates).astype("datetime64[us]"))}))
    if active_days:
        events = _events(tables)
        j = d.join(events, [events.at < d.as_of, events.at >= d.as_of - ibis.interval(days=active_days)])
    else:  # active at any time before: the first event is enough
        first = first_events(tables) if first is None else first
        j = d.join(first, first["first"] < d.as_of)
    out = j.select("msisdn", "as_of").distinct().to_pandas()
    return out.sort_values(["as_of", "msisdn"]).reset_index(drop=True)


def open_accounts(tables: Tables, as_of: pd.Timestamp) -> pd.DataFrame:
    """(msisdn, as_of) for every account activated before as_of (or at an unknown time) and not closed before it."""
    a = tables["accounts"]
    at = ibis.literal(as_of.to_pydatetime())
    opened = a.activated_at.isnull() | (a.activated_at < at)
    still_open = a.closed_at.isnull() | (a.closed_at >= at)
    out = a.filter(opened & still_open).select("msisdn").distinct().to_pandas()
    out["as_of"] = pd.Series(as_of, index=out.index).astype("datetime64[us]")
    return out.sort_values("msisdn").reset_index(drop=True)


def drop_shut_down(snapshots: pd.DataFrame, tables: Tables) -> pd.DataFrame:
    """Leave out snapshots of numbers already shut down at as_of, like confirmed fraud: they are already blocked.

    Where the source records closing dates, ``closed_at`` says it. Where no account has one
    (the Sichuan tables), a number with monthly spend records but none for the last month
    completed before as_of has stopped paying: it was shut down (docs/sichuan-model.md).
    """
    accounts = tables["accounts"]
    if "accounts" not in tables.absent and accounts.closed_at.notnull().any().to_pandas():
        closed = accounts.filter(accounts.closed_at.notnull()).select("msisdn", "closed_at").to_pandas()
        at = snapshots.merge(closed, on="msisdn", how="left")["closed_at"]
        return snapshots[~(at < snapshots["as_of"]).to_numpy()].reset_index(drop=True)
    if "account_months" in tables.absent:
        return snapshots
    months = tables["account_months"].select("msisdn", "month", "arpu").to_pandas()
    if months.empty:
        return snapshots
    months["month"] = pd.to_datetime(months["month"])
    last_month = (snapshots["as_of"].dt.to_period("M").dt.to_timestamp() - pd.DateOffset(months=1)).astype("datetime64[us]")
    paid = months[months["arpu"].notna()][["msisdn", "month"]].assign(paid=True)
    paid["month"] = paid["month"].astype("datetime64[us]")
    key = pd.DataFrame({"msisdn": snapshots["msisdn"], "month": last_month})
    paid_last = key.merge(paid.drop_duplicates(), on=["msisdn", "month"], how="left")["paid"].fillna(False).astype(bool)
    has_months = pd.Index(months["msisdn"].unique()).get_indexer(snapshots["msisdn"]) >= 0  # a hash lookup; isin on text loops
    return snapshots[(paid_last | ~has_months).to_numpy()].reset_index(drop=True)


def first_activity(con, tables: Tables, numbers: pd.Series, first=None) -> pd.Series:
    """Day of each number's first call or SMS (NaT when none), indexed by msisdn."""
    first = first_events(tables) if first is None else first
    wanted = register(con, "snapshot_numbers", pa.table({"msisdn": pa.array(numbers.unique().astype(object), pa.string())}))
    j = first.join(wanted, "msisdn")
    firsts = j.select("msisdn", "first").to_pandas()
    return pd.to_datetime(firsts.set_index("msisdn")["first"]).dt.normalize()


def label_snapshots(snapshots: pd.DataFrame, labels: pd.DataFrame | None,
                    first_active: pd.Series | None = None) -> pd.DataFrame:
    """Attach label and fraud_type to (msisdn, as_of) snapshots by the target's rules; drop confirmed fraud.

    ``first_active`` (day of first activity per msisdn) makes a fraud number
    whose activity starts on or after as_of unknown (null) rather than positive.
    """
    out = snapshots[["msisdn", "as_of"]].copy()
    if labels is None or len(labels) == 0:
        out["label"] = pd.array([pd.NA] * len(out), dtype="Int8")
        out["fraud_type"] = pd.array([pd.NA] * len(out), dtype="string")
        return out
    lab = labels[["msisdn", "label", "labelled_at", "fraud_type"]].drop_duplicates("msisdn", keep="last")
    out = out.merge(lab, on="msisdn", how="left")
    fraud = out["label"] == 1
    confirmed = fraud & out["labelled_at"].notna() & (out["labelled_at"] < out["as_of"])
    out = out[~confirmed.fillna(False)].copy()
    label = out["label"].astype("Int8")
    if first_active is not None:
        started = out["msisdn"].map(first_active) < out["as_of"]
        label = label.mask((label == 1) & ~started.fillna(False).astype(bool), pd.NA)
    out["label"] = label
    out["fraud_type"] = out["fraud_type"].astype("string").where(out["label"] == 1)
    return out[["msisdn", "as_of", "label", "fraud_type"]].reset_index(drop=True)


def _read_snapshot_file(path: Path) -> pd.DataFrame:
    if path.suffix == ".parquet":
        df = read_parquet(path).to_pandas()
    else:
        try:
            df = pd.read_csv(path, dtype={"msisdn": "string"})
        except Exception as exc:  # the CSV parser raises many types
            raise InputError(f"{path}: cannot read snapshots ({exc})") from exc
    missing = [c for c in ("msisdn", "as_of") if c not in df.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing; found {', '.join(map(str, df.columns))}")
    as_of = pd.to_datetime(df["as_of"], errors="coerce")
    bad = df.index[as_of.isna()]
    if len(bad):
        raise InputError(f"{path}: column as_of is not a date in {example_rows(bad + 1)}")
    return pd.DataFrame({"msisdn": df["msisdn"].astype("string"), "as_of": as_of.astype("datetime64[us]")})


def make_snapshots(data_dir: str | Path, spec: str | None = None, *, as_of: str | None = None,
                   active_days: int | None = None, engine: str = "duckdb", memory_limit: str | None = None) -> pd.DataFrame:
    """Training snapshots with their target, from a schedule ``spec`` or one ``as_of`` date.

    ``spec``: ``end`` (one snapshot at the end of the data), ``weekly``,
    ``every:N``, ``auto`` (``end`` when no label has a confirmation time, else
    ``weekly``), or a file of (msisdn, as_of) rows. A schedule takes every
    number with a call or an SMS before as_of, or within ``active_days`` of it.
    """
    if (spec is None) == (as_of is None):
        raise InputError("give either --as-of DATE or --snapshots SPEC")
    con = connect(engine, memory_limit=memory_limit)
    tables = load_tables(con, data_dir)
    labels = None if "labels" in tables.absent else tables["labels"].to_pandas()
    if as_of is not None:
        date = pd.to_datetime(as_of, errors="coerce")
        if pd.isna(date) or date != date.normalize():
            raise InputError(f"--as-of {as_of!r} is not a date (YYYY-MM-DD)")
        if {"calls", "sms"} <= tables.absent:
            # account records only (like the Sichuan user table): activity, and so when a fraud
            # started, is unknown; every account open at as_of is a snapshot with its label as given
            return label_snapshots(drop_shut_down(open_accounts(tables, date), tables), labels)
    first = first_events(tables).cache()
    if as_of is not None:
        snaps = active_snapshots(con, tables, [date], active_days, first)
    elif Path(spec).suffix in (".parquet", ".csv"):
        path = Path(spec)
        if not path.exists():
            raise InputError(f"{path}: snapshot file does not exist")
        snaps = _read_snapshot_file(path)
    else:
        every = _parse_spec(spec, labels)
        snaps = active_snapshots(con, tables, schedule_dates(first, every), active_days, first)
    snaps = drop_shut_down(snaps, tables)
    labelled = label_snapshots(snaps, labels, first_activity(con, tables, snaps["msisdn"], first))
    first.release()  # a Spark session outlives this call (build_features uses it next): free what it holds
    return labelled


def _parse_spec(spec: str, labels: pd.DataFrame | None) -> int | None:
    """Days between snapshots (None: one at the end of the data)."""
    spec = spec.strip().lower()
    if spec == "auto":
        static = labels is None or labels["labelled_at"].isna().all()
        return None if static else 7
    if spec == "end":
        return None
    if spec == "weekly":
        return 7
    if spec.startswith("every:"):
        try:
            return int(spec.removeprefix("every:").removesuffix("d"))
        except ValueError:
            pass
    raise InputError(f"--snapshots {spec!r} is not understood: use {SPECS}")
