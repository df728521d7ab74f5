"""Small synthetic feature tables: weekly snapshots, a few informative and noise features with nulls."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fraudml.features.spec import FeatureDef, FeatureSpec

FRAUD_TYPES = ("callcentre", "simbox", "wangiri")


def synthetic_spec() -> FeatureSpec:
    def f(name, family, window=7, dtype="float64"):
        return FeatureDef(name, dtype, family, name.replace("_", " "), window, "calls")

    return FeatureSpec((
        f("distinct_callees_7d", "diversity", dtype="int64"),
        f("callback_share_7d", "reciprocity"),
        f("out_calls_7d", "volume", dtype="int64"),
        f("night_share_7d", "timing"),
        f("mean_duration_s_7d", "durations"),
        f("noise_a", "volume", None),
        f("noise_b", "timing", None),
    ))


def synthetic_table(n_numbers: int = 600, n_days: int = 8, fraud_rate: float = 0.1, seed: int = 0) -> pd.DataFrame:
    """One row per number and weekly ``as_of``; each fraud type shows in a different mix of features."""
    rng = np.random.default_rng(seed)
    numbers = np.array([f"n{i:05d}" for i in range(n_numbers)])
    is_fraud = rng.random(n_numbers) < fraud_rate
    kind = np.where(is_fraud, rng.choice(FRAUD_TYPES, n_numbers), None)
    rows = []
    for d in range(n_days):
        as_of = pd.Timestamp("2024-01-01") + pd.Timedelta(days=7 * d)
        cc, sb, wg = (kind == "callcentre"), (kind == "simbox"), (kind == "wangiri")
        n = n_numbers
        out_calls = rng.poisson(20 + 15 * sb + 8 * cc, n)
        rows.append(pd.DataFrame({
            "msisdn": numbers, "as_of": as_of,
            "label": is_fraud.astype(int), "fraud_type": kind,
            "distinct_callees_7d": rng.poisson(8 + 8 * cc + 5 * wg, n),
            "callback_share_7d": np.clip(rng.beta(4, 3, n) - 0.18 * (cc | sb) - 0.15 * wg, 0, 1),
            "out_calls_7d": out_calls,
            "night_share_7d": np.clip(rng.beta(1, 8, n) + 0.1 * wg, 0, 1),
            "mean_duration_s_7d": rng.gamma(2, 60, n) * np.where(wg, 0.6, 1) * np.where(cc, 1.4, 1),
            "noise_a": rng.normal(size=n), "noise_b": rng.exponential(size=n),
        }))
    table = pd.concat(rows, ignore_index=True)
    for col in ("callback_share_7d", "noise_a", "mean_duration_s_7d"):  # nulls, as when a source is absent
        table.loc[rng.random(len(table)) < 0.1, col] = np.nan
    table["fraud_type"] = table["fraud_type"].astype("object")
    return table


@pytest.fixture(scope="session")
def spec() -> FeatureSpec:
    return synthetic_spec()


@pytest.fixture(scope="session")
def table() -> pd.DataFrame:
    return synthetic_table()


@pytest.fixture(scope="session")
def trained(table, spec):
    from fraudml.model.train import TrainParams, train

    return train(table, spec, TrainParams(n_estimators=200, early_stopping_rounds=20, num_threads=1))
