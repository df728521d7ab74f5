"""Validation on Spark: the rules of :mod:`fraudml.validation.rules` run by Spark, as DuckDB runs them
(:mod:`fraudml.validation.run`), with the kept rows and the quarantine written by Spark and the counts taken
from a Spark aggregate; no row passes through the driver.

Spark checks every row once and keeps the checked rows (memory, else disk): the
counts and both files are then read from them. Repeats follow the rule of
:func:`~fraudml.validation.rules.repeats` (a good row whose values, or then whose
key, equal those of an earlier good row; nulls equal), found in the same pass by
a window over the checked rows, where DuckDB's path hashes the rows first and
marks the repeats from bitmaps. The files are those of DuckDB's path, as folders
of parts: ``<out>/<name>`` and ``<out>/_quarantine/<name>.parquet``, rows in
source order.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from fraudml.errors import InputError
from fraudml.tables import TABLES, TableSchema
from fraudml.validation.rules import DUPLICATE, NO_VALUE, REASON, ROW, SOURCE, check_columns, key_repeat, quarantine_text
from fraudml.validation.run import Counts, Step, _no_value_parses, checked_view


def validate_table_spark(con, table, name: str, source: str | Path, *, out: str | Path | None = None,
                         missing: tuple[str, ...] = NO_VALUE, step: Step | None = None,
                         check_source: Callable[[], None] | None = None) -> Counts:
    """:func:`fraudml.validation.run.validate_table` on Spark: the same rules, counts, files and errors."""
    from pyspark import StorageLevel

    from fraudml.spark import frame

    schema, source, step = TABLES[name], str(source), step or (lambda _: None)
    check_columns(table.columns, schema, source)
    if check_source:  # on Spark, looking for the lines the reader set aside reads the source: before any rule
        check_source()
    step("checking rows")
    rows = _with_repeats(frame(con, quarantine_text(checked_view(con, table, schema, missing))), schema)
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # checked once: counted, then written
    try:
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
    return counts


def _with_repeats(rows, schema: TableSchema):
    """Checked rows whose ``_reason`` also names the repeats: a good row whose typed values all equal an earlier
    good row's is an exact duplicate; then, in a table with a key, a good row that is no duplicate and whose key
    equals an earlier such row's repeats it (nulls equal, as in :func:`~fraudml.validation.rules.repeats`)."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    for columns, why in [(schema.names, DUPLICATE), *([(list(schema.key), key_repeat(schema))] if schema.key else [])]:
        good, row = F.col(REASON).isNull(), F.col(ROW)
        first = F.min(F.when(good, row)).over(Window.partitionBy(*columns))
        rows = rows.withColumn(REASON, F.when(good & (row > first), F.lit(why)).otherwise(F.col(REASON)))
    return rows


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
