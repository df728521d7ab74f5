"""Run the rules of :mod:`fraudml.validation.rules` on a table of the engine, streaming its rows to the kept
Parquet parts and to the quarantine, and count them.

A table is read a few times: once to hash its good rows (repeated hashes are the
only candidates for duplicates), once to compare the candidates' values exactly,
and once to write; a table with a key is read twice more, for repeated keys.
Only those candidates and the row numbers of repeats are kept in the engine;
rows stream through Python batch by batch, so memory does not grow with the table.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fraudml.engine import stream, view
from fraudml.errors import InputError, example_rows
from fraudml.tables import MONTH_KEY, TABLES, TableSchema, TableWriter
from fraudml.validation.rules import (DUPLICATE, NO_VALUE, REASON, ROW, SOURCE, check_columns, checked, key_repeat,
                                      kind, quarantine_text, repeats, unparsed_counts, unparsed_rows)

BATCH_ROWS = 128 * 1024
_VIEWS = itertools.count()
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


def _flagged(t, rows, reason: str):
    """``t`` with ``reason`` given to the rows whose ``_row`` is in ``rows`` and that had none."""
    hit = t[ROW].isin(rows[ROW])
    return t.mutate(**{REASON: ibis.ifelse(t[REASON].isnull() & hit, ibis.literal(reason), t[REASON])})


def plan(con, table, schema: TableSchema, missing: tuple[str, ...], kept: list, step: Step,
         first_read: Callable[[], None]):
    """Every row of source table ``table`` (:func:`~fraudml.validation.rules.checked`) with its reason: the first
    column rule it fails, else an exact duplicate of an earlier good row, else (for a table with a key) a repeat of
    an earlier good row's key; and its source values as text where it has a reason. The row numbers of repeats
    are kept by the engine, in ``kept`` (release them when done)."""
    step("finding repeated rows")
    duplicates = repeats(table, schema, schema.names, lambda c: c.filter(c[REASON].isnull()), missing, first_read)
    kept.append(duplicates)  # released by the caller, whatever happens next
    # the rules compiled once, as a view that the later passes read
    t = _flagged(view(con, f"checked_{schema.name}_{next(_VIEWS)}", checked(table, schema, missing)), duplicates,
                 DUPLICATE)
    if schema.key:
        step("finding repeated keys")

        def good(c):
            return c.filter(c[REASON].isnull() & ~c[ROW].isin(duplicates[ROW]))

        keys = repeats(table, schema, list(schema.key), good, missing)
        kept.append(keys)
        t = _flagged(t, keys, key_repeat(schema))
    t = quarantine_text(t)
    if schema.by_month:  # the part each kept row is written to
        t = t.mutate(**{MONTH_KEY: t[schema.by_month].strftime("%Y-%m")})
    return t


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
        self.flush()
        if self.writer is not None:
            self.writer.close()


def _split(batches: Iterator[pa.RecordBatch], keep: list[str], given: list[str], quarantine: Quarantine,
           reasons: Counter) -> Iterator[pa.RecordBatch]:
    """The ``keep`` columns of the kept rows of each batch; the other rows go to ``quarantine`` with their source
    values, row and reason, counted in ``reasons``."""
    for batch in batches:
        bad = pc.is_valid(batch.column(REASON))
        if pc.any(bad).as_py():
            rows = batch.filter(bad)
            reasons.update(dict(zip(*(c.to_pylist() for c in pc.value_counts(rows.column(REASON)).flatten()))))
            quarantine.add(pa.table({**{c: rows.column(SOURCE + c) for c in given}, ROW: rows.column(ROW),
                                     REASON: rows.column(REASON)}))
            batch = batch.filter(pc.invert(bad))
        yield batch.select(keep)


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
    else only counted. ``check_source`` runs once the source has first been read (to stop on
    lines a CSV reader set aside before anything else is concluded). Unusable input raises InputError.
    """
    schema, source, step = TABLES[name], str(source), step or (lambda _: None)
    check_columns(table.columns, schema, source)
    cached = []
    try:
        final = plan(con, table, schema, missing, cached, step, check_source or (lambda: None))
        given = [c for c in table.columns if c != ROW]
        quarantine = Quarantine(Path(out) / "_quarantine" / f"{name}.parquet" if out is not None else None)
        reasons: Counter = Counter()
        step("writing" if out is not None else "counting")
        batches = stream(con, final, BATCH_ROWS)
        kept = 0
        if out is not None:
            writer = TableWriter(out, name)
            try:
                keep = [*schema.names, MONTH_KEY] if schema.by_month else schema.names
                for batch in _split(batches, keep, given, quarantine, reasons):
                    writer.write(batch)
            except BaseException:
                writer.abort()
                raise
            writer.close()
            kept = writer.rows
        else:
            for batch in _split(batches, [ROW, *schema.names], given, quarantine, reasons):
                kept += batch.num_rows
                if collect is not None:
                    collect.kept.append(batch)
        quarantine.close()
        if collect is not None:
            collect.quarantined.extend(quarantine.tables)
    finally:
        for intermediate in cached:
            intermediate.release()
    counts = Counts(name, source, kept, dict(sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))))
    if counts.read == 0:
        raise InputError(f"{source}: table '{name}' is empty (no rows)")
    if counts.kept == 0:
        _no_value_parses(table, schema, source, counts.read, missing)
    return counts
