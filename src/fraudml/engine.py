"""Connect an Ibis backend (DuckDB by default, Spark when asked), load the canonical tables into it, and read
source files into it.

The feature families and the validation rules are Ibis expressions over the
tables loaded here, so the same definitions run on either engine. Tables stay in
the engine: nothing here pulls raw events into pandas. How each engine reads a
file (a CSV file with its faulty lines set aside, Parquet parts with their row
numbers) is kept to the small functions here.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import itertools
import os
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import duckdb
import ibis
import pyarrow as pa

from fraudml.errors import InputError
from fraudml.tables import TABLES, open_parquet, parquet_files, parquet_schema, table_path

ENGINES = ("duckdb", "spark")
DEFAULT_MEMORY_LIMIT = "2GB"  # ingest and validation: fits a laptop; DuckDB spills to disk past it
# of the memory limit of an ingest or a validation, DuckDB's share: its limit bounds its buffers, not every allocation
# it makes (the Parquet writer's pages, the CSV reader's), nor Python's own (Ibis), so that the
# whole process stays near the limit
STREAMED_SHARE = 0.75
SIDE_BY_SIDE = 2  # jobs run at once by run_side_by_side: the cores of a laptop's share, and a 2-core runner's
T = TypeVar("T")
_SIZE = re.compile(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*([kmgt]?i?b?)\s*$", re.IGNORECASE)
_UNIT = {"": 1, "b": 1, **{p + u: f ** (i + 1) for i, p in enumerate("kmgt")
                            for u, f in (("", 1000), ("b", 1000), ("ib", 1024))}}
_SCANS = itertools.count()  # each CSV scan's own table of rejected lines
# backends whose Spark session connect() started, and close() may stop, by identity: Ibis backends compare equal
# when they wrap the same session, and a step must not stop the session of the command that runs it
_STARTED_SESSIONS = weakref.WeakValueDictionary()


def connect(engine: str = "duckdb", *, memory_limit: str | None = None, threads: int | None = None,
            spill: Path | None = None, spark_master: str | None = None):
    """An Ibis backend: embedded DuckDB (spills to disk past ``memory_limit``, into ``spill``), or Spark through
    ``ibis.pyspark``.

    DuckDB creates the spill folder only when it first needs it. Spark uses the session already running, if
    any, as it is; else it starts one on ``spark_master`` (or the master Spark's own configuration names, else
    local mode) with ``memory_limit`` as the driver's memory (:mod:`fraudml.spark` holds its settings).
    """
    if engine == "duckdb":
        _check_master(engine, spark_master)
        config = {"temp_directory": str(spill or Path(tempfile.gettempdir()) / "fraudml-duckdb"),
                  "preserve_insertion_order": False}
        if memory_limit:
            config["memory_limit"] = memory_limit
        if threads:
            config["threads"] = threads
        con = ibis.duckdb.connect(**config)
        with contextlib.suppress(duckdb.Error):  # in Jupyter DuckDB refuses any bar setting without ipywidgets
            con.raw_sql("SET enable_progress_bar = false")  # fraudml says what it is doing itself
        return con
    if engine == "spark":
        from fraudml.spark import backend, session

        spark, started = session(spark_master, memory_limit)
        con = backend(spark)
        if started:
            _STARTED_SESSIONS[id(con)] = con
        return con
    raise InputError(f"unknown engine '{engine}': use one of {', '.join(ENGINES)}")


@contextlib.contextmanager
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


def memory_share(memory_limit: str, share: float) -> str:
    """``share`` of a memory size written as DuckDB reads it (2GB, 1.5GB, 512MiB, 2G), in bytes."""
    size = _SIZE.match(memory_limit)
    if size is None or size[2].lower() not in _UNIT:
        raise InputError(f"memory limit '{memory_limit}': not a size such as 2GB, 1.5GB or 512MB")
    return f"{int(float(size[1]) * _UNIT[size[2].lower()] * share)}B"


def connect_streamed(memory_limit: str = DEFAULT_MEMORY_LIMIT, engine: str = "duckdb") -> tuple[object, Path]:
    """The engine of an ingest or a validation, and its spill folder (see :func:`close`). On DuckDB
    ``memory_limit`` is the whole process's: DuckDB holds ``STREAMED_SHARE`` of it and spills past that. On Spark
    ``memory_limit`` is its driver's."""
    spill = spill_folder()
    if engine != "duckdb":
        return connect(engine, memory_limit=memory_limit, spill=spill), spill
    return connect(engine, memory_limit=memory_share(memory_limit, STREAMED_SHARE), spill=spill), spill


def run_side_by_side(con, jobs: list[Callable[[object], T]]) -> list[T]:
    """The results of ``jobs``, each called with a backend: on DuckDB, each on a connection of its own to
    ``con``'s database (its memory limit shared), ``SIDE_BY_SIDE`` at a time; on Spark, one after the other on
    ``con``, as Spark spreads each job over its executors itself.

    A scan that numbers a CSV file's rows in file order runs on one thread, and so does every query that writes
    what it reads; two files read side by side keep two cores busy. A job that fails stops the others."""
    if is_spark(con) or len(jobs) < 2:
        return [job(con) for job in jobs]
    cursors = [ibis.duckdb.from_connection(con.con.cursor()) for _ in jobs]
    try:
        with concurrent.futures.ThreadPoolExecutor(SIDE_BY_SIDE, thread_name_prefix="fraudml-job") as pool:
            running = [pool.submit(job, cursor) for job, cursor in zip(jobs, cursors)]
            try:
                concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_EXCEPTION)
                for job in running:
                    if job.done() and job.exception():
                        raise job.exception()
                return [job.result() for job in running]
            except BaseException:
                for job, cursor in zip(running, cursors):
                    while not job.cancel() and not job.done():  # started: stop its queries until it gives up
                        cursor.con.interrupt()
                        concurrent.futures.wait([job], timeout=0.1)
                raise
    finally:
        for cursor in cursors:
            cursor.con.close()


def spill_folder() -> Path:
    """A spill folder of this run's own (in the temporary folder, TMPDIR); the engine creates it only if it spills."""
    return Path(tempfile.gettempdir()) / f"fraudml-spill-{os.getpid()}-{next(_SCANS)}"


def close(con, spill: Path | None = None, note: Callable[[str], None] | None = None) -> None:
    """Free the engine's memory: DuckDB closes; a Spark session ``connect`` started stops, a caller's stays up.

    With the ``spill`` folder the connection was given, say through ``note`` whether the engine spilled to it,
    and remove it.
    """
    spilled = spill is not None and spill.exists()  # DuckDB removes what it made when it closes
    if not is_spark(con) or _STARTED_SESSIONS.get(id(con)) is con:
        con.disconnect()
    if spilled:
        if note:
            note(f"spilled to disk in {spill} (set TMPDIR to move it); removed")
        shutil.rmtree(spill, ignore_errors=True)


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


@dataclass
class Reject:
    """A line of a CSV file the reader set aside: its 1-based line number (the header is line 1), why, and its text."""

    line: int
    error: str
    text: str


@dataclass
class CsvScan:
    """A CSV file as an engine table of text columns with ``_row``, and the lines its scans set aside."""

    table: object
    rejects: Callable[[], list[Reject]]


def _line_numbers(path: Path, offsets: list[int]) -> dict[int, int]:
    """The 1-based line of each byte offset of a file: line breaks before it, plus one (the reader counts rows, and
    a quoted field may hold a line break)."""
    lines, counted, done = {}, 0, 0
    with path.open("rb") as f:
        for offset in sorted(set(offsets)):
            while done < offset:
                chunk = f.read(min(1 << 24, offset - done))
                if not chunk:
                    break
                counted += chunk.count(b"\n")
                done += len(chunk)
            lines[offset] = counted + 1
    return lines


def read_csv(con, path: Path, header: list[str], keep: list[str]) -> CsvScan:
    """The ``keep`` columns of a comma-separated UTF-8 file whose first line is ``header``, every value as text,
    with ``_row``: the row's 1-based position among the file's data rows (blank lines are not rows).

    The file is read in parallel; ``_row`` is still the position in the file. Lines with another number of
    fields than the header, and lines with bytes that are not UTF-8, are set aside and listed by ``rejects``
    once the table has been scanned.
    """
    if is_spark(con):
        from fraudml.spark import csv_rows

        return csv_rows(con, path, header, keep)
    fields = {f"c{i}": "VARCHAR" for i in range(len(header))}
    name = f"rejects_{next(_SCANS)}"
    columns = ", ".join(f"c{header.index(c)} AS \"{c.replace(chr(34), chr(34) * 2)}\"" for c in keep)
    options = ", ".join([
        "header = false", "skip = 1", "delim = ','", "quote = '\"'", "escape = '\"'", "auto_detect = false",
        "null_padding = false", "columns = {" + ", ".join(f"'{c}': '{t}'" for c, t in fields.items()) + "}",
        "store_rejects = true", "rejects_table = $rejects", "rejects_scan = $scan",
    ])
    # values are bound, not quoted into the SQL; a view cannot hold parameters, a relation bound to them can
    scan = con.con.sql(f"SELECT {columns}, ordinality AS _row FROM read_csv($path, {options}) WITH ORDINALITY",
                       params={"path": str(path), "rejects": name, "scan": f"{name}_scan"})
    scan.create_view(f"{name}_csv")
    table = con.table(f"{name}_csv")

    def rejects() -> list[Reject]:
        scanned = con.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchone()[0]
        if not scanned:  # the file has not been read yet
            return []
        found = con.raw_sql(f"SELECT DISTINCT line_byte_position, error_type, csv_line FROM {name} "
                            "ORDER BY line_byte_position").fetchall()
        lines = _line_numbers(path, [start for start, _, _ in found])
        return [Reject(lines[start], error, text.strip("\r\n")) for start, error, text in found]

    return CsvScan(table, rejects)


def scan_arrow(con, name: str, data: pa.Table):
    """A table in memory as a table of the backend, without copying it on DuckDB."""
    if is_spark(con):
        return register(con, name, data)
    con.con.register(name, data)
    return con.table(name)


def scan_parquet_rows(con, path: Path, name: str):
    """A Parquet file or folder of parts as a table of the backend, with ``_row``: the row's 1-based position in
    the parts taken in order of their paths."""
    if is_spark(con):
        from fraudml.spark import parquet_rows

        return parquet_rows(con, path, name)
    files = [f.absolute() for f in parquet_files(path)]  # DuckDB reports a relative path otherwise
    offsets, start = [], 0
    for file in files:
        offsets.append(start)
        start += open_parquet(file).metadata.num_rows
    starts = register(con, f"{name}_offsets", pa.table({"filename": [str(f) for f in files], "_start": offsets}))
    scan = con.read_parquet([str(f) for f in files], table_name=name, filename=True, file_row_number=True,
                            union_by_name=True, hive_partitioning=False)
    joined = scan.join(starts, "filename")
    return joined.select(*[c for c in scan.columns if c not in ("filename", "file_row_number")],
                         _row=joined.file_row_number + joined._start + 1)


def view(con, name: str, expr):
    """``expr`` as a view of the backend: compiled once, however many queries then read it."""
    return con.create_view(name, expr, overwrite=True)


def sql_view(con, name: str, sql: str):
    """A query in the backend's own SQL as a view of it, and so as an engine table."""
    con.raw_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS {sql}")
    return con.table(name)


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
