"""Metrics of a scorer on labelled rows. Undefined values (one class only) are None, so they survive JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, f1_score, precision_recall_curve, roc_auc_score


def _both_classes(y: np.ndarray) -> bool:
    return 0 < np.sum(y) < len(y)


def pr_auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the precision-recall curve, as average precision."""
    return float(average_precision_score(y, scores)) if _both_classes(y) else None


def pr_auc_interval(y: np.ndarray, scores: np.ndarray, groups=None, *, level: float = 0.95, resamples: int = 1000,
                    seed: int = 0) -> tuple[float, float] | None:
    """A bootstrap interval of the PR-AUC: the rows resampled ``resamples`` times by ``groups`` (a number's rows
    together; each row its own group when None), the ``level`` central share of the PR-AUCs. None with one class."""
    y, scores = np.asarray(y, dtype="float64"), np.asarray(scores, dtype="float64")
    if not _both_classes(y):
        return None
    codes = np.arange(len(y)) if groups is None else pd.factorize(np.asarray(groups))[0]
    order = np.argsort(-scores, kind="stable")
    y, codes, scores = y[order], codes[order], scores[order]
    last = np.r_[scores[1:] != scores[:-1], True]  # the last row of each run of equal scores: one threshold each
    rng = np.random.default_rng(seed)
    n_groups, values = codes.max() + 1, []
    for start in range(0, resamples, 100):  # 100 resamples at a time bound the memory
        drawn = rng.integers(0, n_groups, (min(100, resamples - start), n_groups))
        weights = np.stack([np.bincount(row, minlength=n_groups) for row in drawn])[:, codes].astype("float64")
        values.append(_weighted_average_precision(y, weights, last))
    tail = (1 - level) / 2
    low, high = np.nanquantile(np.concatenate(values), [tail, 1 - tail])
    return float(low), float(high)


def _weighted_average_precision(y: np.ndarray, weights: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Average precision (as scikit-learn computes it) of rows sorted by descending score, once per row of
    ``weights``; ``last`` marks the end of each run of equal scores."""
    true_positives = np.cumsum(weights * y, axis=1)[:, last]
    flagged = np.cumsum(weights, axis=1)[:, last]
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.nan_to_num(true_positives / flagged)
        recall = true_positives / true_positives[:, -1:]
    gained = np.diff(np.concatenate([np.zeros((len(recall), 1)), recall], axis=1), axis=1)
    return np.sum(gained * precision, axis=1)


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(y, scores)) if _both_classes(y) else None


def brier(y: np.ndarray, probabilities: np.ndarray) -> float:
    return float(brier_score_loss(y, probabilities, labels=[0, 1]))


def threshold_sweep(y: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    """Precision, recall and F1 of flagging ``scores >= threshold``, one row per distinct score (ascending).

    The one sweep that every threshold choice and threshold-free metric reads.
    """
    y, scores = np.asarray(y, dtype="float64"), np.asarray(scores, dtype="float64")
    if not np.sum(y):  # no fraud: nothing to recall, and every alert is wrong
        thresholds = np.unique(scores)
        return pd.DataFrame({"threshold": thresholds, "precision": 0.0, "recall": np.nan, "f1": 0.0})
    precision, recall, thresholds = precision_recall_curve(y, scores)
    precision, recall = precision[:-1], recall[:-1]  # the last point (precision 1, recall 0) has no threshold
    with np.errstate(invalid="ignore"):
        f1 = np.nan_to_num(2 * precision * recall / (precision + recall))
    return pd.DataFrame({"threshold": thresholds, "precision": precision, "recall": recall, "f1": f1})


def precision_recall_at(y: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float | None, float | None]:
    flagged = np.asarray(scores) >= threshold
    tp = float(np.sum(y[flagged]))
    precision = tp / float(flagged.sum()) if flagged.any() else None
    recall = tp / float(np.sum(y)) if np.sum(y) else None
    return precision, recall


def recall_at_precision(y: np.ndarray, scores: np.ndarray, precision: float = 0.9) -> float | None:
    """Highest recall of any threshold whose alerts are at least ``precision`` precise."""
    if not np.sum(y):
        return None
    sweep = threshold_sweep(y, scores)
    ok = sweep["precision"] >= precision
    return float(sweep.loc[ok, "recall"].max()) if ok.any() else 0.0


def macro_f1_at(y: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Mean of the F1 of the fraud class and of the normal class (the Sichuan competition's score)."""
    flagged = (np.asarray(scores) >= threshold).astype(float)
    return float(f1_score(y, flagged, average="macro", labels=[0.0, 1.0], zero_division=0.0))


def recall_by_fraud_type(y: np.ndarray, scores: np.ndarray, threshold: float, fraud_type) -> dict[str, float]:
    kinds = pd.Series(fraud_type).astype("object").where(lambda s: s.notna(), None).to_numpy()
    flagged = np.asarray(scores) >= threshold
    out = {}
    for kind in sorted({k for k, label in zip(kinds, y) if label == 1 and k is not None}):
        rows = (kinds == kind) & (y == 1)
        out[str(kind)] = float(flagged[rows].mean())
    return out


def alerts_per_day(scores: np.ndarray, threshold: float, days: np.ndarray, population_per_day: dict | None = None) -> float:
    """Mean alerts a day, scaled to the whole population when the rows are a sample of it."""
    flagged = np.asarray(scores) >= threshold
    per_day = []
    for day in np.unique(days):
        on_day = days == day
        scale = 1.0 if population_per_day is None else population_per_day[day] / on_day.sum()
        per_day.append(flagged[on_day].sum() * scale)
    return float(np.mean(per_day))


def score_report(y: np.ndarray, scores: np.ndarray, thresholds: dict, *, fraud_type=None, days=None,
                 population_per_day: dict | None = None, probabilities: bool = True) -> dict:
    """All the reported metrics of one scorer on one set of labelled rows."""
    y = np.asarray(y, dtype="float64")
    precision, recall = precision_recall_at(y, scores, thresholds["alert"])
    report = {
        "rows": int(len(y)), "fraud": int(y.sum()),
        "pr_auc": pr_auc(y, scores), "roc_auc": roc_auc(y, scores),
        "precision_at_alert": precision, "recall_at_alert": recall,
        "recall_at_90_precision": recall_at_precision(y, scores, 0.9),
        "macro_f1_at_alert": macro_f1_at(y, scores, thresholds["alert"]),
        "brier": brier(y, scores) if probabilities else None,
    }
    if days is not None:
        report["alerts_per_day"] = alerts_per_day(scores, thresholds["alert"], days, population_per_day)
    if fraud_type is not None:
        report["recall_by_fraud_type"] = recall_by_fraud_type(y, scores, thresholds["alert"], fraud_type)
    return report


def flatten(metrics: dict, prefix: str = "") -> dict[str, float]:
    """Nested metrics as one level of ``a.b.c`` keys, numbers only (for trackers that want flat metrics)."""
    flat = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        elif isinstance(value, (int, float, np.number)) and not isinstance(value, bool):
            flat[name] = float(value)
    return flat
