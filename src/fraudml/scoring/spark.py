"""Scoring on Spark: features, model, ranks, counts and files all in Spark; only counts and the top rows reach
the driver.

The same rules as DuckDB's path, written once: the numbers to score come from
:func:`~fraudml.scoring.numbers.known_table`, which of them are live from
:func:`~fraudml.features.population.population_reasons`, the features from the
feature query of :mod:`fraudml.features.build`, and each batch of feature rows
is scored on the executors by :func:`~fraudml.scoring.score.score_frame`, the
function that scores DuckDB's chunks, with the bundle's files shipped to them.
The rank is a Spark sort; drift bins, decisions and reject reasons are Spark
aggregates; the rings are found on Spark by :func:`fraudml.cases.rings.find_rings`
from the flagged numbers (few: they are collected); the scores and rejects are
folders of parts written by Spark.
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

from fraudml.cases.rings import Rings, find_rings, no_rings
from fraudml.engine import close, connect, load_tables, register
from fraudml.errors import InputError
from fraudml.model.bundle import ModelBundle
from fraudml.model.thresholds import CLOSED
from fraudml.scoring.drift import DriftCounter, Reference, coverage_moved
from fraudml.scoring.numbers import NOT_ACTIVE, known_table, read_numbers, select
from fraudml.scoring.output import FORMATS, REASONS, SCORES, rejects_path
from fraudml.scoring.score import NEEDS_REASONS as FLAGGED
from fraudml.scoring.score import ScoreResult, model_version, references, score_frame, typical_values

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
    closed_numbers: int = 0

    @property
    def closed(self) -> int:
        return self.closed_numbers

    @property
    def scored(self) -> int:
        return sum(self.decisions.values())

    @property
    def rejected(self) -> int:
        return sum(self.reasons.values())

    def decision_counts(self) -> dict[str, int]:
        return {**self.decisions, **({CLOSED: self.closed} if self.closed else {})}

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
                       allow_stale: bool = False, strict: bool = False,
                       on_start: Callable[[int], None] | None = None,
                       on_chunk: Callable[[int], None] | None = None) -> tuple[SparkScoreResult, Rings]:
    """Score the numbers of a canonical folder (or those listed in ``numbers``) as of ``as_of`` on Spark, by the
    rules of :func:`fraudml.scoring.score.score_folder` (the numbers not live at as_of closed, a stale as_of
    refused unless ``allow_stale``), find the rings of the flagged numbers, and write the scores (with their
    ring ids) to ``out`` and the rejects beside it, each a folder of parts. With ``strict``, a batch whose
    features' coverage moved from training is counted but nothing is written. Returns the result and the rings."""
    from fraudml.features.population import check_as_of

    out = check_out(out)
    con = connect("spark")
    try:
        tables = load_tables(con, data)
        todo, early, numbers_in = _selection(con, tables, as_of, numbers)
        if not allow_stale:
            check_as_of(tables, [pd.Timestamp(as_of)], max(bundle.spec.windows))
        live, closed = _population(con, tables, todo, as_of)
        count = int(live.count().execute())
        if on_start:
            on_start(count)
        with tempfile.TemporaryDirectory(prefix="fraudml-bundle-") as tmp:
            result, rings = _score(con, tables, bundle, live, closed, early, Batch(data, as_of, out, strict), Path(tmp))
        if on_chunk:
            on_chunk(count)
    finally:
        close(con)
    result.numbers_in = numbers_in
    return result, rings


@dataclass(frozen=True)
class Batch:
    """Where a batch's data is, the date it is scored as of, where its scores go, and whether coverage refuses it."""

    data: str | Path
    as_of: date
    out: Path
    strict: bool


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


def _population(con, tables, todo, as_of: date):
    """(sid, msisdn, as_of) of the numbers live at as_of, as an engine table, and the others (msisdn, reason) as a
    Spark DataFrame, by the rule of :mod:`fraudml.features.population`; the ids are kept, not recomputed."""
    from pyspark.sql import functions as F

    from fraudml.features.population import population_reasons
    from fraudml.spark import frame

    day = register(con, "score_as_of", pa.table({"as_of": pa.array([pd.Timestamp(as_of)], pa.timestamp("us"))}))
    rows = frame(con, todo.cross_join(day)).withColumn("sid", F.monotonically_increasing_id())
    # a recomputation could number the rows otherwise, and every family joins on sid: fix them once
    rows.localCheckpoint(eager=True).createOrReplaceTempView("fraudml_score_candidates")
    judged = frame(con, population_reasons(tables, con.table("fraudml_score_candidates"), "sid"))
    judged.localCheckpoint(eager=True).createOrReplaceTempView("fraudml_score_population")
    judged = con.table("fraudml_score_population")
    live = judged.filter(judged.reason.isnull()).select("sid", "msisdn", "as_of")
    return live, frame(con, judged.filter(judged.reason.notnull()).select("msisdn", "reason"))


def _score(con, tables, bundle, live, closed, early, batch: Batch, tmp: Path) -> tuple[SparkScoreResult, Rings]:
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    from fraudml.features.build import spark_features
    from fraudml.spark import frame

    day = pd.Timestamp(batch.as_of).to_pydatetime()
    features, release = spark_features(con, tables, live, bundle.spec, (day, day))
    rows = frame(con, live.select("sid", "msisdn")).join(features, "sid").drop("sid")
    rows = rows.persist(StorageLevel.MEMORY_AND_DISK)  # read twice: drift counts, then scores
    refs = references(bundle)
    drift = drift_counts(encode_categories(rows, bundle.spec), refs)  # as the model sees it, as DuckDB's path counts
    shipped = _ship(con, bundle, tmp)
    scored = rows.mapInArrow(partial(_score_batches, shipped, typical_values(bundle, refs)), _scored_schema())
    scored = scored.persist(StorageLevel.MEMORY_AND_DISK)
    kept = scored.filter(F.col(REJECT).isNull()).drop(REJECT)
    rejects = scored.filter(F.col(REJECT).isNotNull()).select("msisdn", F.col(REJECT).alias("reason")).unionByName(early)
    decisions = {r["decision"]: r["count"] for r in kept.groupBy("decision").count().collect()}
    reasons = {r["reason"]: r["count"] for r in rejects.groupBy("reason").count().collect()}
    closed = closed.persist(StorageLevel.MEMORY_AND_DISK)
    result = SparkScoreResult(pd.DataFrame(columns=SCORES.names), pd.DataFrame(columns=["msisdn", "reason"]),
                              drift.result(), 0, decisions, reasons, closed.count())
    rings = no_rings()
    if not (batch.strict and len(coverage_moved(result.drift))):  # else refused: counted, nothing written
        flagged = kept.filter(F.col("decision").isin(*FLAGGED)).select("msisdn", "decision").toPandas()
        rings = find_rings(batch.data, flagged, batch.as_of, engine="spark", window_days=max(bundle.spec.windows))
        result.scores = _write(con, kept, closed, rejects, rings, model_version(bundle), batch.out)
    for cached in (scored, rows, closed):
        cached.unpersist()
    shipped.unpersist()
    release()
    return result, rings


def _write(con, kept, closed, rejects, rings: Rings, version: str, out: Path) -> pd.DataFrame:
    """Write the scores, the closed numbers ranked after them, with their ring ids, and the rejects; return the
    top rows."""
    from pyspark.sql import functions as F

    from fraudml.spark import write

    closed = closed.select("msisdn", F.lit(None).cast("double").alias("score"), F.lit(CLOSED).alias("decision"),
                           F.col("reason").alias(REASONS[0]), *[F.lit(None).cast("string").alias(c) for c in REASONS[1:]])
    members = con._session.createDataFrame(pa.Table.from_pandas(rings.members, preserve_index=False))
    both = kept.unionByName(closed).join(F.broadcast(members), "msisdn", "left")
    ranked = rank(both).withColumn("model_version", F.lit(version)).select(*SCORES.names)  # a closed score is null: last
    write(ranked, out, "csv" if out.suffix == ".csv" else "parquet")
    write(rejects.orderBy(F.asc_nulls_first("reason"), F.asc_nulls_first("msisdn")), rejects_path(out))
    return ranked.filter(F.col("rank") <= TOP).orderBy("rank").toPandas()


def encode_categories(features, spec):
    """``features`` with each categorical column replaced by its code in the spec's categories (null for a value
    not listed), as :func:`fraudml.model.inputs.encode_categories` does in pandas."""
    from pyspark.sql import functions as F

    for name in [n for n in spec.categorical if n in features.columns]:
        listed = F.array(*[F.lit(str(c)) for c in spec.categories.get(name, ())] or [F.lit(None).cast("string")])
        code = F.array_position(listed, F.col(name).cast("string")) - 1
        features = features.withColumn(name, F.when(code >= 0, code.cast("double")))
    return features


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


def _scored_schema() -> str:
    """``_SCORED`` as Spark's DDL."""
    return ", ".join(f"{f.name} {'double' if pa.types.is_floating(f.type) else 'string'}" for f in _SCORED)


def _score_batches(shipped, typical: dict, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
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
