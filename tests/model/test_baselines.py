import numpy as np

from fraudml.features.spec import FeatureDef, FeatureSpec
from fraudml.model.baselines import RulesBaseline, logistic_baseline


def spec_of(*names_windows):
    return FeatureSpec(tuple(FeatureDef(n, "float64", "volume", n, w) for n, w in names_windows))


def test_rules_pick_the_7_day_feature_and_count_rules_fired():
    spec = spec_of(("distinct_callees_30d", 30), ("distinct_callees_7d", 7), ("callback_share_7d", 7))
    X = np.column_stack([np.arange(100.0), np.arange(100.0), np.linspace(1, 0, 100)])
    rules = RulesBaseline().fit(X, spec)
    assert [u["feature"] for u in rules.used_] == ["distinct_callees_7d", "callback_share_7d"]
    # row 99: most callees (above the 95th percentile) and fewest call-backs (at or below the 10th)
    assert list(rules.score(X[[0, 50, 99]], spec)) == [0.0, 0.0, 1.0]


def test_rules_without_their_features_or_with_null_values_do_not_fire():
    spec = spec_of(("noise", None), ("night_share_7d", 7))
    X = np.column_stack([np.arange(20.0), np.r_[np.arange(19.0), np.nan]])
    rules = RulesBaseline().fit(X, spec)
    assert [u["rule"] for u in rules.used_] == ["active at night"]
    assert rules.score(X, spec)[-1] == 0.0
    assert (RulesBaseline().fit(X[:, :1], spec_of(("noise", None))).score(X[:, :1], spec_of(("noise", None))) == 0).all()


def test_logistic_baseline_handles_nulls_and_empty_columns():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = (X[:, 0] > 0.5).astype(int)
    X[::7, 0] = np.nan
    X[:, 2] = np.nan
    p = logistic_baseline().fit(X, y).predict_proba(X)[:, 1]
    assert ((p >= 0) & (p <= 1)).all() and p[y == 1].mean() > p[y == 0].mean() + 0.3
