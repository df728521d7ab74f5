"""``fraudml score``: ranked alerts with reasons for the numbers of a data folder, every number accounted for.

Exit status: 0 every number scored or closed; 3 some numbers rejected (listed in
the rejects file); 2 bad input, an as_of the data cannot support, or a model that
does not fit the features (nothing written); with ``--strict`` also a batch whose
features' coverage moved from training (only the drift report is written).
"""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from fraudml.cli.app import SPARK_MASTER, Command, DataFormat, Engine, app, console

PARTIAL = 3


def _progress() -> Progress:
    return Progress(TextColumn("scoring"), BarColumn(), MofNCompleteColumn(), TextColumn("numbers"),
                    TimeElapsedColumn(), TimeRemainingColumn(), console=console, transient=True)


def _show_top(result, n: int) -> None:
    """The first ``n`` numbers by rank, as an analyst would read them."""
    from rich.table import Table

    top = result.scores.nsmallest(n, "rank")
    table = Table(title=f"top {len(top)} of {result.scored:,} scored numbers", title_justify="left")
    for col in ("rank", "msisdn", "score", "decision", "reason_1"):
        table.add_column(col, justify="right" if col in ("rank", "score") else "left")
    for row in top.itertuples():
        score = "" if row.score != row.score else f"{row.score:.3f}"  # a closed number has no score (NaN)
        table.add_row(str(row.rank), str(row.msisdn), score, str(row.decision), str(row.reason_1 or ""))
    console.print(table)


@app.command(cls=Command)
def score(
    model: str = typer.Option(..., "--model", help="model bundle folder, or an MLflow model URI such as models:/fraudml@champion"),
    data: Path | None = typer.Option(None, "--data", help="folder of the tables of the numbers to score"),
    as_of: datetime | None = typer.Option(None, "--as-of", formats=["%Y-%m-%d"], help="score as of this date (events strictly before it)"),
    out: Path = typer.Option(..., "--out", help="scores file (.parquet or .csv); rejects, drift and rings are written beside it"),
    engine: Engine = typer.Option(Engine.duckdb, "--engine", help="engine that builds the features and, with "
                                  "spark, scores them and writes the files"),
    spark_master: str | None = SPARK_MASTER,
    format: DataFormat = typer.Option(DataFormat.canonical, "--format", help="canonical tables, or the Sichuan competition's raw files"),
    numbers: Path | None = typer.Option(None, "--numbers", help="score only these numbers (text file, one a line; or CSV/Parquet with an msisdn column)"),
    features: Path | None = typer.Option(None, "--features", help="score a feature table already built (instead of --data and --as-of)"),
    chunk_size: int = typer.Option(100_000, "--chunk-size", min=1, help="numbers per chunk (bounds memory)"),
    show: int = typer.Option(10, "--show", min=0, help="print this many of the top-ranked numbers"),
    allow_stale: bool = typer.Option(False, "--allow-stale", help="score as of a date the data cannot support "
                                     "(before any activity, or past its end by more than the longest window)"),
    strict: bool = typer.Option(False, "--strict", help="refuse the batch (exit 2, no scores) when a feature's "
                                "coverage moved from training by more than the margin, or the batch lacks it"),
) -> None:
    """Score numbers: calibrated score, rank, decision and top reasons, one row per number."""
    from fraudml.engine import engine_session
    from fraudml.scoring.batch import score_to_files
    from fraudml.scoring.output import drift_path, rejects_path, rings_path
    from fraudml.tracking import load_bundle

    start = time.perf_counter()
    bundle = load_bundle(model)
    with engine_session(engine.value, spark_master=spark_master), _progress() as bar:
        task = bar.add_task("scoring", total=None)
        batch = score_to_files(bundle, out, data=data, as_of=as_of.date() if as_of else None, features=features,
                               data_format=format.value, numbers=numbers, engine=engine.value, chunk_size=chunk_size,
                               allow_stale=allow_stale, strict=strict,
                               on_start=lambda total: bar.update(task, total=total),
                               on_chunk=lambda n: bar.advance(task, n))
    for ingested in batch.ingested:
        console.print(ingested.summary(), highlight=False)
    result = batch.result
    if show:
        _show_top(result, show)
    console.print(f"{result.summary()}; wrote {out} in {time.perf_counter() - start:.1f}s", highlight=False)
    if len(batch.rings.table):
        console.print(f"rings: {batch.rings.summary()} (see {rings_path(out)})", highlight=False)
    for kind, line in batch.warnings().items():
        console.print(f"[yellow]{kind}:[/] {line} (see {drift_path(out)})", highlight=False)
    if result.rejected:
        reasons = result.reject_counts()
        console.print(f"[yellow]rejected:[/] {'; '.join(f'{why}: {n:,}' for why, n in reasons.items())} "
                      f"(see {rejects_path(out)})", highlight=False)
        raise typer.Exit(PARTIAL)
