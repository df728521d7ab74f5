"""PSI per feature against the training reference, counted chunk by chunk."""

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudml.features.spec import FeatureDef, FeatureSpec
from fraudml.scoring.drift import DriftCounter, Reference, coverage_line, coverage_moved, drifted, psi, psi_line


def test_psi_by_hand():
    # (0.5-0.25)ln(0.5/0.25) + (0.5-0.75)ln(0.5/0.75)
    expected = 0.25 * math.log(2) - 0.25 * math.log(2 / 3)
    assert math.isclose(psi([1, 3], [2, 2]), expected)
    assert psi([0.2, 0.3, 0.5], [20, 30, 50]) == 0.0


@given(st.lists(st.integers(0, 1000), min_size=2, max_size=12), st.lists(st.integers(0, 1000), min_size=2, max_size=12))
def test_psi_is_never_negative(a, b):
    n = min(len(a), len(b))
    if sum(a[:n]) and sum(b[:n]):
        assert psi(a[:n], b[:n]) >= 0


def test_reference_bins_and_missing_share():
    ref = Reference.from_values([1, 2, 3, 4, None, None, None, None], bins=2)
    assert ref.edges.tolist() == [2.5]
    assert ref.shares.tolist() == [0.25, 0.25, 0.5]  # below 2.5, from 2.5, missing
    assert ref.median == 2.5


def test_counter_flags_the_shifted_feature_and_sums_chunks():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"stable": rng.normal(size=5000), "shifted": rng.normal(size=5000)})
    refs = {c: Reference.from_values(train[c]) for c in train}
    batch = pd.DataFrame({"stable": rng.normal(size=4000), "shifted": rng.normal(2, 1, size=4000)})
    whole, chunked = DriftCounter(refs), DriftCounter(refs)
    whole.add(batch)
    for part in (batch.iloc[:1000], batch.iloc[1000:2500], batch.iloc[2500:]):
        chunked.add(part)
    table = whole.result()
    pd.testing.assert_frame_equal(table, chunked.result())
    assert table["feature"].tolist() == ["shifted", "stable"]
    assert drifted(table) == ["shifted"]
    assert table.loc[1, "psi"] < 0.05


def test_a_feature_that_went_missing_drifts():
    refs = {"arpu": Reference.from_values(np.arange(100.0))}
    counter = DriftCounter(refs)
    counter.add(pd.DataFrame({"arpu": [np.nan] * 50}))
    row = counter.result().iloc[0]
    assert row["missing_train"] == 0 and row["missing_batch"] == 1 and row["psi"] > 0.25


def test_reference_from_a_bundle_entry_bins_like_training():
    from fraudml.model.reference import reference_distributions

    rng = np.random.default_rng(1)
    train = np.where(rng.random(3000) < 0.1, np.nan, rng.exponential(5, 3000))
    spec = FeatureSpec((FeatureDef("x", "float64", "volume", "x"),))
    entry = reference_distributions(train[:, None], spec, np.zeros(3000), np.arange(3000))["x"]
    ref = Reference.from_bundle(entry)
    assert math.isclose(ref.median, np.nanmedian(train))
    assert math.isclose(Reference.from_bundle({**entry, "median": None}).median, np.nanmedian(train))
    batch = np.array([-1.0, 0.0, 1e9, np.nan])  # below, at and above the training range, missing
    counter = DriftCounter({"x": ref})
    counter.add(pd.DataFrame({"x": batch}))
    counts = counter.counts["x"]
    assert counts[0] == 2 and counts[-2] == 1 and counts[-1] == 1 and counts.sum() == 4
    assert np.allclose(ref.shares, np.append(np.asarray(entry["shares"]) * 0.9, 0.1), atol=0.02)


def test_coverage_names_the_features_whose_non_null_share_moved_or_vanished():
    table = pd.DataFrame({
        "feature": ["arpu_trend", "calls_out_w7", "steady", "gone_rare", "new", "never"],
        "psi": [1.9, 0.1, 0.0, 0.3, 5.0, 0.0],
        "missing_train": [0.05, 0.0, 0.1, 0.9, 1.0, 1.0],
        "missing_batch": [1.0, 0.25, 0.35, 1.0, 0.0, 1.0],
    })
    moved = coverage_moved(table)
    # 0.95 -> 0 and 0 -> 1 move by more than 0.3; 0.1 -> 0 is gone entirely; 1.0 -> 0.75 and 0.9 -> 0.65 do not
    assert moved["feature"].tolist() == ["new", "arpu_trend", "gone_rare"]
    assert moved[["train", "batch"]].to_numpy().ravel().tolist() == pytest.approx([0.0, 1.0, 0.95, 0.0, 0.1, 0.0])
    assert coverage_line(moved) == ("3 features present in a share of rows unlike training (by more than 30 points, "
                                    "or entirely missing): new 0% -> 100%, arpu_trend 95% -> 0%, gone_rare 10% -> 0%")
    assert coverage_line(moved.head(0)) is None


def test_the_drift_line_names_five_features_and_counts_the_rest():
    table = pd.DataFrame({"feature": [f"f{i}" for i in range(8)], "psi": [2.0, 1.5, 1.0, 0.9, 0.8, 0.7, 0.3, 0.1],
                          "missing_train": 0.0, "missing_batch": 0.0})
    assert psi_line(table) == ("PSI above 0.25 for 7 features: f0 2.00, f1 1.50, f2 1.00, f3 0.90, f4 0.80 "
                               "and 2 more")
    assert psi_line(table.tail(1)) is None
