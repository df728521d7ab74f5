"""Reasons in words: the features that raised a score most, with their values and typical values."""

import numpy as np
import pandas as pd

from fraudml.features.spec import FeatureDef, FeatureSpec
from fraudml.scoring.reasons import describe, format_value, top_reasons

DISTINCT = FeatureDef("out_distinct_7d", "float64", "diversity", "distinct numbers called", 7, "calls", "numbers")
NIGHT = FeatureDef("night_share_30d", "float64", "timing", "share of calls at night", 30, "calls", "share")
DURATION = FeatureDef("median_duration_7d", "float64", "durations", "median call duration", 7, "calls", "s")
ARPU = FeatureDef("arpu_last", "float64", "account", "spend last month", None, "account_months", "yuan")
SPEC = FeatureSpec((DISTINCT, NIGHT, DURATION, ARPU))


def test_describe_writes_value_window_and_typical():
    assert describe(DISTINCT, 212.0, 9.0) == "distinct numbers called in the last 7 days: 212 (typical: 9)"
    assert describe(NIGHT, 0.354, 0.05) == "share of calls at night in the last 30 days: 35% (typical: 5%)"
    assert describe(DURATION, 12.5, 61.0) == "median call duration in the last 7 days: 12.5 s (typical: 61 s)"
    assert describe(ARPU, None, 48.25) == "spend last month: missing (typical: 48.2 yuan)"
    assert describe(ARPU, 3.0) == "spend last month: 3 yuan"


def test_format_value_by_unit():
    flag = FeatureDef("shares_device", "int64", "devices", "shares a device", unit="flag")
    assert format_value(flag, 1) == "yes" and format_value(flag, 0) == "no"
    closed = FeatureDef("account_closed", "int64", "account", "1 when the account was closed before as_of", unit="flag")
    assert describe(closed, 1, 0) == "the account was closed before as_of: yes (typical: no)"
    assert format_value(DISTINCT, 1234.0) == "1,234"
    assert format_value(ARPU, float("nan")) == "missing"


def test_top_reasons_rank_positive_contributions_only():
    features = pd.DataFrame(
        {"out_distinct_7d": [212.0, 3.0], "night_share_30d": [0.5, 0.0], "median_duration_7d": [12.5, 80.0], "arpu_last": [np.nan, 40.0]},
        index=[10, 11],
    )
    contrib = pd.DataFrame(
        {"out_distinct_7d": [2.0, -1.0], "night_share_30d": [0.1, -0.2], "median_duration_7d": [0.7, 0.3], "arpu_last": [-0.5, -0.1], "bias": [-3.0, -3.0]},
        index=[10, 11],
    )
    typical = {"out_distinct_7d": 9.0, "night_share_30d": 0.05, "median_duration_7d": 61.0}
    reasons = top_reasons(features, contrib, SPEC, typical)
    assert list(reasons.columns) == ["reason_1", "reason_2", "reason_3"]
    assert list(reasons.index) == [10, 11]
    assert reasons.loc[10].tolist() == [
        "distinct numbers called in the last 7 days: 212 (typical: 9)",
        "median call duration in the last 7 days: 12.5 s (typical: 61 s)",
        "share of calls at night in the last 30 days: 50% (typical: 5%)",
    ]
    # only one feature raised the second row's score
    assert reasons.loc[11].tolist() == ["median call duration in the last 7 days: 80 s (typical: 61 s)", None, None]


def test_top_reasons_of_no_rows_is_empty():
    empty = pd.DataFrame({n: pd.Series(dtype="float64") for n in SPEC.names})
    assert top_reasons(empty, empty, SPEC).shape == (0, 3)
