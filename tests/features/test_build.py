"""The feature table as a whole: its rows, its missing values, its spec and its file."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from feature_worlds import AS_OF, call, snapshots, write_world
from fraudml.errors import InputError
from fraudml.features.build import FAMILIES, build_features, feature_spec
from fraudml.features.table import write_features
from fraudml.features.spec import FeatureSpec, spec_path


def test_spec_has_a_sensible_number_of_described_features_in_every_family():
    spec = feature_spec()
    assert 80 <= len(spec.features) <= 150
    assert len(set(spec.names)) == len(spec.names)
    assert {d.family for d in spec.features} == {m.__name__.rsplit(".", 1)[1] for m in FAMILIES}
    assert all(d.description and d.unit and d.dtype in ("int64", "float64") for d in spec.features if d.name not in
               spec.categorical)
    assert spec.categorical == ["home_city", "home_county", "plan"]  # text: a category has no unit


def test_windows_and_label_delay_change_the_spec_hash():
    base = feature_spec()
    assert feature_spec((1, 7, 14, 30)).hash != base.hash and "calls_out_w14" in feature_spec((1, 7, 14, 30)).names
    assert feature_spec(label_delay_days=14).hash != base.hash
    assert feature_spec((30, 7, 1)).hash == base.hash


def test_one_month_of_monthly_history_leaves_out_what_one_month_cannot_give():
    one = feature_spec(months=1)
    assert one.hash != feature_spec().hash and one.months == 1
    assert set(feature_spec().names) - set(one.names) == {"arpu_mean_3m", "arpu_trend", "arpu_months_missing_3m",
                                                          "data_mb_mean_3m"}
    assert "arpu_mean_2m" in feature_spec(months=2).names


@pytest.mark.slow
def test_only_calls_without_devices_leaves_other_sources_missing(tmp_path):
    folder = write_world(tmp_path, calls=[call("a", "x", "out", "2024-03-30 10:00:00", imei=None)])
    pq.write_table(pq.read_table(folder / "calls.parquet").drop_columns(["imei"]), folder / "calls.parquet")
    table, spec = build_features(folder, snapshots("a"))
    row = table.iloc[0]
    assert row["calls_out_w1"] == 1 and row["distinct_cities_w30"] == 1
    for d in spec.features:
        if any(s in d.source for s in ("imei", "sms", "accounts", "account_months", "app_usage", "labels")):
            assert pd.isna(row[d.name]), d.name


def test_rows_come_out_in_the_given_order_and_write_with_their_spec(tmp_path):
    folder = write_world(tmp_path / "data", calls=[call("a", "x", "out", "2024-03-30 10:00:00"),
                                                   call("b", "x", "out", "2024-03-20 10:00:00")])
    snaps = pd.DataFrame({"msisdn": ["b", "nobody", "a", "a"], "as_of": ["2024-03-31", "2024-03-31", "2024-03-31", "2024-03-25"],
                          "label": [1, 0, None, None]})
    table, spec = build_features(folder, snaps)
    assert list(zip(table["msisdn"], table["as_of"].dt.day)) == [("b", 31), ("nobody", 31), ("a", 31), ("a", 25)]
    # "a" has nothing known before 03-25, "nobody" nothing at all: every feature missing
    assert table["calls_out_w30"].isna().tolist() == [False, True, False, True]
    assert table.loc[0, "calls_out_w30"] == 1 and table.loc[2, "calls_out_w30"] == 1
    assert table["label"].tolist()[:2] == [1, 0]
    out = write_features(table, spec, tmp_path / "features.parquet")
    written = pq.read_table(out)
    assert written.schema.field("as_of").type == pa.date32() and written.schema.field("calls_out_w30").type == pa.int64()
    assert written.column_names == ["msisdn", "as_of", "label", "fraud_type", *spec.names]
    assert FeatureSpec.load(spec_path(out)).hash == spec.hash


@pytest.mark.parametrize("snaps, message", [
    (pd.DataFrame({"msisdn": ["a"]}), r"column\(s\) as_of missing"),
    (pd.DataFrame({"msisdn": ["a", "a"], "as_of": [AS_OF, AS_OF]}), "appears twice, rows 2"),
    (pd.DataFrame({"msisdn": ["a"], "as_of": ["2024-03-31 12:00"]}), "dates \\(midnight\\), not times, in rows 1"),
    (pd.DataFrame({"msisdn": ["a", None], "as_of": [AS_OF, AS_OF]}), "missing or not a date in rows 2"),
])
def test_bad_snapshots_are_refused_with_the_rows(tmp_path, snaps, message):
    folder = write_world(tmp_path, calls=[call("a", "x", "out", "2024-03-30 10:00:00")])
    with pytest.raises(InputError, match=message):
        build_features(folder, snaps)


def test_a_folder_without_tables_is_refused(tmp_path):
    with pytest.raises(InputError, match="no calls, sms or accounts table"):
        build_features(tmp_path, snapshots("a"))


def test_a_calls_table_without_a_required_column_is_refused(tmp_path):
    pq.write_table(pa.table({"msisdn": ["a"], "counterpart": ["x"]}), tmp_path / "calls.parquet")
    with pytest.raises(InputError, match=r"calls.parquet: required column\(s\) direction, started_at, duration_s missing"):
        build_features(tmp_path, snapshots("a"))


def test_spark_without_pyspark_says_to_install_the_extra(tmp_path, monkeypatch):
    for module in ("pyspark", "pyspark.sql"):  # as if pyspark were not installed
        monkeypatch.setitem(sys.modules, module, None)
    folder = write_world(tmp_path, calls=[call("a", "x", "out", "2024-03-30 10:00:00")])
    with pytest.raises(InputError, match="spark extra|'spark' extra"):
        build_features(folder, snapshots("a"), engine="spark")


def test_a_number_last_active_before_the_windows_has_zero_counts_not_missing(tmp_path):
    folder = write_world(tmp_path, calls=[call("a", "x", "out", "2023-12-01 10:00:00")])
    table, _ = build_features(folder, snapshots("a"))
    assert table.loc[0, "calls_out_w30"] == 0 and pd.isna(table.loc[0, "duration_mean_out_w30"])


def test_a_window_of_w_days_starts_at_midnight_w_days_before_as_of(tmp_path):
    folder = write_world(tmp_path, calls=[
        call("a", "x", "out", "2024-03-30 00:00:00", 10),  # the first second of the last day: in every window
        call("a", "y", "out", "2024-03-24 00:00:00", 20),  # exactly 7 days before as_of: in the 7-day window
        call("a", "z", "out", "2024-03-23 23:59:59", 30),  # one second earlier: only in the 30-day window
        call("a", "z", "in", "2024-03-01 00:00:00", 40),  # exactly 30 days before
        call("a", "x", "in", "2024-02-29 23:59:59", 50),  # outside every window
    ])
    row = build_features(folder, snapshots("a"), windows=(1, 7, 30))[0].iloc[0]
    assert (row.calls_out_w1, row.calls_out_w7, row.calls_out_w30, row.calls_in_w30) == (1, 2, 3, 1)
    assert (row.active_days_w7, row.active_days_w30) == (2, 4)
    assert (row.distinct_out_w1, row.distinct_out_w7, row.distinct_in_w30) == (1, 2, 1)
    assert row.new_counterpart_share_w7 == 1.0  # x and y: first contact within the 7 days
    assert row.duration_mean_out_w7 == 15.0


@pytest.mark.slow
def test_computing_in_several_passes_gives_the_same_table(tmp_path):
    from feature_worlds import family_world

    folder = write_world(tmp_path, **family_world())
    snaps = pd.concat([snapshots("A", "B", "E", "Z"), snapshots("A", "B", as_of=pd.Timestamp("2024-03-26"))], ignore_index=True)
    one, _ = build_features(folder, snaps)
    two, _ = build_features(folder, snaps, snapshots_per_pass=3)
    pd.testing.assert_frame_equal(one, two)


def test_steady_rounds_away_the_last_bits_only():
    from fraudml.features.build import steady

    x = 0.1 + 0.2  # 0.30000000000000004
    df = pd.DataFrame({"a": [x, np.nextafter(x, 1), 123456.789012345, 0.0, np.nan], "n": pd.array([1, 2, 3, None, 5], dtype="Int64")})
    out = steady(df, ["a", "n"])
    assert out["a"].iloc[0] == out["a"].iloc[1] == 0.3
    assert out["a"].iloc[2] == 123456.789
    assert out["a"].iloc[3] == 0.0 and np.isnan(out["a"].iloc[4])
    pd.testing.assert_series_equal(out["n"], df["n"])
