import pytest

from fraudml.errors import InputError
from fraudml.model.train import train
from fraudml.params import TrainParams

FAST = dict(n_estimators=200, early_stopping_rounds=20, num_threads=1)  # one thread: tests run in parallel


def test_same_data_and_seed_give_the_same_model(table, spec, trained):
    again = train(table, spec, TrainParams(**FAST))
    assert again.bundle.booster.model_to_string() == trained.bundle.booster.model_to_string()
    assert again.bundle.thresholds == trained.bundle.thresholds
    other = train(table, spec, TrainParams(**FAST, seed=1))
    assert other.bundle.booster.model_to_string() != trained.bundle.booster.model_to_string()


def test_training_records_what_it_did(trained, spec):
    meta = trained.bundle.metadata
    assert meta["feature_spec_hash"] == spec.hash
    assert meta["split"]["kind"] == "time" and meta["params"]["seed"] == 0
    assert len(meta["data"]["feature_table_hash"]) == 16 and meta["versions"]["lightgbm"]
    assert trained.bundle.booster.num_trees() == meta["metrics"]["best_iteration"]  # only the trees kept
    assert trained.bundle.thresholds["method"] == "alert_budget"
    assert trained.metrics["valid_pr_auc"] > 0.3


def test_single_snapshot_table_trains_with_a_note(table, spec):
    one_day = table[table["as_of"] == table["as_of"].max()].reset_index(drop=True)
    result = train(one_day, spec, TrainParams(**FAST, alert_budget_per_day=None, target_precision=0.5))
    assert result.split.kind == "stratified"
    assert any("stratified" in n for n in result.notes)
    assert result.bundle.thresholds["method"] == "target_precision"


def test_bad_tables_are_refused_with_names(table, spec):
    with pytest.raises(InputError, match="night_share_w7"):
        train(table.drop(columns=["night_share_w7"]), spec, TrainParams(**FAST))
    bad = table.copy()
    bad.loc[[4, 9], "label"] = 2
    with pytest.raises(InputError, match="label .* bad rows 5, 10"):
        train(bad, spec, TrainParams(**FAST))
    no_date = table.copy()
    no_date.loc[7, "as_of"] = None
    with pytest.raises(InputError, match="as_of is empty in rows 8"):
        train(no_date, spec, TrainParams(**FAST))
    no_fraud = table.assign(label=0)
    with pytest.raises(InputError, match="both fraud and normal"):
        train(no_fraud, spec, TrainParams(**FAST))
