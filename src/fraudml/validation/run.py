"""Run the rules of :mod:`fraudml.validation.rules` on a table of the engine, streaming its rows to the kept
Parquet parts and to the quarantine, and count them.

A table is read a few times: once to hash its rows (rows whose hash repeats are
the only candidates for duplicates), once to compare the candidates' values
exactly, and once to write; a table with a key is read twice more, for repeated
keys. The engine keeps only a row number and a hash per row between reads; the
row numbers of repeats come to Python as a bitmap, and rows stream through
Python batch by batch, so memory does not grow with the table.
"""

from __future__ import annotations

import functools
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fraudml.engine import is_spark, sql_view, stream, view
from fraudml.errors import InputError, example_rows
from fraudml.tables import MONTH_KEY, TABLES, TableSchema, TableWriter
from fraudml.validation.rules import (DUPLICATE, NO_VALUE, REASON, ROW, SOURCE, check_columns, checked, key_repeat,
                                      kind, quarantine_text, repeats, unparsed_counts, unparsed_rows)

BATCH_ROWS = 128 * 1024
QUARANTINE_GROUP = 64 * 1024  # quarantined rows gathered before they are written, so the file has few row groups
Step = Callable[[str], None]


@dataclass
class Counts:
    """What validating one table did: read = kept + quarantined, and the quarantined rows per reason."""

    name: str
    source: str
    kept: int
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def quarantined(self) -> int:
        return sum(self.reasons.values())

    @property
    def read(self) -> int:
        return self.kept + self.quarantined

    def summary(self) -> str:
        line = f"{self.name}: read {self.read:,} = kept {self.kept:,} + quarantined {self.quarantined:,}"
        if self.reasons:
            line += " (" + "; ".join(f"{r}: {n:,}" for r, n in self.reasons.items()) + ")"
        return line


class RowSet:
    """Row numbers held as a bitmap: a bit a row, however many rows repeat earlier ones."""

    def __init__(self, con=None, rows=None):
        self.bits = np.zeros(0, np.uint8)
        for batch in (stream(con, rows, 1 << 20) if rows is not None else ()):
            numbers = batch.column(0).to_numpy()
            if len(numbers):
                needed = int(numbers.max()) // 8 + 1
                if needed > len(self.bits):
                    self.bits = np.concatenate([self.bits, np.zeros(needed - len(self.bits), np.uint8)])
                np.bitwise_or.at(self.bits, numbers // 8, (1 << (numbers % 8)).astype(np.uint8))

    def holds(self, rows: np.ndarray) -> np.ndarray:
        """Whether each of ``rows`` is in the set."""
        inside = rows // 8 < len(self.bits)
        byte = self.bits[np.where(inside, rows // 8, 0)] if len(self.bits) else np.zeros(len(rows), np.uint8)
        return inside & ((byte >> (rows % 8)) & 1).astype(bool)


_PLACEHOLDER = "fraudml_rules_input"
_VIEWS = itertools.count()


@functools.lru_cache(maxsize=64)
def _checked_sql(dialect: str, schema_name: str, given: tuple[tuple[str, str], ...], missing: tuple[str, ...]) -> str:
    """The SQL of :func:`~fraudml.validation.rules.checked` over a placeholder table of the given column types:
    compiled once, as compiling the rules costs more than running them on a small table."""
    placeholder = ibis.table(dict(given), name=_PLACEHOLDER)
    return ibis.to_sql(checked(placeholder, TABLES[schema_name], missing), dialect=dialect)


def checked_view(con, t, schema: TableSchema, missing: tuple[str, ...]):
    """:func:`~fraudml.validation.rules.checked` rows of engine table ``t``, as a view of the engine."""
    n = next(_VIEWS)
    source = view(con, f"rules_input_{n}", t)
    given = tuple((name, str(dtype)) for name, dtype in source.schema().items())
    sql = _checked_sql(con.name, schema.name, given, missing)
    return sql_view(con, f"checked_{n}", sql.replace(_PLACEHOLDER, f"rules_input_{n}"))


def plan(con, table, schema: TableSchema, missing: tuple[str, ...], step: Step, first_read: Callable[[], None]):
    """The rows of source table ``table`` as :func:`~fraudml.validation.rules.checked` gives them (with each
    bad row's source values as text, and the month of a table written by month), and the repeats: (reason,
    :class:`RowSet`) for exact duplicates of an earlier good row, then for a table with a key, repeats of an
    earlier good row's key. Flagging repeats in the final pass, not joining them to it, keeps the rows in the
    source's order, so the same input gives the same files."""
    step("finding repeated rows")
    check = functools.partial(checked_view, con, schema=schema, missing=missing)
    found = repeats(table, schema, schema.names, lambda c: c.filter(c[REASON].isnull()), missing, first_read, check)
    try:
        repeated = [(DUPLICATE, RowSet(con, found))]
        if schema.key:
            step("finding repeated keys")

            def good(c):
                return c.filter(c[REASON].isnull() & ~c[ROW].isin(found[ROW]))

            keys = repeats(table, schema, list(schema.key), good, missing, check=check)
            try:
                repeated.append((key_repeat(schema), RowSet(con, keys)))
            finally:
                keys.release()
    finally:
        found.release()
    t = quarantine_text(check(table))
    if schema.by_month:  # the part each kept row is written to
        t = t.mutate(**{MONTH_KEY: t[schema.by_month].strftime("%Y-%m")})
    return t, repeated


class Quarantine:
    """Quarantined rows, gathered and written to ``<folder>/_quarantine/<name>.parquet`` (or kept in memory)."""

    def __init__(self, path: Path | None):
        self.path, self.writer, self.pending, self.tables = path, None, [], []

    def add(self, rows: pa.Table) -> None:
        self.pending.append(rows)
        if sum(len(p) for p in self.pending) >= QUARANTINE_GROUP:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        rows = pa.concat_tables(self.pending)
        self.pending = []
        if self.path is None:
            self.tables.append(rows)
            return
        if self.writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.writer = pq.ParquetWriter(self.path, rows.schema, compression="zstd")
        self.writer.write_table(rows)

    def close(self) -> None:
        try:
            self.flush()
        finally:
            if self.writer is not None:
                self.writer.close()


def _as_text(values: pa.Array) -> pa.Array:
    """Typed values as the sources write them: times to the second, dates as dates."""
    if pa.types.is_timestamp(values.type):
        return pc.strftime(values.cast(pa.timestamp("s"), safe=False), format="%Y-%m-%d %H:%M:%S")
    return values.cast(pa.string())


def _split(batches: Iterator[pa.RecordBatch], keep: list[str], given: list[str], repeated: list[tuple],
           quarantine: Quarantine, reasons: Counter) -> Iterator[tuple[pa.RecordBatch, pa.Array | None]]:
    """The ``keep`` columns of each batch and which of its rows are kept (None: all); the other rows go to
    ``quarantine`` with their source values, row and reason, counted in ``reasons``. A row that passes every
    column rule but repeats an earlier one is quarantined with its values as text (they are its source's, typed)."""
    for batch in batches:
        reason = batch.column(REASON)
        rows = batch.column(ROW).to_numpy()
        for why, row_set in repeated:
            hit = row_set.holds(rows)
            if hit.any():
                reason = pc.if_else(pc.and_(pc.is_null(reason), pa.array(hit)), pa.scalar(why), reason)
        bad = pc.is_valid(reason)
        if pc.any(bad).as_py():
            why = reason.filter(bad)
            reasons.update(dict(zip(*(c.to_pylist() for c in pc.value_counts(why).flatten()))))
            quarantine.add(_quarantined(batch.filter(bad), why, given))
            yield batch.select(keep), pc.invert(bad)
        else:
            yield batch.select(keep), None


def _quarantined(rows: pa.RecordBatch, why: pa.Array, given: list[str]) -> pa.Table:
    """Quarantined rows as the quarantine holds them: each given column's source value as text, row and reason."""
    repeat = pc.is_null(rows.column(REASON))  # no column rule failed: a repeat, whose values are good
    columns = {}
    for c in given:
        source = rows.column(SOURCE + c).cast(pa.string())
        columns[c] = pc.if_else(repeat, _as_text(rows.column(c)), source) if c in rows.schema.names else source
    return pa.table({**columns, ROW: rows.column(ROW), REASON: why})


def _no_value_parses(table, schema: TableSchema, source: str, read: int, missing: tuple[str, ...]) -> None:
    """A column none of whose values parses (every row given, none parsing) stops with an example of its values."""
    got = unparsed_counts(table, schema, missing).to_pyarrow().to_pylist()[0]
    for col in schema.columns:
        if got.get(col.name) == read:
            bad = unparsed_rows(table, schema, col, missing).order_by(ROW).limit(6).to_pyarrow()
            raise InputError(
                f"{source}: column '{col.name}' of table '{schema.name}': no value parses as a {kind(col)}; "
                f"e.g. {example_rows(bad.column(ROW).to_pylist(), bad.column('value').to_pylist())}"
            )


@dataclass
class Collected:
    """Rows of a validated table held in memory, for small tables: kept batches (``_row`` and typed columns)
    and quarantined ones (source values, ``_row`` and ``_reason``)."""

    kept: list[pa.RecordBatch] = field(default_factory=list)
    quarantined: list[pa.Table] = field(default_factory=list)


def validate_table(con, table, name: str, source: str | Path, *, out: str | Path | None = None,
                   missing: tuple[str, ...] = NO_VALUE, step: Step | None = None,
                   check_source: Callable[[], None] | None = None, collect: Collected | None = None) -> Counts:
    """Validate engine table ``table`` (canonical columns as text or typed, and ``_row``) against canonical table
    ``name``; ``source`` names it in messages. Text that is empty once stripped, or one of ``missing``, is no value.

    With ``out``, the kept rows are written to ``<out>/<name>`` (see :class:`fraudml.tables.TableWriter`) and the
    quarantined ones to ``<out>/_quarantine/<name>.parquet``; with ``collect``, both are gathered in it;
    else only counted (on Spark, :mod:`fraudml.validation.spark` writes the same files as folders of parts, and
    ``collect`` is not offered). ``check_source`` runs once the source has first been read (to stop on
    lines a CSV reader set aside before anything else is concluded). Unusable input raises InputError.
    """
    if is_spark(con):
        from fraudml.validation.spark import validate_table_spark

        return validate_table_spark(con, table, name, source, out=out, missing=missing, step=step,
                                    check_source=check_source)
    schema, source, step = TABLES[name], str(source), step or (lambda _: None)
    check_columns(table.columns, schema, source)
    final, repeated = plan(con, table, schema, missing, step, check_source or (lambda: None))
    given = [c for c in table.columns if c != ROW]
    quarantine = Quarantine(Path(out) / "_quarantine" / f"{name}.parquet" if out is not None else None)
    reasons: Counter = Counter()
    step("writing" if out is not None else "counting")
    keep = [ROW, *schema.names] if out is None else [*schema.names, *([MONTH_KEY] if schema.by_month else [])]
    batches = _split(stream(con, final, BATCH_ROWS, ordered=True), keep, given, repeated, quarantine, reasons)
    kept = 0
    try:
        if out is not None:
            writer = TableWriter(out, name)
            try:
                for batch, rows in batches:
                    writer.write(batch, rows)
            except BaseException:
                writer.abort()
                raise
            kept = writer.close()
        else:
            for batch, rows in batches:
                batch = batch.filter(rows) if rows is not None else batch
                kept += batch.num_rows
                if collect is not None:
                    collect.kept.append(batch)
    finally:
        quarantine.close()
    if collect is not None:
        collect.quarantined.extend(quarantine.tables)
    counts = Counts(name, source, kept, dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))
    if counts.read == 0:
        raise InputError(f"{source}: table '{name}' is empty (no rows)")
    if counts.kept == 0:
        _no_value_parses(table, schema, source, counts.read, missing)
    return counts
