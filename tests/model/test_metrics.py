import numpy as np
import pytest

from fraudml.model.metrics import (alerts_per_day, brier, flatten, macro_f1_at, pr_auc, pr_auc_interval,
                                   precision_recall_at, recall_at_precision, recall_by_fraud_type, roc_auc)

y = np.array([1, 0, 1, 0, 0, 1.0])
s = np.array([0.9, 0.8, 0.7, 0.4, 0.2, 0.1])


def test_ranking_metrics_by_hand():
    # average precision: hits at ranks 1, 3, 6 -> (1 + 2/3 + 3/6) / 3
    assert pr_auc(y, s) == pytest.approx((1 + 2 / 3 + 0.5) / 3)
    # pairs (fraud above normal): 0.9 beats 3, 0.7 beats 2, 0.1 beats 0 -> 5 of 9
    assert roc_auc(y, s) == pytest.approx(5 / 9)
    assert pr_auc(np.zeros(3), np.arange(3)) is None


def test_threshold_metrics_by_hand():
    assert precision_recall_at(y, s, 0.7) == (pytest.approx(2 / 3), pytest.approx(2 / 3))
    assert precision_recall_at(y, s, 0.95) == (None, 0.0)
    # fraud F1: p = r = 2/3 -> 2/3; normal: predicted normal {0.4, 0.2, 0.1}, 2 right of 3 normals -> 2/3
    assert macro_f1_at(y, s, 0.7) == pytest.approx(2 / 3)
    assert brier(np.array([1, 0.0]), np.array([0.8, 0.4])) == pytest.approx((0.04 + 0.16) / 2)


def test_recall_at_precision_takes_best_qualifying_cut():
    assert recall_at_precision(y, s, 0.9) == pytest.approx(1 / 3)  # only the top row is 100 % precise
    assert recall_at_precision(y, s, 0.6) == pytest.approx(2 / 3)  # cut at 0.7: 2/3 precise
    assert recall_at_precision(y, s, 0.5) == pytest.approx(1.0)  # everything: 3/6
    assert recall_at_precision(np.array([0, 1.0]), np.array([0.9, 0.1]), 0.9) == 0.0


def test_recall_by_fraud_type_and_alerts_per_day():
    kinds = np.array(["simbox", None, "wangiri", None, None, "simbox"], dtype=object)
    assert recall_by_fraud_type(y, s, 0.5, kinds) == {"simbox": 0.5, "wangiri": 1.0}
    days = np.array(["2024-01-01"] * 3 + ["2024-01-08"] * 3, dtype="datetime64[D]")
    assert alerts_per_day(s, 0.5, days) == pytest.approx(1.5)  # 3 and 0
    population = {np.datetime64("2024-01-01"): 30.0, np.datetime64("2024-01-08"): 30.0}
    assert alerts_per_day(s, 0.5, days, population) == pytest.approx(15)


def test_flatten_keeps_numbers_only():
    assert flatten({"model": {"pr_auc": 0.5, "by": {"a": 1}, "none": None}, "kind": "time"}) == \
        {"model.pr_auc": 0.5, "model.by.a": 1.0}


def test_the_pr_auc_interval_brackets_the_pr_auc_and_resamples_numbers_whole():
    rng = np.random.default_rng(0)
    y = (rng.random(2000) < 0.1).astype(float)
    scores = np.round(rng.random(2000) + 0.4 * y, 2)  # ties, as calibrated scores have
    low, high = pr_auc_interval(y, scores)
    assert low < pr_auc(y, scores) < high and high - low < 0.15
    assert pr_auc_interval(y, scores) == (low, high)  # seeded: the same interval every run
    numbers = np.repeat(np.arange(200), 10)  # ten rows a number, resampled together: a wider interval
    wide = pr_auc_interval(np.repeat(y[:200], 10), np.repeat(scores[:200], 10), numbers)
    narrow = pr_auc_interval(np.repeat(y[:200], 10), np.repeat(scores[:200], 10))
    assert wide[1] - wide[0] > narrow[1] - narrow[0]
    assert pr_auc_interval(y, y * 2 + scores) == (1.0, 1.0)  # every resample ranked perfectly
    assert pr_auc_interval(np.zeros(10), np.arange(10.0)) is None
