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
* Only numbers live at ``as_of`` are snapshots: the population a model is for,
  the same that scoring scores (:mod:`fraudml.features.population`).

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
from fraudml.features.population import _events, activity_span, check_as_of, first_events, has_events, population
from fraudml.features.spec import DEFAULT_BURN_IN_DAYS, DEFAULT_WINDOWS
from fraudml.tables import read_parquet

SPECS = "end, weekly, every:N (days), auto, or a .parquet/.csv file with msisdn and as_of"


def schedule_dates(span: tuple[pd.Timestamp, pd.Timestamp], every_days: int | None, *,
                   burn_in_days: int = DEFAULT_BURN_IN_DAYS, holdout_days: int = 0) -> list[pd.Timestamp]:
    """as_of dates: ``holdout_days`` before the end of the data, then every ``every_days`` back while
    ``burn_in_days`` of data remain before the date (None: that one date only; at least that one date).

    ``span``: the data's first and last activity (:func:`fraudml.features.population.activity_span`).
    """
    first, end = span[0].normalize(), span[1].normalize() + pd.Timedelta(days=1)  # the end of the data as an as_of
    last = end - pd.Timedelta(days=holdout_days)
    if every_days is None:
        return [last]
    if every_days < 1:
        raise InputError(f"snapshot spacing must be at least 1 day, got {every_days}")
    dates, d = [], last
    while d >= first + pd.Timedelta(days=burn_in_days) or not dates:
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
    """(msisdn, as_of) for every account activated before as_of (or at an unknown time)."""
    a = tables["accounts"]
    opened = a.activated_at.isnull() | (a.activated_at < ibis.literal(as_of.to_pydatetime()))
    out = a.filter(opened).select("msisdn").distinct().to_pandas()
    out["as_of"] = pd.Series(as_of, index=out.index).astype("datetime64[us]")
    return out.sort_values("msisdn").reset_index(drop=True)


def live_only(con, tables: Tables, snapshots: pd.DataFrame, first=None) -> pd.DataFrame:
    """The snapshots of numbers live at their as_of (:func:`fraudml.features.population.population`): a model
    is trained on the numbers it will score."""
    reason = population(con, tables, snapshots, first)["reason"]
    return snapshots[reason.isna().to_numpy()].reset_index(drop=True)


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
    if not path.exists():
        raise InputError(f"{path}: snapshot file does not exist")
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
                   active_days: int | None = None, burn_in_days: int = DEFAULT_BURN_IN_DAYS, holdout_days: int = 0,
                   lookback_days: int = max(DEFAULT_WINDOWS), allow_stale: bool = False, engine: str = "duckdb",
                   memory_limit: str | None = None) -> pd.DataFrame:
    """Training snapshots with their target, from a schedule ``spec`` or one ``as_of`` date.

    ``spec``: ``end`` (one snapshot at the end of the data), ``weekly``,
    ``every:N``, ``auto`` (``end`` when no label has a confirmation time, else
    ``weekly``), or a file of (msisdn, as_of) rows. A schedule leaves ``holdout_days``
    at the end of the data and ``burn_in_days`` at its start without snapshots. Only
    numbers live at as_of are kept (:mod:`fraudml.features.population`); a schedule
    takes those with a call or an SMS before as_of, or within ``active_days`` of it.
    An as_of given (a date or a file's) that the data cannot support is refused
    unless ``allow_stale`` (``lookback_days``: the longest feature window).
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
        if not allow_stale:
            check_as_of(tables, [date], lookback_days)
        if not has_events(tables):
            # account records only (like the Sichuan user table): activity, and so when a fraud
            # started, is unknown; every account open at as_of is a snapshot with its label as given
            return label_snapshots(live_only(con, tables, open_accounts(tables, date)), labels)
    first = first_events(tables).cache()
    if as_of is not None:
        snaps = active_snapshots(con, tables, [date], active_days, first)
    elif Path(spec).suffix in (".parquet", ".csv"):
        snaps = _read_snapshot_file(Path(spec))
        if not allow_stale:
            check_as_of(tables, snaps["as_of"].unique(), lookback_days, first)
    else:
        every = _parse_spec(spec, labels)
        if not has_events(tables):
            raise InputError(f"{data_dir}: the data has no calls or SMS: cannot place snapshots (give --as-of DATE)")
        dates = schedule_dates(activity_span(tables, first), every, burn_in_days=burn_in_days, holdout_days=holdout_days)
        snaps = active_snapshots(con, tables, dates, active_days, first)
    labelled = label_snapshots(live_only(con, tables, snaps, first), labels,
                               first_activity(con, tables, snaps["msisdn"], first))
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
