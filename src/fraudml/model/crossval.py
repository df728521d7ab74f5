"""K-fold cross-validation by number, for tables too small for one held-out test period (the Sichuan data).

Each fold is the test part once; the other numbers are split, stratified, into
train and validation, and the model is trained and evaluated as usual, beside
the baselines.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from fraudml.features.spec import FeatureSpec
from fraudml.model.evaluate import SCORERS, evaluate, feature_importance
from fraudml.model.inputs import labels
from fraudml.model.split import Split, assign_numbers
from fraudml.model.train import train
from fraudml.params import TrainParams

REPORTED = ("pr_auc", "roc_auc", "recall_at_90_precision", "precision_at_alert", "recall_at_alert",
            "macro_f1_at_alert", "brier")


def fold_splits(table: pd.DataFrame, folds: int, valid_fraction: float, seed: int,
                tested: np.ndarray | None = None) -> list[Split]:
    """``tested``: rows that may be in a test part (default all); the others only ever train or validate."""
    y = labels(table)
    labelled = ~np.isnan(y)
    ever = pd.Series(np.nan_to_num(y)).groupby(table["msisdn"].to_numpy()).max()  # sorted by number
    fold_of = pd.Series(-1, index=ever.index)
    for k, (_, test_idx) in enumerate(StratifiedKFold(folds, shuffle=True, random_state=seed).split(ever, ever)):
        fold_of.iloc[test_idx] = k
    row_fold = table["msisdn"].map(fold_of).to_numpy()
    splits = []
    for k in range(folds):
        rest = labelled & (row_fold != k)
        part = assign_numbers(table["msisdn"][rest], y[rest], (1 - valid_fraction, valid_fraction, 0.0), seed + k)
        train_mask, valid_mask = np.zeros(len(table), bool), np.zeros(len(table), bool)
        train_mask[rest], valid_mask[rest] = part == 0, part == 1
        test_mask = labelled & (row_fold == k) & (True if tested is None else tested)
        splits.append(Split(train_mask, valid_mask, test_mask, kind="stratified",
                            notes=[f"fold {k + 1} of {folds}"],
                            params={"folds": folds, "fold": k, "valid_fraction": valid_fraction, "seed": seed}))
    return splits


def cross_validate(table: pd.DataFrame, spec: FeatureSpec, params: TrainParams, *, folds: int = 5,
                   baselines: bool = True, tested: np.ndarray | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per fold and scorer, the test metrics; and per fold, the model's feature importance (gain)."""
    rows, importance = [], []
    for k, split in enumerate(fold_splits(table, folds, params.valid_fraction, params.seed, tested)):
        result = train(table, spec, params, split=split)
        metrics = evaluate(result.bundle, table, split, None, baselines=baselines)
        for scorer in SCORERS:
            if scorer in metrics:
                rows.append({"fold": k, "scorer": scorer, **{m: metrics[scorer][m] for m in REPORTED}})
        importance.append(feature_importance(result.bundle).assign(fold=k))
    return pd.DataFrame(rows), pd.concat(importance, ignore_index=True)


def summarise(per_fold: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation over folds, per scorer."""
    numeric = per_fold.drop(columns="fold").astype({m: "float64" for m in REPORTED})
    return numeric.groupby("scorer", sort=False).agg(["mean", "std"])
