"""Parity of the two engines: Spark computes the same snapshots and the same features as DuckDB.

Counts must be equal; real-valued features equal to 1e-9 relative (the engines
sum in different orders, and the feature table keeps 10 significant digits).
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from feature_worlds import family_world, snapshots, write_world
from fraudml.cli import app
from fraudml.features.build import build_features
from fraudml.features.snapshots import make_snapshots

pytest.importorskip("pyspark", reason="pyspark is not installed (it is in the dev group: uv sync)")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Spark needs Java 17 or later, and none is on PATH or in JAVA_HOME", allow_module_level=True)
pytestmark = [
    pytest.mark.slow,
    pytest.mark.xdist_group("spark"),  # one worker, one session: the ``spark`` fixture of tests/conftest.py
    # pyspark's own notices about pandas 3, which it calls; nothing here can act on them
    pytest.mark.filterwarnings("ignore::FutureWarning:pyspark.*", "ignore::DeprecationWarning:pyspark.*",
                               "ignore:The copy keyword is deprecated", "ignore:Series.values returning an ndarray"),
]


def assert_same_table(spark_table: pd.DataFrame, duck_table: pd.DataFrame):
    assert list(spark_table.columns) == list(duck_table.columns)
    assert (spark_table.dtypes == duck_table.dtypes).all()
    assert len(spark_table) == len(duck_table)
    for name in duck_table.columns:
        a, b = spark_table[name], duck_table[name]
        assert (a.isna() == b.isna()).all(), f"{name}: missing in different rows"
        if pd.api.types.is_float_dtype(b):
            known = b.notna().to_numpy()
            x, y = a.to_numpy(float, na_value=np.nan)[known], b.to_numpy(float, na_value=np.nan)[known]
            assert np.allclose(x, y, rtol=1e-9, atol=0), f"{name}: {x[~np.isclose(x, y, rtol=1e-9, atol=0)][:3]}"
        else:
            assert (a[a.notna()] == b[b.notna()]).all(), f"{name}: values differ"


@pytest.fixture(scope="module")
def family_folder(tmp_path_factory):
    return write_world(tmp_path_factory.mktemp("family"), **family_world())


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    from fraudml.simulate import simulate
    from fraudml.validation import validate_and_write

    folder = tmp_path_factory.mktemp("simulated")
    validate_and_write(simulate(preset="realistic", subscribers=300, days=35, seed=1), folder)
    return folder


def _features_command(data, snapshot_file, engine, out):
    result = CliRunner().invoke(app, ["features", "--data", str(data), "--snapshots", str(snapshot_file),
                                      "--engine", engine, "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pd.read_parquet(out)


# One test, each world a subtest: the Spark session of the suite's ``spark`` fixture stays up throughout.
def test_spark_computes_the_same_snapshots_and_features_as_duckdb(spark, family_folder, simulated, tmp_path, subtests):
    with subtests.test("hand-made world, through the features command"):
        snapshot_file = tmp_path / "snapshots.parquet"
        snapshots("A", "B", "C", "D", "E", "nobody").to_parquet(snapshot_file)
        duck = _features_command(family_folder, snapshot_file, "duckdb", tmp_path / "duckdb.parquet")
        on_spark = _features_command(family_folder, snapshot_file, "spark", tmp_path / "spark.parquet")
        assert_same_table(on_spark, duck)
        a = on_spark.set_index("msisdn").loc["A"]
        assert a.calls_out_w30 == 4 and a.talk_minutes_out_w30 == pytest.approx(735 / 60, rel=1e-12)
        # durations 0, 5, 30 and 700 s: exact, interpolated quantiles on both engines
        assert (a.duration_median_out_w30, a.duration_p90_out_w30) == (17.5, 499.0)
        assert "nobody" not in set(on_spark["msisdn"])  # no call or SMS: not in use, so no snapshot on either engine

    with subtests.test("simulated world, weekly snapshots"):
        snaps = make_snapshots(simulated, "weekly")
        pd.testing.assert_frame_equal(make_snapshots(simulated, "weekly", engine="spark"), snaps)
        assert snaps["as_of"].nunique() > 1 and (snaps["label"] == 1).any()
        duck, spec = build_features(simulated, snaps)
        on_spark, spark_spec = build_features(simulated, snaps, engine="spark")
        assert spark_spec == spec
        assert_same_table(on_spark, duck)

    with subtests.test("rings of flagged numbers"):
        from fraudml.cases.rings import find_rings

        accounts = pd.read_parquet(simulated / "accounts.parquet", columns=["msisdn"]).sort_values("msisdn")
        scores = accounts.assign(decision=["alert" if i % 3 == 0 else "pass" for i in range(len(accounts))])
        as_of = snaps["as_of"].max().date()
        duck_rings = find_rings(simulated, scores, as_of)
        spark_rings = find_rings(simulated, scores, as_of, engine="spark")
        assert len(duck_rings.table) > 0
        pd.testing.assert_frame_equal(spark_rings.members, duck_rings.members)
        pd.testing.assert_frame_equal(spark_rings.table, duck_rings.table)

    with subtests.test("rings of the hand-made folder: every kind of link, its thresholds and hubs"):
        import ring_world
        from fraudml.cases.links import KINDS
        from fraudml.cases.rings import find_rings

        folder = tmp_path / "rings"
        folder.mkdir()
        ring_world.write(folder)
        duck_rings = find_rings(folder, ring_world.scores(), ring_world.AS_OF.date())
        spark_rings = find_rings(folder, ring_world.scores(), ring_world.AS_OF.date(), engine="spark")
        assert (duck_rings.table[[f"{kind}_links" for kind in KINDS]].sum() > 0).all()
        pd.testing.assert_frame_equal(spark_rings.members, duck_rings.members)
        pd.testing.assert_frame_equal(spark_rings.table, duck_rings.table)

    assert not spark.sparkContext._jsc.sc().isStopped(), "a session the caller started is left running"
