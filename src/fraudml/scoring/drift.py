"""Drift: how far a scored batch's feature distributions are from the training reference.

The population stability index (PSI) of each feature compares the share of rows
in each of the training reference's bins (plus one bin for missing values) with
the batch's share: PSI = sum((batch - train) * ln(batch / train)). Below 0.1 is
stable, 0.1-0.25 a shift worth watching, above 0.25 a shift the model was not
trained for. Counts accumulate chunk by chunk, so memory does not grow with the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WARN_PSI = 0.25
EPS = 1e-4  # floor on a bin's share, so an empty bin gives a large but finite PSI


@dataclass(frozen=True)
class Reference:
    """One feature's training distribution: bin cut points and the share of rows per bin.

    ``shares`` has ``len(edges) + 2`` entries: ``len(edges) + 1`` value bins
    (``searchsorted(edges, v, side='right')``) and a last bin for missing values.
    """

    edges: np.ndarray
    shares: np.ndarray
    median: float | None = None

    @classmethod
    def from_values(cls, values, bins: int = 10) -> Reference:
        """A reference from training values: quantile cut points, shares, median."""
        v = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype="float64")
        present = v[~np.isnan(v)]
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1])) if len(present) else np.array([])
        counts = _counts(v, edges)
        median = float(np.median(present)) if len(present) else None
        return cls(edges, counts / max(counts.sum(), 1), median)


    @classmethod
    def from_bundle(cls, entry: dict) -> Reference:
        """From a model bundle's ``reference.json`` entry: ``edges`` (outer edges included),
        ``shares`` of the present values per bin and ``null_share``; the median is read
        off the binned distribution (exact when the decile edges are distinct).
        """
        edges = np.asarray(entry.get("edges", []), dtype="float64")
        present = np.asarray(entry.get("shares", []), dtype="float64")
        null = float(entry.get("null_share", 0.0))
        if len(present) == 0:
            return cls(np.array([]), np.array([0.0, 1.0]), entry.get("median"))
        median = entry.get("median")
        if median is None and len(edges) >= 2:
            median = _binned_median(edges, present)
        return cls(edges[1:-1], np.append(present * (1 - null), null), median)


def _binned_median(edges: np.ndarray, shares: np.ndarray) -> float:
    """The value where the cumulative share of the bins reaches one half, interpolated within its bin."""
    if len(edges) == 1 or len(shares) != len(edges) - 1:
        return float(edges[0])
    cum = np.concatenate([[0.0], np.cumsum(shares / shares.sum())])
    return float(np.interp(0.5, cum, edges))


def _counts(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    missing = np.isnan(values)
    bins = np.searchsorted(edges, values[~missing], side="right")
    counts = np.bincount(bins, minlength=len(edges) + 1).astype("float64")
    return np.append(counts, missing.sum())


def psi(expected: np.ndarray, actual: np.ndarray) -> float:
    """PSI between two share (or count) vectors over the same bins."""
    e = np.asarray(expected, dtype="float64")
    a = np.asarray(actual, dtype="float64")
    e = np.maximum(e / max(e.sum(), 1e-12), EPS)
    a = np.maximum(a / max(a.sum(), 1e-12), EPS)
    return float(np.sum((a - e) * np.log(a / e)))


class DriftCounter:
    """Counts a batch's rows per reference bin, chunk by chunk, then reports PSI per feature."""

    def __init__(self, references: dict[str, Reference]):
        self.references = references
        self.counts = {name: np.zeros(len(r.shares)) for name, r in references.items()}
        self.rows = 0

    def add(self, features: pd.DataFrame) -> None:
        self.rows += len(features)
        for name, ref in self.references.items():
            if name in features.columns:
                values = pd.to_numeric(features[name], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
                self.counts[name] += _counts(values, ref.edges)

    def result(self) -> pd.DataFrame:
        """One row per feature, largest PSI first: feature, psi, missing share in training and batch."""
        rows = []
        for name, ref in self.references.items():
            counts = self.counts[name]
            total = counts.sum()
            rows.append(
                {
                    "feature": name,
                    "psi": psi(ref.shares, counts) if total else float("nan"),
                    "missing_train": float(ref.shares[-1] / max(ref.shares.sum(), 1e-12)),
                    "missing_batch": float(counts[-1] / total) if total else float("nan"),
                }
            )
        table = pd.DataFrame(rows, columns=["feature", "psi", "missing_train", "missing_batch"])
        return table.sort_values(["psi", "feature"], ascending=[False, True], na_position="last").reset_index(drop=True)


def drifted(table: pd.DataFrame, threshold: float = WARN_PSI) -> list[str]:
    """Names of the features whose PSI is above ``threshold``."""
    return table.loc[table["psi"] > threshold, "feature"].tolist()
