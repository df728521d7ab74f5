"""Logging one training run: params, metrics, plots, provenance tags, the model, its registration."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fraudml.features.spec import spec_path
from fraudml.model.metrics import flatten
from fraudml.tracking import provenance
from fraudml.tracking.store import EXPERIMENT, MODEL_NAME, configure

CANDIDATE = "candidate"
TEST_TABLE = "test/features.parquet"  # run artifact: the candidate's test rows, numbers removed


@dataclass(frozen=True)
class LoggedRun:
    run_id: str
    model_uri: str  # models:/<model id>
    version: str | None  # registered version, None when not registered


def test_set_id(test: pd.DataFrame) -> str:
    """Identifies a test set by its rows (number, date, label): equal ids mean metrics are comparable."""
    keys = test[["msisdn", "as_of", "label"]].astype(str).agg("|".join, axis=1).sort_values()
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def test_period(split) -> str:
    period = split.periods.get("test")
    return f"{period[0]}..{period[1]}" if period else f"stratified by number (seed {split.params.get('seed')})"


def log_training(result, table: pd.DataFrame, *, features_file: Path, bundle_dir: Path, params: dict,
                 evaluation: dict, evaluation_dir: Path | None = None, register: bool = True,
                 experiment: str | None = None, name: str = MODEL_NAME) -> LoggedRun:
    """Log a finished training run and register its model as ``<name>@candidate`` (``fraudml@candidate``).

    Models of different data (the simulated world, an operator's tables) are
    registered under different names, so promotion never compares across them.

    ``params`` is the params file's content (its ``train`` group is logged);
    ``evaluation`` the test metrics from ``fraudml.model.evaluate``; the files in
    ``evaluation_dir`` (metrics.json, plots) are logged as artifacts.
    """
    import mlflow
    from mlflow import MlflowClient

    from fraudml.tracking.pyfunc import log_bundle

    configure(experiment or EXPERIMENT)
    split, bundle = result.split, result.bundle
    test = table[split.test]
    pr_auc = evaluation.get("model", {}).get("pr_auc")
    tags = {
        **provenance.git_commit(),
        **provenance.input_hashes([Path(features_file), spec_path(features_file)]),
        **provenance.dvc_experiment(),
        "split.kind": split.kind, "test.period": test_period(split), "test.set": test_set_id(test),
        "feature_spec.hash": bundle.spec.hash, "model.version": bundle.version,
    }
    with mlflow.start_run() as run:
        mlflow.set_tags(tags)
        mlflow.log_params({f"train.{k}": v for k, v in (params.get("train") or {}).items()})
        mlflow.log_params({f"split.{k}": v for k, v in split.params.items()})
        mlflow.log_metrics({**flatten(result.metrics), **flatten(evaluation, "test.")})
        if evaluation_dir is not None:
            mlflow.log_artifacts(str(evaluation_dir), "evaluation")
        if result.notes:
            mlflow.log_text("\n".join(result.notes) + "\n", "notes.txt")
        with tempfile.TemporaryDirectory() as tmp:
            test_file = Path(tmp) / "features.parquet"
            test.drop(columns=["msisdn"]).to_parquet(test_file, index=False)
            bundle.spec.save(spec_path(test_file))
            mlflow.log_artifacts(tmp, "test")
        info = log_bundle(bundle, Path(bundle_dir), table, name if register else None)
    version = None
    if register:
        version = str(info.registered_model_version)
        client = MlflowClient()
        for key in ("test.period", "test.set", "feature_spec.hash", "model.version"):
            client.set_model_version_tag(name, version, key, tags[key])
        client.set_model_version_tag(name, version, "run_id", run.info.run_id)
        if pr_auc is not None:
            client.set_model_version_tag(name, version, "test.pr_auc", repr(pr_auc))
        client.set_registered_model_alias(name, CANDIDATE, version)
    return LoggedRun(run.info.run_id, info.model_uri, version)
