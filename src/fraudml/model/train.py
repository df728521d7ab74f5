"""Training: LightGBM on a snapshot feature table, calibrated and thresholded on the validation period."""

from __future__ import annotations

import hashlib
import platform
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone

import lightgbm as lgb
import numpy as np
import pandas as pd

from fraudml.errors import InputError
from fraudml.features.spec import FeatureSpec
from fraudml.model.bundle import ModelBundle
from fraudml.model.calibration import fit_calibrator
from fraudml.model.inputs import check_feature_table, feature_columns, labels, snapshot_days, table_hash
from fraudml.model.metrics import pr_auc, roc_auc
from fraudml.model.reference import reference_distributions
from fraudml.model.split import Split, split_snapshots
from fraudml.model.thresholds import choose_thresholds


@dataclass
class TrainParams:
    """The ``train:`` group of the params file."""

    num_leaves: int = 31
    learning_rate: float = 0.05
    n_estimators: int = 2000
    early_stopping_rounds: int = 100
    min_child_samples: int = 20
    feature_fraction: float = 0.8
    bagging_fraction: float = 0.8
    class_weight: str | None = None  # "balanced" weighs fraud up; it did not help PR-AUC (docs/model.md)
    seed: int = 0
    label_delay_days: int = 7
    valid_fraction: float = 0.2
    test_fraction: float = 0.2
    alert_budget_per_day: int | None = 50
    target_precision: float | None = None
    calibration: str = "platt"
    num_threads: int = 0  # 0: LightGBM's default (all cores)

    @classmethod
    def from_dict(cls, data: dict | None) -> TrainParams:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data or {}) - known)
        if unknown:
            raise InputError(f"train params: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}")
        return cls(**(data or {}))


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
    """Fit LightGBM with early stopping on validation PR-AUC, then the calibrator and thresholds."""
    check_feature_table(table, spec)
    if split is None:
        split = split_snapshots(table, label_delay_days=params.label_delay_days,
                                valid_fraction=params.valid_fraction, test_fraction=params.test_fraction,
                                seed=params.seed)
    X, y, days = feature_columns(table, spec), labels(table), snapshot_days(table)
    for part in ("train", "valid"):
        y_part = y[split.mask(part)]
        if not (0 < y_part.sum() < len(y_part)):
            raise InputError(f"feature table: the {part} part needs both fraud and normal rows "
                             f"({int(y_part.sum())} fraud of {len(y_part)})")
    tr, va = split.train, split.valid
    lgb_params = lightgbm_params(params, y[tr])
    dtrain = lgb.Dataset(X[tr], y[tr], feature_name=spec.names, free_raw_data=False)
    dvalid = lgb.Dataset(X[va], y[va], reference=dtrain)
    fitted = lgb.train(lgb_params, dtrain, num_boost_round=params.n_estimators, valid_sets=[dvalid],
                       valid_names=["valid"],
                       callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)])
    best = fitted.best_iteration or params.n_estimators
    booster = lgb.Booster(model_str=fitted.model_to_string(num_iteration=best))

    raw_valid = booster.predict(X[va], raw_score=True)
    calibrator = fit_calibrator(raw_valid, y[va], params.calibration)
    valid_scores = calibrator.predict(raw_valid)
    population = population_per_day(table)
    thresholds = choose_thresholds(valid_scores, y[va], days[va], alert_budget_per_day=params.alert_budget_per_day,
                                   target_precision=params.target_precision, population_per_day=population)

    metrics = {"valid_pr_auc": pr_auc(y[va], valid_scores), "valid_roc_auc": roc_auc(y[va], valid_scores),
               "best_iteration": float(best), "train_rows": float(tr.sum()), "valid_rows": float(va.sum())}
    notes = list(split.notes)
    if best >= params.n_estimators:
        notes.append(f"early stopping did not trigger within {params.n_estimators} trees")
    model_text = booster.model_to_string()
    created = datetime.now(timezone.utc)
    metadata = {
        "version": f"{created:%Y%m%d}-{hashlib.sha256(model_text.encode()).hexdigest()[:10]}",
        "created_at": created.isoformat(timespec="seconds"),
        "feature_spec_hash": spec.hash,
        "data": {"feature_table_hash": table_hash(table), "rows": len(table)},
        "split": split.to_dict(),
        "params": asdict(params), "lightgbm_params": lgb_params,
        "metrics": metrics, "notes": notes,
        "versions": _library_versions(),
    }
    bundle = ModelBundle(booster, spec, calibrator, thresholds, metadata,
                         reference_distributions(X[tr], spec.names))
    return TrainResult(bundle, split, metrics, notes)


def _library_versions() -> dict:
    import sklearn

    import fraudml

    return {"python": platform.python_version(), "lightgbm": lgb.__version__, "numpy": np.__version__,
            "pandas": pd.__version__, "scikit-learn": sklearn.__version__,
            "fraudml": getattr(fraudml, "__version__", "")}
