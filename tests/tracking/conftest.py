"""A temporary MLflow store for every test here, and small synthetic feature tables to train on."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraudml.features.spec import FeatureDef, FeatureSpec, spec_path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")


@pytest.fixture(scope="session")
def empty_store(tmp_path_factory) -> Path:
    """An MLflow database with its tables made once: creating them takes MLflow many seconds."""
    from mlflow import MlflowClient

    db = tmp_path_factory.mktemp("store") / "mlflow.db"
    MlflowClient(f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture(autouse=True)
def mlflow_store(tmp_path, monkeypatch, empty_store):
    """Point MLflow at a fresh store in ``tmp_path``: tests never touch the project's store."""
    shutil.copy(empty_store, tmp_path / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    return tmp_path


def feature_spec() -> FeatureSpec:
    def f(name, family, window=7, dtype="float64"):
        return FeatureDef(name, dtype, family, name.replace("_", " "), window, "calls")

    return FeatureSpec((f("distinct_callees_7d", "diversity", dtype="int64"), f("callback_share_7d", "reciprocity"),
                        f("out_calls_7d", "volume"), f("noise", "volume", None)))


def feature_table(n_numbers: int = 400, n_dates: int = 6, signal: float = 0.3, seed: int = 0) -> pd.DataFrame:
    """Weekly snapshots; fraud calls more distinct numbers and gets fewer call-backs, scaled by ``signal``."""
    rng = np.random.default_rng(seed)
    fraud = rng.random(n_numbers) < 0.15
    frames = []
    for d in range(n_dates):
        frames.append(pd.DataFrame({
            "msisdn": [f"n{i:04d}" for i in range(n_numbers)],
            "as_of": pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=d),
            "label": fraud.astype(int),
            "fraud_type": np.where(fraud, "callcentre", None),
            "distinct_callees_7d": rng.poisson(8 + 20 * signal * fraud),
            "callback_share_7d": np.clip(rng.beta(4, 3, n_numbers) - 0.3 * signal * fraud, 0, 1),
            "out_calls_7d": rng.poisson(20 + 15 * signal * fraud).astype(float),
            "noise": rng.normal(size=n_numbers),
        }))
    return pd.concat(frames, ignore_index=True)


def write_features(table: pd.DataFrame, path) -> object:
    """A feature table and its spec, as ``fraudml features`` writes them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    feature_spec().save(spec_path(path))
    return path


@pytest.fixture
def train_and_log(tmp_path):
    """``train_and_log(table, **train_params) -> (TrainResult, LoggedRun)``: train, evaluate, log and register."""
    from fraudml.model.evaluate import evaluate
    from fraudml.model.train import TrainParams, train
    from fraudml.tracking import log_training

    count = iter(range(100))

    def run(table: pd.DataFrame, **params):
        folder = tmp_path / f"run{next(count)}"
        features = write_features(table, folder / "features.parquet")
        result = train(table, feature_spec(), TrainParams(**params))
        result.bundle.save(folder / "model")
        evaluation = evaluate(result.bundle, table, result.split, folder / "evaluation")
        logged = log_training(result, table, features_file=features, bundle_dir=folder / "model",
                              params={"train": params}, evaluation=evaluation, evaluation_dir=folder / "evaluation")
        return result, logged

    return run
