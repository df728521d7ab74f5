import numpy as np
import pandas as pd
import pytest

from fraudml.model.crossval import cross_validate, fold_splits, summarise
from fraudml.params import TrainParams


def test_every_number_is_tested_once_and_never_trained_on_in_its_fold(table):
    one_day = table[table["as_of"] == table["as_of"].max()].reset_index(drop=True)
    splits = fold_splits(one_day, folds=4, valid_fraction=0.25, seed=0)
    tested = np.sum([s.test for s in splits], axis=0)
    assert (tested == 1).all()
    for s in splits:
        assert not (s.train & s.test).any() and not (s.valid & s.test).any() and not (s.train & s.valid).any()
        assert (s.train | s.valid | s.test).all()
        assert one_day.loc[s.test, "label"].mean() == pytest.approx(one_day["label"].mean(), abs=0.03)


@pytest.mark.slow
@pytest.mark.sichuan
def test_sichuan_live_numbers_lightgbm_beats_the_rules(sichuan_data, tmp_path):
    from fraudml.features.build import build_features
    from fraudml.features.spec import FeatureSpec
    from fraudml.ingest.sichuan import ingest_sichuan
    from fraudml.tables import read_table

    ingest_sichuan(sichuan_data, tmp_path)
    snaps = read_table(tmp_path, "labels")[["msisdn", "label", "fraud_type"]].assign(as_of=pd.Timestamp("2020-04-01"))
    table, spec = build_features(tmp_path, snaps)
    spec = FeatureSpec(tuple(f for f in spec.features if f.family == "account"))
    live = table[table["arpu_last_month"].notna()].reset_index(drop=True)  # numbers not yet shut down
    per_fold, importance = cross_validate(live, spec, TrainParams(alert_budget_per_day=None, num_threads=1), folds=2)
    summary = summarise(per_fold)
    assert summary.loc["model", ("pr_auc", "mean")] > summary.loc["rules", ("pr_auc", "mean")] + 0.15
    assert summary.loc["model", ("pr_auc", "mean")] > 0.55  # fraud share of live numbers is 0.23
    assert set(importance["fold"]) == {0, 1}
