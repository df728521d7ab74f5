"""The Typer application that every command module registers on, and its error handling."""

from __future__ import annotations

import sys
from enum import Enum

import typer
from rich.console import Console
from typer.core import TyperCommand

from fraudml.errors import InputError

app = typer.Typer(
    name="fraudml",
    help="Find phone numbers used for telecom fraud: simulate or ingest data, build features, train, score.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class DataFormat(str, Enum):
    """The formats that data folders come in: canonical Parquet tables, or the Sichuan competition's CSV files."""

    canonical = "canonical"
    sichuan = "sichuan"


class Command(TyperCommand):
    """A command whose usage errors always show its usage line: the parser raises some (an option given without
    its value) before they know the command, and they would print the error alone."""

    def parse_args(self, ctx, args):
        try:
            return super().parse_args(ctx, args)
        except Exception as exc:
            if hasattr(exc, "ctx") and exc.ctx is None:  # click's UsageError, raised without its context
                exc.ctx = ctx
            raise


class Engine(str, Enum):
    duckdb = "duckdb"
    spark = "spark"


# every command that takes --engine takes this too
SPARK_MASTER = typer.Option(None, "--spark-master", metavar="URL", help="with --engine spark: the cluster's master "
                            "(spark://host:7077, yarn, k8s://...); default: spark.master from Spark's own configuration "
                            "or spark-submit, else local mode on every core")

console = Console(stderr=True, soft_wrap=True)  # messages are read by people and by grep: never wrapped


def main() -> None:
    """Entry point. Click answers a usage mistake with the usage line and exit status 2; bad input ends with
    one clear message and exit status 2; neither shows a traceback."""
    try:
        app()  # standalone: click prints usage errors (exit 2) and turns typer.Exit into the exit status
    except InputError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
