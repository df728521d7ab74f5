"""Feature distributions of the training data, kept with a model so that scoring can measure drift (PSI).

Per feature: ``edges`` (decile cut points, outer edges included), ``shares`` of the
present values in each bin (outer bins open), ``null_share`` and ``median``.
"""

from __future__ import annotations

import numpy as np

BINS = 10


def reference_distributions(matrix: np.ndarray, names: list[str], bins: int = BINS) -> dict:
    out = {}
    for j, name in enumerate(names):
        col = matrix[:, j]
        present = col[~np.isnan(col)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1))) if len(present) else np.array([])
        if len(edges) >= 2:
            idx = np.clip(np.searchsorted(edges, present, side="right") - 1, 0, len(edges) - 2)
            shares = np.bincount(idx, minlength=len(edges) - 1) / len(present)
        else:
            shares = np.ones(1) if len(present) else np.array([])
        out[name] = {"edges": edges.tolist(), "shares": shares.tolist(),
                     "null_share": float(np.isnan(col).mean()) if len(col) else 0.0,
                     "median": float(np.median(present)) if len(present) else None}
    return out
