"""Connect an Ibis backend (DuckDB by default, Spark when asked) and load the canonical tables into it.

The feature families are Ibis expressions over the tables loaded here, so the
same definitions run on either engine. Tables stay in the engine: nothing here
pulls raw events into pandas.
"""

from __future__ import annotations

import tempfile
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pyarrow as pa

from fraudml.errors import InputError
from fraudml.tables import TABLES, parquet_schema, table_path

ENGINES = ("duckdb", "spark")
# backends whose Spark session connect() started, and close() may stop, by identity: Ibis backends compare equal
# when they wrap the same session, and a step must not stop the session of the command that runs it
_STARTED_SESSIONS = weakref.WeakValueDictionary()


def connect(engine: str = "duckdb", *, memory_limit: str | None = None, threads: int | None = None,
            spark_master: str | None = None):
    """An Ibis backend: embedded DuckDB (spills to disk past ``memory_limit``), or Spark through ``ibis.pyspark``.

    Spark uses the session already running, if any, as it is; else it starts one on ``spark_master`` (or the
    master Spark's own configuration names, else local mode) with ``memory_limit`` as the driver's memory
    (:mod:`fraudml.spark` holds its settings).
    """
    if engine == "duckdb":
        _check_master(engine, spark_master)
        config = {"temp_directory": str(Path(tempfile.gettempdir()) / "fraudml-duckdb"),
                  "preserve_insertion_order": False}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        return ibis.duckdb.connect(**config)
    if engine == "spark":
        from fraudml.spark import session

        spark, started = session(spark_master, memory_limit)
        con = ibis.pyspark.connect(spark)
        if started:
            _STARTED_SESSIONS[id(con)] = con
        return con
    raise InputError(f"unknown engine '{engine}': use one of {', '.join(ENGINES)}")


@contextmanager
def engine_session(engine: str = "duckdb", *, spark_master: str | None = None, memory_limit: str | None = None):
    """Keep one Spark session up for every step of a command (each step's ``connect`` finds it running); for
    DuckDB, whose steps each connect on their own, only check that no Spark master was given."""
    if engine != "spark":
        _check_master(engine, spark_master)
        yield
        return
    con = connect(engine, memory_limit=memory_limit, spark_master=spark_master)
    try:
        yield
    finally:
        close(con)


def _check_master(engine: str, spark_master: str | None) -> None:
    if spark_master:
        raise InputError(f"--spark-master {spark_master} is for --engine spark, not {engine}")


def close(con) -> None:
    """Free the engine's memory: DuckDB closes; a Spark session ``connect`` started stops, a caller's stays up."""
    if is_spark(con) and _STARTED_SESSIONS.get(id(con)) is not con:
        return
    con.disconnect()


def is_spark(con) -> bool:
    return con.name == "pyspark"


def register(con, name: str, data: pa.Table):
    """A small local table (snapshots, an empty stand-in) as a table of the backend, so every expression has one backend."""
    if is_spark(con):  # Ibis's Spark backend has no temporary tables; a temporary view over the local data is one
        return con.create_view(name, ibis.memtable(data), overwrite=True)
    return con.create_table(name, data, temp=True, overwrite=True)


def scan_parquet(con, path: Path, name: str):
    """A canonical table's file, or every Parquet part under its folder, as a table of the backend."""
    if not path.is_dir():
        return con.read_parquet(str(path), table_name=name)
    if is_spark(con):  # Spark's globs do not recurse; its reader does, when asked
        return con.read_parquet(str(path), table_name=name, recursiveFileLookup=True, pathGlobFilter="*.parquet")
    return con.read_parquet(str(path / "**" / "*.parquet"), table_name=name)


def _ibis_type(t: pa.DataType) -> str:
    if pa.types.is_timestamp(t):
        return "timestamp"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_integer(t):
        return "int64"
    if pa.types.is_floating(t):
        return "float64"
    return "string"


@dataclass
class Tables:
    """The canonical tables of one folder as engine tables; ``None`` for a table the folder lacks."""

    tables: dict[str, object]  # every canonical table; an empty one where the source lacks it
    absent: set[str] = field(default_factory=set)  # tables the source lacks
    missing_columns: dict[str, set[str]] = field(default_factory=dict)  # optional columns absent from a file

    def __getitem__(self, name: str):
        return self.tables[name]

    def has(self, source: str) -> bool:
        """Whether every ``table`` or ``table.column`` of a feature's source (joined by '+') exists."""
        for part in source.split("+"):
            name, _, column = part.partition(".")
            if name in self.absent or (column and column in self.missing_columns.get(name, set())):
                return False
        return True


def load_tables(con, data_dir: str | Path) -> Tables:
    """Register every canonical table of ``data_dir`` with the backend, typed as the schema says.

    Optional columns a file lacks are added as nulls and remembered, so features
    that need them come out missing rather than zero.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise InputError(f"{data_dir}: data folder does not exist")
    tables, missing, absent = {}, {}, set()
    for name, schema in TABLES.items():
        path = table_path(data_dir, name)
        if path is None:  # an empty stand-in keeps every expression valid; its features come out null
            absent.add(name)
            empty = register(con, f"absent_{name}", schema.arrow_schema().empty_table())
            tables[name] = empty.select(**{c.name: empty[c.name].cast(_ibis_type(c.type)) for c in schema.columns})
            continue
        present = parquet_schema(path).names
        absent_required = [c for c in schema.required if c not in present]
        if absent_required:
            raise InputError(f"{path}: required column(s) {', '.join(absent_required)} missing from table '{name}'; "
                             f"found {', '.join(present)}")
        raw = scan_parquet(con, path, f"canonical_{name}")
        missing[name] = {c.name for c in schema.columns if c.name not in present}
        tables[name] = raw.select(**{
            c.name: (raw[c.name] if c.name in present else ibis.null()).cast(_ibis_type(c.type))
            for c in schema.columns
        })
    if {"calls", "sms", "accounts"} <= absent:
        raise InputError(f"{data_dir}: no calls, sms or accounts table: not a canonical data folder")
    return Tables(tables, absent, missing)
