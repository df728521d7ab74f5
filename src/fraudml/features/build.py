"""Assemble the feature families into one feature table: one row per (msisdn, as_of) snapshot.

``build_features`` is the public entry point for training (snapshots with
labels, from :mod:`fraudml.features.snapshots`), and ``iter_features`` gives
the same rows pass by pass for scoring (a list of numbers and one as_of,
without labels). Every snapshot comes out, in the order
given, even when its number has no row in any table (then every feature is null,
so a scorer can reject it with a reason).
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache, partial
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from fraudml.errors import InputError, example_rows
from fraudml.features import (account, devices, diversity, durations, graph, location, reciprocity, sms_data, timing,
                              volume)
from fraudml.features.context import KEY, Context, unbound_context
from fraudml.engine import Tables, close, connect, load_tables, register
from fraudml.features.spec import (CATEGORY, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_MONTHS, DEFAULT_WINDOWS, ID_COLUMNS,
                                  TARGET_COLUMNS, FeatureSpec)

FAMILIES = (volume, diversity, reciprocity, durations, timing, location, devices, account, sms_data, graph)
EVENT_TABLES = ("calls", "sms")
SNAPSHOTS_PER_PASS = 250_000  # about 12M calls a pass at 50 calls a number  # a count from these is 0, not missing, for a number that had no such event


def feature_spec(windows=DEFAULT_WINDOWS, label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
                 months: int = DEFAULT_MONTHS) -> FeatureSpec:
    """The features computed for these settings, without touching any data."""
    if int(months) < 1:
        raise InputError(f"months must be at least 1, got {months}")
    return _spec(check_windows(windows), int(label_delay_days), int(months))


@lru_cache(maxsize=8)
def _spec(windows: tuple[int, ...], label_delay_days: int, months: int) -> FeatureSpec:
    ctx = unbound_context(windows, label_delay_days, months)
    defs = tuple(d for family in FAMILIES for d in family.features(ctx).defs)
    return FeatureSpec(defs, windows=windows, params={"label_delay_days": label_delay_days, "months": months})


def check_windows(windows) -> tuple[int, ...]:
    windows = tuple(sorted({int(w) for w in windows}))
    if not windows or windows[0] < 1:
        raise InputError(f"windows must be whole numbers of days, at least 1; got {list(windows)}")
    return windows


def check_snapshots(snapshots: pd.DataFrame, source: str = "snapshots") -> pd.DataFrame:
    """msisdn (text) and as_of (a date) for each snapshot, with label and fraud_type (null when unknown)."""
    missing = [c for c in ID_COLUMNS if c not in snapshots.columns]
    if missing:
        raise InputError(f"{source}: column(s) {', '.join(missing)} missing; found {', '.join(map(str, snapshots.columns))}")
    out = pd.DataFrame({"msisdn": snapshots["msisdn"].astype("string"),
                        "as_of": pd.to_datetime(snapshots["as_of"], errors="coerce")})
    bad = out.index[out["msisdn"].isna() | out["as_of"].isna()]
    if len(bad):
        raise InputError(f"{source}: msisdn or as_of missing or not a date in {example_rows(bad + 1)}")
    not_midnight = out.index[out["as_of"] != out["as_of"].dt.normalize()]
    if len(not_midnight):
        raise InputError(f"{source}: column as_of must hold dates (midnight), not times, in {example_rows(not_midnight + 1)}")
    dup = out.index[out.duplicated(list(ID_COLUMNS))]
    if len(dup):
        raise InputError(f"{source}: the same (msisdn, as_of) appears twice, {example_rows(dup + 1)}")
    out["as_of"] = out["as_of"].astype("datetime64[us]")
    out["label"] = pd.array(snapshots["label"], dtype="Int8") if "label" in snapshots else pd.array([pd.NA] * len(out), dtype="Int8")
    out["fraud_type"] = snapshots["fraud_type"].astype("string") if "fraud_type" in snapshots \
        else pd.array([pd.NA] * len(out), dtype="string")
    return out.reset_index(drop=True)


def _seen(ctx: Context, tables: Tables):
    """Snapshot ids whose number has some row known at as_of in any table."""
    s = ctx.snapshots
    keys = [ctx.calls_window.select(*KEY), ctx.sms_pairs.select(*KEY)]  # a call or an SMS in the lookback
    L = ctx.lookback
    for name, time_col in (("calls", "started_at"), ("sms", "sent_at")):  # or earlier, however long ago
        older = ctx.events_between(name, time_col, None, L)
        keys.append(s.join(older, ["msisdn", older[time_col] < s.as_of - ibis.interval(days=L)]).select(*KEY))
    acc = tables["accounts"]
    a = s.join(acc, ["msisdn"])
    keys.append(a.filter(a.activated_at.isnull() | (a.activated_at < a.as_of)).select(*KEY))
    for name in ("account_months", "app_usage"):
        t = tables[name]
        j = s.join(t, ["msisdn", (t.month.cast("timestamp") + ibis.interval(months=1)) <= s.as_of])
        keys.append(j.select(*KEY).distinct())
    return ibis.union(*keys, distinct=True).mutate(_seen=ibis.literal(1))


def build_features(
    data_dir: str | Path,
    snapshots: pd.DataFrame,
    *,
    windows=DEFAULT_WINDOWS,
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    months: int = DEFAULT_MONTHS,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    threads: int | None = None,
    snapshots_per_pass: int = SNAPSHOTS_PER_PASS,
) -> tuple[pd.DataFrame, FeatureSpec]:
    """The feature table of ``snapshots`` (msisdn, as_of[, label, fraud_type]) from the canonical tables in ``data_dir``.

    Features use events strictly before each as_of. Returns the table (msisdn,
    as_of, label, fraud_type, then the features in spec order; one row per
    snapshot, in the given order) and its spec. Many snapshots are computed in
    passes of at most ``snapshots_per_pass`` (see :func:`iter_features`), so memory stays bounded.
    """
    passes = list(iter_features(data_dir, snapshots, windows=windows, label_delay_days=label_delay_days, months=months,
                                engine=engine, memory_limit=memory_limit, threads=threads,
                                snapshots_per_pass=snapshots_per_pass))
    # the engine is closed once the passes are done, so its memory is freed before the table is assembled
    table = pd.concat(passes, ignore_index=True) if len(passes) > 1 else passes[0]
    return table, feature_spec(windows, label_delay_days, months)


def iter_features(
    data_dir: str | Path,
    snapshots: pd.DataFrame,
    *,
    windows=DEFAULT_WINDOWS,
    label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS,
    months: int = DEFAULT_MONTHS,
    engine: str = "duckdb",
    memory_limit: str | None = None,
    threads: int | None = None,
    snapshots_per_pass: int = SNAPSHOTS_PER_PASS,
) -> Iterator[pd.DataFrame]:
    """The rows of :func:`build_features`' table, pass by pass: consecutive snapshots, at most ``snapshots_per_pass``
    at a time, in the given order. One engine serves every pass, and the intermediates over all snapshot dates
    (who is in contact with each counterpart and device) are computed once for all of them."""
    windows = check_windows(windows)
    snaps = check_snapshots(snapshots)
    spec = feature_spec(windows, label_delay_days, months)
    con = connect(engine, memory_limit=memory_limit, threads=threads)
    shared = {}
    try:
        tables = load_tables(con, data_dir)
        keyed = snaps[list(ID_COLUMNS)].assign(sid=np.arange(len(snaps), dtype="int64"))  # the row's place: one integer key
        s_all = register(con, "snapshots", pa.Table.from_pandas(keyed, preserve_index=False))
        per_pass = max(1, snapshots_per_pass)
        shared["as_of_dates"] = s_all.select("as_of").distinct().cache()
        as_of_range = (snaps["as_of"].min().to_pydatetime(), snaps["as_of"].max().to_pydatetime()) if len(snaps) else None
        for start in range(0, max(len(snaps), 1), per_pass):  # passes of consecutive rows: their results concatenate in order
            batch = s_all.filter((s_all.sid >= start) & (s_all.sid < start + per_pass)) if len(snaps) > per_pass else s_all
            ctx = Context(tables, batch, windows, label_delay_days, spec.months, shared=shared, as_of_range=as_of_range)
            features = steady(_compute(ctx, tables, spec), spec.names)
            ctx.release()
            rows = snaps.iloc[start:start + per_pass].reset_index(drop=True)
            yield pd.concat([rows[[*ID_COLUMNS, *TARGET_COLUMNS]], features[spec.names]], axis=1)
    finally:
        for intermediate in shared.values():
            intermediate.release()
        close(con)


def steady(features: pd.DataFrame, names: list[str], digits: int = 10) -> pd.DataFrame:
    """Float features rounded to ``digits`` significant digits.

    The engine sums on several threads in no fixed order, so the last bits of a
    float feature (an entropy, a coefficient of variation) vary from run to run;
    rounding them away makes the same data give the same feature table, so the
    same model and identical score files.
    """
    out = features.copy()
    for name in names:
        col = out[name]
        if pd.api.types.is_float_dtype(col):
            out[name] = round_significant(col.to_numpy(dtype="float64", na_value=np.nan), digits)
    return out


def round_significant(x: np.ndarray, digits: int = 10) -> np.ndarray:
    """``x`` rounded to ``digits`` significant digits; zeros, NaN and infinities as they are."""
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = 10.0 ** (digits - 1 - np.floor(np.log10(np.abs(x))))
        return np.where(np.isfinite(scale) & (x != 0), np.round(x * scale) / scale, x)


def _compute(ctx: Context, tables: Tables, spec: FeatureSpec) -> pd.DataFrame:
    """Every family's features for the context's snapshots, as a DataFrame with their ``sid``."""
    query = feature_query(ctx, tables, spec).order_by(*KEY)
    return query.to_pyarrow().to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)


def feature_query(ctx: Context, tables: Tables, spec: FeatureSpec):
    """Every family's features for the context's snapshots (with their ``sid``) as one engine table, nulls and
    zeros as the spec says."""
    result = ctx.snapshots.select(*KEY).left_join(_seen(ctx, tables), KEY)
    for family in FAMILIES:
        for part in family.features(ctx).parts:
            result = result.left_join(part, KEY)
    result = result.select(*KEY, "_seen", *spec.names)
    columns = {}
    for d in spec.features:
        dtype = "string" if d.dtype == CATEGORY else d.dtype  # a category is its text
        value = result[d.name].cast(dtype)
        if not tables.has(d.source):
            value = ibis.null().cast(dtype)
        elif d.dtype == "int64" and d.source.split(".")[0].split("+")[0] in EVENT_TABLES:
            value = ibis.coalesce(value, 0)
        columns[d.name] = ibis.ifelse(result._seen.notnull(), value, ibis.null().cast(dtype))
    return result.select(*KEY, **columns)


def spark_features(con, tables: Tables, snapshots, spec: FeatureSpec, as_of_range):
    """The features of ``snapshots`` (a Spark table of sid, msisdn, as_of) as a Spark DataFrame of sid and the
    features, its floats rounded on the executors by the rule of :func:`steady`; nothing runs until an action
    does. Returns it and a function that frees the intermediates it caches, to call once it has been used."""
    from fraudml.spark import frame

    shared = {"as_of_dates": snapshots.select("as_of").distinct().cache()}
    ctx = Context(tables, snapshots.select(*KEY, "msisdn", "as_of"), spec.windows, spec.label_delay_days, spec.months,
                  shared=shared, as_of_range=as_of_range)
    features = frame(con, feature_query(ctx, tables, spec))
    floats = [d.name for d in spec.features if d.dtype == "float64"]

    def release() -> None:
        ctx.release()
        for intermediate in shared.values():
            intermediate.release()

    return features.mapInArrow(partial(_steady_batches, frozenset(floats)), features.schema), release


def _steady_batches(names: frozenset[str], batches):
    """:func:`steady` on Arrow batches: the named columns rounded, a NaN stored as null as DuckDB's table stores it."""
    for batch in batches:
        columns = [pa.array(round_significant(column.to_numpy(zero_copy_only=False)), pa.float64(), from_pandas=True)
                   if name in names else column for name, column in zip(batch.schema.names, batch.columns)]
        yield pa.RecordBatch.from_arrays(columns, schema=batch.schema)


def write_features_spark(data_dir: str | Path, snaps: pd.DataFrame, out: Path, spec: FeatureSpec,
                         memory_limit: str | None = None) -> None:
    """The features of ``snaps`` (checked snapshots) written by Spark to ``out``, a folder of Parquet parts in the
    snapshots' order: one query over every snapshot, joined to the snapshots' targets; the table never passes
    through the driver."""
    from pyspark import StorageLevel

    from fraudml.spark import check_replaceable, frame, write

    check_replaceable(out)
    con = connect("spark", memory_limit=memory_limit)
    try:
        tables = load_tables(con, data_dir)
        keyed = snaps.assign(sid=np.arange(len(snaps), dtype="int64"))
        s_all = register(con, "snapshots", pa.Table.from_pandas(keyed, preserve_index=False))
        as_of_range = (snaps["as_of"].min().to_pydatetime(), snaps["as_of"].max().to_pydatetime()) if len(snaps) else None
        features, release = spark_features(con, tables, s_all, spec, as_of_range)
        targets = frame(con, s_all.select("sid", "msisdn", as_of=s_all.as_of.cast("date"),
                                          label=s_all.label.cast("int8"), fraud_type=s_all.fraud_type))
        # kept as computed: sorting samples the rows before it writes them, and the feature query then runs once
        rows = targets.join(features, "sid").persist(StorageLevel.MEMORY_AND_DISK)
        write(rows.orderBy("sid").drop("sid"), out)
        rows.unpersist()
        release()
    finally:
        close(con)
