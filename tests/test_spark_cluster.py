"""A small world through a real Spark standalone cluster, from the command line, against DuckDB: from the
competition's CSV files, the same canonical tables and quarantine, the same feature table (counts equal, reals to
1e-9 relative), the same model trained from it, the same scores (to 1e-9), rejects, rings, drift and exit status.
And the cluster fixture stops its daemons even when a test fails."""

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
from fraudml.model.thresholds import CLOSED
from fraudml.scoring.output import drift_path, rejects_path, rings_path
from fraudml.tables import TABLES, parquet_files, table_path
from fraudml.validation.rules import DUPLICATE

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")]
FRAUDML = Path(sys.executable).with_name("fraudml")
AS_OF = "2020-01-20"
TRAIN = TrainParams(n_estimators=30, early_stopping_rounds=10, num_leaves=7, valid_fraction=0.25, test_fraction=0.25)


def on_cluster(env: dict, *args) -> int:
    """``fraudml ARGS`` in a fresh process, as a platform engineer runs it; its exit status."""
    # a generous bound: on a loaded 2-core machine one scoring application takes minutes
    run = subprocess.run([str(FRAUDML), *map(str, args)], env=env, capture_output=True, text=True, timeout=1800)
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


@pytest.fixture(scope="module")
def raw_world(tmp_path_factory):
    """``small_world``'s simulation as the Sichuan competition's CSV files, with four faulty calls: an exact
    duplicate line, a duration that is no number, a time that is no time, a missing number."""
    from fraudml.ingest.sichuan import write_sichuan
    from fraudml.simulate import simulate

    folder = tmp_path_factory.mktemp("raw-world")
    write_sichuan(simulate(preset="sichuan", subscribers=300, days=35, seed=1), folder)
    lines = (folder / "voc.csv").read_text().splitlines()
    lines.insert(5, lines[3])
    for line, field, value in ((10, 4, "abc"), (20, 3, "2020-13-45 99:00:00"), (30, 0, "")):
        fields = lines[line].split(",")
        fields[field] = value
        lines[line] = ",".join(fields)
    (folder / "voc.csv").write_text("\n".join(lines) + "\n")
    return folder


def assert_same_tables(on_spark: Path, duck: Path) -> None:
    """The same canonical tables, row for row in the same order and of the same types, and the same quarantine."""
    for name in TABLES:
        a, b = table_path(on_spark, name), table_path(duck, name)
        assert (a is None) == (b is None), name
        if b is not None:
            pd.testing.assert_frame_equal(pd.read_parquet(a), pd.read_parquet(b), obj=name)
    quarantined = [sorted(p.name for p in (folder / "_quarantine").iterdir()) for folder in (on_spark, duck)]
    assert quarantined[0] == quarantined[1] == ["calls.parquet"]
    bad = [pd.read_parquet(folder / "_quarantine" / "calls.parquet") for folder in (on_spark, duck)]
    assert bad[1]["_reason"].value_counts().to_dict() == {DUPLICATE: 1, "msisdn: missing": 1,
                                                         "duration_s: not a whole number": 1,
                                                         "started_at: not a date and time (YYYY-MM-DD HH:MM:SS)": 1}
    pd.testing.assert_frame_equal(bad[0], bad[1])


def test_a_world_goes_through_the_cluster_as_through_duckdb(spark_cluster, raw_world, fraudml_cli, tmp_path):
    """Ingest, features and scores through the cluster, each a fresh process as a platform engineer runs it,
    against the same commands on DuckDB."""
    env, cluster, duck = spark_cluster.env(), tmp_path / "cluster", tmp_path / "duckdb"
    master = ("--engine", "spark", "--spark-master", spark_cluster.master)
    on_cluster(env, "ingest", "sichuan", raw_world, "--out", cluster / "data", *master)
    status, output = fraudml_cli("ingest", "sichuan", raw_world, "--out", duck / "data")
    assert status == 0, output
    assert cluster.joinpath("data", "calls").is_dir() and cluster.joinpath("data", "accounts").is_dir(), "parts"
    assert_same_tables(cluster / "data", duck / "data")

    features = cluster / "features.parquet"
    on_cluster(env, "features", "--data", cluster / "data", "--as-of", AS_OF, "--out", features, *master)
    status, output = fraudml_cli("features", "--data", duck / "data", "--as-of", AS_OF, "--out", duck / "features.parquet")
    assert status == 0, output
    (on_spark, spark_spec), (on_duck, duck_spec) = read_features(features), read_features(duck / "features.parquet")
    assert features.is_dir() and parquet_files(features) and spark_spec == duck_spec
    assert_same_features(on_spark, on_duck)

    model = train(on_spark, spark_spec, TRAIN).bundle
    assert model.version == train(on_duck, duck_spec, TRAIN).bundle.version, "the same table trains the same model"
    model.save(tmp_path / "model")

    # the master from Spark's own configuration this time, as a platform's spark-defaults.conf names it
    conf = tmp_path / "conf"
    conf.mkdir()
    defaults = (spark_cluster.conf_dir / "spark-defaults.conf").read_text()
    (conf / "spark-defaults.conf").write_text(defaults + f"spark.master {spark_cluster.master}\n")
    scores = cluster / "scores.parquet"
    status = on_cluster(spark_cluster.env(SPARK_CONF_DIR=str(conf)), "score", "--model", tmp_path / "model", "--data",
                        cluster / "data", "--as-of", AS_OF, "--engine", "spark", "--out", scores)
    duck_status, output = fraudml_cli("score", "--model", tmp_path / "model", "--data", duck / "data", "--as-of",
                                      AS_OF, "--out", duck / "scores.parquet")
    assert status == duck_status, output
    duck_scores = pd.read_parquet(duck / "scores.parquet")
    assert (duck_scores["decision"] != "pass").any() and (duck_scores["decision"] == CLOSED).any()
    pd.testing.assert_frame_equal(pd.read_parquet(scores), duck_scores, check_exact=False, rtol=0, atol=1e-9)
    rejects = [pd.read_parquet(rejects_path(p)).fillna("<na>").values.tolist() for p in (scores, duck / "scores.parquet")]
    assert rejects[0] == rejects[1]  # by value: Spark's parts carry no pandas metadata, so an empty one reads as str
    pd.testing.assert_frame_equal(pd.read_parquet(rings_path(scores)), pd.read_parquet(rings_path(duck / "scores.parquet")))
    assert json.loads(drift_path(scores).read_text()) == json.loads(drift_path(duck / "scores.parquet").read_text())

    with urllib.request.urlopen(spark_cluster.ui + "/json/", timeout=5) as response:
        apps = json.load(response)["completedapps"]
    assert [a["name"] for a in apps].count("fraudml") == 3, "every command ran on the cluster, not in local mode"


def test_the_cluster_stops_when_a_test_fails(tmp_path):
    from spark_cluster import SHORT_LIVED_JVM, standalone_cluster, unavailable

    if reason := unavailable():
        pytest.skip(reason)
    with pytest.raises(RuntimeError, match="a failing test"):
        with standalone_cluster(tmp_path, SHORT_LIVED_JVM) as cluster:
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
