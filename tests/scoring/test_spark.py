"""Scoring on Spark gives what scoring on DuckDB gives: the same scores, ranks, decisions, reasons, rejects,
drift and exit status, from files Spark writes; and its Spark steps (ranks, drift counts) by hand."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.scoring.drift import DriftCounter, Reference
from fraudml.scoring.numbers import EMPTY, NO_HISTORY, NOT_ACTIVE, REPEATED
from fraudml.scoring.output import drift_path, rejects_path
from fraudml.scoring.score import rank as rank_in_pandas
from fraudml.tables import parquet_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one worker, one session: the ``spark`` fixture of tests/conftest.py
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark.*", "ignore::DeprecationWarning:pyspark.*",
                               "ignore:The copy keyword is deprecated", "ignore:Series.values returning an ndarray"),
]
AS_OF = "2020-01-20"  # in the middle of ``small_world``: 41 numbers are activated later


def score_both(fraudml_cli, bundle_dir, world, tmp_path, *extra):
    """(status, scores, rejects, drift) of `fraudml score` on DuckDB, then on Spark, with the same arguments."""
    runs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine / "scores.parquet"
        status, output = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", AS_OF, "--engine",
                                     engine, "--out", out, *extra)
        assert status in (0, 3), output
        runs.append((status, pd.read_parquet(out), pd.read_parquet(rejects_path(out)),
                     json.loads(drift_path(out).read_text()), out))
    return runs


def assert_same_files(duck, on_spark):
    status, scores, rejects, drift, out = on_spark
    assert status == duck[0]
    assert out.is_dir() and len(parquet_files(out)) >= 1, "Spark writes the scores as a folder of parts"
    assert list(scores.columns) == list(duck[1].columns) and (scores.dtypes == duck[1].dtypes).all()
    assert scores["rank"].tolist() == list(range(1, len(scores) + 1)), "the parts hold the rows in rank order"
    pd.testing.assert_frame_equal(scores, duck[1], check_exact=False, rtol=1e-9, atol=0)
    assert list(rejects.columns) == list(duck[2].columns)
    assert rejects.fillna("<na>").values.tolist() == duck[2].fillna("<na>").values.tolist(), "sorted by reason, msisdn"
    assert drift == duck[3]


def test_a_list_of_numbers_scores_on_spark_as_on_duckdb(spark, fraudml_cli, bundle_dir, small_world, tmp_path):
    """One Spark run (each costs the feature query's few hundred stages): every account, and one of each bad entry;
    the cluster's end-to-end test scores a whole folder."""
    accounts = pd.read_parquet(small_world / "accounts.parquet")["msisdn"].tolist()
    watchlist = tmp_path / "watchlist.txt"
    watchlist.write_text("\n".join([*accounts, "", accounts[0], "nobody", f" {accounts[1]} "]) + "\n")
    duck, on_spark = score_both(fraudml_cli, bundle_dir, small_world, tmp_path, "--numbers", watchlist)
    assert dict(duck[2]["reason"].value_counts()) == {NOT_ACTIVE: 41, REPEATED: 2, EMPTY: 1, NO_HISTORY: 1}
    assert len(duck[1]) == len(accounts) - 41
    assert (duck[1]["decision"] != "pass").any() and duck[1]["reason_1"].notna().any()
    assert_same_files(duck, on_spark)
    assert not spark.sparkContext._jsc.sc().isStopped(), "a session the caller started is left running"


def test_ranks_are_global_with_ties_by_msisdn(spark):
    from fraudml.scoring.spark import rank

    scores = pd.DataFrame({"msisdn": [f"n{i:03d}" for i in range(200)],
                           "score": np.round(np.random.default_rng(3).random(200), 1)})  # many ties
    ranked = rank(spark.createDataFrame(scores).repartition(7)).toPandas()
    assert ranked["rank"].tolist() == list(range(1, 201)), "the parts come back in rank order"
    expected = scores.assign(rank=rank_in_pandas(scores)).sort_values("rank", ignore_index=True)
    pd.testing.assert_frame_equal(ranked[["msisdn", "score", "rank"]], expected, check_dtype=False)


def test_drift_counts_are_the_counters_bins(spark):
    from fraudml.scoring.spark import drift_counts

    values = [None, 0.0, 1.0, 1.5, 2.0, 2.0, 7.0, float("nan")]
    refs = {"x": Reference(np.array([1.0, 2.0]), np.array([0.2, 0.3, 0.4, 0.1])), "n": Reference(np.array([]), np.array([0.9, 0.1]))}
    frame = pd.DataFrame({"x": values, "n": [1, None, 3, 4, 5, 6, 7, 8]})
    counted = drift_counts(spark.createDataFrame(frame.astype({"n": "float64"})), refs)
    by_hand = DriftCounter(refs)
    by_hand.add(frame)
    # x: [0.0] below 1, [1.0, 1.5] from 1, [2.0, 2.0, 7.0] from 2, and two missing (null and NaN)
    assert counted.counts["x"].tolist() == by_hand.counts["x"].tolist() == [1, 2, 3, 2]
    assert counted.counts["n"].tolist() == by_hand.counts["n"].tolist() == [7, 1]
    pd.testing.assert_frame_equal(counted.result(), by_hand.result())


def test_a_running_session_is_not_moved_to_another_master(spark):
    from fraudml.engine import connect

    with pytest.raises(InputError, match="already running in this process; it cannot also run on spark://elsewhere"):
        connect("spark", spark_master="spark://elsewhere:7077")
