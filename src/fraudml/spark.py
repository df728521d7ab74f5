"""The Spark session fraudml runs on, its settings, and what every Spark step shares: a query as a DataFrame,
and a DataFrame written as a folder of parts.

A session already running in the process (a notebook's, ``spark-submit``'s, a
test's) is used as it is. Otherwise :func:`session` starts one on the master
given (``--spark-master``), else on the master Spark's own configuration names
(``spark-submit --master``, ``spark.master`` in ``spark-defaults.conf``,
``PYSPARK_SUBMIT_ARGS``), else in local mode on every core. Settings the
environment sets win over fraudml's defaults; only those fraudml cannot work
without are always applied.
"""

from __future__ import annotations

import csv
import functools
import os
import re
import shutil
import sys
import uuid
from pathlib import Path

from fraudml.errors import InputError

# fraudml's defaults, for any key the environment leaves unset (docs/spark.md says what each is for):
# 4 GB for the driver (``memory_limit`` sets it): analysing the plans of scoring and its rings ran 2 GB out of heap; small memory pages: one task of the feature query runs some
# thirty sorts and hash aggregations at once, and each holds at least a page (by default 1/16 of a core's share
# of memory), which runs a task out of memory on a few thousand snapshots; results to pandas through Arrow; and
# no adaptive re-planning, which re-plans each of the feature query's many small shuffles and triples its time.
SPARK_SETTINGS = {
    "spark.driver.memory": "4g",
    "spark.buffer.pageSize": "2m",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.adaptive.enabled": "false",
}
# Always applied: hours and days in UTC, as DuckDB reads the naive local times; no console progress bar, which
# would write over fraudml's own output.
REQUIRED_SETTINGS = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.showConsoleProgress": "false",
}
PARTITIONS_PER_CORE = 4  # shuffle partitions per core the session can use, when the environment does not say
APP_NAME = "fraudml"
SUCCESS = "_SUCCESS"  # the marker Spark writes into a folder once every part of it is written
_LOCAL = re.compile(r"local(?:\[(\*|\d+)(?:,\s*\d+)?\])?")


def _pyspark():
    try:
        import pyspark  # noqa: F401
    except ImportError as exc:
        raise InputError("the spark engine needs pyspark, which is not installed: install the 'spark' extra "
                         "(uv sync --extra spark, or pip install 'fraudml[spark]')") from exc


def driver_memory(memory_limit: str) -> str:
    """``8GB`` (DuckDB's way of writing a size, fraudml's ``--memory-limit``) as Spark writes it: ``8g``."""
    return memory_limit.strip().upper().replace("GB", "g").replace("MB", "m").replace("G", "g").replace("M", "m")


def cores(master: str, environment: dict[str, str]) -> int | None:
    """Cores a session on ``master`` can use: a local master's threads, or a cluster's ``spark.cores.max`` or
    executors times cores each; None when the configuration does not say."""
    local = _LOCAL.fullmatch(master)
    if local:
        threads = local.group(1)
        return 1 if master == "local" else (os.cpu_count() or 1) if threads == "*" else int(threads)
    if "spark.cores.max" in environment:
        return int(environment["spark.cores.max"])
    if {"spark.executor.instances", "spark.executor.cores"} <= environment.keys():
        return int(environment["spark.executor.instances"]) * int(environment["spark.executor.cores"])
    return None


def settings(master: str, environment: dict[str, str] | None = None) -> dict[str, str]:
    """What fraudml sets on a session it starts on ``master``, given the settings the environment already has."""
    environment = environment or {}
    chosen = {k: v for k, v in SPARK_SETTINGS.items() if k not in environment and k != "spark.driver.memory"}
    n = cores(master, environment)
    if n and "spark.sql.shuffle.partitions" not in environment:  # else Spark's 200, or the platform's own
        chosen["spark.sql.shuffle.partitions"] = str(PARTITIONS_PER_CORE * n)
    if environment.get("spark.app.name", "pyspark-shell") == "pyspark-shell":  # pyspark's name for any session
        chosen["spark.app.name"] = APP_NAME
    return {**chosen, **REQUIRED_SETTINGS}


def session(master: str | None = None, memory_limit: str | None = None):
    """``(session, started)``: the session (or the bare Spark context) running in this process, else a new one
    on ``master``.

    ``memory_limit`` is the driver's memory when this starts Spark's JVM (under ``spark-submit``, its
    ``--driver-memory`` decides). ``started`` says whether the caller owns the session and may stop it: never
    when the context was already there.
    """
    _pyspark()
    from pyspark import SparkConf, SparkContext
    from pyspark.sql import SparkSession

    running = SparkSession.getActiveSession()
    if running is None and SparkContext._active_spark_context is not None:  # the platform's, no session yet
        running = SparkSession.builder.getOrCreate()
    if running is not None:
        if master and running.sparkContext.master != master:
            raise InputError(f"a Spark session on {running.sparkContext.master} is already running in this process; "
                             f"it cannot also run on {master}")
        return running, False
    memory = driver_memory(memory_limit) if memory_limit else SPARK_SETTINGS["spark.driver.memory"]
    # Starting the JVM first (or joining spark-submit's) makes Spark read its own configuration; only then is it
    # known which settings the environment has, and which master it names
    SparkContext._ensure_initialized(conf=SparkConf().set("spark.driver.memory", memory))
    environment = dict(SparkConf().getAll())
    master = master or environment.get("spark.master") or "local[*]"
    # executors run Python for the pandas steps: this interpreter (it has fraudml), unless the platform names one
    os.environ.setdefault("PYSPARK_PYTHON", environment.get("spark.pyspark.python", sys.executable))
    builder = SparkSession.builder.master(master)
    for key, value in settings(master, environment).items():
        builder = builder.config(key, value)
    return builder.getOrCreate(), True


def backend(spark):
    """The Ibis backend over session ``spark``, whose cached tables (``expr.cache()``) are local checkpoints:
    computed at once and kept (memory, else disk) without the plan that made them. A cached table of Ibis's
    keeps its plan, so a loop that caches each round's result from the last one (connected components) hands
    Spark a plan that doubles every round, planned anew by every query that reads it."""
    import ibis

    con = ibis.pyspark.connect(spark)
    con._create_cached_table = functools.partial(_checkpointed, con)  # Ibis's release unpersists and drops it
    return con


def _checkpointed(con, name: str, expr):
    con._run_pre_execute_hooks(expr)  # the functions and in-memory tables it reads, as an action registers them
    kept = con._session.sql(con.compile(expr)).localCheckpoint(eager=True)
    kept.createTempView(name)
    con._cached_dataframes[name] = kept
    return con.table(name)


def frame(con, expr):
    """An Ibis expression of a Spark backend as a Spark DataFrame, computed only when an action runs."""
    con._run_pre_execute_hooks(expr)  # registers the in-memory tables it reads
    return con._session.sql(con.compile(expr))


def check_replaceable(out: str | Path) -> Path:
    """Refuse to replace a folder that Spark did not write (a data folder given as ``--out`` by mistake)."""
    out = Path(out)
    if out.is_dir() and not (out / SUCCESS).is_file() and any(out.iterdir()):
        raise InputError(f"{out}: is a folder that fraudml did not write; give a new path for the output")
    return out


def write(df, out: str | Path, fmt: str = "parquet", partition_by: str | None = None) -> Path:
    """Write ``df`` as a folder of parts at ``out`` (``parquet``, or ``csv`` with a header in each part), in the
    order of its partitions (with ``partition_by``, in a subfolder ``<column>=<value>`` per value of that column,
    which the parts then lack); ``out`` holds the previous output until the new one is complete."""
    out = check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{uuid.uuid4().hex}.tmp")
    try:
        writer = df.write.mode("overwrite")
        if partition_by:
            writer = writer.partitionBy(partition_by)
        if fmt == "csv":  # quotes doubled (RFC 4180), as pyarrow's CSV writer does; nulls as empty fields
            writer.option("header", True).option("escape", '"').csv(str(tmp))
        else:
            writer.option("compression", "zstd").parquet(str(tmp))
        _swap(tmp, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _swap(new: Path, out: Path) -> None:
    """Move the folder ``new`` to ``out``, replacing a file or folder there."""
    if not out.exists():
        os.replace(new, out)
        return
    old = out.with_name(f".{out.name}.{uuid.uuid4().hex}.old")
    os.replace(out, old)
    try:
        os.replace(new, out)
    except BaseException:
        os.replace(old, out)
        raise
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    else:
        old.unlink(missing_ok=True)


def csv_rows(con, path: Path, header: list[str], keep: list[str]):
    """:func:`fraudml.engine.read_csv` on Spark: the ``keep`` columns of a comma-separated UTF-8 file whose first
    line is ``header``, every value as text, with ``_row`` (the row's 1-based position among the file's data rows;
    blank lines are not rows), and the lines set aside (another number of fields than the header, or bytes that
    are not UTF-8, which Spark reads as U+FFFD), listed with their line numbers once asked for.

    Unlike DuckDB's reader, a quoted field may not hold a line break (Spark reads such a file in parallel only
    line by line)."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from fraudml.engine import CsvScan, Reject

    spark = con._session
    fields = [f"c{i}" for i in range(len(header))]
    schema = T.StructType([T.StructField(f, T.StringType()) for f in [*fields, _CORRUPT]])
    read = (spark.read.schema(schema).option("mode", "PERMISSIVE").option("columnNameOfCorruptRecord", _CORRUPT)
            .option("quote", '"').option("escape", '"')
            .option("nullValue", "\0").csv(str(path)))  # an empty field is empty text, as DuckDB reads it
    # Each record with the byte offset of the split of the file it was read from, and an id that counts up within
    # a partition; kept (memory, else disk) as the one pass over the file that also counts each split's records.
    # A record's position is then the records of the splits before its own, plus its place in its split.
    placed = read.select("*", F.col("_metadata.file_block_start").alias("_block"),
                         F.monotonically_increasing_id().alias("_id")).persist(StorageLevel.MEMORY_AND_DISK)
    splits = placed.groupBy("_block").agg(F.count(F.lit(1)).alias("n"), F.min("_id").alias("first")).collect()
    shift, before = [], 0
    for split in sorted(splits, key=lambda s: s["_block"]):
        shift += [F.lit(split["_block"]), F.lit(before - split["first"])]
        before += split["n"]
    position = F.col("_id") + F.element_at(F.create_map(*shift), F.col("_block"))
    # the header is the first record read (the caller has checked it): numbered 0, and left out
    numbered = placed.select(*fields, _CORRUPT, position.alias("_row")).filter(F.col("_row") > 0)
    name = f"fraudml_csv_{uuid.uuid4().hex}"
    numbered.createOrReplaceTempView(name)  # rows, rejects and every rule read the kept records
    rows = con.table(name)
    table = rows.select(*[rows[f"c{header.index(c)}"].name(c) for c in keep], "_row")

    def rejects() -> list[Reject]:
        bad = numbered.filter(F.col(_CORRUPT).isNotNull() | F.exists(F.array(*map(F.col, fields)),
                                                                        lambda v: v.contains("\ufffd")))
        found = bad.select("_row", _CORRUPT).orderBy("_row").limit(1000).collect()
        lines = _data_row_lines(path, [r["_row"] for r in found])
        out = []
        for r in found:
            text = _line_text(path, lines[r["_row"]])
            fields_given = len(next(csv.reader([text]), []))
            error = ("INVALID ENCODING" if r[_CORRUPT] is None else
                     "MISSING COLUMNS" if fields_given < len(header) else "TOO MANY COLUMNS")
            out.append(Reject(lines[r["_row"]], error, text))
        return out

    return CsvScan(table, rejects)


_CORRUPT = "_corrupt_record"


def _data_row_lines(path: Path, rows: list[int]) -> dict[int, int]:
    """The 1-based line of each given data row (1-based, blank lines not counted; the header is line 1)."""
    wanted, found, row = set(rows), {}, 0
    if not wanted:
        return found
    with path.open("rb") as f:
        for line_number, line in enumerate(f, start=1):
            if line_number == 1 or not line.strip():
                continue
            row += 1
            if row in wanted:
                found[row] = line_number
                if len(found) == len(wanted):
                    break
    return found


def _line_text(path: Path, line_number: int) -> str:
    with path.open("rb") as f:
        for n, line in enumerate(f, start=1):
            if n == line_number:
                return line.decode("utf-8", errors="replace").strip("\r\n")
    return ""


def parquet_rows(con, path: Path, name: str):
    """:func:`fraudml.engine.scan_parquet_rows` on Spark: a Parquet file or folder of parts with ``_row``, the
    row's 1-based position in the parts taken in order of their paths (each part's offset plus the row's index
    in it; a part may lack an optional column)."""
    from pyspark.sql import functions as F

    from fraudml.tables import open_parquet, parquet_files

    files = parquet_files(path)
    spark, parts, start = con._session, [], 0
    for file in files:  # each part read with its offset: no path to match, in whichever form Spark writes it
        part = spark.read.parquet(str(file))
        parts.append(part.select("*", (F.lit(start + 1) + F.col("_metadata.row_index")).alias("_row")))
        start += open_parquet(file).metadata.num_rows
    rows = functools.reduce(lambda a, b: a.unionByName(b, allowMissingColumns=True), parts)
    rows.createOrReplaceTempView(name)
    return con.table(name)
