"""The Typer application that every command module registers on, and its error handling."""

from __future__ import annotations

import sys
from enum import Enum

import typer
from rich.console import Console

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


console = Console(stderr=True, soft_wrap=True)  # messages are read by people and by grep: never wrapped


def main() -> None:
    """Entry point: bad input ends with one clear message and exit status 2, never a traceback."""
    try:
        status = app(standalone_mode=False)
        if isinstance(status, int) and status:  # typer.Exit(code) under standalone_mode=False
            sys.exit(status)
    except InputError as exc:
        console.print(f"[bold red]error:[/] {exc}", highlight=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        console.print("aborted")
        sys.exit(130)
    except Exception as exc:  # click's usage errors carry their own message and exit code
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
