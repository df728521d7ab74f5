"""``fraudml report``: a scored batch as one self-contained HTML page an analyst opens in a browser."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from fraudml.cli.app import app, console
from fraudml.cli.app import Engine


@app.command()
def report(
    scores: Path = typer.Option(..., "--scores", help="scores file written by fraudml score (its rejects, drift and rings beside it)"),
    data: Path = typer.Option(..., "--data", help="the canonical folder the batch was scored from (for the alerts' activity)"),
    out: Path = typer.Option(Path("report.html"), "--out", help="the HTML file to write"),
    model: str | None = typer.Option(None, "--model", help="the model that scored the batch (bundle folder or models:/NAME@ALIAS), for its metrics"),
    as_of: datetime | None = typer.Option(None, "--as-of", formats=["%Y-%m-%d"], help="the scores' date, when the scores file does not say it"),
    engine: Engine = typer.Option(Engine.duckdb, "--engine", help="engine that reads the alerts' activity"),
) -> None:
    """Write one self-contained HTML page: summary, drift, alerts, each alert's activity and reasons, rings."""
    from fraudml.report.batch import load_batch, model_facts
    from fraudml.report.page import write_report

    batch = load_batch(scores)
    if as_of is not None:
        batch.as_of = as_of.date()
    facts = model_facts(model) if model else None
    path = write_report(batch, data, out, model=facts, engine=engine.value)
    counts = ", ".join(f"{d} {n:,}" for d, n in batch.decisions().items())
    console.print(f"report of {len(batch.scores):,} scored numbers ({counts}) written to {path.resolve()}", highlight=False)
