"""Drift and coverage: how far a scored batch's features are from the training reference.

The population stability index (PSI) of each feature compares the share of rows
in each of the training reference's bins (plus one bin for missing values) with
the batch's share: PSI = sum((batch - train) * ln(batch / train)). Below 0.1 is
stable, 0.1-0.25 a shift worth watching, above 0.25 a shift the model was not
trained for. Coverage is a feature's non-null share: a feature whose coverage
moved by more than ``COVERAGE_MARGIN``, or that the batch lacks entirely, means
the batch's data cannot give the model what it learned from (a trend from a
one-month spend file, call features from account records alone). Counts
accumulate chunk by chunk, so memory does not grow with the batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

WARN_PSI = 0.25
COVERAGE_MARGIN = 0.3  # a feature's non-null share may move this much between training and a batch
SHOWN = 5  # features named in a one-line summary; the drift file lists them all
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


def coverage_moved(table: pd.DataFrame, margin: float = COVERAGE_MARGIN) -> pd.DataFrame:
    """Features whose coverage (non-null share) in the batch moved by more than ``margin`` from training, or that
    the batch lacks entirely while training had them; largest move first: feature, train, batch."""
    cover = pd.DataFrame({"feature": table["feature"], "train": 1 - table["missing_train"],
                          "batch": 1 - table["missing_batch"]}).dropna()
    moved = cover[((cover["batch"] - cover["train"]).abs() > margin) | ((cover["batch"] == 0) & (cover["train"] > 0))]
    order = (moved["batch"] - moved["train"]).abs().sort_values(ascending=False, kind="stable").index
    return moved.loc[order].reset_index(drop=True)


def psi_line(table: pd.DataFrame, threshold: float = WARN_PSI, shown: int = SHOWN) -> str | None:
    """'PSI above 0.25 for 11 features: arpu_trend 1.88, ... and 6 more' (None when no feature drifted)."""
    over = table[table["psi"] > threshold]
    if over.empty:
        return None
    named = ", ".join(f"{row.feature} {row.psi:.2f}" for row in over.head(shown).itertuples())
    return f"PSI above {threshold} for {_features(len(over))}: {named}{_more(len(over) - shown)}"


def coverage_line(moved: pd.DataFrame, margin: float = COVERAGE_MARGIN, shown: int = SHOWN) -> str | None:
    """'3 features present in a share of rows unlike training (...): arpu_trend 95% -> 0%, ...' (None: none)."""
    if moved.empty:
        return None
    named = ", ".join(f"{row.feature} {row.train:.0%} -> {row.batch:.0%}" for row in moved.head(shown).itertuples())
    return (f"{_features(len(moved))} present in a share of rows unlike training (by more than {margin * 100:.0f} "
            f"points, or entirely missing): {named}{_more(len(moved) - shown)}")


def _features(n: int) -> str:
    return f"{n} feature" + ("" if n == 1 else "s")


def _more(n: int) -> str:
    return f" and {n} more" if n > 0 else ""
