"""Run the rules of :mod:`fraudml.validation.rules` on a table of the engine, and write, count or gather its kept
and quarantined rows, the engine doing the work.

On DuckDB a table is read a few times, each read streaming through the engine:
once to hash its rows (rows whose hash repeats are the only candidates for
duplicates), once to compare the candidates' values exactly (twice more for a
table with a key, for repeated keys), then once for the kept rows, which DuckDB
writes as Parquet parts itself, and once for the quarantined ones: only the
repeats, picked by their row numbers, unless some row failed a rule of its
columns. DuckDB's own split into parts keeps the rows' order only when the query
runs on one thread, as one that scans a CSV file does; a source that can skip to
a range of row numbers (a table in memory) is instead written a part at a time,
each from its own range, which keeps the order on every thread. Between reads
the engine keeps a row number and a hash per row, and the rows that repeat
others as a bitstring, a bit a row. No row passes through Python.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa

from fraudml.engine import is_spark, sql_view, view
from fraudml.errors import InputError, example_rows
from fraudml.tables import PART_BYTES, TABLES, TableSchema, table_target
from fraudml.validation.rules import (DUPLICATE, NO_VALUE, REASON, ROW, SOURCE, check_columns, checked, key_repeat,
                                      kind, repeats, unparsed_counts, unparsed_rows)

Step = Callable[[str], None]
_BITS = itertools.count()  # each bitstring's own variable


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


# the writer is the costliest part of an ingest. zstd's level 1 rather than DuckDB's 3: the same size for hashed
# numbers (76 against 77 MB a million calls) in 1.1 rather than 1.9 CPU s. Parquet's version 2 encodings (deltas for
# numbers, times and texts): 5 M calls in 3.4 rather than 4.1 CPU s, 6 % smaller; pyarrow and Spark read them
_PARQUET = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, PARQUET_VERSION v2"
_SAMPLE_ROWS = 1 << 17  # rows whose Parquet sizes the parts written by ranges: a whole row group (DuckDB's 122,880)
_PLACEHOLDER = "fraudml_rules_input"
_VIEWS = itertools.count()


@functools.lru_cache(maxsize=64)
def _checked_sql(dialect: str, schema_name: str, given: tuple[tuple[str, str], ...], missing: tuple[str, ...]) -> str:
    """The SQL of :func:`~fraudml.validation.rules.checked` over a placeholder table of the given column types:
    compiled once, as compiling the rules costs more than running them on a small table."""
    placeholder = ibis.table(dict(given), name=_PLACEHOLDER)
    sql = ibis.to_sql(checked(placeholder, TABLES[schema_name], missing), dialect=dialect)
    if dialect != "duckdb":
        return sql
    # DuckDB pushes a filter on _reason down through the projections that compute the typed values, inlining them:
    # each pattern and cast then runs a dozen times a row (7.2 of the 10.5 s that writing 5 M calls took). It
    # pushes no filter through a volatile expression, and random() < 2 always holds.
    return f"SELECT * REPLACE (CASE WHEN random() < 2 THEN {REASON} END AS {REASON}) FROM ({sql})"


def checked_view(con, t, schema: TableSchema, missing: tuple[str, ...]):
    """:func:`~fraudml.validation.rules.checked` rows of engine table ``t``, as a view of the engine."""
    n = next(_VIEWS)
    source = view(con, f"rules_input_{n}", t)
    given = tuple((name, str(dtype)) for name, dtype in source.schema().items())
    sql = _checked_sql(con.name, schema.name, given, missing)
    return sql_view(con, f"checked_{n}", sql.replace(_PLACEHOLDER, f"rules_input_{n}"))


def _quoted(text: str) -> str:
    """A string literal of DuckDB's SQL."""
    return "'" + text.replace("'", "''") + "'"


def _name(column: str) -> str:
    """A column name in DuckDB's SQL."""
    return '"' + column.replace('"', '""') + '"'


class RowBits:
    """Sets of row numbers held by the engine as bitstrings, a bit a row, each a variable of the connection: for a
    query to mark or pick rows by their ``_row`` without a join (joins may reorder rows, and would hold a CSV
    file's rows where the engine cannot tell their size); removed from the connection on :meth:`close`."""

    def __init__(self, con):
        self.con, self.names = con, []

    def of(self, rows) -> tuple[str, int]:
        """The SQL condition that ``_row`` is among the ``_row`` of engine table ``rows`` ('false' when it has
        none), and how many rows that is."""
        sql = self.con.compile(rows.select(ROW))
        first, last, count = self.con.con.execute(f"SELECT min({ROW}), max({ROW}), count(*) FROM ({sql})").fetchone()
        if not count:
            return "false", 0
        name = f"fraudml_rows_{next(_BITS)}"
        self.con.con.execute(f"SET VARIABLE {name} = (SELECT bitstring_agg({ROW}, {first}, {last}) FROM ({sql}))")
        self.names.append(name)
        bit = f"get_bit(getvariable('{name}'), ({ROW} - {first})::INTEGER) = 1"
        return f"(CASE WHEN {ROW} BETWEEN {first} AND {last} THEN {bit} ELSE false END)", count

    def close(self) -> None:
        for name in self.names:
            self.con.con.execute(f"RESET VARIABLE {name}")


def _picked(con, table, rows: str):
    """The rows of engine table ``table`` for which ``rows``, a condition of ``_row`` that :class:`RowBits` gives,
    holds."""
    return sql_view(con, f"picked_{next(_VIEWS)}", f"SELECT * FROM ({con.compile(table)}) WHERE {rows}")


@dataclass
class Judgement:
    """What the reads before writing found of a source table: each kind of repeat of an earlier good row (its
    reason, and the SQL condition of ``_row`` that a row is such a repeat), first the outermost; how many rows
    repeat; and how many rows the source holds."""

    repeated: list[tuple[str, str]]
    repeats: int
    read: int

    @property
    def reason(self) -> str:
        """The SQL of each row's ``_reason`` over :func:`checked_view` rows: the first column rule it fails, else
        the repeat it is, else null."""
        reason = REASON
        for why, held in reversed(self.repeated):
            reason = f"CASE WHEN {REASON} IS NULL AND {held} THEN {_quoted(why)} ELSE {reason} END"
        return reason

    @property
    def repeat(self) -> str:
        """The SQL condition that a row repeats an earlier good row."""
        return " OR ".join(held for _, held in self.repeated) or "false"

    @property
    def repeat_reason(self) -> str:
        """The SQL of the repeat a row is, for a row that is one: its ``_reason`` without a rule checked."""
        return f"CASE {' '.join(f'WHEN {held} THEN {_quoted(why)}' for why, held in self.repeated)} END"


def _repeats(con, table, schema: TableSchema, missing: tuple[str, ...], step: Step, first_read: Callable[[], None],
             bits: RowBits) -> Judgement:
    """The :class:`Judgement` of source table ``table``: its exact duplicates, then for a table with a key, its
    repeated keys."""
    step("finding repeated rows")
    check = functools.partial(checked_view, con, schema=schema, missing=missing)

    def pick(t, rows):
        return _picked(con, t, bits.of(rows)[0])

    read = []  # the rows of the source, once counted

    def counted(rows: int) -> None:
        read.append(rows)
        first_read()
    found = repeats(table, schema, schema.names, lambda c: c.filter(c[REASON].isnull()), check, pick, missing,
                    counted)
    repeated = [(DUPLICATE, found)]
    try:
        if schema.key:
            step("finding repeated keys")

            def good(c):
                return c.filter(c[REASON].isnull() & ~c[ROW].isin(found[ROW]))

            repeated.append((key_repeat(schema), repeats(table, schema, list(schema.key), good, check, pick, missing)))
        held = [(why, *bits.of(rows)) for why, rows in repeated]
        return Judgement([(why, sql) for why, sql, n in held if n], sum(n for _, _, n in held), read[0])
    finally:
        for _, rows in repeated:
            rows.release()


def _judged(con, table, schema: TableSchema, missing: tuple[str, ...], reason: str) -> str:
    """A view of the rows of source table ``table`` as :func:`~fraudml.validation.rules.checked` gives them, with
    ``_reason`` as the SQL ``reason`` gives it (see :class:`Judgement`), in source order."""
    rows = checked_view(con, table, schema, missing).get_name()
    return sql_view(con, f"judged_{next(_VIEWS)}", f"SELECT * REPLACE ({reason} AS {REASON}) FROM {rows}").get_name()


def _kept(judged: str, schema: TableSchema, row: bool = False) -> str:
    """The query of the kept rows of view ``judged``: the canonical columns (and ``_row``), in source order."""
    columns = [*([ROW] if row else []), *schema.names]
    return f"SELECT {', '.join(map(_name, columns))} FROM {judged} WHERE {REASON} IS NULL"


def _as_text(given: list[str], prefix: str) -> str:
    """Each given column's source value, the column ``<prefix><name>``, as text named ``<name>``."""
    return ", ".join(f"CAST({_name(prefix + c)} AS VARCHAR) AS {_name(c)}" for c in given)


def _quarantined(judged: str, given: list[str]) -> str:
    """The query of the quarantined rows of view ``judged``, as the quarantine holds them: each given column's
    source value as text, ``_row`` and ``_reason``, in source order."""
    return f"SELECT {_as_text(given, SOURCE)}, {ROW}, {REASON} FROM {judged} WHERE {REASON} IS NOT NULL"


def _repeats_quarantined(con, table, judged: Judgement, given: list[str]) -> str:
    """:func:`_quarantined` of the repeats of source table ``table`` alone, no rule checked: the bitstrings that
    mark them give their reasons."""
    return (f"SELECT {_as_text(given, '')}, {ROW}, {judged.repeat_reason} AS {REASON} "
            f"FROM ({con.compile(table)}) WHERE {judged.repeat}")


@contextlib.contextmanager
def _in_source_order(con) -> Iterator[None]:
    """This connection's queries keep the order of their source in what they write and return, so that the same
    input gives the same files (other queries are free to reorder rows, which takes less memory). A setting of
    the connection's own: two connections to one database may each be in the middle of a query."""
    con.raw_sql("SET SESSION preserve_insertion_order = true")
    try:
        yield
    finally:
        con.raw_sql("SET SESSION preserve_insertion_order = false")


def _staged(target: Path, write: Callable[[Path], int]) -> int:
    """``write(staged)`` (the rows it writes) to a path beside ``target``, then moved to ``target``: nothing is at
    ``target`` until every row is written."""
    staged = target.with_name(f".{target.name}.staged")
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        rows = write(staged)
        os.replace(staged, target)
    finally:
        shutil.rmtree(staged, ignore_errors=True) if staged.is_dir() else staged.unlink(missing_ok=True)
    return rows


def _copy(con, query: str, target: Path, parts: bool) -> int:
    """Write ``query``'s rows as one Parquet file ``target``, in order, or as a folder ``target`` of parts that
    DuckDB starts every ``PART_BYTES``, in order only if the query runs on one thread (as one that scans a CSV file
    does); the rows written."""
    options = _PARQUET
    if parts:
        options += f", FILE_SIZE_BYTES {PART_BYTES}, FILENAME_PATTERN 'part-{{i}}'"

    def write(path: Path) -> int:
        with _in_source_order(con):
            return con.con.execute(f"COPY ({query}) TO {_quoted(str(path))} ({options})").fetchone()[0]
    return _staged(target, write)


def _row_range(con, table, first: int, last: int):
    """The rows of engine table ``table`` whose ``_row`` is from ``first`` to ``last``."""
    return sql_view(con, f"range_{next(_VIEWS)}",
                    f"SELECT * FROM ({con.compile(table)}) WHERE {ROW} BETWEEN {first} AND {last}")


def _copy_in_ranges(con, table, query: Callable[[object], str], rows: int, target: Path) -> int:
    """Write the rows ``query(t)`` gives of ranges ``t`` of engine table ``table`` (``rows`` rows) as a folder
    ``target`` of parts, each part from a range of ``_row`` of its own, which keeps the rows' order whatever the
    threads; the rows written. A range holds as many rows as make about ``PART_BYTES``, as the first
    ``_SAMPLE_ROWS`` written alone tell."""
    def write(folder: Path) -> int:
        first = folder / "part-0.parquet"  # the sample, then the first part in its place
        sample = min(rows, _SAMPLE_ROWS)
        _copy(con, query(_row_range(con, table, 1, sample)), first, parts=False)
        length = max(1, PART_BYTES * sample // first.stat().st_size)
        return sum(_copy(con, query(_row_range(con, table, start, start + length - 1)), folder / f"part-{i}.parquet",
                         parts=False) for i, start in enumerate(range(1, rows + 1, length)))
    return _staged(target, write)


def _reasons(con, query: str) -> dict[str, int]:
    """Rows per reason of the rows of ``query`` (with ``_reason``), most first."""
    counted = con.con.execute(f"SELECT {REASON}, count(*) FROM ({query}) GROUP BY {REASON}").fetchall()
    return dict(sorted(counted, key=lambda kv: (-kv[1], kv[0] or "")))


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
    """Rows of a validated table held in memory, for small tables: the kept rows (``_row`` and typed columns)
    and the quarantined ones (source values, ``_row`` and ``_reason``)."""

    kept: pa.Table | None = None
    quarantined: pa.Table | None = None


def _write(con, table, schema: TableSchema, missing: tuple[str, ...], judged: Judgement, given: list[str],
           out: Path, row_count: int | None) -> tuple[int, dict[str, int]]:
    """Write the kept rows of source table ``table`` as its canonical table in ``out``, and the quarantined ones
    (only when there are some) to ``out/_quarantine/<name>.parquet``; the rows kept, and quarantined per reason.
    A table in parts is written a part per range of ``_row`` where the source can skip to one (``row_count``
    given).

    When every row not kept is a repeat, as in most files, the quarantine's pass reads only those, picked by their
    row numbers, and checks no rule (the bitstrings that mark them give their reasons); else it checks every row
    again."""
    def kept_rows(t) -> str:
        return _kept(_judged(con, t, schema, missing, judged.reason), schema)
    target = table_target(out, schema.name)
    if schema.in_parts and row_count is not None:
        kept = _copy_in_ranges(con, table, kept_rows, row_count, target)
    else:
        kept = _copy(con, kept_rows(table), target, schema.in_parts)
    if kept == judged.read:
        return kept, {}
    quarantine = out / "_quarantine" / f"{schema.name}.parquet"
    if kept + judged.repeats == judged.read:  # no row failed a rule: the quarantine holds the repeats alone
        rows = _repeats_quarantined(con, table, judged, given)
    else:
        rows = _quarantined(_judged(con, table, schema, missing, judged.reason), given)
    _copy(con, rows, quarantine, parts=False)
    return kept, _reasons(con, f"SELECT {REASON} FROM read_parquet({_quoted(str(quarantine))})")


def validate_table(con, table, name: str, source: str | Path, *, out: str | Path | None = None,
                   missing: tuple[str, ...] = NO_VALUE, step: Step | None = None,
                   check_source: Callable[[], None] | None = None, collect: Collected | None = None,
                   row_count: int | None = None) -> Counts:
    """Validate engine table ``table`` (canonical columns as text or typed, and ``_row``) against canonical table
    ``name``; ``source`` names it in messages. Text that is empty once stripped, or one of ``missing``, is no value.

    With ``out``, the kept rows are written to ``<out>/<name>`` (see :func:`fraudml.tables.table_target`) and the
    quarantined ones to ``<out>/_quarantine/<name>.parquet``; with ``collect``, both are gathered in it;
    else only counted (on Spark, :mod:`fraudml.validation.spark` writes the same files, and ``collect`` is not
    offered). A table written in parts holds the source's order on any number of threads where ``row_count`` gives
    the source's rows (a source that can skip to a range of ``_row``, as a table in memory can); else only where
    the source is scanned on one thread, as a CSV file is. ``check_source`` runs once the source has first been
    read (to stop on lines a CSV reader set aside before anything else is concluded). Unusable input raises
    InputError.
    """
    if is_spark(con):
        from fraudml.validation.spark import validate_table_spark

        return validate_table_spark(con, table, name, source, out=out, missing=missing, step=step,
                                    check_source=check_source)
    schema, source, step = TABLES[name], str(source), step or (lambda _: None)
    check_columns(table.columns, schema, source)
    given = [c for c in table.columns if c != ROW]
    bits = RowBits(con)
    try:
        judged = _repeats(con, table, schema, missing, step, check_source or (lambda: None), bits)
        step("writing" if out is not None else "counting")
        if out is not None:
            kept, reasons = _write(con, table, schema, missing, judged, given, Path(out), row_count)
        else:
            rows = _judged(con, table, schema, missing, judged.reason)
            reasons = _reasons(con, f"SELECT {REASON} FROM {rows}")
            kept = reasons.pop(None, 0)
            if collect is not None:
                with _in_source_order(con):
                    collect.kept = con.con.sql(_kept(rows, schema, row=True)).to_arrow_table()
                    collect.quarantined = con.con.sql(_quarantined(rows, given)).to_arrow_table()
    finally:
        bits.close()
    counts = Counts(name, source, kept, reasons)
    if counts.read == 0:
        raise InputError(f"{source}: table '{name}' is empty (no rows)")
    if counts.kept == 0:
        _no_value_parses(table, schema, source, counts.read, missing)
    return counts
