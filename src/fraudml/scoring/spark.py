"""Scoring on Spark: features, model, ranks, counts and files all in Spark; only counts and the top rows reach
the driver.

The same rules as DuckDB's path, written once: the numbers to score come from
:func:`~fraudml.scoring.numbers.known_table`, the features from the feature
query of :mod:`fraudml.features.build`, and each batch of feature rows is scored
on the executors by :func:`~fraudml.scoring.score.score_frame`, the function
that scores DuckDB's chunks, with the bundle's files shipped to them. The rank
is a Spark sort; drift bins, decisions and reject reasons are Spark aggregates;
the scores and rejects are folders of parts written by Spark.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path

import ibis
import numpy as np
import pandas as pd
import pyarrow as pa

from fraudml.engine import close, connect, load_tables, register
from fraudml.errors import InputError
from fraudml.model.bundle import ModelBundle
from fraudml.scoring.drift import DriftCounter, Reference
from fraudml.scoring.numbers import NOT_ACTIVE, known_table, read_numbers, select
from fraudml.scoring.output import FORMATS, REASONS, SCORES, rejects_path
from fraudml.scoring.score import ScoreResult, model_version, references, score_frame

TOP = 1_000  # ranked rows brought to the driver, for the command to show the first of them
REJECT = "_reject"  # the reason a feature row could not be scored; null for a scored row
_SCORED = pa.schema([("msisdn", pa.string()), ("score", pa.float64()), ("decision", pa.string()),
                     *[(c, pa.string()) for c in REASONS], (REJECT, pa.string())])  # a feature row, scored or not
_SHIPPED: dict[str, ModelBundle] = {}  # bundles loaded by an executor's Python worker, by the key they were sent with


@dataclass
class SparkScoreResult(ScoreResult):
    """A batch scored on Spark: ``scores`` holds its top rows only, ``rejects`` none; the files hold all."""

    decisions: dict[str, int] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)  # rejected numbers per reason

    @property
    def scored(self) -> int:
        return sum(self.decisions.values())

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    def decision_counts(self) -> dict[str, int]:
        return dict(self.decisions)

    def reject_counts(self) -> dict[str, int]:
        return dict(sorted(self.reasons.items(), key=lambda kv: -kv[1]))


def check_out(out: str | Path) -> Path:
    """The scores path: ``.parquet`` or ``.csv``, a folder of parts that only a previous run may already hold."""
    from fraudml.spark import check_replaceable

    out = Path(out)
    if out.suffix not in FORMATS:
        raise InputError(f"{out}: the scores file must end in .parquet or .csv")
    return check_replaceable(out)


def score_folder_spark(bundle, data: str | Path, as_of: date, out: str | Path, *, numbers: str | Path | None = None,
                       on_start: Callable[[int], None] | None = None,
                       on_chunk: Callable[[int], None] | None = None) -> SparkScoreResult:
    """Score the numbers of a canonical folder (or those listed in ``numbers``) as of ``as_of`` on Spark, and
    write the scores to ``out`` and the rejects beside it, each a folder of parts."""
    out = check_out(out)
    con = connect("spark")
    try:
        tables = load_tables(con, data)
        todo, early, numbers_in = _selection(con, tables, as_of, numbers)
        snapshots = _snapshots(con, todo, as_of)
        count = int(snapshots.count().execute())
        if on_start:
            on_start(count)
        with tempfile.TemporaryDirectory(prefix="fraudml-bundle-") as tmp:
            result = _score(con, tables, bundle, snapshots, as_of, early, out, Path(tmp))
        if on_chunk:
            on_chunk(count)
    finally:
        close(con)
    result.numbers_in = numbers_in
    return result


def _selection(con, tables, as_of: date, numbers):
    """(numbers to score as an engine table, early rejects as a Spark DataFrame, numbers in)."""
    from fraudml.spark import frame

    known = known_table(tables, as_of)
    if numbers is None:
        known = known.cache()
        rejects = known.filter(~known.active).select("msisdn", reason=ibis.literal(NOT_ACTIVE))
        return known.filter(known.active).select("msisdn"), frame(con, rejects), int(known.count().execute())
    listed = read_numbers(numbers)
    wanted = register(con, "score_listed", pa.table({"msisdn": pa.array(listed.dropna().str.strip().unique(), pa.string())}))
    selection = select(known.join(wanted, "msisdn").to_pandas(), listed)  # the listed numbers' status: the list's size
    todo = register(con, "score_numbers", pa.table({"msisdn": pa.array(selection.numbers, pa.string())}))
    rejects = pa.Table.from_pandas(selection.rejects[["msisdn", "reason"]].astype("string"), preserve_index=False)
    return todo, frame(con, register(con, "score_early_rejects", rejects)), selection.numbers_in


def _snapshots(con, todo, as_of: date):
    """(sid, msisdn, as_of) for the numbers to score, as an engine table; the ids are kept, not recomputed."""
    from pyspark.sql import functions as F

    from fraudml.spark import frame

    day = register(con, "score_as_of", pa.table({"as_of": pa.array([pd.Timestamp(as_of)], pa.timestamp("us"))}))
    rows = frame(con, todo.cross_join(day)).withColumn("sid", F.monotonically_increasing_id())
    # a recomputation could number the rows otherwise, and every family joins on sid: fix them once
    rows.localCheckpoint(eager=True).createOrReplaceTempView("fraudml_score_snapshots")
    return con.table("fraudml_score_snapshots")


def _score(con, tables, bundle, snapshots, as_of: date, early, out: Path, tmp: Path) -> SparkScoreResult:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from fraudml.features.build import spark_features
    from fraudml.spark import frame, write

    day = pd.Timestamp(as_of).to_pydatetime()
    features, release = spark_features(con, tables, snapshots, bundle.spec, (day, day))
    rows = frame(con, snapshots.select("sid", "msisdn")).join(features, "sid").drop("sid")
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # read twice: drift counts, then scores
    refs = references(bundle)
    drift = drift_counts(rows, refs)
    shipped = _ship(con, bundle, tmp)
    scored = rows.mapInArrow(partial(_score_batches, shipped, _typical(refs)), _scored_schema())
    scored = scored.persist(StorageLevel.MEMORY_AND_DISK)
    ranked = rank(scored.filter(F.col(REJECT).isNull()).drop(REJECT)).withColumn("model_version", F.lit(model_version(bundle)))
    write(ranked.select(*SCORES.names), out, "csv" if out.suffix == ".csv" else "parquet")
    rejects = scored.filter(F.col(REJECT).isNotNull()).select("msisdn", F.col(REJECT).alias("reason")).unionByName(early)
    write(rejects.orderBy(F.asc_nulls_first("reason"), F.asc_nulls_first("msisdn")), rejects_path(out))
    decisions = {r["decision"]: r["count"] for r in ranked.groupBy("decision").count().collect()}
    reasons = {r["reason"]: r["count"] for r in rejects.groupBy("reason").count().collect()}
    top = ranked.filter(F.col("rank") <= TOP).orderBy("rank").select(*SCORES.names).toPandas()
    for cached in (scored, rows):
        cached.unpersist()
    shipped.unpersist()
    release()
    return SparkScoreResult(top, pd.DataFrame(columns=["msisdn", "reason"]), drift.result(), 0, decisions, reasons)


def _ship(con, bundle, tmp: Path):
    """The bundle's files, broadcast to every executor (a folder cannot be added as files on a cluster)."""
    bundle.save(tmp)
    files = {path.name: path.read_bytes() for path in sorted(tmp.iterdir())}
    return con._session.sparkContext.broadcast((uuid.uuid4().hex, files))


def _shipped(shipped) -> ModelBundle:
    """On an executor: the shipped bundle, written out and loaded once per Python worker."""
    key, files = shipped.value
    if key not in _SHIPPED:
        with tempfile.TemporaryDirectory(prefix="fraudml-bundle-") as folder:
            for name, data in files.items():
                (Path(folder) / name).write_bytes(data)
            _SHIPPED[key] = ModelBundle.load(folder)  # read whole into memory before the folder goes
    return _SHIPPED[key]


def _typical(refs: dict[str, Reference]) -> dict[str, float]:
    return {n: r.median for n, r in refs.items() if r.median is not None}


def _scored_schema() -> str:
    """``_SCORED`` as Spark's DDL."""
    return ", ".join(f"{f.name} {'double' if pa.types.is_floating(f.type) else 'string'}" for f in _SCORED)


def _score_batches(shipped, typical: dict[str, float], batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """On an executor: each batch of feature rows scored by ``score_frame``, the scored rows then the rejects."""
    bundle = _shipped(shipped)
    for batch in batches:
        features = batch.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)  # as DuckDB's chunks are typed
        scored, rejects = score_frame(bundle, features, typical)
        both = pd.concat([scored.assign(**{REJECT: None}),
                          rejects.rename(columns={"reason": REJECT})], ignore_index=True)
        yield from pa.Table.from_pandas(both[_SCORED.names], schema=_SCORED, preserve_index=False).to_batches()


def rank(scored):
    """``scored`` with ``rank`` (1 = highest score; ties by msisdn, as :func:`fraudml.scoring.score.rank`), in
    rank order across its partitions: a range sort, then each partition's offset from the sizes of those before."""
    from pyspark.sql import functions as F

    order = [F.desc("score"), F.asc("msisdn")]
    placed = (scored.repartitionByRange(*order).sortWithinPartitions(*order)
              .withColumn("_part", F.spark_partition_id()).withColumn("_at", F.monotonically_increasing_id()))
    placed = placed.localCheckpoint(eager=True)  # the sizes below must count the partitions the ranks are given in
    sizes = dict(placed.groupBy("_part").count().collect())
    offsets = np.concatenate([[0], np.cumsum([sizes.get(p, 0) for p in range(placed.rdd.getNumPartitions())])])
    offset = F.element_at(F.array(*[F.lit(int(o)) for o in offsets]), F.col("_part") + 1)
    position = F.col("_at") - F.shiftleft(F.col("_part").cast("long"), 33)  # the id's low 33 bits: row in partition
    return placed.withColumn("rank", offset + position + 1).drop("_part", "_at")


def drift_counts(features, refs: dict[str, Reference]) -> DriftCounter:
    """The rows per reference bin of every feature, counted in one Spark aggregate: per feature, the rows
    missing and the rows at or above each edge; the bins are their differences (as ``searchsorted`` right)."""
    from pyspark.sql import functions as F

    counter = DriftCounter(refs)
    present = [name for name in refs if name in features.columns]
    aggregates = [F.count(F.lit(1)).alias("rows")]
    for i, name in enumerate(present):
        value = F.col(name).cast("double")
        missing = value.isNull() | F.isnan(value)
        aggregates.append(F.count_if(missing).alias(f"m{i}"))
        aggregates += [F.count_if(~missing & (value >= float(edge))).alias(f"e{i}_{j}")
                       for j, edge in enumerate(refs[name].edges)]
    row = features.agg(*aggregates).collect()[0]
    counter.rows = row["rows"]
    for i, name in enumerate(present):
        missing = row[f"m{i}"]
        above = [row[f"e{i}_{j}"] for j in range(len(refs[name].edges))]
        bins = -np.diff([counter.rows - missing, *above, 0])
        counter.counts[name] = np.append(bins, missing).astype("float64")
    return counter
