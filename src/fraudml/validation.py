"""Validate a table against its canonical schema: keep the good rows, quarantine the bad.

Unusable input (a missing required column, an empty table, a column in which no
value parses) stops with an :class:`InputError` that names the source, the column
and example rows. Bad rows in a usable table are set aside with the reason, and
``read == kept + quarantined`` always holds: nothing is dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fraudml.errors import InputError, example_rows
from fraudml.tables import TABLES, Column, TableSchema, write_atomic, write_table

ROW = "_row"  # 1-based position of the row in its source
REASON = "_reason"


@dataclass
class Validated:
    """The outcome of validating one table."""

    name: str
    source: str
    kept: pd.DataFrame
    quarantined: pd.DataFrame = field(repr=False)

    @property
    def read(self) -> int:
        return len(self.kept) + len(self.quarantined)

    def summary(self) -> str:
        line = f"{self.name}: read {self.read:,} = kept {len(self.kept):,} + quarantined {len(self.quarantined):,}"
        if len(self.quarantined):
            counts = self.quarantined[REASON].value_counts()
            line += " (" + "; ".join(f"{r}: {n:,}" for r, n in counts.items()) + ")"
        return line


_MONTH = re.compile(r"^\s*(\d{4})-?(\d{2})(?:-\d{2})?\s*$")


def _parse_month(values: pd.Series) -> pd.Series:
    """Months written as 2019-12, 201912, 2019-12-01 or as dates, to the first day of the month."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.to_period("M").dt.to_timestamp()
    text = values.astype("string")
    parts = text.str.extract(_MONTH)
    stamp = pd.to_datetime(parts[0] + "-" + parts[1] + "-01", format="%Y-%m-%d", errors="coerce")
    # date objects (from Parquet date32 read as object) fall through to a generic parse
    other = stamp.isna() & values.notna() & parts[0].isna()
    if other.any():
        stamp[other] = pd.to_datetime(values[other], errors="coerce").dt.to_period("M").dt.to_timestamp()
    return stamp


def _parse_timestamp(values: pd.Series) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.tz_localize(None) if values.dt.tz is not None else values
    text = values.astype("string").str.strip()
    # pandas reads words like 'today' as dates whatever the format, so only date-shaped text is parsed
    shaped = text.str.match(r"^\d{4}-\d{2}-\d{2}").fillna(False).astype(bool)
    stamp = pd.Series(pd.NaT, index=values.index, dtype="datetime64[us]")
    stamp[shaped] = pd.to_datetime(text[shaped], format="%Y-%m-%d %H:%M:%S", errors="coerce")
    retry = shaped & stamp.isna()  # other ISO forms: a 'T', fractions of a second, a bare date
    if retry.any():
        stamp[retry] = pd.to_datetime(text[retry], format="ISO8601", errors="coerce")
    return stamp


def _kind(col: Column) -> str:
    """The type of a column in a user's words."""
    t = col.type
    if pa.types.is_timestamp(t):
        return "date and time (YYYY-MM-DD HH:MM:SS)"
    if pa.types.is_date(t):
        return "month (YYYY-MM)" if col.name == "month" else "date (YYYY-MM-DD)"
    if pa.types.is_integer(t):
        return "whole number"
    if pa.types.is_floating(t):
        return "number"
    return "text"


def _coerce(col: Column, values: pd.Series) -> pd.Series:
    """The column as its canonical type; values that do not parse become null."""
    t = col.type
    if pa.types.is_timestamp(t):
        return _parse_timestamp(values)
    if pa.types.is_date(t):
        return _parse_month(values) if col.name == "month" else pd.to_datetime(values, errors="coerce")
    if pa.types.is_integer(t):
        number = pd.to_numeric(values, errors="coerce")
        whole = np.isfinite(number) & (np.floor(number) == number)
        return number.where(whole).astype("Int64")
    if pa.types.is_floating(t):
        number = pd.to_numeric(values, errors="coerce").astype("float64")
        return number.where(np.isfinite(number)).astype("Float64")
    text = values.astype("string").str.strip()
    return text.mask(text == "")


def validate(df: pd.DataFrame, name: str, source: str | Path) -> Validated:
    """Check ``df`` against canonical table ``name``; ``source`` names it in messages.

    Returns the kept rows typed as the schema says, and the quarantined rows with
    their source values (as text), source row and reason.
    """
    schema: TableSchema = TABLES[name]
    source = str(source)
    missing = [c for c in schema.required if c not in df.columns]
    if missing:
        raise InputError(
            f"{source}: required column(s) {', '.join(missing)} missing from table '{name}'; "
            f"found columns: {', '.join(map(str, df.columns)) or '(none)'}"
        )
    if len(df) == 0:
        raise InputError(f"{source}: table '{name}' is empty (no rows)")

    raw = df.reset_index(drop=True)
    rows = pd.Series(np.arange(1, len(raw) + 1), name=ROW)
    reason = pd.Series(pd.NA, index=raw.index, dtype="object")

    def flag(mask: pd.Series, why: str) -> None:
        mask = mask.fillna(False).astype(bool) & reason.isna()
        reason[mask] = why

    typed = {}
    for col in schema.columns:
        if col.name not in raw.columns:
            typed[col.name] = pd.Series(pd.NA, index=raw.index, dtype="object")
            continue
        given = raw[col.name]
        value = _coerce(col, given)
        present = given.notna() & (given.astype("string").str.strip() != "")
        unparsed = present & value.isna()
        if unparsed.all():
            bad = rows[unparsed]
            raise InputError(
                f"{source}: column '{col.name}' of table '{name}': no value parses as a {_kind(col)}; "
                f"e.g. {example_rows(bad, given[unparsed])}"
            )
        flag(unparsed, f"{col.name}: not a {_kind(col)}")
        if not col.nullable:
            flag(value.isna() & ~unparsed, f"{col.name}: missing")
        if col.allowed is not None:
            allowed = set(col.allowed)
            flag(value.notna() & ~value.astype("string").isin(allowed), f"{col.name}: not one of {', '.join(col.allowed)}")
        if col.min_value is not None:
            flag(value < col.min_value, f"{col.name}: below {col.min_value:g}")
        typed[col.name] = value
    typed = pd.DataFrame(typed)

    # exact duplicates of an earlier good row, then a second row for the same key
    good = reason.isna()
    flag(typed[good].duplicated(keep="first").reindex(typed.index, fill_value=False), "exact duplicate of an earlier row")
    if schema.key:
        good = reason.isna()
        key_dup = typed[good].duplicated(subset=list(schema.key), keep="first").reindex(typed.index, fill_value=False)
        flag(key_dup, f"{', '.join(schema.key)}: repeats an earlier row with other values")

    bad = reason.notna()
    kept = typed[~bad].reset_index(drop=True)
    quarantined = raw[bad].astype("string").assign(**{ROW: rows[bad].to_numpy(), REASON: reason[bad].astype("string")})
    return Validated(name, source, kept, quarantined.reset_index(drop=True))


def write_quarantine(result: Validated, folder: str | Path) -> Path | None:
    """Write the quarantined rows of ``result`` to ``<folder>/_quarantine/<name>.parquet``."""
    if len(result.quarantined) == 0:
        return None
    table = pa.Table.from_pandas(result.quarantined, preserve_index=False)
    return write_atomic(table, Path(folder) / "_quarantine" / f"{result.name}.parquet")


def validate_and_write(tables: dict[str, pd.DataFrame], folder: str | Path, sources: dict[str, str] | None = None) -> list[Validated]:
    """Validate each table, write the kept rows as canonical Parquet and the bad rows to quarantine."""
    results = []
    for name, df in tables.items():
        result = validate(df, name, (sources or {}).get(name, name))
        write_table(result.kept, folder, name)
        write_quarantine(result, folder)
        results.append(result)
    return results
