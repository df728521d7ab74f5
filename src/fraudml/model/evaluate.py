"""Evaluation on the test part: the model beside the rules and logistic baselines, as metrics.json and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from fraudml.model.baselines import RulesBaseline, logistic_baseline
from fraudml.model.bundle import ModelBundle
from fraudml.model.inputs import check_feature_table, feature_columns, labels, snapshot_days
from fraudml.model.metrics import pr_auc_interval, score_report
from fraudml.model.plots import write_plots
from fraudml.model.split import Split, split_snapshots
from fraudml.model.thresholds import choose_thresholds
from fraudml.model.train import population_per_day

SCORERS = ("model", "logistic", "rules")  # the model and the two baselines it must beat, in the order reported


def split_of(bundle: ModelBundle, table: pd.DataFrame) -> Split:
    """Rebuild the split a bundle was trained with (its parameters are in the bundle's metadata)."""
    return split_snapshots(table, **bundle.metadata["split"]["params"])


def feature_importance(bundle: ModelBundle) -> pd.DataFrame:
    imp = pd.DataFrame({"feature": bundle.spec.names,
                        "gain": bundle.booster.feature_importance("gain"),
                        "splits": bundle.booster.feature_importance("split")})
    return imp.sort_values(["gain", "feature"], ascending=[False, True], ignore_index=True)


def interval(y: np.ndarray, scores: np.ndarray, numbers: np.ndarray) -> dict:
    """The PR-AUC's 95 % bootstrap interval, resampling numbers (a number's rows together), and the fraud numbers
    it rests on."""
    low_high = pr_auc_interval(y, scores, numbers)
    low, high = low_high if low_high else (None, None)
    return {"pr_auc_low": low, "pr_auc_high": high, "fraud_numbers": int(pd.unique(numbers[y == 1]).size)}


def evaluate(bundle: ModelBundle, table: pd.DataFrame, split: Split | None, out_dir: str | Path | None, *,
             baselines: bool = True) -> dict:
    """Metrics of the model (and baselines) on the test part; written to ``out_dir`` unless it is None."""
    check_feature_table(table, bundle.spec)
    if split is None:
        split = split_of(bundle, table)
    X, y, days = feature_columns(table, bundle.spec), labels(table), snapshot_days(table)
    te, va, tr = split.test, split.valid, split.train
    population = population_per_day(table)
    fraud_type = table["fraud_type"].to_numpy()[te] if "fraud_type" in table.columns else None

    def report(test_scores, thresholds, probabilities=True):
        return score_report(y[te], test_scores, thresholds, fraud_type=fraud_type, days=days[te],
                            population_per_day=population, probabilities=probabilities)

    model_scores = bundle.calibrator.predict(bundle.booster.predict(X[te], raw_score=True))
    scorers = {"model": model_scores}
    metrics = {"model": {**report(model_scores, bundle.thresholds),
                         **interval(y[te], model_scores, table["msisdn"].to_numpy()[te])},
               "split": {"kind": split.kind, **{p: int(split.mask(p).sum()) for p in ("train", "valid", "test")}}}
    rules_used = []
    if baselines:
        def same_rule_thresholds(valid_scores):
            return choose_thresholds(valid_scores, y[va], days[va],
                                     alert_budget_per_day=bundle.thresholds.get("alert_budget_per_day"),
                                     target_precision=bundle.thresholds.get("target_precision"),
                                     population_per_day=population)

        rules = RulesBaseline().fit(X[tr], bundle.spec)
        rules_used = rules.used_
        scorers["rules"] = rules.score(X[te], bundle.spec)
        metrics["rules"] = report(scorers["rules"], same_rule_thresholds(rules.score(X[va], bundle.spec)),
                                  probabilities=False)
        seed = bundle.metadata.get("params", {}).get("seed", 0)
        numeric = [j for j, name in enumerate(bundle.spec.names) if name not in bundle.spec.categorical]
        logistic = logistic_baseline(seed).fit(X[tr][:, numeric], y[tr])  # category codes are not quantities
        scorers["logistic"] = logistic.predict_proba(X[te][:, numeric])[:, 1]
        metrics["logistic"] = report(scorers["logistic"],
                                     same_rule_thresholds(logistic.predict_proba(X[va][:, numeric])[:, 1]))
    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
        (out / "rules.json").write_text(json.dumps(rules_used, indent=2, ensure_ascii=False) + "\n")
        if 0 < y[te].sum() < te.sum():
            write_plots(out, y[te], scorers, model_scores, feature_importance(bundle))
    return metrics
