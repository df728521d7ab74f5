"""Choosing the alert and review thresholds on validation scores.

An operator can act on k alerts a day, or wants alerts that are right at least
some share of the time. The alert threshold is chosen for the one given (budget
first); the review threshold flags three times as many numbers as the alert one.
Without either, the alert threshold maximises F1 on the validation period.
"""

from __future__ import annotations

import numpy as np

from fraudml.model.metrics import threshold_sweep

REVIEW_MULTIPLE = 3
ALERT, REVIEW, PASS = "alert", "review", "pass"  # what a score decides, most urgent first
DECISIONS = (ALERT, REVIEW, PASS)
CLOSED = "closed"  # a number outside the population the model is for (fraudml.features.population): not scored


def _score_at_rank(scores: np.ndarray, rank: float) -> float:
    """Score of the ``rank``-th highest (1-based, interpolated between neighbours, clamped to the ends)."""
    s = np.sort(np.asarray(scores, dtype="float64"))[::-1]
    pos = min(max(rank, 1.0), len(s)) - 1
    lo = int(np.floor(pos))
    hi = min(lo + 1, len(s) - 1)
    return float(s[lo] + (s[hi] - s[lo]) * (pos - lo))


def threshold_for_budget(scores: np.ndarray, days: np.ndarray, k: float,
                         population_per_day: dict | None = None) -> float:
    """Mean over snapshot days of the k-th highest score that day.

    When the scored rows are a sample of the population the operator scores
    (``population_per_day``: day -> numbers scored that day), k is scaled to the
    sample, so the threshold gives about k alerts a day on the whole population.
    """
    scores, days = np.asarray(scores, dtype="float64"), np.asarray(days)
    per_day = []
    for day in np.unique(days):
        on_day = scores[days == day]
        rank = k if population_per_day is None else k * len(on_day) / population_per_day[day]
        per_day.append(_score_at_rank(on_day, rank))
    return float(np.mean(per_day))


def threshold_for_precision(scores: np.ndarray, y: np.ndarray, target: float) -> float:
    """Lowest threshold whose alerts are at least ``target`` precise (the highest score if none is)."""
    sweep = threshold_sweep(y, scores)
    ok = sweep["precision"] >= target
    return float(sweep.loc[ok, "threshold"].min()) if ok.any() else float(sweep["threshold"].max())


def threshold_for_max_f1(scores: np.ndarray, y: np.ndarray) -> float:
    """The threshold of the best F1 (the highest such threshold when several tie)."""
    sweep = threshold_sweep(y, scores)
    best = sweep["f1"].to_numpy()
    return float(sweep["threshold"].to_numpy()[np.flatnonzero(best == best.max())[-1]])


def choose_thresholds(scores: np.ndarray, y: np.ndarray, days: np.ndarray, *,
                      alert_budget_per_day: int | None = None, target_precision: float | None = None,
                      population_per_day: dict | None = None) -> dict:
    """Alert and review thresholds, with how they were chosen and how they did on these scores."""
    scores, y = np.asarray(scores, dtype="float64"), np.asarray(y, dtype="float64")
    if alert_budget_per_day is not None:
        method = "alert_budget"
        alert = threshold_for_budget(scores, days, alert_budget_per_day, population_per_day)
        review = threshold_for_budget(scores, days, REVIEW_MULTIPLE * alert_budget_per_day, population_per_day)
    else:
        if target_precision is not None:
            method, alert = "target_precision", threshold_for_precision(scores, y, target_precision)
        else:
            method, alert = "max_f1", threshold_for_max_f1(scores, y)
        n_alerts = int((scores >= alert).sum())
        review = min(alert, _score_at_rank(scores, REVIEW_MULTIPLE * max(n_alerts, 1)))
    flagged = scores >= alert
    return {
        "alert": alert, "review": review, "method": method,
        "alert_budget_per_day": alert_budget_per_day, "target_precision": target_precision,
        "review_multiple": REVIEW_MULTIPLE,
        "fitted_on": {"rows": int(len(scores)), "alerts": int(flagged.sum()),
                      "precision": float(y[flagged].mean()) if flagged.any() else None,
                      "recall": float(y[flagged].sum() / y.sum()) if y.sum() else None},
    }


def decide(scores: np.ndarray, thresholds: dict) -> np.ndarray:
    """ALERT, REVIEW or PASS for each score."""
    scores = np.asarray(scores, dtype="float64")
    return np.where(scores >= thresholds["alert"], ALERT,
                    np.where(scores >= thresholds["review"], REVIEW, PASS)).astype(object)
