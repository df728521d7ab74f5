"""Turning LightGBM raw scores into probabilities, fitted on the validation period.

Stored as plain JSON so that scoring needs no pickle. Platt scaling (a logistic
curve on the raw score) is the default: it is strictly increasing, so ranks, and
with them the alerts of a budget, are the model's own; isotonic regression is the
choice when the validation period has many frauds and the curve is not logistic.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from fraudml.errors import InputError

METHODS = ("platt", "isotonic")


@dataclass
class Calibrator:
    method: str
    params: dict = field(default_factory=dict)

    def predict(self, raw: np.ndarray) -> np.ndarray:
        raw = np.asarray(raw, dtype="float64")
        if self.method == "platt":
            z = self.params["slope"] * raw + self.params["intercept"]
            return 1.0 / (1.0 + np.exp(-np.clip(z, -700, 700)))
        return np.interp(raw, self.params["x"], self.params["y"])

    def to_dict(self) -> dict:
        return {"method": self.method, **self.params}

    @classmethod
    def from_dict(cls, data: dict) -> Calibrator:
        data = dict(data)
        method = data.pop("method", None)
        keys = {"platt": {"slope", "intercept"}, "isotonic": {"x", "y"}}.get(method)
        if keys is None or not keys <= data.keys():
            raise InputError(f"calibrator: method must be one of {', '.join(METHODS)} with its parameters; got {method!r}")
        return cls(method, data)


def fit_calibrator(raw: np.ndarray, y: np.ndarray, method: str = "platt") -> Calibrator:
    """Fit a calibrator mapping raw scores to the observed fraud rate."""
    raw, y = np.asarray(raw, dtype="float64"), np.asarray(y, dtype="float64")
    if len(np.unique(y)) < 2:
        raise InputError("calibration needs both fraud and normal numbers in the validation period")
    if method == "platt":
        from sklearn.linear_model import LogisticRegression

        # Platt's smoothed targets keep the curve finite when validation scores separate the classes
        n_pos, n_neg = y.sum(), len(y) - y.sum()
        target = np.where(y == 1, (n_pos + 1) / (n_pos + 2), 1 / (n_neg + 2))
        both = np.r_[raw, raw].reshape(-1, 1)
        lr = LogisticRegression(C=1e6, max_iter=1000).fit(
            both, np.r_[np.ones(len(y)), np.zeros(len(y))], sample_weight=np.r_[target, 1 - target])
        return Calibrator("platt", {"slope": float(lr.coef_[0, 0]), "intercept": float(lr.intercept_[0])})
    if method == "isotonic":
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(raw, y)
        return Calibrator("isotonic", {"x": iso.X_thresholds_.tolist(), "y": iso.y_thresholds_.tolist()})
    raise InputError(f"calibration method {method!r} unknown; use one of {', '.join(METHODS)}")
