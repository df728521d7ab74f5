"""Commands that bring data in: simulate, ingest, validate."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from fraudml.cli.app import SPARK_MASTER, Command, DataFormat, Engine, app, console
from fraudml.engine import DEFAULT_MEMORY_LIMIT, STREAMED_SHARE
from fraudml.errors import InputError
from fraudml.validation import Counts


class Preset(str, Enum):
    realistic = "realistic"
    sichuan = "sichuan"


def print_counts(results: list[Counts], title: str) -> None:
    """One line per table: read = kept + quarantined, and the reasons."""
    table = Table(title=title, title_justify="left")
    for col in ("table", "read", "kept", "quarantined", "reasons"):
        table.add_column(col, justify="right" if col in ("read", "kept", "quarantined") else "left")
    for r in results:
        reasons = "; ".join(f"{why}: {n:,}" for why, n in r.reasons.items())
        table.add_row(r.name, f"{r.read:,}", f"{r.kept:,}", f"{r.quarantined:,}", reasons)
    console.print(table)


def progress(began: float):
    """Print each step of a long run as it starts, with the time since ``began``."""
    return lambda text: console.print(f"[dim]{time.perf_counter() - began:7.1f}s[/] {text}", highlight=False)


MEMORY_HELP = (f"memory limit of the whole process, e.g. 2GB or 8GB (DuckDB takes {STREAMED_SHARE:.0%} of it and "
               "spills to disk past that, and says where)")


ENGINE = typer.Option(Engine.duckdb, "--engine", help="duckdb (embedded), or spark, which reads, checks and "
                      "writes the tables as folders of parts (needs the spark extra)")


@app.command(cls=Command)
def simulate(
    out: Path = typer.Option(..., "--out", help="folder to write the world to"),
    preset: Preset = typer.Option(Preset.realistic, help="realistic: about 1% fraud; sichuan: about 30%, like the competition"),
    subscribers: int = typer.Option(20_000, min=10, help="subscribers in the world"),
    days: int = typer.Option(30, min=1, help="days of activity"),
    seed: int = typer.Option(0, help="random seed: the same seed gives the same world"),
    start: str = typer.Option("2020-01-01", help="first day of the world (YYYY-MM-DD)"),
    fraud_share: float | None = typer.Option(None, min=0, max=1, help="share of the subscribers that are fraud SIMs "
                                             "over the whole world [default: the preset's]"),
    format: DataFormat = typer.Option(DataFormat.canonical, "--format", help="canonical Parquet tables, or the Sichuan competition's CSV files"),
) -> None:
    """Simulate a synthetic operator world (the built-in data)."""
    from fraudml.simulate import build_world
    from fraudml.simulate.truth import write_truth

    if pd.isna(pd.to_datetime(start, format="%Y-%m-%d", errors="coerce")):
        raise InputError(f"--start {start!r} is not a date (YYYY-MM-DD)")
    began = time.perf_counter()
    with console.status(f"simulating {subscribers:,} subscribers over {days} days"):
        overrides = {} if fraud_share is None else {"fraud_share": fraud_share}
        world = build_world(preset=preset.value, subscribers=subscribers, days=days, seed=seed, start=start,
                            **overrides)
    tables = world.tables
    write_truth(world.truth, out)  # for evaluation only: no stage reads it
    if format is DataFormat.sichuan:
        from fraudml.ingest.sichuan import write_sichuan

        written = write_sichuan(tables, out)
        console.print(f"wrote {len(written)} Sichuan-format files to {out} in {time.perf_counter() - began:.1f}s")
        return
    from fraudml.validation import validate_and_write

    results = validate_and_write(tables, out, step=progress(began))
    print_counts(results, f"simulated world in {out} ({time.perf_counter() - began:.1f}s)")


ingest_app = typer.Typer(help="Bring raw tables of a known format into canonical tables.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


@ingest_app.command("sichuan", cls=Command)
def ingest_sichuan(
    src: Path = typer.Argument(..., help="folder with the competition's files (train_user.csv, ... or user.csv, voc.csv, ...)"),
    out: Path = typer.Option(..., "--out", help="folder to write canonical tables to"),
    pseudonymise: bool = typer.Option(False, help="replace numbers, IMEIs and holder IDs by keyed hashes (key in FRAUDML_PSEUDONYM_KEY)"),
    memory_limit: str = typer.Option(DEFAULT_MEMORY_LIMIT, help=MEMORY_HELP),
    engine: Engine = ENGINE,
    spark_master: str | None = SPARK_MASTER,
) -> None:
    """Ingest the 2020 Digital Sichuan competition's tables into canonical tables."""
    from fraudml.engine import engine_session
    from fraudml.ingest.sichuan import ingest_sichuan as run

    began = time.perf_counter()
    with engine_session(engine.value, spark_master=spark_master, memory_limit=memory_limit):
        results = run(src, out, pseudonymise=pseudonymise, memory_limit=memory_limit, engine=engine.value,
                      step=progress(began))
    print_counts(results, f"ingested {src} into {out} ({time.perf_counter() - began:.1f}s)")


@app.command("validate", cls=Command)
def validate_folder(
    data: Path = typer.Argument(..., help="a canonical data folder"),
    memory_limit: str = typer.Option(DEFAULT_MEMORY_LIMIT, help=MEMORY_HELP),
    engine: Engine = ENGINE,
    spark_master: str | None = SPARK_MASTER,
) -> None:
    """Check the canonical tables in a folder and print their counts."""
    from fraudml.engine import engine_session
    from fraudml.validation import validate_folder as check

    began = time.perf_counter()
    with engine_session(engine.value, spark_master=spark_master, memory_limit=memory_limit):
        results, absent = check(data, memory_limit=memory_limit, engine=engine.value, step=progress(began))
    for name in absent:
        console.print(f"{name}: absent (features from it will be missing)")
    print_counts(results, f"canonical tables in {data} ({time.perf_counter() - began:.1f}s)")
    if any(r.quarantined for r in results):
        console.print("[yellow]some rows would be quarantined[/]")
        raise typer.Exit(1)
