"""Validate each kind of source: a table in memory, tables in memory written to a canonical folder (the
simulator's write path), and the tables of a canonical folder (``fraudml validate``)."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from fraudml.engine import (DEFAULT_MEMORY_LIMIT, close, connect, connect_streamed, scan_arrow,
                            scan_parquet_rows)
from fraudml.errors import InputError
from fraudml.tables import TABLES, publish, table_path
from fraudml.validation.rules import NO_VALUE, ROW
from fraudml.validation.run import Collected, Counts, Step, validate_table

Table = pd.DataFrame | pa.Table


@dataclass
class Validated:
    """A small table validated in memory: its kept rows typed as the schema says, in source order, and its
    quarantined rows with their source values (as text), source row and reason."""

    counts: Counts
    kept: pd.DataFrame
    quarantined: pd.DataFrame = field(repr=False)

    @property
    def read(self) -> int:
        return self.counts.read

    def summary(self) -> str:
        return self.counts.summary()


def with_rows(data: Table) -> pa.Table:
    """``data`` as Arrow, with ``_row`` (1-based position) and text where a column holds only nulls."""
    if isinstance(data, pd.DataFrame):
        data = pa.Table.from_pandas(data.reset_index(drop=True), preserve_index=False)
    for i, f in enumerate(data.schema):
        if pa.types.is_null(f.type):
            data = data.set_column(i, f.name, data.column(i).cast(pa.string()))
    return data.append_column(ROW, pa.array(np.arange(1, data.num_rows + 1, dtype="int64")))


_PANDAS_TYPES = {pa.int8(): pd.Int64Dtype(), pa.int32(): pd.Int64Dtype(), pa.int64(): pd.Int64Dtype(),
                 pa.float64(): pd.Float64Dtype(), pa.string(): pd.StringDtype(), pa.large_string(): pd.StringDtype()}


def validate(data: Table, name: str, source: str | Path, missing: tuple[str, ...] = NO_VALUE) -> Validated:
    """Validate a small table held in memory against canonical table ``name``; ``source`` names it in messages,
    ``missing`` are the texts that mean no value (besides an empty one).

    The same rules and engine as every other path (:func:`fraudml.validation.run.validate_table`), with the
    results gathered in memory: for tests, notebooks and tables of a few thousand rows.
    """
    con = connect("duckdb", threads=1)
    try:
        collected = Collected()
        counts = validate_table(con, scan_arrow(con, "validated", with_rows(data)), name, source, missing=missing,
                                collect=collected)
    finally:
        close(con)
    kept = collected.kept.drop_columns([ROW]).cast(TABLES[name].arrow_schema())
    frame = kept.to_pandas(types_mapper=_PANDAS_TYPES.get, date_as_object=False)
    quarantined = collected.quarantined
    return Validated(counts, frame, quarantined.to_pandas(types_mapper=_PANDAS_TYPES.get))


def _for_table(step: Step | None, name: str) -> Step | None:
    return (lambda what: step(f"{name}: {what}")) if step else None


def validate_and_write(tables: dict[str, Table], folder: str | Path, sources: dict[str, str] | None = None, *,
                       memory_limit: str = DEFAULT_MEMORY_LIMIT, step: Step | None = None) -> list[Counts]:
    """Validate tables held in memory and write them as canonical tables into ``folder`` (bad rows to its
    quarantine); the folder's earlier tables of these names are replaced only once every table is written."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    con, spill = connect_streamed(memory_limit)
    try:
        results = []
        for name, data in tables.items():
            source = with_rows(data)
            results.append(validate_table(con, scan_arrow(con, f"source_{name}", source), name,
                                          (sources or {}).get(name, name), out=staging, step=_for_table(step, name),
                                          row_count=source.num_rows))
        publish(staging, folder, tables)
    finally:
        close(con, spill, step)
        shutil.rmtree(staging, ignore_errors=True)
    return results


def validate_folder(folder: str | Path, *, memory_limit: str = DEFAULT_MEMORY_LIMIT, engine: str = "duckdb",
                    step: Step | None = None) -> tuple[list[Counts], list[str]]:
    """Check the canonical tables of ``folder`` without writing anything, on ``engine``: their counts, and the
    names of the tables the folder lacks."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: data folder does not exist")
    if all(table_path(folder, name) is None for name in TABLES):
        raise InputError(f"{folder}: no canonical table in it (such as calls.parquet or a calls/ folder of parts); "
                         f"tables: {', '.join(TABLES)}")
    con, spill = connect_streamed(memory_limit, engine)
    try:
        results, absent = [], []
        for name in TABLES:
            path = table_path(folder, name)
            if path is None:
                absent.append(name)
                continue
            table = scan_parquet_rows(con, path, f"canonical_{name}")
            results.append(validate_table(con, table, name, path, step=_for_table(step, name)))
    finally:
        close(con, spill, step)
    return results, absent
