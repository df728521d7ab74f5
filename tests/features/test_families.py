"""Each feature family on one hand-made world (``feature_worlds.family_world``), against values computed by hand.

As of 2024-03-31 (a Sunday) with windows 1, 7 and 30 days: the last day is
2024-03-30, the last 7 days start 2024-03-24, the last 30 days 2024-03-01.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from feature_worlds import family_world, snapshots, write_world
from fraudml.features.build import build_features

@pytest.fixture(scope="module")
def rows(tmp_path_factory):
    folder = write_world(tmp_path_factory.mktemp("families"), **family_world())
    table, _ = build_features(folder, snapshots("A", "E", "Z"))
    return {r["msisdn"]: r for r in table.to_dict("records")}


def check(row, expected):
    for name, value in expected.items():
        assert row[name] == pytest.approx(value, rel=1e-9, abs=1e-12), name


def test_volume(rows):
    check(rows["A"], dict(calls_out_w1=3, calls_in_w1=0, calls_fwd_w1=0, calls_out_w7=3, calls_in_w7=1, active_days_w7=2,
                          calls_out_w30=4, calls_in_w30=1, calls_fwd_w30=1, active_days_w30=4,
                          calls_out_per_active_day_w30=1.0, out_call_share_w30=0.8, calls_out_burst_ratio=(3 / 1) / (4 / 30),
                          busiest_hour_calls_out_w30=3, busiest_hour_share_w30=0.75))


def test_diversity(rows):
    check(rows["A"], dict(distinct_out_w1=2, distinct_in_w1=0, distinct_out_w7=2, distinct_in_w7=1, distinct_out_w30=3,
                          distinct_in_w30=1, new_counterpart_share_w1=0.5, new_counterpart_share_w7=1.0,
                          out_entropy_w7=math.log(3) - 2 * math.log(2) / 3, top_out_share_w7=2 / 3,
                          out_entropy_w30=math.log(4) - 2 * math.log(2) / 4, top_out_share_w30=0.5,
                          calls_per_called_number_w30=4 / 3))


def test_reciprocity(rows):
    check(rows["A"], dict(callback_share_w7=0.5, callback_share_w30=1 / 3, mutual_contacts_w30=1, incoming_only_contacts_w30=0,
                          mutual_share_w30=1 / 3, incoming_only_share_w30=0.0, outgoing_only_share_w30=2 / 3))


def test_durations(rows):
    out30 = np.array([5, 700, 0, 30])
    check(rows["A"], dict(duration_mean_out_w7=235.0, short_share_out_w7=2 / 3, duration_mean_out_w30=183.75,
                          short_share_out_w30=0.5, duration_median_out_w30=17.5, duration_p90_out_w30=499.0,
                          zero_share_out_w30=0.25, long_share_out_w30=0.25, duration_cv_out_w30=out30.std() / out30.mean(),
                          duration_mean_in_w30=60.0, talk_minutes_out_w30=735 / 60))


def test_timing(rows):
    gaps = np.array([2 * 86_400 + 12 * 3_600, 21 * 86_400 + 9 * 3_600, 4 * 86_400 + 11 * 3_600, 600, 600])
    check(rows["A"], dict(night_share_w7=0.0, night_share_w30=1 / 6, office_share_out_w7=0.0, office_share_out_w30=0.25,
                          weekend_share_w30=4 / 6, hour_entropy_out_w30=math.log(4) - 3 * math.log(3) / 4,
                          gap_median_w30=np.median(gaps), gap_cv_w7=gaps[2:].std() / gaps[2:].mean(),
                          gap_cv_w30=gaps.std() / gaps.mean()))


def test_location(rows):
    check(rows["A"], dict(distinct_cities_w30=2, distinct_counties_w30=2,
                          distinct_cells_w30=3, unlocated_share_w30=1 / 6, away_share_w30=0.2,
                          place_entropy_w30=math.log(5) - 4 * math.log(4) / 5))


def test_devices(rows):
    check(rows["A"], dict(distinct_imeis_w30=2, imei_missing_share_w30=1 / 6, device_changes_w30=1,
                          numbers_sharing_devices_w30=1, max_numbers_per_device_w30=2))


def test_account(rows):
    check(rows["A"], dict(account_age_days=90.0, numbers_on_id=2, account_closed=0, home_city_missing=0, home_county_missing=1,
                          arpu_last_month=40.0, arpu_mean_3m=25.0, arpu_trend=30.0, arpu_last_month_missing=0,
                          arpu_months_missing_3m=1))
    check(rows["E"], dict(numbers_on_id=5, home_county_missing=0, arpu_last_month_missing=1, arpu_months_missing_3m=3))


def test_sms_and_data(rows):
    check(rows["A"], dict(sms_out_w1=1, sms_out_w7=1, sms_out_w30=2, sms_in_w7=1, sms_in_w30=1, sms_distinct_out_w30=2,
                          sms_distinct_in_w30=1, sms_night_share_w30=1 / 3, data_mb_last_month=150.0, data_apps_last_month=2,
                          data_mb_mean_3m=60.0))


def test_graph(rows):
    check(rows["A"], dict(counterpart_degree_mean_w30=1.25, counterpart_degree_max_w30=2, co_contacts_w30=1,
                          shared_counterpart_share_w30=0.25, fraud_counterparts_w30=1, fraud_counterpart_share_w30=0.25,
                          fraud_shared_counterpart_share_w30=0.25, fraud_device_numbers_w30=1))


def test_a_number_without_events_has_zero_counts_and_missing_shares(rows):
    e = rows["E"]
    assert e["calls_out_w30"] == 0 and e["sms_out_w30"] == 0 and e["distinct_out_w30"] == 0
    assert pd.isna(e["out_call_share_w30"]) and pd.isna(e["duration_mean_out_w30"]) and pd.isna(e["data_mb_last_month"])


def test_a_number_in_no_table_has_every_feature_missing(rows):
    z = rows["Z"]
    assert all(pd.isna(v) for k, v in z.items() if k not in ("msisdn", "as_of"))
