"""Feature distributions of the training data, kept with a model to measure drift later (PSI)."""

from __future__ import annotations

import numpy as np

BINS = 10


def reference_distributions(matrix: np.ndarray, names: list[str], bins: int = BINS) -> dict:
    """Per feature: decile bin edges of the training values, the share in each bin and the null share."""
    out = {}
    for j, name in enumerate(names):
        col = matrix[:, j]
        present = col[~np.isnan(col)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1))) if len(present) else np.array([])
        out[name] = {"edges": edges.tolist(), "shares": _shares(col, edges).tolist(),
                     "null_share": float(np.isnan(col).mean()) if len(col) else 0.0}
    return out


def _shares(col: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Share of the present values in each bin; the outer bins are open, so new extremes are counted."""
    present = col[~np.isnan(col)]
    if len(edges) < 2 or not len(present):
        return np.array([1.0]) if len(present) else np.array([])
    idx = np.clip(np.searchsorted(edges, present, side="right") - 1, 0, len(edges) - 2)
    return np.bincount(idx, minlength=len(edges) - 1) / len(present)


def psi(reference: dict, col: np.ndarray, eps: float = 1e-4) -> float:
    """Population stability index of ``col`` against one feature's reference (nulls counted as a bin)."""
    col = np.asarray(col, dtype="float64")
    edges = np.asarray(reference["edges"])
    null_now = float(np.isnan(col).mean()) if len(col) else 0.0
    expected = np.r_[np.asarray(reference["shares"]) * (1 - reference["null_share"]), reference["null_share"]]
    actual = np.r_[_shares(col, edges) * (1 - null_now), null_now] if len(expected) > 1 else np.array([1 - null_now, null_now])
    expected, actual = np.clip(expected, eps, None), np.clip(actual, eps, None)
    return float(np.sum((actual - expected) * np.log(actual / expected)))
