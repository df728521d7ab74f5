"""The settings of a Spark session fraudml starts, and how Spark's output folders replace what was there.

No Spark runs here: these are the rules, by hand.
"""

import os

import pytest

from fraudml.errors import InputError
from fraudml.spark import (PARTITIONS_PER_CORE, REQUIRED_SETTINGS, SPARK_SETTINGS, SUCCESS, _swap, check_replaceable,
                           cores, driver_memory, settings)


@pytest.mark.parametrize("master, environment, expected", [
    ("local", {}, 1),
    ("local[3]", {}, 3),
    ("local[3, 2]", {}, 3),
    ("local[*]", {}, os.cpu_count()),
    ("spark://host:7077", {"spark.cores.max": "6"}, 6),
    ("yarn", {"spark.executor.instances": "3", "spark.executor.cores": "4"}, 12),
    ("yarn", {"spark.executor.instances": "3"}, None),  # dynamic allocation, or Spark's defaults: unknown
    ("k8s://https://api:6443", {}, None),
])
def test_cores_of_a_master(master, environment, expected):
    assert cores(master, environment) == expected


def test_the_environment_wins_over_fraudml_defaults_but_not_over_what_fraudml_needs():
    mine = settings("local[2]")
    assert mine["spark.sql.shuffle.partitions"] == str(2 * PARTITIONS_PER_CORE)
    assert mine["spark.app.name"] == "fraudml"
    assert "spark.driver.memory" not in mine, "the driver's memory is set when the JVM starts, not on the session"
    environment = {"spark.sql.adaptive.enabled": "true", "spark.sql.shuffle.partitions": "2000", "spark.app.name": "nightly",
                   "spark.sql.session.timeZone": "Asia/Shanghai", "spark.cores.max": "64"}
    theirs = settings("spark://host:7077", environment)
    assert "spark.sql.adaptive.enabled" not in theirs and "spark.sql.shuffle.partitions" not in theirs
    assert "spark.app.name" not in theirs
    assert theirs["spark.buffer.pageSize"] == SPARK_SETTINGS["spark.buffer.pageSize"]
    assert theirs["spark.sql.session.timeZone"] == "UTC", "hours and days are DuckDB's only in UTC"
    assert REQUIRED_SETTINGS.items() <= theirs.items()
    assert "spark.sql.shuffle.partitions" not in settings("yarn"), "no cores known: Spark's default, or the platform's"


@pytest.mark.parametrize("given, spark", [("8GB", "8g"), ("512MB", "512m"), ("4g", "4g"), ("2G", "2g")])
def test_driver_memory_is_written_as_spark_writes_it(given, spark):
    assert driver_memory(given) == spark


def test_a_new_output_folder_replaces_a_file_or_an_earlier_output(tmp_path):
    out = tmp_path / "scores.parquet"
    out.write_text("DuckDB's single file")
    for run in ("first", "second"):
        new = tmp_path / f".new-{run}"
        new.mkdir()
        (new / SUCCESS).touch()
        (new / "part-00000.parquet").write_text(run)
        _swap(new, check_replaceable(out))
        assert (out / "part-00000.parquet").read_text() == run and not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scores.parquet"], "nothing left beside it"


def test_a_folder_spark_did_not_write_is_never_replaced(tmp_path):
    data = tmp_path / "calls.parquet"
    data.mkdir()
    (data / "part-0.parquet").write_text("someone's data")
    with pytest.raises(InputError, match="calls.parquet: is a folder that fraudml did not write"):
        check_replaceable(data)
    (tmp_path / "empty.parquet").mkdir()
    assert check_replaceable(tmp_path / "empty.parquet") == tmp_path / "empty.parquet"


def test_a_spark_master_needs_the_spark_engine(fraudml_cli, bundle_dir, tmp_path):
    for command in (["features", "--out", tmp_path / "f.parquet"],
                    ["score", "--model", bundle_dir, "--out", tmp_path / "s.parquet"]):
        status, output = fraudml_cli(*command, "--data", tmp_path, "--as-of", "2020-01-01", "--spark-master",
                                     "spark://host:7077")
        assert status == 2 and "--spark-master spark://host:7077 is for --engine spark, not duckdb" in output



@pytest.mark.slow
@pytest.mark.xdist_group("spark")  # the suite's one Spark session (tests/conftest.py)
@pytest.mark.filterwarnings("ignore::FutureWarning:pyspark.*", "ignore::DeprecationWarning:pyspark.*")
@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_spark_writes_parts_that_read_back_as_the_frame_in_order(spark, fmt, tmp_path):
    import pandas as pd

    from fraudml.spark import write
    from fraudml.tables import parquet_files

    frame = pd.DataFrame({"msisdn": ["a", "b", "c", "d"], "rank": [1, 2, 3, 4],
                          "reason_1": ['calls "out", at night: 8', None, "x", ""]})
    out = tmp_path / f"scores.{fmt}"
    write(spark.createDataFrame(frame).orderBy("rank"), out, fmt)  # two parts: the session has two shuffle partitions
    assert (out / SUCCESS).is_file()
    if fmt == "parquet":
        parts = parquet_files(out)
        back = pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)
    else:  # a header in every part, quotes doubled (RFC 4180)
        parts = sorted(out.glob("part-*.csv"))
        assert all(p.read_text().splitlines()[0] == "msisdn,rank,reason_1" for p in parts)
        back = pd.concat([pd.read_csv(p, keep_default_na=False, na_values=[""]) for p in parts], ignore_index=True)
        frame.loc[3, "reason_1"] = None  # pandas reads an empty field and an empty quoted string alike
    assert len(parts) == 2
    assert back.astype(object).where(back.notna(), None).values.tolist() == \
        frame.astype(object).where(frame.notna(), None).values.tolist()
