"""The synthetic feature table (tests/synthetic.py) and a model trained on it, once per session."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic import synthetic_spec, synthetic_table

from fraudml.features.spec import FeatureSpec

@pytest.fixture(scope="session")
def spec() -> FeatureSpec:
    return synthetic_spec()


@pytest.fixture(scope="session")
def table() -> pd.DataFrame:
    return synthetic_table()


@pytest.fixture(scope="session")
def trained(table, spec):
    from fraudml.model.train import train
    from fraudml.params import TrainParams

    return train(table, spec, TrainParams(n_estimators=200, early_stopping_rounds=20, num_threads=1))
