"""Metrics of a scorer on labelled rows. Undefined values (one class only) are None, so they survive JSON."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score


def _both_classes(y: np.ndarray) -> bool:
    return 0 < np.sum(y) < len(y)


def pr_auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    """Area under the precision-recall curve, as average precision."""
    return float(average_precision_score(y, scores)) if _both_classes(y) else None


def roc_auc(y: np.ndarray, scores: np.ndarray) -> float | None:
    return float(roc_auc_score(y, scores)) if _both_classes(y) else None


def brier(y: np.ndarray, probabilities: np.ndarray) -> float:
    return float(np.mean((np.asarray(probabilities, dtype="float64") - y) ** 2))


def precision_recall_at(y: np.ndarray, scores: np.ndarray, threshold: float) -> tuple[float | None, float | None]:
    flagged = np.asarray(scores) >= threshold
    tp = float(np.sum(y[flagged]))
    precision = tp / float(flagged.sum()) if flagged.any() else None
    recall = tp / float(np.sum(y)) if np.sum(y) else None
    return precision, recall


def recall_at_precision(y: np.ndarray, scores: np.ndarray, precision: float = 0.9) -> float | None:
    """Highest recall of any threshold whose alerts are at least ``precision`` precise."""
    y, s = np.asarray(y, dtype="float64"), np.asarray(scores, dtype="float64")
    if not np.sum(y):
        return None
    order = np.argsort(-s, kind="stable")
    s, y = s[order], y[order]
    last = np.r_[s[1:] != s[:-1], True]  # thresholds lie between distinct scores
    tp = np.cumsum(y)
    ok = last & (tp / np.arange(1, len(y) + 1) >= precision)
    return float(tp[ok].max() / y.sum()) if ok.any() else 0.0


def macro_f1_at(y: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    """Mean of the F1 of the fraud class and of the normal class (the Sichuan competition's score)."""
    pred = (np.asarray(scores) >= threshold).astype(float)
    f1s = []
    for cls in (1.0, 0.0):
        tp = np.sum((pred == cls) & (y == cls))
        denom = np.sum(pred == cls) + np.sum(y == cls)
        f1s.append(2 * tp / denom if denom else 0.0)
    return float(np.mean(f1s))


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
