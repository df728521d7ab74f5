"""Feature distributions of the training data, kept with a model so that scoring can check the batch against
them: drift (PSI), coverage (the non-null share) and the typical value a reason quotes.

Per feature: ``edges`` (decile cut points, outer edges included), ``shares`` of the
present values in each bin (outer bins open), ``null_share`` and ``median``. A
categorical feature has one bin per category (its codes, edges halfway between
them), no median, and ``fraud_share``: per category, the share of its training
numbers that were fraud, which its reasons quote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudml.features.spec import FeatureSpec

BINS = 10


def reference_distributions(matrix: np.ndarray, spec: FeatureSpec, y: np.ndarray, numbers: np.ndarray,
                            bins: int = BINS) -> dict:
    """The reference of each feature from the training rows (``matrix`` as the model sees it, labels ``y`` and
    the rows' numbers)."""
    out = {}
    for j, name in enumerate(spec.names):
        col = matrix[:, j]
        present = col[~np.isnan(col)]
        entry = {"null_share": float(np.isnan(col).mean()) if len(col) else 0.0}
        if name in spec.categorical:
            entry.update(_categories(col, len(spec.categories[name]), y, numbers))
        else:
            entry.update(_deciles(present, bins))
        out[name] = entry
    return out


def _deciles(present: np.ndarray, bins: int) -> dict:
    edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1))) if len(present) else np.array([])
    if len(edges) >= 2:
        idx = np.clip(np.searchsorted(edges, present, side="right") - 1, 0, len(edges) - 2)
        shares = np.bincount(idx, minlength=len(edges) - 1) / len(present)
    else:
        shares = np.ones(1) if len(present) else np.array([])
    return {"edges": edges.tolist(), "shares": shares.tolist(),
            "median": float(np.median(present)) if len(present) else None}


def _categories(codes: np.ndarray, k: int, y: np.ndarray, numbers: np.ndarray) -> dict:
    """One bin per category code; and per category, the share of its numbers ever labelled fraud."""
    present = ~np.isnan(codes)
    counts = np.bincount(codes[present].astype(np.int64), minlength=k)
    rows = pd.DataFrame({"number": numbers[present], "code": codes[present].astype(np.int64),
                         "fraud": np.nan_to_num(y[present]) == 1})
    per_number = rows.groupby(["code", "number"])["fraud"].max().groupby("code").mean()
    return {"edges": (np.arange(k + 1) - 0.5).tolist(), "shares": (counts / max(counts.sum(), 1)).tolist(),
            "median": None, "fraud_share": per_number.reindex(range(k)).round(4).tolist()}
