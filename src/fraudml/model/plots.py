"""Evaluation plots: CSV data for ``dvc plots`` and PNG images for people (matplotlib Agg, works offline).

Files written under ``<out>/plots/``:
    pr_<scorer>.csv          recall, precision (one file per scorer, for one chart)
    calibration.csv          mean_predicted, observed_rate, rows
    score_distribution.csv   score, normal, fraud (share of each class per score bin)
    feature_importance.csv   feature, gain, splits
    pr_curve.png, calibration.png, score_distribution.png, feature_importance.png
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_curve

POINTS = 200  # points kept per curve: enough to draw, small enough to diff


def pr_curve(y: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    precision, recall, _ = precision_recall_curve(y, scores)
    # the curve's shape is in its corners, where recall steps; thin those evenly when there are many
    step = np.r_[True, recall[1:] != recall[:-1]] | np.r_[recall[:-1] != recall[1:], True]
    keep = np.flatnonzero(step)
    if len(keep) > POINTS:
        keep = keep[np.unique(np.linspace(0, len(keep) - 1, POINTS).astype(int))]
    return pd.DataFrame({"recall": recall[keep], "precision": precision[keep]})


def calibration_curve(y: np.ndarray, probabilities: np.ndarray, bins: int = 10) -> pd.DataFrame:
    """Observed fraud rate against mean predicted probability, in equal-width probability bins (empty ones left out).

    Equal widths rather than equal counts: with fraud rare, equal-count bins all sit near 0.
    """
    idx = np.clip((np.asarray(probabilities) * bins).astype(int), 0, bins - 1)
    groups = [np.flatnonzero(idx == b) for b in range(bins)]
    groups = [g for g in groups if len(g)]
    return pd.DataFrame({"mean_predicted": [probabilities[g].mean() for g in groups],
                         "observed_rate": [y[g].mean() for g in groups],
                         "rows": [len(g) for g in groups]})


def score_distribution(y: np.ndarray, scores: np.ndarray, bins: int = 20) -> pd.DataFrame:
    edges = np.linspace(0, 1, bins + 1)
    shares = {}
    for name, cls in (("normal", 0), ("fraud", 1)):
        counts, _ = np.histogram(np.clip(scores[y == cls], 0, 1), edges)
        shares[name] = counts / max(counts.sum(), 1)
    return pd.DataFrame({"score": (edges[:-1] + edges[1:]) / 2, **shares})


def write_plots(out_dir: str | Path, y: np.ndarray, scorers: dict[str, np.ndarray], probabilities: np.ndarray,
                importance: pd.DataFrame) -> list[Path]:
    """Write the data files and images; ``scorers`` maps a scorer's name to its test scores."""
    import matplotlib

    matplotlib.use("Agg")
    folder = Path(out_dir) / "plots"
    folder.mkdir(parents=True, exist_ok=True)
    return [*plot_pr_curves(folder, y, scorers), *plot_calibration(folder, y, probabilities),
            *plot_score_distribution(folder, y, probabilities), *plot_feature_importance(folder, importance)]


def _csv(df: pd.DataFrame, path: Path) -> Path:
    df.to_csv(path, index=False, float_format="%.6g")
    return path


def _png(fig, path: Path) -> Path:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_pr_curves(folder: Path, y: np.ndarray, scorers: dict[str, np.ndarray]) -> list[Path]:
    import matplotlib.pyplot as plt

    written = []
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for name, scores in scorers.items():
        curve = pr_curve(y, scores)
        written.append(_csv(curve, folder / f"pr_{name}.csv"))
        ax.plot(curve["recall"], curve["precision"], label=name)
    ax.set(xlabel="recall", ylabel="precision", title="Precision-recall (test)", xlim=(0, 1), ylim=(0, 1.02))
    ax.legend()
    return [*written, _png(fig, folder / "pr_curve.png")]


def plot_calibration(folder: Path, y: np.ndarray, probabilities: np.ndarray) -> list[Path]:
    import matplotlib.pyplot as plt

    calib = calibration_curve(y, probabilities)
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    ax.plot([0, 1], [0, 1], ls=":", c="grey")
    ax.plot(calib["mean_predicted"], calib["observed_rate"], marker="o")
    for _, row in calib.iterrows():  # few rows in a bin make its rate noisy: say how many
        ax.annotate(f"{int(row['rows'])}", (row["mean_predicted"], row["observed_rate"]), fontsize=7,
                    textcoords="offset points", xytext=(4, -8))
    ax.set(xlabel="mean predicted probability", ylabel="observed fraud rate", title="Calibration (test)")
    return [_csv(calib, folder / "calibration.csv"), _png(fig, folder / "calibration.png")]


def plot_score_distribution(folder: Path, y: np.ndarray, probabilities: np.ndarray) -> list[Path]:
    import matplotlib.pyplot as plt

    dist = score_distribution(y, probabilities)
    fig, ax = plt.subplots(figsize=(6, 4))
    width = dist["score"].diff().iloc[1] if len(dist) > 1 else 0.05
    for name in ("normal", "fraud"):
        ax.bar(dist["score"], dist[name], width=width, alpha=0.5, label=name)
    ax.set(xlabel="calibrated score", ylabel="share of class", title="Scores by class (test)")
    ax.legend()
    return [_csv(dist, folder / "score_distribution.csv"), _png(fig, folder / "score_distribution.png")]


def plot_feature_importance(folder: Path, importance: pd.DataFrame, top: int = 20) -> list[Path]:
    import matplotlib.pyplot as plt

    shown = importance.head(top).iloc[::-1]
    fig, ax = plt.subplots(figsize=(6, 0.3 * len(shown) + 1.2))
    ax.barh(shown["feature"], shown["gain"])
    ax.set(xlabel="total gain", title="Feature importance")
    return [_csv(importance, folder / "feature_importance.csv"), _png(fig, folder / "feature_importance.png")]
