"""A tiny simulated world, its features and a model with few trees, made once per test session."""

from __future__ import annotations

import os

import pandas as pd
import pytest



@pytest.fixture(scope="session")
def world(tmp_path_factory):
    """A canonical folder of a small Sichuan-like world: 1,500 subscribers over 30 days."""
    simulate = pytest.importorskip("fraudml.simulate").simulate
    from fraudml.validation import validate_and_write

    folder = tmp_path_factory.mktemp("world")
    validate_and_write(simulate(preset="sichuan", subscribers=1500, days=30, seed=0), folder)
    return folder


@pytest.fixture(scope="session")
def period(world):
    """First and last day of the world's calls."""
    calls = pd.read_parquet(world / "calls", columns=["started_at"])["started_at"]
    return calls.min().normalize(), calls.max().normalize()


@pytest.fixture(scope="session")
def as_of(period):
    """The day after the last call: every event is before it."""
    return period[1] + pd.Timedelta(days=1)


@pytest.fixture(scope="session")
def trained(world, period, as_of):
    """(bundle folder, feature table used to train it): weekly snapshots of every labelled number."""
    from fraudml.features.build import build_features
    from fraudml.model.train import TrainParams, train

    labels = pd.read_parquet(world / "labels.parquet")
    days = pd.date_range(period[0] + pd.Timedelta(days=8), as_of, freq="7D")
    snapshots = pd.concat([labels[["msisdn", "label", "fraud_type"]].assign(as_of=d) for d in days], ignore_index=True)
    table, spec = build_features(world, snapshots)
    params = TrainParams(n_estimators=40, early_stopping_rounds=10, num_leaves=15, valid_fraction=0.25, test_fraction=0.25)
    result = train(table, spec, params)
    folder = world.parent / "bundle"
    result.bundle.save(folder)
    return folder, table


@pytest.fixture(scope="session")
def bundle_dir(trained):
    return trained[0]


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch):
    """A temporary MLflow store (never the project's), with telemetry off."""
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    yield os.environ["MLFLOW_TRACKING_URI"]
    import mlflow

    mlflow.set_tracking_uri(None)


@pytest.fixture
def fraudml_cli(capsys, monkeypatch):
    """Run ``fraudml ARGS`` in this process: (exit status, what it printed to stderr)."""
    from fraudml.cli import main

    def run(*args) -> tuple[int, str]:
        monkeypatch.setattr("sys.argv", ["fraudml", *map(str, args)])
        capsys.readouterr()
        try:
            main()
            status = 0
        except SystemExit as exc:
            status = exc.code or 0
        return status, capsys.readouterr().err

    return run


@pytest.fixture
def champion(trained, mlflow_store):
    """The session's bundle logged as a pyfunc model in a temporary store and aliased champion."""
    import mlflow
    from mlflow import MlflowClient

    from fraudml.model.bundle import ModelBundle
    from fraudml.tracking.pyfunc import log_bundle
    from fraudml.tracking.store import MODEL_NAME, configure

    folder, table = trained
    configure()
    with mlflow.start_run():
        info = log_bundle(ModelBundle.load(folder), folder, table, MODEL_NAME)
    MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", str(info.registered_model_version))
    return f"models:/{MODEL_NAME}@champion"


@pytest.fixture(scope="session")
def feature_file(world, as_of, tmp_path_factory):
    """The feature table of every account as of ``as_of``, written as `fraudml features` writes it."""
    from fraudml.features.build import build_features, write_features

    numbers = pd.read_parquet(world / "accounts.parquet")["msisdn"].sort_values()
    table, spec = build_features(world, pd.DataFrame({"msisdn": numbers, "as_of": as_of}))
    return write_features(table, spec, tmp_path_factory.mktemp("features") / "features.parquet")
