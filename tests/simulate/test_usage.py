"""Months, the share of each month a number was open, spend and app usage."""

import numpy as np
import pandas as pd
import pytest

from fraudml.simulate.behaviour import IN, OUT
from fraudml.simulate.params import ROLE_CODE, WorldParams
from fraudml.simulate.usage import APPS, app_usage, arpu, months_of, open_share


def test_months_overlapping_the_world_and_where_they_start_and_end():
    first, lo, hi = months_of(pd.Timestamp("2020-01-15"), 30)
    assert [str(pd.Timestamp(m).date()) for m in first] == ["2020-01-01", "2020-02-01"]
    assert lo.tolist() == [-14.0, 17.0] and hi.tolist() == [17.0, 46.0]


def test_open_share_is_the_part_of_each_month_between_activation_and_closing():
    lo, hi = np.array([0.0, 31.0]), np.array([31.0, 60.0])
    opened = np.array([-10.0, 15.5, 40.0])
    closed = np.array([np.nan, 46.5, 45.0])
    share = open_share(lo, hi, opened, closed)
    assert share[0].tolist() == [1.0, 1.0]
    assert share[1].tolist() == pytest.approx([0.5, 15.5 / 29])
    assert share[2].tolist() == pytest.approx([0.0, 5 / 29])


def test_spend_is_the_monthly_fee_plus_minutes_beyond_the_allowance():
    plan = np.array([0, 2, 2])  # 1 yuan with 200 minutes; 19 yuan with 100 minutes
    share = np.array([[1.0], [1.0], [0.0]])
    # number 1 talks 160 minutes out (two calls of 80), and 500 minutes in, which cost nothing
    calls = {"owner": np.array([1, 1, 1]), "direction": np.array([OUT, OUT, IN]), "t": np.array([1.0, 2.0, 3.0]),
             "duration": np.array([4800.0, 4800.0, 30_000.0])}
    runs = np.array([arpu(np.random.default_rng(s), plan, share, calls, np.array([0.0]))[:, 0] for s in range(200)])
    assert (runs[:, 0] == 1.0).mean() > 0.95  # the minimum plan, refunds aside
    assert np.isnan(runs[:, 2]).all()  # not open that month: no spend
    overage = 0.1 * (160 - 100)
    assert np.median(runs[:, 1]) == pytest.approx(19 * np.exp(0.1) + overage, rel=0.1)


def test_apps_are_used_once_a_month_each_with_long_tailed_volumes():
    role = np.repeat([ROLE_CODE["normal"], ROLE_CODE["sim_box"]], 1000)
    share = np.ones((2000, 2))
    rows = app_usage(np.random.default_rng(0), role, share, WorldParams())
    key = pd.DataFrame(rows)[["owner", "month", "app"]]
    assert not key.duplicated().any()
    per_number = np.bincount(rows["owner"], minlength=2000) / 2
    assert np.median(per_number[:1000]) > 20 and np.median(per_number[1000:]) < 2  # boxes barely use data
    assert (rows["mb"] >= 0).all()
    assert np.quantile(rows["mb"], 0.95) > 100 * np.quantile(rows["mb"], 0.5)
    assert np.bincount(rows["app"], minlength=len(APPS)).argmax() == 0  # WeChat
