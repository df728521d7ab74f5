"""Small synthetic feature tables with real feature names: weekly snapshots, each fraud type visible in a different
mix of features, two noise features, and nulls where a source would be absent."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fraudml.features.build import feature_spec
from fraudml.features.spec import FeatureSpec

FRAUD_TYPES = ("call_centre", "sim_box", "wangiri")
INFORMATIVE = ("distinct_out_w7", "callback_share_w7", "calls_out_w7", "night_share_w7", "duration_mean_out_w7")
NOISE = ("weekend_share_w30", "gap_cv_w7")  # real features, drawn here as noise


def synthetic_spec(names=INFORMATIVE + NOISE) -> FeatureSpec:
    """The real definitions of ``names``, in that order."""
    defs = {d.name: d for d in feature_spec().features}
    base = feature_spec()
    return FeatureSpec(tuple(defs[n] for n in names), base.windows, base.version, base.params)


def synthetic_table(n_numbers: int = 600, n_dates: int = 8, fraud_rate: float = 0.1, signal: float = 1.0,
                    seed: int = 0) -> pd.DataFrame:
    """One row per number and weekly ``as_of``; ``signal`` scales how far fraud numbers stand out."""
    rng = np.random.default_rng(seed)
    numbers = np.array([f"n{i:05d}" for i in range(n_numbers)])
    is_fraud = rng.random(n_numbers) < fraud_rate
    kind = np.where(is_fraud, rng.choice(FRAUD_TYPES, n_numbers), None)
    cc, sb, wg = (kind == "call_centre"), (kind == "sim_box"), (kind == "wangiri")
    n, k = n_numbers, signal
    rows = []
    for d in range(n_dates):
        rows.append(pd.DataFrame({
            "msisdn": numbers, "as_of": pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * d),
            "label": is_fraud.astype(int), "fraud_type": kind,
            "distinct_out_w7": rng.poisson(8 + k * (8 * cc + 5 * wg), n),
            "callback_share_w7": np.clip(rng.beta(4, 3, n) - k * (0.18 * (cc | sb) + 0.15 * wg), 0, 1),
            "calls_out_w7": rng.poisson(20 + k * (15 * sb + 8 * cc), n),
            "night_share_w7": np.clip(rng.beta(1, 8, n) + k * 0.1 * wg, 0, 1),
            "duration_mean_out_w7": rng.gamma(2, 60, n) * np.where(wg, 1 - 0.4 * k, 1) * np.where(cc, 1 + 0.4 * k, 1),
            "weekend_share_w30": rng.uniform(size=n), "gap_cv_w7": rng.exponential(size=n),
        }))
    table = pd.concat(rows, ignore_index=True)
    for col in ("callback_share_w7", "weekend_share_w30", "duration_mean_out_w7"):  # nulls, as when a source is absent
        table.loc[rng.random(len(table)) < 0.1, col] = np.nan
    table["fraud_type"] = table["fraud_type"].astype("object")
    return table
