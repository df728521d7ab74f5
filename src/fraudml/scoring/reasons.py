"""Reasons an analyst reads: the features that pushed a number's score up most, in words.

A reason comes from LightGBM's per-feature contributions (SHAP values on the raw
score): the features with the largest positive contributions, each written with
its value and the typical value among training numbers, e.g.
"distinct numbers called in the last 7 days: 212 (typical: 9)".
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from fraudml.features.spec import CATEGORY, FeatureDef, FeatureSpec

SHARE_UNITS = {"share", "fraction", "ratio_share", "%"}
FLAG_UNITS = {"flag", "bool", "boolean"}
SECOND_UNITS = {"s", "sec", "seconds"}


def _number(v: float) -> str:
    if float(v).is_integer() or abs(v) >= 100:
        return f"{v:,.0f}"
    digits = 1 if abs(v) >= 10 else 2
    return f"{v:.{digits}f}".rstrip("0").rstrip(".")


def format_value(feature: FeatureDef, value: float | None) -> str:
    """A feature's value in an analyst's words, by its unit: '35%', '48 s', 'yes', '212'."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return "missing"
    value = float(value)
    unit = feature.unit.strip().lower()
    if unit in SHARE_UNITS:
        return f"{value:.0%}" if abs(value) >= 0.01 or value == 0 else f"{value:.1%}"
    if unit in FLAG_UNITS:
        return "yes" if value else "no"
    if unit in SECOND_UNITS:
        return f"{_number(value)} s"
    if unit and unit not in feature.description.lower():
        return f"{_number(value)} {feature.unit.strip()}"
    return _number(value)


def _window(feature: FeatureDef) -> str:
    w = feature.window_days
    if not w or "day" in feature.description.lower():
        return ""
    return " in the last day" if w == 1 else f" in the last {w} days"


def _subject(feature: FeatureDef) -> str:
    """The description, without the '1 when' of a flag's definition: 'the account has no home city'."""
    text = feature.description or feature.name
    if feature.unit.strip().lower() in FLAG_UNITS:
        text = re.sub(r"^1 (when|if) ", "", text)
    return text


def describe(feature: FeatureDef, value, typical=None) -> str:
    """One reason: '<description><window>: <value> (typical: <median in training>)'; for a categorical feature,
    ``typical`` maps each category to the share of its training numbers that were fraud (:func:`describe_category`)."""
    if feature.dtype == CATEGORY:
        return describe_category(feature, value, typical or {})
    text = f"{_subject(feature)}{_window(feature)}: {format_value(feature, value)}"
    if typical is not None and not pd.isna(typical):
        text += f" (typical: {format_value(feature, typical)})"
    return text


def describe_category(feature: FeatureDef, value, fraud_share: Mapping[str, float]) -> str:
    """'home city 成都: 41% of its numbers were fraud in training'; a value the model never saw scores as missing."""
    if value is None or pd.isna(value):
        return f"{feature.description}: missing"
    share = fraud_share.get(str(value))
    if share is None or pd.isna(share):
        return f"{feature.description} {value}: not seen in training"
    return f"{feature.description} {value}: {share:.0%} of its numbers were fraud in training"


def top_reasons(
    features: pd.DataFrame,
    contributions: pd.DataFrame,
    spec: FeatureSpec,
    typical: Mapping[str, object] | None = None,
    k: int = 3,
) -> pd.DataFrame:
    """The ``k`` features that raised each row's score most, as text columns ``reason_1..k``.

    ``features`` and ``contributions`` are aligned row by row (same index); only
    features with a positive contribution become reasons, so a row has fewer than
    ``k`` reasons (None) when fewer features raised its score. Ties keep spec order.
    """
    names = spec.names
    defs = {f.name: f for f in spec.features}
    typical = typical or {}
    columns = [f"reason_{i + 1}" for i in range(k)]
    if len(features) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in columns}, index=features.index)
    contrib = contributions[names].to_numpy(dtype="float64")
    order = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
    values = features[names].to_numpy(dtype=object)
    out = np.full((len(features), k), None, dtype=object)
    for j in range(order.shape[1]):
        idx = order[:, j]
        rows = np.nonzero(contrib[np.arange(len(idx)), idx] > 0)[0]
        for r in rows:
            name = names[idx[r]]
            out[r, j] = describe(defs[name], values[r, idx[r]], typical.get(name))
    return pd.DataFrame(out, columns=columns, index=features.index, dtype=object)
