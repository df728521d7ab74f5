"""Categorical features (home city, home county, plan): LightGBM categoricals whose values the model's spec lists;
a value never seen in training scores as missing; reasons quote each value's fraud share in training."""

import numpy as np
import pandas as pd
import pytest

from fraudml.model.bundle import ModelBundle
from fraudml.model.inputs import category_codes
from fraudml.model.train import train
from fraudml.params import TrainParams
from fraudml.scoring.reasons import describe
from fraudml.scoring.score import references, score_frame, typical_values
from synthetic import synthetic_spec, synthetic_table

FAST = dict(n_estimators=200, early_stopping_rounds=20, num_threads=1)
CITIES = ("成都", "绵阳", "德阳", "南充")


@pytest.fixture(scope="module")
def city_table():
    """The synthetic table with a home city: 成都 holds most fraud numbers, the others few."""
    table = synthetic_table(n_numbers=800, n_dates=6, seed=3)
    rng = np.random.default_rng(0)
    numbers = table["msisdn"].unique()
    fraud = table.groupby("msisdn")["label"].max().reindex(numbers).to_numpy() == 1
    city = np.where(fraud & (rng.random(len(numbers)) < 0.8), "成都", rng.choice(CITIES[1:], len(numbers)))
    table["home_city"] = table["msisdn"].map(dict(zip(numbers, city))).astype("string")
    table.loc[table.index % 50 == 0, "home_city"] = pd.NA
    return table


@pytest.fixture(scope="module")
def city_spec():
    return synthetic_spec(("distinct_out_w7", "calls_out_w7", "weekend_share_w30", "home_city"))


@pytest.fixture(scope="module")
def city_model(city_table, city_spec):
    return train(city_table, city_spec, TrainParams(**FAST)).bundle


def test_the_model_lists_the_categories_it_learned_and_its_spec_hash_follows_them(city_model, city_spec):
    assert city_model.spec.categories == {"home_city": tuple(sorted(CITIES))}
    assert city_spec.categories == {}  # a feature table's spec has none
    assert city_model.spec.hash != city_spec.hash and city_model.spec.without_categories().hash == city_spec.hash
    fewer = city_model.spec.with_categories({"home_city": sorted(CITIES)[:3]})
    assert fewer.hash != city_model.spec.hash
    gain = dict(zip(city_model.spec.names, city_model.booster.feature_importance("gain")))
    assert gain["home_city"] > 0  # the model uses the city


def test_the_categories_survive_saving_and_loading(city_model, city_table, tmp_path):
    city_model.save(tmp_path)
    loaded = ModelBundle.load(tmp_path)
    assert loaded.spec.categories == city_model.spec.categories and loaded.spec.hash == city_model.spec.hash
    np.testing.assert_array_equal(loaded.predict(city_table.head(50)), city_model.predict(city_table.head(50)))


def test_a_city_never_seen_in_training_scores_as_a_missing_city(city_model, city_table):
    rows = city_table.head(20).copy()
    unseen, missing = rows.assign(home_city="天府新区"), rows.assign(home_city=pd.NA)
    np.testing.assert_array_equal(city_model.predict(unseen), city_model.predict(missing))
    risky = rows.assign(home_city="成都")
    assert not np.array_equal(city_model.predict(risky), city_model.predict(missing))


def test_codes_follow_the_category_list():
    codes = category_codes(pd.Series(["南充", None, "天府新区", "成都"], dtype="string"), ("南充", "成都"))
    np.testing.assert_array_equal(codes, [0.0, np.nan, np.nan, 1.0])


def test_a_category_reason_quotes_its_fraud_share_in_training(city_model, city_table):
    typical = typical_values(city_model, references(city_model))["home_city"]
    assert typical["成都"] > 0.5 > typical["绵阳"]  # most fraud numbers live in 成都
    defs = {f.name: f for f in city_model.spec.features}
    assert describe(defs["home_city"], "成都", {"成都": 0.41}) == "home city 成都: 41% of its numbers were fraud in training"
    assert describe(defs["home_city"], "天府新区", {"成都": 0.41}) == "home city 天府新区: not seen in training"
    assert describe(defs["home_city"], None, {"成都": 0.41}) == "home city: missing"
    scored, _ = score_frame(city_model, city_table[city_table["home_city"] == "成都"].head(200),
                            typical_values(city_model, references(city_model)))
    assert scored["reason_1"].str.startswith("home city 成都: ").any()
