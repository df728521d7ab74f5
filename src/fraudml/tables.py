"""The canonical tables: their schemas, and reading and writing a canonical folder.

Every source (the Sichuan competition files, an operator's Parquet, the simulator)
is brought into these tables; nothing downstream knows where data came from.
Timestamps are naive local time of the operator. A canonical folder holds one
Parquet table per name, either ``<name>.parquet`` or a folder ``<name>/`` of parts.
Large event tables are written as folders of parts (``calls/part-0.parquet``,
``part-1.parquet``, ...) holding the rows in their source's order; row groups
carry the minimum and maximum of each column, so that reading a window of time
skips the row groups of other times wherever the source is in time order, as
call records are written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fraudml.errors import InputError

TIMESTAMP = pa.timestamp("us")
DAY_S = 86_400  # seconds in a day: durations are in seconds, times in local time to the microsecond
PART_BYTES = 256 * 1024 * 1024  # a part of a table written in parts holds about this many bytes of Parquet


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    nullable: bool = False
    allowed: tuple[str, ...] | None = None  # closed set of values (directions, labels)
    min_value: float | None = None  # smallest allowed value of a numeric column
    description: str = ""


@dataclass(frozen=True)
class TableSchema:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that identify a row; empty when events may repeat
    description: str = ""
    in_parts: bool = False  # written as a folder of parts: large event tables

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if not c.nullable]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])


_MSISDN = Column("msisdn", pa.string(), description="the phone number (or its pseudonym)")

ACCOUNTS = TableSchema(
    "accounts",
    (
        _MSISDN,
        Column("activated_at", TIMESTAMP, True, description="when the number was activated"),
        Column("id_holder", pa.string(), True, description="ID card (or its pseudonym) the number is registered to"),
        Column("numbers_on_id", pa.int32(), True, min_value=0, description="numbers registered to the same ID card"),
        Column("home_city", pa.string(), True, description="city where the account was opened"),
        Column("home_county", pa.string(), True, description="county or branch where the account was opened"),
        Column("plan", pa.string(), True, description="tariff plan"),
        Column("closed_at", TIMESTAMP, True, description="when the number was shut down"),
    ),
    key=("msisdn",),
    description="one row per phone number",
)

ACCOUNT_MONTHS = TableSchema(
    "account_months",
    (
        _MSISDN,
        Column("month", pa.date32(), description="first day of the month"),
        Column("arpu", pa.float64(), True, description="spend in the month (may be negative after refunds)"),
    ),
    key=("msisdn", "month"),
    description="monthly spend of each number",
)

CALLS = TableSchema(
    "calls",
    (
        _MSISDN,
        Column("counterpart", pa.string(), description="the other party's number"),
        Column("direction", pa.string(), allowed=("out", "in", "fwd"), description="out, in or fwd (forwarded)"),
        Column("started_at", TIMESTAMP, description="start of the call"),
        Column("duration_s", pa.int32(), min_value=0, description="duration in seconds"),
        Column("city", pa.string(), True, description="city where the subscriber was during the call"),
        Column("county", pa.string(), True, description="county where the subscriber was during the call"),
        Column("cell", pa.string(), True, description="serving cell"),
        Column("imei", pa.string(), True, description="device (IMEI or its pseudonym)"),
    ),
    description="voice calls, one row per call leg seen from msisdn",
    in_parts=True,
)

SMS = TableSchema(
    "sms",
    (
        _MSISDN,
        Column("counterpart", pa.string(), description="the other party's number"),
        Column("direction", pa.string(), allowed=("out", "in"), description="out (sent) or in (received)"),
        Column("sent_at", TIMESTAMP, description="when the message was sent"),
    ),
    description="text messages",
    in_parts=True,
)

APP_USAGE = TableSchema(
    "app_usage",
    (
        _MSISDN,
        Column("month", pa.date32(), description="first day of the month"),
        Column("app", pa.string(), description="app or service name"),
        Column("mb", pa.float64(), min_value=0, description="data volume in MB"),
    ),
    description="monthly mobile data use per app",
)

LABELS = TableSchema(
    "labels",
    (
        _MSISDN,
        Column("label", pa.int8(), allowed=("0", "1"), description="1 = fraud, 0 = normal"),
        Column("labelled_at", TIMESTAMP, True, description="when the label was confirmed"),
        Column("fraud_type", pa.string(), True, description="kind of fraud, for fraud numbers"),
    ),
    key=("msisdn",),
    description="known outcome per number",
)

TABLES: dict[str, TableSchema] = {
    t.name: t for t in (ACCOUNTS, ACCOUNT_MONTHS, CALLS, SMS, APP_USAGE, LABELS)
}


def table_path(folder: str | Path, name: str) -> Path | None:
    """Where table ``name`` lives in a canonical folder, or None when the folder lacks it."""
    folder = Path(folder)
    for candidate in (folder / f"{name}.parquet", folder / name):
        if candidate.exists():
            return candidate
    return None


def parquet_files(path: str | Path) -> list[Path]:
    """The Parquet file at ``path``, or every part under the folder ``path`` in order (``part-2`` before
    ``part-10``)."""
    path = Path(path)
    if not path.is_dir():
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        return [path]
    files = sorted(path.rglob("*.parquet"), key=_in_number_order)
    if not files:
        raise InputError(f"{path}: folder holds no Parquet parts")
    return files


def _in_number_order(path: Path) -> list:
    """A sort key of ``path`` that orders the numbers in it by value."""
    return [(0, int(piece), "") if piece.isdigit() else (1, 0, piece) for piece in re.split(r"(\d+)", str(path))]


def _unreadable(path: Path, exc: Exception) -> InputError:
    return InputError(f"{path}: cannot read as Parquet ({exc})")


def open_parquet(path: str | Path) -> pq.ParquetFile:
    """One Parquet file, opened for its schema, row count and batches; an unreadable file is an InputError naming it."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    try:
        return pq.ParquetFile(path)
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise _unreadable(path, exc) from exc


def parquet_schema(path: str | Path) -> pa.Schema:
    """The schema of a Parquet file, or of the first part of a folder of parts."""
    return open_parquet(parquet_files(path)[0]).schema_arrow


def read_parquet(path: str | Path, columns: list[str] | None = None) -> pa.Table:
    """A Parquet file or a folder of parts in order, whole (or ``columns`` of it); unreadable input is an InputError
    naming it."""
    files = parquet_files(path)  # names a missing file or an empty folder
    try:
        return pq.read_table([str(f) for f in files], columns=columns)  # a folder alone reads part-10 before part-2
    except Exception as exc:  # pyarrow raises several types for corrupt files
        raise _unreadable(Path(path), exc) from exc


def read_table(folder: str | Path, name: str, *, required: bool = True) -> pd.DataFrame | None:
    """Read canonical table ``name`` from ``folder`` as a DataFrame with the canonical columns.

    A table the folder lacks is an error when ``required``, else None (features
    from a missing table are missing, not zero).
    """
    schema = TABLES[name]
    path = table_path(folder, name)
    if path is None:
        if required:
            raise InputError(f"{Path(folder) / (name + '.parquet')}: table '{name}' is missing")
        return None
    table = read_parquet(path)
    missing = [c for c in schema.names if c not in table.column_names and c in schema.required]
    if missing:
        raise InputError(f"{path}: required column(s) {', '.join(missing)} missing; found {', '.join(table.column_names)}")
    df = table.to_pandas()
    for col in schema.columns:  # optional columns a source lacks are all-null
        if col.name not in df.columns:
            df[col.name] = pd.Series(pd.NA, index=df.index, dtype="object")
    return df[schema.names]


def to_arrow(df: pd.DataFrame, name: str) -> pa.Table:
    """Cast a DataFrame that holds a canonical table's columns to its exact Arrow schema."""
    schema = TABLES[name]
    arrays = []
    for col in schema.columns:
        values = df[col.name] if col.name in df.columns else pd.Series([None] * len(df))
        if pa.types.is_integer(col.type):
            values = pd.array(values, dtype="Int64")
        arrays.append(pa.array(values, type=col.type, from_pandas=True))
    return pa.Table.from_arrays(arrays, schema=schema.arrow_schema())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def replace_atomically(path: str | Path, write: Callable[[str], object]) -> Path:
    """Run ``write(tmp)`` on a temporary file beside ``path``, then rename it into place.

    ``path`` never holds a half-written file: a failed write leaves it as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes owner-only files; outputs are shared like any other
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_atomic(table: pa.Table, path: str | Path) -> Path:
    """Write a Parquet file so that ``path`` never holds a half-written file."""
    return replace_atomically(path, lambda tmp: pq.write_table(table, tmp, compression="zstd"))


def write_table(df: pd.DataFrame, folder: str | Path, name: str) -> Path:
    """Write canonical table ``name`` into ``folder`` as ``<name>.parquet``."""
    return write_atomic(to_arrow(df, name), Path(folder) / f"{name}.parquet")


def table_target(folder: str | Path, name: str) -> Path:
    """Where canonical table ``name`` is written in ``folder``: a folder of parts for a table written in parts,
    else one file."""
    return Path(folder) / (name if TABLES[name].in_parts else f"{name}.parquet")


def forms(folder: str | Path, name: str) -> Iterator[Path]:
    """Both places table ``name`` may take in ``folder``: ``<name>.parquet`` and ``<name>/``."""
    folder = Path(folder)
    yield folder / f"{name}.parquet"
    yield folder / name


def remove_table(folder: str | Path, name: str) -> None:
    """Remove table ``name`` from ``folder``, in whichever form it has."""
    for path in forms(folder, name):
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def publish(staging: str | Path, out: str | Path, names: Iterable[str]) -> None:
    """Move the tables and quarantines written in ``staging`` into ``out``, first removing what an earlier run
    left there for ``names`` (canonical tables in either form, and their quarantines), so that a table this
    run did not write stays missing rather than stale."""
    staging, out = Path(staging), Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in names:
        remove_table(out, name)
        quarantine = out / "_quarantine" / f"{name}.parquet"  # a file, or a folder of parts Spark wrote
        shutil.rmtree(quarantine) if quarantine.is_dir() else quarantine.unlink(missing_ok=True)
    for folder in (staging, staging / "_quarantine"):
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.name.startswith((".", "_")):
                continue
            target = out / path.relative_to(staging)
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
