"""Logging one training run: params, metrics, plots, provenance tags, the model, its registration."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from fraudml.features.spec import spec_path
from fraudml.model.metrics import flatten
from fraudml.tracking import provenance
from fraudml.tracking.store import CANDIDATE, EXPERIMENT, MODEL_NAME, configure

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

    ``params`` are the run's parameter groups (its ``train`` group is logged);
    ``evaluation`` the test metrics from ``fraudml.model.evaluate``; the files in
    ``evaluation_dir`` (metrics.json, plots) are logged as artifacts. When the run
    happened is kept here, in MLflow, not in the bundle: the bundle is the same
    for the same data and parameters.
    """
    import mlflow

    from fraudml.tracking.pyfunc import log_bundle

    configure(experiment or EXPERIMENT)
    tags = run_tags(result, table, features_file)
    with mlflow.start_run() as run:
        mlflow.set_tags(tags)
        mlflow.log_params({f"train.{k}": v for k, v in (params.get("train") or {}).items()})
        mlflow.log_params({f"split.{k}": v for k, v in result.split.params.items()})
        mlflow.log_metrics({**flatten(result.metrics), **flatten(evaluation, "test.")})
        if evaluation_dir is not None:
            mlflow.log_artifacts(str(evaluation_dir), "evaluation")
        if result.notes:
            mlflow.log_text("\n".join(result.notes) + "\n", "notes.txt")
        _log_test_rows(table[result.split.test], result.bundle.spec)
        info = log_bundle(result.bundle, Path(bundle_dir), table, name if register else None)
    version = None
    if register:
        version = str(info.registered_model_version)
        _tag_and_alias(name, version, tags, run.info.run_id, evaluation.get("model", {}).get("pr_auc"))
    return LoggedRun(run.info.run_id, info.model_uri, version)


def run_tags(result, table: pd.DataFrame, features_file: Path) -> dict[str, str]:
    """Where the run came from (commit, data hashes, experiment), when, and what it was tested on."""
    split, bundle = result.split, result.bundle
    return {
        **provenance.git_commit(),
        **provenance.input_hashes([Path(features_file), spec_path(features_file)]),
        **provenance.dvc_experiment(),
        "trained_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "split.kind": split.kind, "test.period": test_period(split), "test.set": test_set_id(table[split.test]),
        "feature_spec.hash": bundle.spec.hash, "model.version": bundle.version,
    }


def _log_test_rows(test: pd.DataFrame, spec) -> None:
    """The candidate's test rows, numbers removed, so that a later champion can be scored on them."""
    import mlflow

    with tempfile.TemporaryDirectory() as tmp:
        test_file = Path(tmp) / "features.parquet"
        test.drop(columns=["msisdn"]).to_parquet(test_file, index=False)
        spec.save(spec_path(test_file))
        mlflow.log_artifacts(tmp, "test")


def _tag_and_alias(name: str, version: str, tags: dict, run_id: str, pr_auc: float | None) -> None:
    """What promotion compares goes on the registered version, which then becomes the candidate."""
    from mlflow import MlflowClient

    client = MlflowClient()
    for key in ("test.period", "test.set", "feature_spec.hash", "model.version", "trained_at"):
        client.set_model_version_tag(name, version, key, tags[key])
    client.set_model_version_tag(name, version, "run_id", run_id)
    if pr_auc is not None:
        client.set_model_version_tag(name, version, "test.pr_auc", repr(pr_auc))
    client.set_registered_model_alias(name, CANDIDATE, version)
