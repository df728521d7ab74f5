import json

import pytest

from fraudml.model.bundle import ModelBundle
from fraudml.model.evaluate import evaluate
from fraudml.model.train import train
from fraudml.params import TrainParams


@pytest.mark.slow  # LightGBM, logistic regression and four matplotlib figures
def test_train_then_evaluate_beats_the_rules_and_writes_dvc_files(table, spec, tmp_path):
    result = train(table, spec, TrainParams(n_estimators=300, early_stopping_rounds=30, num_threads=1))
    folder = result.bundle.save(tmp_path / "model")
    # the split is rebuilt from the bundle, as `fraudml evaluate` does
    metrics = evaluate(ModelBundle.load(folder), table, None, tmp_path / "eval")
    assert json.loads((tmp_path / "eval" / "metrics.json").read_text()) == metrics
    model, rules, logistic = metrics["model"], metrics["rules"], metrics["logistic"]
    assert model["pr_auc"] > rules["pr_auc"] + 0.1
    assert model["rows"] == rules["rows"] == logistic["rows"] == metrics["split"]["test"]
    assert set(model["recall_by_fraud_type"]) == {"call_centre", "sim_box", "wangiri"}
    assert 0 <= model["brier"] < 0.1 and rules["brier"] is None
    assert model["alerts_per_day"] == pytest.approx(50, rel=0.5)
    used = json.loads((tmp_path / "eval" / "rules.json").read_text())
    assert {u["feature"] for u in used} >= {"distinct_out_w7", "callback_share_w7", "night_share_w7"}
    plots = tmp_path / "eval" / "plots"
    for name in ("pr_model.csv", "pr_rules.csv", "pr_logistic.csv", "calibration.csv", "score_distribution.csv",
                 "feature_importance.csv", "pr_curve.png", "calibration.png", "score_distribution.png",
                 "feature_importance.png"):
        assert (plots / name).stat().st_size > 0, name
    assert (plots / "pr_curve.png").read_bytes()[:4] == b"\x89PNG"


def test_pr_curve_keeps_the_corners_of_a_long_curve():
    import numpy as np

    from fraudml.model.plots import pr_curve

    y = np.r_[1, 1, 0, 1, np.zeros(5000)]
    scores = -np.arange(len(y), dtype=float)  # the three frauds rank 1, 2 and 4 of 5,004
    curve = pr_curve(y, scores)
    assert len(curve) <= 200
    corners = set(zip(curve["recall"].round(4), curve["precision"].round(4)))
    assert {(0.3333, 1.0), (0.6667, 1.0), (1.0, 0.75)} <= corners


def test_calibration_curve_bins_by_predicted_probability():
    import numpy as np

    from fraudml.model.plots import calibration_curve

    p = np.array([0.01, 0.02, 0.03, 0.95, 0.97])
    y = np.array([0, 0, 0, 1, 0.0])
    curve = calibration_curve(y, p)
    assert curve["rows"].tolist() == [3, 2]
    assert curve["observed_rate"].tolist() == [0.0, 0.5]
    assert curve["mean_predicted"].tolist() == pytest.approx([0.02, 0.96])
