"""Commands of the features stage."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from fraudml.cli.app import SPARK_MASTER, Command, app, console
from fraudml.errors import InputError
from fraudml.features.spec import DEFAULT_BURN_IN_DAYS, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_MONTHS, DEFAULT_WINDOWS


def _windows(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(w) for w in text.split(",") if w.strip())
    except ValueError:
        raise InputError(f"--windows {text!r}: give whole numbers of days separated by commas, e.g. {','.join(map(str, DEFAULT_WINDOWS))}") from None


@app.command(cls=Command)
def features(
    data: Path = typer.Option(None, "--data", help="canonical data folder"),
    out: Path = typer.Option(None, "--out", help="feature table to write (Parquet); its spec is written beside it"),
    as_of: str = typer.Option(None, "--as-of", help="one snapshot date (YYYY-MM-DD): every number active before it"),
    snapshots: str = typer.Option(None, "--snapshots", help="end, weekly, every:N, auto, or a .parquet/.csv of msisdn,as_of"),
    engine: str = typer.Option("duckdb", help="duckdb (embedded) or spark (needs the spark extra)"),
    spark_master: str = SPARK_MASTER,
    windows: str = typer.Option(",".join(map(str, DEFAULT_WINDOWS)), help="trailing windows in days"),
    label_delay_days: int = typer.Option(DEFAULT_LABEL_DELAY_DAYS, min=0, help="days until a fraud label is known: labels "
                                         "feed graph features only once this old (the params file's features.label_delay_days)"),
    months: int = typer.Option(DEFAULT_MONTHS, min=1, help="complete months of spend and data use the monthly "
                               "features read: 1 for data whose files hold one month (the params file's features.months)"),
    memory_limit: str = typer.Option(None, help="engine memory limit, e.g. 8GB (DuckDB spills to disk past it)"),
    threads: int = typer.Option(None, min=1, help="engine threads (default: all cores)"),
    active_days: int = typer.Option(None, min=1, help="snapshot only numbers with a call or SMS this many days before as_of "
                                    "(default: any time before)"),
    burn_in_days: int = typer.Option(DEFAULT_BURN_IN_DAYS, min=0, help="a schedule's first snapshot has this many days "
                                     "of data before it: the features see a full history"),
    holdout_days: int = typer.Option(0, min=0, help="a schedule leaves this many days at the end of the data without "
                                     "snapshots (a later batch to score)"),
    allow_stale: bool = typer.Option(False, "--allow-stale", help="build features for an as_of the data cannot support "
                                     "(before any activity, or past its end by more than the longest window)"),
    catalogue: Path = typer.Option(None, "--catalogue", help="write the feature catalogue (Markdown) here instead"),
) -> None:
    """Build point-in-time features: one row per (msisdn, as_of) snapshot, from events strictly before as_of."""
    if catalogue is not None:
        from fraudml.features.catalogue import write

        console.print(f"wrote the feature catalogue to {write(catalogue)}")
        return
    if data is None or out is None:
        raise InputError("fraudml features needs --data DIR and --out FILE (or --catalogue FILE)")
    from fraudml.engine import engine_session
    from fraudml.features.table import make_feature_file

    start = time.perf_counter()
    with engine_session(engine, spark_master=spark_master, memory_limit=memory_limit), \
            console.status("computing snapshots and their features"):
        made = make_feature_file(data, out, snapshots=snapshots, as_of=as_of, active_days=active_days,
                                 burn_in_days=burn_in_days, holdout_days=holdout_days, allow_stale=allow_stale,
                                 windows=_windows(windows), label_delay_days=label_delay_days, months=months,
                                 engine=engine, memory_limit=memory_limit, threads=threads)
    console.print(f"wrote {made.rows:,} snapshots x {len(made.spec.features)} features to {out} (spec {made.spec.hash}; "
                  f"{made.positive:,} positive, {made.negative:,} negative, {made.unlabelled:,} unlabelled) "
                  f"in {time.perf_counter() - start:.1f}s")
