"""A small world through a real Spark standalone cluster, from the command line, against DuckDB: the same
feature table (counts equal, reals to 1e-9 relative), the same model trained from it, the same scores (to 1e-9),
rejects and exit status. And the cluster fixture stops its daemons even when a test fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import psutil
import pytest

from fraudml.features.table import read_features
from fraudml.model.train import train
from fraudml.params import TrainParams
from fraudml.scoring.output import rejects_path
from fraudml.tables import parquet_files

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")]
FRAUDML = Path(sys.executable).with_name("fraudml")
AS_OF = "2020-01-20"
TRAIN = TrainParams(n_estimators=30, early_stopping_rounds=10, num_leaves=7, valid_fraction=0.25, test_fraction=0.25)


def on_cluster(env: dict, *args) -> int:
    """``fraudml ARGS`` in a fresh process, as a platform engineer runs it; its exit status."""
    run = subprocess.run([str(FRAUDML), *map(str, args)], env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode in (0, 3), run.stdout + run.stderr[-5000:]
    return run.returncode


def assert_same_features(on_spark: pd.DataFrame, duck: pd.DataFrame) -> None:
    assert list(on_spark.columns) == list(duck.columns) and (on_spark.dtypes == duck.dtypes).all()
    assert on_spark[["msisdn", "as_of"]].equals(duck[["msisdn", "as_of"]]), "the same snapshots, in the same order"
    for name in duck.columns[2:]:
        a, b = on_spark[name], duck[name]
        assert (a.isna() == b.isna()).all(), f"{name}: missing in different rows"
        if pd.api.types.is_float_dtype(b):
            x, y = a.dropna().to_numpy(float), b.dropna().to_numpy(float)
            assert np.allclose(x, y, rtol=1e-9, atol=0), name
        else:
            assert (a.dropna() == b.dropna()).all(), name


def test_a_world_goes_through_the_cluster_as_through_duckdb(spark_cluster, small_world, fraudml_cli, tmp_path):
    env = spark_cluster.env()
    features = tmp_path / "cluster" / "features.parquet"
    on_cluster(env, "features", "--data", small_world, "--as-of", AS_OF, "--engine", "spark",
               "--spark-master", spark_cluster.master, "--out", features)
    status, output = fraudml_cli("features", "--data", small_world, "--as-of", AS_OF, "--out", tmp_path / "features.parquet")
    assert status == 0, output
    (on_spark, spark_spec), (duck, duck_spec) = read_features(features), read_features(tmp_path / "features.parquet")
    assert features.is_dir() and parquet_files(features) and spark_spec == duck_spec
    assert_same_features(on_spark, duck)

    model = train(on_spark, spark_spec, TRAIN).bundle
    assert model.version == train(duck, duck_spec, TRAIN).bundle.version, "the same table trains the same model"
    model.save(tmp_path / "model")

    # the master from Spark's own configuration this time, as a platform's spark-defaults.conf names it
    conf = tmp_path / "conf"
    conf.mkdir()
    defaults = (spark_cluster.conf_dir / "spark-defaults.conf").read_text()
    (conf / "spark-defaults.conf").write_text(defaults + f"spark.master {spark_cluster.master}\n")
    scores = tmp_path / "cluster" / "scores.parquet"
    status = on_cluster(spark_cluster.env(SPARK_CONF_DIR=str(conf)), "score", "--model", tmp_path / "model", "--data",
                        small_world, "--as-of", AS_OF, "--engine", "spark", "--out", scores)
    duck_status, output = fraudml_cli("score", "--model", tmp_path / "model", "--data", small_world, "--as-of", AS_OF,
                                      "--out", tmp_path / "scores.parquet")
    assert status == duck_status == 3, output  # the numbers activated after AS_OF are rejected
    duck_scores = pd.read_parquet(tmp_path / "scores.parquet")
    pd.testing.assert_frame_equal(pd.read_parquet(scores), duck_scores, check_exact=False, rtol=0, atol=1e-9)
    rejects = [pd.read_parquet(rejects_path(path)).fillna("<na>").values.tolist() for path in (scores, tmp_path / "scores.parquet")]
    assert rejects[0] == rejects[1] and len(rejects[0]) == 41

    with urllib.request.urlopen(spark_cluster.ui + "/json/", timeout=5) as response:
        apps = json.load(response)["completedapps"]
    assert [a["name"] for a in apps].count("fraudml") == 2, "both commands ran on the cluster, not in local mode"


def test_the_cluster_stops_when_a_test_fails(tmp_path):
    from spark_cluster import standalone_cluster, unavailable

    if reason := unavailable():
        pytest.skip(reason)
    with pytest.raises(RuntimeError, match="a failing test"):
        with standalone_cluster(tmp_path) as cluster:
            assert cluster.workers() and len(cluster.process_groups) == 2
            raise RuntimeError("a failing test")
    assert not [p for p in psutil.process_iter(["status"]) if _group(p) in cluster.process_groups
                and p.info["status"] != psutil.STATUS_ZOMBIE], "neither daemon, nor anything they started, still runs"
    with pytest.raises(OSError):
        cluster.workers()


def _group(process) -> int | None:
    try:
        return os.getpgid(process.pid)
    except ProcessLookupError:
        return None
