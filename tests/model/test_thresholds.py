import numpy as np
import pytest

from fraudml.model.thresholds import (choose_thresholds, decide, threshold_for_budget, threshold_for_max_f1,
                                      threshold_for_precision)


def test_budget_threshold_is_mean_of_kth_highest_per_day():
    days = np.array(["2024-01-01"] * 4 + ["2024-01-08"] * 4, dtype="datetime64[D]")
    scores = np.array([0.9, 0.8, 0.1, 0.2, 0.7, 0.3, 0.6, 0.5])
    assert threshold_for_budget(scores, days, 2) == pytest.approx((0.8 + 0.6) / 2)


def test_budget_of_k_gives_about_k_alerts_per_day_on_validation():
    rng = np.random.default_rng(0)
    days = np.repeat(np.arange(10).astype("datetime64[D]"), 1000)
    scores = rng.beta(1, 20, len(days))
    t = threshold_for_budget(scores, days, 25)
    per_day = [(scores[days == d] >= t).sum() for d in np.unique(days)]
    assert np.mean(per_day) == pytest.approx(25, rel=0.15)


def test_budget_scales_to_the_population_when_rows_are_a_sample():
    days = np.array(["2024-01-01"] * 10, dtype="datetime64[D]")
    scores = np.arange(10, 0, -1) / 10  # 1.0, 0.9, ... 0.1
    population = {np.datetime64("2024-01-01"): 50.0}  # the 10 rows are a fifth of the numbers
    # 10 alerts in 50 numbers = 2 in these 10 rows
    assert threshold_for_budget(scores, days, 10, population) == pytest.approx(0.9)


def test_precision_threshold_is_lowest_cut_meeting_target():
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5, 0.4])
    y = np.array([1, 1, 0, 1, 0, 0])
    # precision at cuts: 1, 1, 2/3, 3/4, 3/5, 1/2
    assert threshold_for_precision(scores, y, 0.75) == 0.6
    assert threshold_for_precision(scores, y, 0.9) == 0.8
    assert threshold_for_precision(scores, np.zeros(6), 0.5) == 0.9  # nothing meets it: the top only


def test_max_f1_threshold_and_ties_cut_together():
    scores = np.array([0.9, 0.8, 0.8, 0.3])
    y = np.array([1, 1, 0, 0])
    # cuts: 0.9 -> F1 2/3; 0.8 (both tied rows) -> 2*2/(3+2) = 0.8; 0.3 -> 2*2/(4+2)
    assert threshold_for_max_f1(scores, y) == 0.8


def test_choose_thresholds_review_flags_more_than_alert_and_decide_uses_both():
    rng = np.random.default_rng(1)
    days = np.repeat(np.arange(5).astype("datetime64[D]"), 200)
    scores = rng.random(len(days))
    y = (scores + rng.normal(0, 0.3, len(days)) > 0.9).astype(float)
    for kwargs in ({"alert_budget_per_day": 10}, {"target_precision": 0.8}, {}):
        t = choose_thresholds(scores, y, days, **kwargs)
        assert t["review"] <= t["alert"]
        assert (scores >= t["review"]).sum() >= 2.5 * (scores >= t["alert"]).sum()
    t = choose_thresholds(scores, y, days, alert_budget_per_day=10)
    assert t["method"] == "alert_budget" and t["fitted_on"]["alerts"] == pytest.approx(50, abs=5)
    decisions = decide(np.array([t["alert"], t["review"], t["review"] - 1e-9]), t)
    assert list(decisions) == ["alert", "review", "pass"]
