"""A temporary MLflow store for every test here, and a helper that trains on a synthetic table and logs the run."""

from __future__ import annotations

import pandas as pd
import pytest
from synthetic import synthetic_spec, synthetic_table

from fraudml.features.spec import spec_path

# a few features, so that a weak signal gives a weak model
TRACKED = ("distinct_out_w7", "callback_share_w7", "calls_out_w7", "weekend_share_w30")


@pytest.fixture(autouse=True)
def _temporary_store(mlflow_store):
    """Every test here logs to a temporary MLflow store, never the project's."""
    return mlflow_store


@pytest.fixture
def tracked_table():
    """``tracked_table(seed=0)``: a synthetic table with a weak signal, so that model settings make a visible difference."""
    return lambda seed=0: synthetic_table(n_numbers=400, n_dates=6, fraud_rate=0.15, signal=0.3, seed=seed)


def write_features(table: pd.DataFrame, path) -> object:
    """A feature table and its spec, as ``fraudml features`` writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    synthetic_spec(TRACKED).save(spec_path(path))
    return path


@pytest.fixture
def train_and_log(tmp_path):
    """``train_and_log(table, **train_params) -> (TrainResult, LoggedRun)``: the pipeline's own train-and-register."""
    from fraudml.params import Params, TrainParams
    from fraudml.tracking.training import train_and_register

    count = iter(range(100))

    def run(table: pd.DataFrame, **params):
        folder = tmp_path / f"run{next(count)}"
        features = write_features(table, folder / "features.parquet")
        trained = train_and_register(features, folder / "model", Params(train=TrainParams(**params)))
        return trained.result, trained.logged

    return run
