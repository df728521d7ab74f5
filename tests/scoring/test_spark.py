"""Scoring on Spark gives what scoring on DuckDB gives: the same scores, ranks, decisions, reasons, closed numbers,
rejects, rings, drift, summary and exit status, from files Spark writes, and the same refusals (a stale as_of,
--strict); and its Spark steps (ranks, drift counts, category codes) by hand."""

from __future__ import annotations

import json
import re
import shutil

import numpy as np
import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.features.population import NOT_IN_USE
from fraudml.model.thresholds import CLOSED
from fraudml.scoring.drift import DriftCounter, Reference
from fraudml.scoring.numbers import EMPTY, NO_HISTORY, NOT_ACTIVE, REPEATED
from fraudml.scoring.output import drift_path, rejects_path, rings_path
from fraudml.scoring.score import rank as rank_in_pandas
from fraudml.tables import parquet_files

pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one worker, one session: the ``spark`` fixture of tests/conftest.py
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark.*", "ignore::DeprecationWarning:pyspark.*",
                               "ignore:The copy keyword is deprecated", "ignore:Series.values returning an ndarray"),
]
AS_OF = "2020-01-20"  # in the middle of ``small_world``: 41 numbers are activated later, 44 are not live


@pytest.fixture(scope="module")
def flagging_bundle(bundle_dir, small_world, tmp_path_factory):
    """The session's model with its thresholds lowered to flag about 40% of ``small_world``'s scored numbers (the
    model, trained on another world, flags none of them): reasons and rings to compare."""
    from fraudml.model.bundle import ModelBundle
    from fraudml.scoring.score import score_folder

    bundle = ModelBundle.load(bundle_dir)
    scores = score_folder(bundle, small_world, pd.Timestamp(AS_OF).date()).scores["score"].dropna()
    bundle.thresholds = {**bundle.thresholds, "alert": float(scores.quantile(0.85)), "review": float(scores.quantile(0.6))}
    folder = tmp_path_factory.mktemp("flagging-bundle")
    bundle.save(folder)
    return folder


def score_both(fraudml_cli, bundle_dir, world, tmp_path, *extra, as_of=AS_OF):
    """(status, scores, rejects, drift, out, output) of `fraudml score` on DuckDB, then on Spark, with the same
    arguments; scores and rejects None where none were written."""
    runs = []
    for engine in ("duckdb", "spark"):
        out = tmp_path / engine / "scores.parquet"
        status, output = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", as_of, "--engine",
                                     engine, "--out", out, *extra)
        written = out.exists()
        runs.append((status, pd.read_parquet(out) if written else None,
                     pd.read_parquet(rejects_path(out)) if written else None,
                     json.loads(drift_path(out).read_text()) if drift_path(out).exists() else None, out, output))
    return runs


def summary(output: str) -> str:
    return re.search(r"numbers in [^;]*", output).group(0)


def assert_same_files(duck, on_spark):
    status, scores, rejects, drift, out, output = on_spark
    assert status == duck[0], output
    assert out.is_dir() and len(parquet_files(out)) >= 1, "Spark writes the scores as a folder of parts"
    assert list(scores.columns) == list(duck[1].columns) and (scores.dtypes == duck[1].dtypes).all()
    assert scores["rank"].tolist() == list(range(1, len(scores) + 1)), "the parts hold the rows in rank order"
    pd.testing.assert_frame_equal(scores, duck[1], check_exact=False, rtol=1e-9, atol=0)
    assert list(rejects.columns) == list(duck[2].columns)
    assert rejects.fillna("<na>").values.tolist() == duck[2].fillna("<na>").values.tolist(), "sorted by reason, msisdn"
    assert drift == duck[3]
    rings = [pd.read_parquet(rings_path(run[4])) for run in (duck, on_spark)]
    pd.testing.assert_frame_equal(rings[1], rings[0])
    assert summary(output) == summary(duck[5])


def test_a_list_of_numbers_scores_on_spark_as_on_duckdb(spark, fraudml_cli, flagging_bundle, small_world, tmp_path):
    """One Spark run (each costs the feature query's few hundred stages): every account, and one of each bad entry;
    the numbers not live at as_of closed, the flagged ones with reasons and rings; the cluster's end-to-end test
    scores a whole folder."""
    accounts = pd.read_parquet(small_world / "accounts.parquet")["msisdn"].tolist()
    watchlist = tmp_path / "watchlist.txt"
    watchlist.write_text("\n".join([*accounts, "", accounts[0], "nobody", f" {accounts[1]} "]) + "\n")
    duck, on_spark = score_both(fraudml_cli, flagging_bundle, small_world, tmp_path, "--numbers", watchlist)
    assert dict(duck[2]["reason"].value_counts()) == {NOT_ACTIVE: 41, REPEATED: 2, EMPTY: 1, NO_HISTORY: 1}
    scores = duck[1]
    closed = scores[scores["decision"] == CLOSED]
    assert len(closed) == 44 and closed["score"].isna().all() and closed["reason_1"].notna().all()
    assert (closed["rank"] > scores["rank"][scores["decision"] != CLOSED].max()).all(), "ranked after the scored"
    assert closed["reason_1"].str.startswith("closed on").any() and (closed["reason_1"] == NOT_IN_USE).any()
    flagged = scores["decision"].isin(["alert", "review"])
    assert flagged.sum() > 50 and scores.loc[flagged, "reason_1"].notna().all()
    assert scores["ring_id"].notna().sum() > 10 and len(pd.read_parquet(rings_path(duck[4]))) > 5
    assert any(d["feature"] in ("home_city", "plan") and d["missing_batch"] < 1 for d in duck[3]["features"]), \
        "categoricals counted by their codes"
    assert_same_files(duck, on_spark)
    assert not spark.sparkContext._jsc.sc().isStopped(), "a session the caller started is left running"


def test_a_stale_as_of_is_refused_on_spark_as_on_duckdb(spark, fraudml_cli, bundle_dir, small_world, tmp_path):
    duck, on_spark = score_both(fraudml_cli, bundle_dir, small_world, tmp_path, as_of="2031-01-01")
    assert duck[0] == on_spark[0] == 2 and "--allow-stale" in duck[5]
    message = [re.search(r"as_of 2031-01-01 .*", run[5].replace("\n", " ")).group(0) for run in (duck, on_spark)]
    assert message[0] == message[1]
    assert not duck[4].exists() and not on_spark[4].exists()


def test_strict_scoring_writes_no_scores_on_spark_when_coverage_moved(spark, fraudml_cli, flagging_bundle,
                                                                      small_world, tmp_path):
    """A model told its training never had calls_out_w7: the batch has it, so --strict refuses it on both engines,
    with the same drift file and no scores."""
    strict = tmp_path / "model"
    shutil.copytree(flagging_bundle, strict)
    reference = json.loads((strict / "reference.json").read_text())
    reference["calls_out_w7"]["null_share"] = 1.0
    (strict / "reference.json").write_text(json.dumps(reference))
    numbers = tmp_path / "numbers.txt"
    numbers.write_text("\n".join(pd.read_parquet(small_world / "accounts.parquet")["msisdn"].head(60)) + "\n")
    duck, on_spark = score_both(fraudml_cli, strict, small_world, tmp_path, "--strict", "--numbers", numbers)
    assert duck[0] == on_spark[0] == 2 and "no scores written (--strict" in duck[5]
    assert duck[3]["coverage"]["moved"][0]["feature"] == "calls_out_w7"
    assert on_spark[3] == duck[3]
    for run in (duck, on_spark):
        assert not run[4].exists() and not rejects_path(run[4]).exists() and not rings_path(run[4]).exists()


def test_categories_are_encoded_on_spark_as_in_pandas(spark):
    from fraudml.model.inputs import encode_categories as in_pandas
    from fraudml.scoring.spark import encode_categories

    frame = pd.DataFrame({"plan": ["b", None, "a", "z"], "x": [1.0, 2.0, 3.0, 4.0]})

    class Spec:  # the two fields encoding reads
        categorical = ["plan"]
        categories = {"plan": ("a", "b")}

    expected = in_pandas(frame, Spec)
    got = encode_categories(spark.createDataFrame(frame), Spec).toPandas()
    assert got["plan"].tolist()[0::2] == expected["plan"].tolist()[0::2] == [1.0, 0.0]
    assert got["plan"].isna().tolist() == expected["plan"].isna().tolist() == [False, True, False, True]


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
