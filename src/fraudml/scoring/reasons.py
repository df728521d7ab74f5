"""Reasons an analyst reads: the features that pushed a number's score up most, in words.

A reason comes from LightGBM's per-feature contributions (SHAP values on the raw
score): the features with the largest positive contributions, each said as an
analyst would say it, with the typical value among training numbers, e.g.
"switched handsets 45 times between calls in 30 days (typical: 0)".

``PHRASES`` is the one home of those sentences: one template per feature, keyed
by the feature's name without its window suffix (``device_changes_w30`` ->
``device_changes``), so every window of a feature reads alike. ``{value}`` is the
value in the feature's unit (a share as a percentage, seconds as a duration),
``{signed}`` the same with its sign, ``{window}`` "in the last day" or "in N days",
``{days}`` the window's days. A flag has a sentence for yes and
one for no. A feature without a phrase (a new one) reads from its catalogue
description: "<description><window>: <value>".
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from fraudml.features.spec import CATEGORY, FeatureDef, FeatureSpec

SHARE_UNITS = {"share", "fraction", "ratio_share", "%"}
FLAG_UNITS = {"flag", "bool", "boolean"}
SECOND_UNITS = {"s", "sec", "seconds"}

PHRASES: dict[str, str | tuple[str, str]] = {
    # volume
    "calls_out": "made {value} calls {window}",
    "calls_in": "received {value} calls {window}",
    "calls_fwd": "forwarded {value} calls {window}",
    "active_days": "made or took calls on {value} of the last {days} days",
    "calls_out_per_active_day": "made {value} calls a day on the days it called, {window}",
    "out_call_share": "{value} of its calls {window} were outgoing",
    "calls_out_burst_ratio": "called at {value}x its usual daily rate in the last day",
    "busiest_hour_calls_out": "made {value} calls in its busiest hour {window}",
    "busiest_hour_share": "placed {value} of its outgoing calls {window} in one hour of the day",
    # diversity
    "distinct_out": "called {value} different numbers {window}",
    "distinct_in": "was called by {value} different numbers {window}",
    "new_counterpart_share": "{value} of the numbers in touch with it {window} were new to it",
    "out_entropy": "spread its outgoing calls {window} over numbers with an entropy of {value} nats",
    "top_out_share": "{value} of its outgoing calls {window} went to one number",
    "calls_per_called_number": "called each number {value} times on average {window}",
    # reciprocity
    "callback_share": "{value} of the numbers it called {window} ever called back",
    "mutual_contacts": "had calls both ways with {value} numbers {window}",
    "incoming_only_contacts": "{value} numbers called it {window} and were never called back",
    "mutual_share": "{value} of its contacts {window} had calls both ways",
    "incoming_only_share": "{value} of its contacts {window} only called in",
    "outgoing_only_share": "{value} of the numbers it called {window} never called back",
    # durations
    "duration_mean_out": "its outgoing calls {window} lasted {value} on average",
    "duration_mean_in": "its incoming calls {window} lasted {value} on average",
    "talk_minutes_out": "talked for {value} minutes on outgoing calls {window}",
    "duration_median_out": "half of its outgoing calls {window} lasted under {value}",
    "duration_p90_out": "9 in 10 of its outgoing calls {window} lasted under {value}",
    "short_share_out": "{value} of its outgoing calls {window} lasted under 10 s",
    "zero_share_out": "{value} of its outgoing calls {window} were not answered (0 s)",
    "long_share_out": "{value} of its outgoing calls {window} lasted over 10 minutes",
    "duration_cv_out": "the lengths of its outgoing calls {window} varied by {value} around their mean",
    # timing
    "night_share": "{value} of its calls {window} were at night (00:00-06:00)",
    "office_share_out": "{value} of its outgoing calls {window} were in office hours",
    "weekend_share": "{value} of its calls {window} were at weekends",
    "hour_entropy_out": "spread its outgoing calls {window} over the hours of the day with an entropy of {value} nats",
    "gap_median": "half of its calls {window} came within {value} of the call before",
    "gap_cv": "the gaps between its calls {window} varied by {value} around their mean",
    # location
    "distinct_cities": "made or took calls in {value} cities {window}",
    "distinct_counties": "made or took calls in {value} counties {window}",
    "distinct_cells": "used {value} cells {window}",
    "unlocated_share": "{value} of its calls {window} had no location",
    "away_share": "{value} of its located calls {window} were away from the account's home city",
    "place_entropy": "spread its calls {window} over places with an entropy of {value} nats",
    # devices
    "distinct_imeis": "used {value} handsets {window}",
    "imei_missing_share": "{value} of its calls {window} had no handset (IMEI)",
    "device_changes": "switched handsets {value} times between calls {window}",
    "numbers_sharing_devices": "its handsets were used by {value} other numbers {window}",
    "max_numbers_per_device": "one of its handsets held {value} numbers {window}",
    # account
    "account_age_days": "the account was {value} days old",
    "numbers_on_id": "{value} numbers are registered to its ID card",
    "account_closed": ("the account was closed", "the account is open"),
    "home_city_missing": ("the account has no home city", "the account has a home city"),
    "home_county_missing": ("the account has no home county", "the account has a home county"),
    "arpu_mean_3m": "spent {value} yuan a month over the last 3 months",
    "arpu_last_month": "spent {value} yuan last month",
    "arpu_trend": "its spend last month changed by {signed} yuan against the 2 months before",
    "arpu_last_month_missing": ("no spend was recorded last month", "spend was recorded last month"),
    "arpu_months_missing_3m": "{value} of the last 3 months had no recorded spend",
    # sms and data
    "sms_out": "sent {value} texts {window}",
    "sms_in": "received {value} texts {window}",
    "sms_distinct_out": "texted {value} different numbers {window}",
    "sms_distinct_in": "got texts from {value} different numbers {window}",
    "sms_night_share": "{value} of its texts {window} were at night (00:00-06:00)",
    "data_mb_last_month": "used {value} MB of mobile data last month",
    "data_apps_last_month": "used {value} apps last month",
    "data_mb_mean_3m": "used {value} MB of mobile data a month over the last 3 months",
    # graph
    "counterpart_degree_mean": "the numbers it was in touch with {window} were each in touch with {value} numbers on average",
    "counterpart_degree_max": "a number it was in touch with {window} was in touch with {value} numbers",
    "co_contacts": "shared its contacts {window} with other numbers {value} times",
    "shared_counterpart_share": "{value} of the numbers it was in touch with {window} were in touch with other numbers too",
    "fraud_counterparts": "was in touch with {value} numbers already confirmed as fraud {window}",
    "fraud_counterpart_share": "{value} of the numbers it was in touch with {window} were already confirmed as fraud",
    "fraud_shared_counterpart_share": "{value} of the numbers it was in touch with {window} were also in touch with "
                                      "numbers confirmed as fraud",
    "fraud_device_numbers": "its handsets were used by {value} numbers already confirmed as fraud {window}",
}


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


def _duration(seconds: float) -> str:
    """'48 s', '3.5 min', '2.1 h'."""
    if abs(seconds) < 100:
        return f"{_number(seconds)} s"
    if abs(seconds) < 6_000:
        return f"{_number(seconds / 60)} min"
    return f"{_number(seconds / 3_600)} h"


def _plain(feature: FeatureDef, value: float) -> str:
    """A value inside a sentence whose words carry the unit: '35%', '48 s', '1,234'."""
    unit = feature.unit.strip().lower()
    if unit in SECOND_UNITS:
        return _duration(value)
    if unit in SHARE_UNITS or unit == "ratio":
        return format_value(dataclasses.replace(feature, unit="share"), value)
    return _number(value)


def _singular(text: str) -> str:
    """'1 calls' -> '1 call', '1 cities' -> '1 city', '1 times' -> 'once'."""
    text = re.sub(r"(?<![\d.,])1 times\b", "once", text)
    return re.sub(r"(?<![\d.,])1 (\w+?)(ies|s)\b", lambda m: f"1 {m[1]}{'y' if m[2] == 'ies' else ''}", text)


def _template(feature: FeatureDef) -> str | tuple[str, str] | None:
    return PHRASES.get(re.sub(r"_w\d+$", "", feature.name))


def phrase(feature: FeatureDef, value: float | None) -> str | None:
    """The feature's value said as an analyst would, or None when the feature has no phrase (or no value)."""
    template = _template(feature)
    if template is None or value is None or pd.isna(value):
        return None
    if isinstance(template, tuple):
        return template[0] if value else template[1]
    w = feature.window_days
    window = "" if not w else "in the last day" if w == 1 else f"in {w} days"
    plain = _plain(feature, float(value))
    text = template.format(value=plain, signed=plain if value <= 0 else f"+{plain}", window=window, days=w)
    return _singular(re.sub(r" +,", ",", " ".join(text.split())))


def describe(feature: FeatureDef, value, typical=None) -> str:
    """One reason: its phrase, or '<description><window>: <value>', then '(typical: <median in training>)'; for a
    categorical feature, ``typical`` maps each category to the share of its training numbers that were fraud
    (:func:`describe_category`)."""
    if feature.dtype == CATEGORY:
        return describe_category(feature, value, typical or {})
    said = phrase(feature, value)
    if said is None:
        return _catalogue_reason(feature, value, typical)
    if typical is not None and not pd.isna(typical):
        flag = isinstance(_template(feature), tuple)
        said += f" (typical: {format_value(feature, typical) if flag else _plain(feature, float(typical))})"
    return said


def _catalogue_reason(feature: FeatureDef, value: float | None, typical: float | None) -> str:
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
