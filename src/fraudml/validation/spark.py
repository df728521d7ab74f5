"""Validation on Spark: the rules of :mod:`fraudml.validation.rules` run by Spark, as DuckDB runs them
(:mod:`fraudml.validation.run`), with the kept rows and the quarantine written by Spark and the counts taken
from a Spark aggregate; no row passes through the driver.

The repeats (exact duplicates, repeated keys) are the same Ibis expressions
(:func:`~fraudml.validation.rules.repeats`); where DuckDB's path streams rows
through Python and marks repeats from a bitmap, Spark joins them to the checked
rows. The files are those of DuckDB's path, as folders of parts: ``<out>/<name>``
(``<name>/`` for a table written in parts) and ``<out>/_quarantine/<name>.parquet``,
rows in source order.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from fraudml.engine import view
from fraudml.errors import InputError
from fraudml.tables import TABLES
from fraudml.validation.rules import (DUPLICATE, NO_VALUE, REASON, ROW, SOURCE, check_columns, key_repeat,
                                      quarantine_text, repeats)
from fraudml.validation.run import Counts, Step, _no_value_parses, checked_view


def validate_table_spark(con, table, name: str, source: str | Path, *, out: str | Path | None = None,
                         missing: tuple[str, ...] = NO_VALUE, step: Step | None = None,
                         check_source: Callable[[], None] | None = None) -> Counts:
    """:func:`fraudml.validation.run.validate_table` on Spark: the same rules, counts, files and errors."""
    from pyspark import StorageLevel

    schema, source, step = TABLES[name], str(source), step or (lambda _: None)
    check_columns(table.columns, schema, source)
    table = view(con, f"spark_rules_source_{name}", table)
    rows, repeated = _judged(con, table, name, missing, step, check_source or (lambda: None))
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # counted, then written
    try:
        step("counting")
        counted = {r[REASON]: r["count"] for r in rows.groupBy(REASON).count().collect()}
        kept = counted.pop(None, 0)
        counts = Counts(name, source, kept, dict(sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))))
        if counts.read == 0:
            raise InputError(f"{source}: table '{name}' is empty (no rows)")
        if counts.kept == 0:
            _no_value_parses(table, schema, source, counts.read, missing)
        if out is not None:
            step("writing")
            _write(rows, name, [c for c in table.columns if c != ROW], Path(out), bool(counts.reasons))
    finally:
        rows.unpersist()
        for _, found in repeated:
            found.release()
    return counts


def _judged(con, table, name: str, missing: tuple[str, ...], step: Step, first_read: Callable[[], None]):
    """Every row of ``table`` checked (:func:`~fraudml.validation.rules.checked`, source values as text on the
    rows with a reason), its reason the first rule it fails, else a repeat of an earlier good row, else null, as
    a Spark DataFrame; and the repeats, (reason, rows) each, kept by the engine until released."""
    from pyspark.sql import functions as F

    from fraudml.spark import frame

    schema = TABLES[name]
    check = functools.partial(checked_view, con, schema=schema, missing=missing)
    step("finding repeated rows")
    found = repeats(table, schema, schema.names, lambda c: c.filter(c[REASON].isnull()), missing, first_read, check)
    marks = [(DUPLICATE, found)]
    if schema.key:
        step("finding repeated keys")

        def good(c):
            return c.filter(c[REASON].isnull() & ~c[ROW].isin(found[ROW]))

        marks.append((key_repeat(schema), repeats(table, schema, list(schema.key), good, missing, check=check)))
    rows, reason = frame(con, quarantine_text(check(table))), F.col(REASON)
    for i, (why, repeated) in enumerate(marks):
        rows = rows.join(frame(con, repeated).select(ROW, F.lit(True).alias(f"_repeat{i}")), ROW, "left")
        reason = F.when(reason.isNull() & F.col(f"_repeat{i}").isNotNull(), F.lit(why)).otherwise(reason)
    return rows.withColumn(REASON, reason), marks


def _write(rows, name: str, given: list[str], out: Path, quarantined: bool) -> None:
    """The kept rows as canonical table ``name`` in ``out``, and the others in its quarantine, in source order."""
    from pyspark.sql import functions as F

    from fraudml.spark import write

    schema = TABLES[name]
    typed = [F.col(c.name).cast("timestamp_ntz").alias(c.name) if pa.types.is_timestamp(c.type) else F.col(c.name)
             for c in schema.columns]  # naive times, as DuckDB's parts hold them (the session's zone is UTC)
    kept = rows.filter(F.col(REASON).isNull())
    write(kept.select(*typed, ROW).orderBy(ROW).drop(ROW), out / name)
    if quarantined:
        repeat = F.col(REASON).isin(DUPLICATE, key_repeat(schema))  # its values are good: the typed ones, as text
        text = [F.when(repeat, _as_text(schema, c)).otherwise(F.col(SOURCE + c)).alias(c) for c in given]
        bad = rows.filter(F.col(REASON).isNotNull()).select(*text, ROW, REASON).orderBy(ROW)
        write(bad, out / "_quarantine" / f"{name}.parquet")


def _as_text(schema, name: str):
    """A repeat's typed value as its source writes it: a time to the second, anything else as text."""
    from pyspark.sql import functions as F

    if name not in schema.names:
        return F.col(SOURCE + name).cast("string")
    if pa.types.is_timestamp(schema.column(name).type):
        return F.date_format(F.col(name), "yyyy-MM-dd HH:mm:ss")
    return F.col(name).cast("string")
