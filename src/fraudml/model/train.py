"""Training: LightGBM on a snapshot feature table, calibrated and thresholded on the validation period."""

from __future__ import annotations

import hashlib
import json
import platform
from dataclasses import dataclass, field

import lightgbm as lgb
import numpy as np
import pandas as pd

from fraudml.errors import InputError
from fraudml.features.spec import FeatureSpec
from fraudml.model.bundle import ModelBundle
from fraudml.model.calibration import fit_calibrator
from fraudml.model.inputs import (check_feature_table, feature_columns, labels, learn_categories, snapshot_days,
                                  table_hash)
from fraudml.model.metrics import pr_auc, roc_auc
from fraudml.model.reference import reference_distributions
from fraudml.model.split import Split, split_snapshots
from fraudml.model.thresholds import choose_thresholds
from fraudml.params import TrainParams


@dataclass
class TrainResult:
    bundle: ModelBundle
    split: Split
    metrics: dict[str, float]
    notes: list[str] = field(default_factory=list)


def lightgbm_params(params: TrainParams, y_train: np.ndarray) -> dict:
    out = {
        "objective": "binary", "metric": "average_precision", "verbosity": -1,
        "num_leaves": params.num_leaves, "learning_rate": params.learning_rate,
        "min_child_samples": params.min_child_samples, "feature_fraction": params.feature_fraction,
        "bagging_fraction": params.bagging_fraction, "bagging_freq": 1 if params.bagging_fraction < 1 else 0,
        "seed": params.seed, "deterministic": True, "force_row_wise": True, "num_threads": params.num_threads,
    }
    if params.class_weight == "balanced":
        out["scale_pos_weight"] = float((y_train == 0).sum() / max((y_train == 1).sum(), 1))
    elif params.class_weight is not None:
        raise InputError(f"train params: class_weight must be 'balanced' or empty, got {params.class_weight!r}")
    return out


def population_per_day(table: pd.DataFrame) -> dict:
    """Numbers per snapshot day in the whole table: the population an alert budget is spent on."""
    days, counts = np.unique(snapshot_days(table), return_counts=True)
    return dict(zip(days, counts.astype(float)))


def train(table: pd.DataFrame, spec: FeatureSpec, params: TrainParams, *, split: Split | None = None) -> TrainResult:
    """Fit LightGBM with early stopping on validation PR-AUC, then the calibrator and thresholds.

    The split waits the spec's label delay between its parts. Categorical features are
    LightGBM categoricals over the values seen in the train part, which the bundle's spec
    keeps. The same table, spec and params give the same bundle, byte for byte: its
    version is derived from its content.
    """
    check_feature_table(table, spec)
    if split is None:
        split = split_snapshots(table, label_delay_days=spec.label_delay_days,
                                valid_fraction=params.valid_fraction, test_fraction=params.test_fraction,
                                seed=params.seed)
    spec = learn_categories(table, spec.without_categories(), split.train)
    X, y, days = feature_columns(table, spec), labels(table), snapshot_days(table)
    for part in ("train", "valid"):
        y_part = y[split.mask(part)]
        if not (0 < y_part.sum() < len(y_part)):
            raise InputError(f"feature table: the {part} part needs both fraud and normal rows "
                             f"({int(y_part.sum())} fraud of {len(y_part)})")
    tr, va = split.train, split.valid
    lgb_params = lightgbm_params(params, y[tr])
    booster, best = _fit(lgb_params, X, y, split, spec, params)
    raw_valid = booster.predict(X[va], raw_score=True)
    calibrator = fit_calibrator(raw_valid, y[va], params.calibration)
    valid_scores = calibrator.predict(raw_valid)
    thresholds = choose_thresholds(valid_scores, y[va], days[va], alert_budget_per_day=params.alert_budget_per_day,
                                   target_precision=params.target_precision, population_per_day=population_per_day(table))

    metrics = {"valid_pr_auc": pr_auc(y[va], valid_scores), "valid_roc_auc": roc_auc(y[va], valid_scores),
               "best_iteration": float(best), "train_rows": float(tr.sum()), "valid_rows": float(va.sum())}
    notes = list(split.notes)
    if best >= params.n_estimators:
        notes.append(f"early stopping did not trigger within {params.n_estimators} trees")
    reference = reference_distributions(X[tr], spec, y[tr], table["msisdn"].to_numpy()[tr])
    bundle = ModelBundle(booster, spec, calibrator, thresholds, reference=reference)
    bundle.metadata = {
        "version": content_version(bundle, days[tr].max()),
        "feature_spec_hash": spec.hash,
        "data": {"feature_table_hash": table_hash(table), "rows": len(table)},
        "split": split.to_dict(),
        "params": params.model_dump(), "lightgbm_params": lgb_params,
        "metrics": metrics, "notes": notes,
        "versions": _library_versions(),
    }
    return TrainResult(bundle, split, metrics, notes)


def _fit(lgb_params: dict, X: np.ndarray, y: np.ndarray, split: Split, spec: FeatureSpec,
         params: TrainParams) -> tuple[lgb.Booster, int]:
    """LightGBM on the train part, stopped early on the validation part; the booster cut at its best iteration."""
    tr, va = split.train, split.valid
    categorical = [spec.names.index(name) for name in spec.categorical] or "auto"
    dtrain = lgb.Dataset(X[tr], y[tr], feature_name=spec.names, categorical_feature=categorical, free_raw_data=False)
    dvalid = lgb.Dataset(X[va], y[va], reference=dtrain)
    fitted = lgb.train(lgb_params, dtrain, num_boost_round=params.n_estimators, valid_sets=[dvalid],
                       valid_names=["valid"], callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)])
    best = fitted.best_iteration or params.n_estimators
    return lgb.Booster(model_str=fitted.model_to_string(num_iteration=best)), best


def content_version(bundle: ModelBundle, last_training_day) -> str:
    """'<last training snapshot day>-<hash of what scores>': the same model always gets the same version."""
    digest = hashlib.sha256()
    for part in (bundle.booster.model_to_string(), bundle.spec.hash, json.dumps(bundle.calibrator.to_dict()),
                 json.dumps(bundle.thresholds, sort_keys=True, default=str)):
        digest.update(part.encode())
    return f"{pd.Timestamp(last_training_day):%Y%m%d}-{digest.hexdigest()[:10]}"


def _library_versions() -> dict:
    import sklearn

    import fraudml

    return {"python": platform.python_version(), "lightgbm": lgb.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "scikit-learn": sklearn.__version__,
            "fraudml": getattr(fraudml, "__version__", "")}
