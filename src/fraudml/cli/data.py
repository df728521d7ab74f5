"""Commands that bring data in: simulate, ingest, validate."""

from __future__ import annotations

import time
from enum import Enum
from pathlib import Path

import pandas as pd
import typer
from rich.table import Table

from fraudml.cli.app import Command, DataFormat, app, console
from fraudml.errors import InputError
from fraudml.tables import TABLES, read_table
from fraudml.validation import Validated, validate


class Preset(str, Enum):
    realistic = "realistic"
    sichuan = "sichuan"


def print_counts(results: list[Validated], title: str) -> None:
    """One line per table: read = kept + quarantined, and the reasons."""
    table = Table(title=title, title_justify="left")
    for col in ("table", "read", "kept", "quarantined", "reasons"):
        table.add_column(col, justify="right" if col in ("read", "kept", "quarantined") else "left")
    for r in results:
        reasons = "; ".join(f"{why}: {n:,}" for why, n in r.quarantined["_reason"].value_counts().items()) if len(r.quarantined) else ""
        table.add_row(r.name, f"{r.read:,}", f"{len(r.kept):,}", f"{len(r.quarantined):,}", reasons)
    console.print(table)


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
    from fraudml.simulate import simulate as simulate_world

    if pd.isna(pd.to_datetime(start, format="%Y-%m-%d", errors="coerce")):
        raise InputError(f"--start {start!r} is not a date (YYYY-MM-DD)")
    began = time.perf_counter()
    with console.status(f"simulating {subscribers:,} subscribers over {days} days"):
        overrides = {} if fraud_share is None else {"fraud_share": fraud_share}
        tables = simulate_world(preset=preset.value, subscribers=subscribers, days=days, seed=seed, start=start,
                                **overrides)
    if format is DataFormat.sichuan:
        from fraudml.ingest.sichuan import write_sichuan

        written = write_sichuan(tables, out)
        console.print(f"wrote {len(written)} Sichuan-format files to {out} in {time.perf_counter() - began:.1f}s")
        return
    from fraudml.validation import validate_and_write

    results = validate_and_write(tables, out)
    print_counts(results, f"simulated world in {out} ({time.perf_counter() - began:.1f}s)")


ingest_app = typer.Typer(help="Bring raw tables of a known format into canonical tables.", no_args_is_help=True)
app.add_typer(ingest_app, name="ingest")


@ingest_app.command("sichuan", cls=Command)
def ingest_sichuan(
    src: Path = typer.Argument(..., help="folder with the competition's files (train_user.csv, ... or user.csv, voc.csv, ...)"),
    out: Path = typer.Option(..., "--out", help="folder to write canonical tables to"),
    pseudonymise: bool = typer.Option(False, help="replace numbers, IMEIs and holder IDs by keyed hashes (key in FRAUDML_PSEUDONYM_KEY)"),
) -> None:
    """Ingest the 2020 Digital Sichuan competition's tables into canonical tables."""
    from fraudml.ingest.sichuan import ingest_sichuan as run

    results = run(src, out, pseudonymise=pseudonymise)
    print_counts(results, f"ingested {src} into {out}")


@app.command("validate", cls=Command)
def validate_folder(data: Path = typer.Argument(..., help="a canonical data folder")) -> None:
    """Check the canonical tables in a folder and print their counts."""
    results = []
    for name in TABLES:
        df = read_table(data, name, required=False)
        if df is None:
            console.print(f"{name}: absent (features from it will be missing)")
            continue
        results.append(validate(df, name, data / name))
    print_counts(results, f"canonical tables in {data}")
    if any(len(r.quarantined) for r in results):
        console.print("[yellow]some rows would be quarantined[/]")
        raise typer.Exit(1)
