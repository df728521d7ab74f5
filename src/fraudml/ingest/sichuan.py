"""Read the 2020 Digital Sichuan competition's CSV files into canonical tables, and write
canonical tables back out in that format.

A source folder holds any subset of the four tables, under the competition's names
(``train_voc.csv``, ``test_user.csv``) or bare ones (``voc.csv``). Each raw table is
read in one pass with pyarrow's CSV reader as text, mapped to canonical tables
(:mod:`fraudml.ingest.sichuan_format`), optionally pseudonymised, validated and
written; bad rows go to the quarantine. See docs/sichuan.md.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from fraudml.errors import InputError
from fraudml.ingest import sichuan_format as fmt
from fraudml.pseudonymise import key_from_env, pseudonymise_table
from fraudml.tables import TABLES, replace_atomically, write_table
from fraudml.validation import Validated, validate, write_quarantine

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


def _first_non_utf8_line(path: Path) -> int | None:
    with path.open("rb") as lines:
        for number, line in enumerate(lines, start=1):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return number
    return None


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


def _lines_with_other_field_counts(path: Path, fields: int) -> list[tuple[int, int]]:
    """(line, fields) of the first rows whose field count is not the header's; the
    multithreaded reader does not know line numbers, so the file is scanned again."""
    found = []
    with path.open(newline="", encoding="utf-8", errors="replace") as f:
        reader = csv.reader(f)
        next(reader, None)
        for record in reader:
            if record and len(record) != fields:
                found.append((reader.line_num, len(record)))
                if len(found) == _EXAMPLES:
                    break
    return found


def _checked_header(path: Path, table: str) -> list[str]:
    """The header of ``path``, which must name every column of raw table ``table``."""
    header = _header(path)
    missing = [c for c in fmt.COLUMNS[table] if c not in header]
    if missing:
        hint = " (only one column: is the file comma-separated?)" if len(header) == 1 else ""
        raise InputError(
            f"{path}: required column(s) {', '.join(missing)} missing from the Sichuan {table} table; "
            f"found: {', '.join(header)}{hint}"
        )
    return header


def read_raw(path: str | Path, table: str) -> pd.DataFrame:
    """Raw table ``table`` from ``path``: the format's columns as text, missing value tokens as
    null, other columns ignored (and logged). Unusable files raise InputError."""
    path = Path(path)
    header = _checked_header(path, table)
    keep = [c for c in header if fmt.is_format_column(table, c)]
    ignored = [c for c in header if c not in keep]
    if ignored:
        log.warning("%s: ignored column(s) not in the Sichuan %s table: %s", path, table, ", ".join(ignored))

    malformed: list[pacsv.InvalidRow] = []

    def on_malformed(row: pacsv.InvalidRow) -> str:
        malformed.append(row)
        return "skip"

    try:
        data = pacsv.read_csv(
            path,
            # the header as cleaned by _header (no byte-order mark, no spaces around names)
            read_options=pacsv.ReadOptions(column_names=header, skip_rows=1),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_malformed),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in header},
                include_columns=keep,
                null_values=list(fmt.MISSING_TOKENS),
                strings_can_be_null=True,
            ),
        )
    except pa.ArrowInvalid as exc:
        if "UTF8" in str(exc):
            raise _not_utf8(path, _first_non_utf8_line(path)) from None
        raise InputError(f"{path}: not a readable CSV file ({exc})") from None
    if malformed:
        shown = "; ".join(f"line {line}: {n} fields" for line, n in _lines_with_other_field_counts(path, len(header)))
        raise InputError(f"{path}: {len(malformed):,} row(s) do not have the header's {len(header)} fields, e.g. {shown}")
    if data.num_rows == 0:
        raise InputError(f"{path}: the {table} table has a header but no rows")
    return data.to_pandas()


def _publish(staging: Path, out: Path) -> None:
    """Move the tables of a finished ingest from ``staging`` into ``out``, and drop the
    canonical tables and quarantines an earlier run left there, so that a table this
    source lacks stays missing."""
    for folder in (out, out / "_quarantine"):
        for name in TABLES:
            (folder / f"{name}.parquet").unlink(missing_ok=True)
    for path in sorted(staging.rglob("*.parquet")):
        target = out / path.relative_to(staging)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)


def ingest_sichuan(src: str | Path, out: str | Path, *, pseudonymise: bool = False) -> list[Validated]:
    """Ingest the Sichuan tables in folder ``src`` into canonical tables in ``out``.

    Returns one :class:`Validated` per canonical table written (read = kept + quarantined).
    With ``pseudonymise``, numbers, counterparts and IMEIs are replaced by keyed hashes
    (key from FRAUDML_PSEUDONYM_KEY) before anything is written, quarantine included.
    Nothing in ``out`` changes unless every table is ingested.
    """
    out = Path(out)
    files = find_tables(src)
    for table, path in files.items():  # fail on a bad header before spending minutes on other tables
        _checked_header(path, table)
    key = key_from_env() if pseudonymise else None
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.ingest.", dir=out.parent))
    try:
        results = []
        for table, path in files.items():
            canonical = fmt.to_canonical(table, read_raw(path, table), path.name)  # the raw text is freed here
            for name in list(canonical):  # popped one by one, so each is freed once validated
                df = canonical.pop(name)
                if key is not None:
                    df = pseudonymise_table(df, name, key)
                result = validate(df, name, path)
                del df
                write_table(result.kept, staging, name)
                write_quarantine(result, staging)
                results.append(result)
        _publish(staging, out)
    finally:
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
