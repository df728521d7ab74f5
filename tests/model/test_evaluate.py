import json

import pytest

from fraudml.model.bundle import ModelBundle
from fraudml.model.evaluate import evaluate
from fraudml.model.train import TrainParams, train


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
    assert set(model["recall_by_fraud_type"]) == {"callcentre", "simbox", "wangiri"}
    assert 0 <= model["brier"] < 0.1 and rules["brier"] is None
    assert model["alerts_per_day"] == pytest.approx(50, rel=0.5)
    used = json.loads((tmp_path / "eval" / "rules.json").read_text())
    assert {u["feature"] for u in used} >= {"distinct_callees_7d", "callback_share_7d", "night_share_7d"}
    plots = tmp_path / "eval" / "plots"
    for name in ("pr_model.csv", "pr_rules.csv", "pr_logistic.csv", "calibration.csv", "score_distribution.csv",
                 "feature_importance.csv", "pr_curve.png", "calibration.png", "score_distribution.png",
                 "feature_importance.png"):
        assert (plots / name).stat().st_size > 0, name
    assert (plots / "pr_curve.png").read_bytes()[:4] == b"\x89PNG"
