"""Read the 2020 Digital Sichuan competition's CSV files into canonical tables, and write
canonical tables back out in that format.

A source folder holds any subset of the four tables, under the competition's names
(``train_voc.csv``, ``test_user.csv``) or bare ones (``voc.csv``). Each raw table is
read by the engine's CSV reader as text, mapped to canonical tables
(:mod:`fraudml.ingest.sichuan_format`), optionally pseudonymised, validated and
written as Parquet parts, rows streaming from the file to the parts; bad rows go
to the quarantine. See docs/sichuan.md.
"""

from __future__ import annotations

import csv
import functools
import itertools
import logging
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from fraudml.engine import DEFAULT_MEMORY_LIMIT, Reject, close, connect_streamed, read_csv, run_side_by_side
from fraudml.errors import InputError
from fraudml.ingest import sichuan_format as fmt
from fraudml.pseudonymise import IDENTIFIER_COLUMNS, key_from_env, pseudonymise_tables
from fraudml.tables import TABLES, publish, replace_atomically
from fraudml.validation import Counts, validate_table
from fraudml.validation.run import Step

log = logging.getLogger(__name__)

RAW_TABLES = ("user", "voc", "sms", "app")
_FILE_NAME = re.compile(r"^(?:(?:train|test)_)?(user|voc|sms|app)\.csv$", re.IGNORECASE)
_EXAMPLES = 3


def find_tables(src: str | Path) -> dict[str, Path]:
    """The CSV file of each raw table present in ``src``; two candidates for one table is an error."""
    src = Path(src)
    if not src.is_dir():
        raise InputError(f"{src}: not a folder (expected a folder of Sichuan CSV files such as train_user.csv or voc.csv)")
    found: dict[str, list[Path]] = {}
    unknown = []
    for path in sorted(src.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match and path.is_file():
            found.setdefault(match[1].lower(), []).append(path)
        elif path.suffix.lower() == ".csv":
            unknown.append(path.name)
    if unknown:
        log.warning("%s: ignored file(s) not named like a Sichuan table: %s", src, ", ".join(unknown))
    clashes = {t: paths for t, paths in found.items() if len(paths) > 1}
    if clashes:
        table, paths = next(iter(clashes.items()))
        raise InputError(
            f"{src}: {len(paths)} files for the {table} table: {', '.join(p.name for p in paths)}; "
            "keep one per folder (ingest train and test files into separate folders)"
        )
    if not found:
        raise InputError(
            f"{src}: no Sichuan tables found; expected user.csv, voc.csv, sms.csv, app.csv "
            "(optionally prefixed train_ or test_)"
        )
    return {t: found[t][0] for t in RAW_TABLES if t in found}


def _not_utf8(path: Path, line: int | None) -> InputError:
    where = f"line {line}" if line else "the file"
    return InputError(
        f"{path}: {where} is not UTF-8 text; exports from Chinese systems are often GBK-encoded: "
        f"convert the file, e.g. iconv -f GBK -t UTF-8 {path.name} > utf8_{path.name}"
    )


def _header(path: Path) -> list[str]:
    with path.open("rb") as f:
        start = f.read(1 << 16)
    if b"\0" in start:  # xlsx, zip, Parquet and other binary files
        raise InputError(f"{path}: not a CSV text file (it holds binary data: an Excel, zip or Parquet file?)")
    first = start.split(b"\n", 1)[0]
    if not start.strip():
        raise InputError(f"{path}: the file is empty (no header line)")
    try:
        text = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _not_utf8(path, 1) from None
    return [name.strip() for name in next(csv.reader([text]))]


def _checked_header(path: Path, table: str) -> list[str]:
    """The header of ``path``, which must name every column of raw table ``table``, followed by at least one row."""
    header = _header(path)
    missing = [c for c in fmt.COLUMNS[table] if c not in header]
    if missing:
        hint = " (only one column: is the file comma-separated?)" if len(header) == 1 else ""
        raise InputError(
            f"{path}: required column(s) {', '.join(missing)} missing from the Sichuan {table} table; "
            f"found: {', '.join(header)}{hint}"
        )
    with path.open("rb") as f:
        f.readline()
        if not any(line.strip() for line in itertools.islice(f, 1000)) and not f.read(1):
            raise InputError(f"{path}: the {table} table has a header but no rows")
    return header


def _fields(line: str) -> int:
    return len(next(csv.reader([line]), []))


def _stop_on_rejects(path: Path, rejects: list[Reject], fields: int) -> None:
    """Lines the reader set aside make the file unusable: bytes that are not UTF-8, or another number of fields."""
    if not rejects:
        return
    encoding = [r for r in rejects if r.error == "INVALID ENCODING"]
    if encoding:
        raise _not_utf8(path, encoding[0].line)
    lines = sorted({r.line: r for r in rejects}.values(), key=lambda r: r.line)
    counted = [r for r in lines if r.error in ("MISSING COLUMNS", "TOO MANY COLUMNS")]
    if len(counted) == len(lines):
        shown = "; ".join(f"line {r.line}: {_fields(r.text)} fields" for r in counted[:_EXAMPLES])
        raise InputError(f"{path}: {len(counted):,} row(s) do not have the header's {fields} fields, e.g. {shown}")
    shown = "; ".join(f"line {r.line}: {r.error.lower()}" for r in lines[:_EXAMPLES])
    raise InputError(f"{path}: {len(lines):,} line(s) cannot be read as CSV, e.g. {shown}")


def read_raw(con, path: str | Path, table: str) -> tuple[object, Callable[[], None]]:
    """Raw table ``table`` from ``path`` as an engine table: the format's columns as text, with ``_row`` (other
    columns ignored, and logged); and a check that stops on lines the reader set aside, to run once the table
    has been read. Unusable files raise InputError."""
    path = Path(path)
    header = _checked_header(path, table)
    keep = [c for c in header if fmt.is_format_column(table, c)]
    ignored = [c for c in header if c not in keep]
    if ignored:
        log.warning("%s: ignored column(s) not in the Sichuan %s table: %s", path, table, ", ".join(ignored))
    scan = read_csv(con, path, header, keep)
    return scan.table, lambda: _stop_on_rejects(path, scan.rejects(), len(header))


def _identifiers_as_values(canonical: dict) -> dict:
    """Canonical tables whose identifier columns are stripped and have their missing value tokens as nulls, so that
    a number is hashed as its value (and no pseudonym is made of a missing one)."""
    return {name: t.mutate(**{c: fmt.blank_to_null(t[c]) for c in IDENTIFIER_COLUMNS.get(name, ()) if c in t.columns})
            for name, t in canonical.items()}


def _ingest_file(con, table: str, path: Path, key: bytes | None, out: Path, step: Step | None) -> list[Counts]:
    """Read raw table ``table`` from ``path``, map it to canonical tables, pseudonymise them with ``key`` (when
    given), validate them and write them into ``out``; their counts."""
    raw, check = read_raw(con, path, table)
    canonical = fmt.to_canonical(table, raw, path.name)
    check()  # the user table's labels were looked at: its faulty lines are known
    if key is not None:
        canonical = pseudonymise_tables(con, _identifiers_as_values(canonical), key)
    results = []
    for name, rows in canonical.items():
        told = (lambda what, n=name: step(f"{path.name} -> {n}: {what}")) if step else None  # noqa: B023
        results.append(validate_table(con, rows, name, path, out=out, missing=fmt.MISSING_TOKENS, step=told,
                                      check_source=check))
    return results


def ingest_sichuan(src: str | Path, out: str | Path, *, pseudonymise: bool = False,
                   memory_limit: str = DEFAULT_MEMORY_LIMIT, engine: str = "duckdb",
                   step: Step | None = None) -> list[Counts]:
    """Ingest the Sichuan tables in folder ``src`` into canonical tables in ``out``.

    Returns the counts of each canonical table written (read = kept + quarantined). With ``pseudonymise``,
    numbers, counterparts and IMEIs are replaced by keyed hashes (key from FRAUDML_PSEUDONYM_KEY) before
    anything is written, quarantine included. DuckDB holds at most ``memory_limit`` and spills past it; with
    ``engine="spark"``, Spark reads, checks and writes (:mod:`fraudml.validation.spark`). ``step`` hears what is
    being done. Nothing in ``out`` changes unless every table is ingested.
    """
    out = Path(out)
    files = find_tables(src)
    for table, path in files.items():  # fail on a bad header before spending minutes on other tables
        _checked_header(path, table)
    key = key_from_env() if pseudonymise else None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.ingest.", dir=out.parent))
    con, spill = connect_streamed(memory_limit, engine)
    try:
        jobs = [functools.partial(_ingest_file, table=table, path=path, key=key, out=staging, step=step)
                for table, path in files.items()]
        results = [counts for file in run_side_by_side(con, jobs) for counts in file]
        publish(staging, out, TABLES)
    finally:
        close(con, spill, step)
        shutil.rmtree(staging, ignore_errors=True)
    return results


def _write_csv(table: pa.Table, path: str, quoting: str) -> None:
    with open(path, "wb") as f:
        f.write((",".join(table.column_names) + "\n").encode())
        pacsv.write_csv(table, f, write_options=pacsv.WriteOptions(include_header=False, quoting_style=quoting))


def _write_csv_atomic(df: pd.DataFrame, path: Path) -> Path:
    """Unquoted like the competition's files, unless a value holds a comma, quote or newline."""
    table = pa.Table.from_pandas(df, preserve_index=False)

    def write(tmp: str) -> None:
        try:
            _write_csv(table, tmp, "none")
        except pa.ArrowInvalid:
            _write_csv(table, tmp, "needed")

    return replace_atomically(path, write)


def write_sichuan(tables: dict[str, pd.DataFrame], out: str | Path) -> list[Path]:
    """Write canonical ``tables`` as the Sichuan format's user.csv, voc.csv, sms.csv and app.csv
    (those the tables can fill) in ``out``; returns the files written.

    Lost on the way: activated_at, id_holder, plan, closed_at, cell, labelled_at,
    fraud_type, and times below a second.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    return [_write_csv_atomic(df, out / f"{table}.csv") for table, df in fmt.from_canonical(tables).items()]
