"""Reasons in words: the features that raised a score most, with their values and typical values."""

import numpy as np
import pandas as pd

from fraudml.features.spec import CATEGORY, FeatureDef, FeatureSpec
from fraudml.features.build import feature_spec
from fraudml.scoring.reasons import describe, format_value, phrase, top_reasons

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


def test_features_read_as_an_analyst_would_say_them():
    defs = {d.name: d for d in feature_spec().features}

    def said(name, value, typical=None):
        return describe(defs[name], value, typical)

    assert said("device_changes_w30", 45, 0) == "switched handsets 45 times between calls in 30 days (typical: 0)"
    assert said("device_changes_w30", 1, 0) == "switched handsets once between calls in 30 days (typical: 0)"
    assert said("distinct_out_w7", 212, 9) == "called 212 different numbers in 7 days (typical: 9)"
    assert said("calls_in_w1", 1) == "received 1 call in the last day"
    assert said("distinct_cities_w30", 1, 2) == "made or took calls in 1 city in 30 days (typical: 2)"
    assert said("short_share_out_w7", 0.85, 0.12) == "85% of its outgoing calls in 7 days lasted under 10 s (typical: 12%)"
    assert said("duration_mean_out_w30", 250, 34) == "its outgoing calls in 30 days lasted 4.17 min on average (typical: 34 s)"
    assert said("gap_cv_w7", 0.08, 1.4) == "the gaps between its calls in 7 days varied by 8% around their mean (typical: 140%)"
    assert said("account_closed", 1, 0) == "the account was closed (typical: no)"
    assert said("arpu_trend", -12.5, 0) == "its spend last month changed by -12.5 yuan against the 2 months before (typical: 0)"
    assert said("arpu_trend", 30, 0) == "its spend last month changed by +30 yuan against the 2 months before (typical: 0)"
    assert said("active_days_w7", 7, 5) == "made or took calls on 7 of the last 7 days (typical: 5)"
    # no value: the catalogue's words, since a sentence cannot hold "missing"
    assert said("arpu_last_month", None, 48.25) == "spend in the last complete month before as_of: missing (typical: 48.2 yuan)"


def test_every_numeric_feature_has_a_phrase():  # a categorical one is said by describe_category
    unphrased = [d.name for d in feature_spec().features if d.dtype != CATEGORY and phrase(d, 1.0) is None]
    assert unphrased == [], "add a phrase to fraudml.scoring.reasons.PHRASES"


def test_format_value_by_unit():
    flag = FeatureDef("shares_device", "int64", "devices", "shares a device", unit="flag")
    assert format_value(flag, 1) == "yes" and format_value(flag, 0) == "no"
    closed = FeatureDef("closed_before", "int64", "account", "1 when the account was closed before as_of", unit="flag")
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
