"""`fraudml train / evaluate / promote`: a small world end to end into a temporary MLflow store, and bad input."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fraudml.cli import app
from fraudml.errors import InputError


@pytest.fixture(autouse=True)
def _temporary_store(mlflow_store):
    """Tests never touch the project's ``mlflow.db``."""
    return mlflow_store


# small and quick: the model's quality is not what these tests are about
FAST_PARAMS = "train:\n  n_estimators: 200\n  early_stopping_rounds: 20\n  num_leaves: 15\n"


@pytest.fixture(scope="module")
def params_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("params") / "params.yaml"
    path.write_text(FAST_PARAMS)
    return path


def fraudml(*args):
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def world_features(world, built_once):
    """The weekly feature table of the shared small world, built by the command once per test run."""
    folder = built_once("model-cli-features", lambda f: fraudml("features", "--data", world, "--snapshots", "weekly",
                                                                 "--out", f / "features.parquet"))
    return folder / "features.parquet"


@pytest.mark.slow
def test_simulate_features_train_evaluate_promote_end_to_end(world_features, params_file, tmp_path):
    import mlflow
    from mlflow import MlflowClient

    from fraudml.tracking import load_bundle

    fraudml("train", "--features", world_features, "--model-out", tmp_path / "model", "--params", params_file)
    client = MlflowClient()
    version = client.get_model_version_by_alias("fraudml", "candidate")
    run = client.get_run(version.run_id)
    metrics = run.data.metrics
    assert metrics["test.model.pr_auc"] > metrics["test.rules.pr_auc"]
    assert run.data.tags["split.kind"] == "time"

    fraudml("evaluate", "--model", tmp_path / "model", "--features", world_features, "--out", tmp_path / "evaluation")
    written = json.loads((tmp_path / "evaluation" / "metrics.json").read_text())
    assert written["model"]["pr_auc"] == pytest.approx(metrics["test.model.pr_auc"])
    assert (tmp_path / "evaluation" / "plots" / "pr_curve.png").stat().st_size > 0

    promoted = fraudml("promote")
    assert "promoted: there is no champion yet" in promoted.output
    bundle = load_bundle("models:/fraudml@champion")
    scores = bundle.predict(pd.read_parquet(world_features))
    assert ((scores >= 0) & (scores <= 1)).all() and not np.isin(scores, [0, 1]).all()  # probabilities, not labels
    assert mlflow.get_tracking_uri().startswith(f"sqlite:///{tmp_path}")

    # a model of other data registers under its own name: it can never be promoted over fraudml's champion
    fraudml("train", "--features", world_features, "--model-out", tmp_path / "other", "--params", params_file,
            "--name", "fraudml-other")
    assert client.get_model_version_by_alias("fraudml", "candidate").version == version.version
    assert "promoted: there is no champion yet" in fraudml("promote", "--name", "fraudml-other").output
    assert client.get_model_version_by_alias("fraudml", "champion").version == version.version


@pytest.mark.slow
def test_same_features_and_seed_give_the_same_model(world_features, params_file, tmp_path):
    for name in ("a", "b"):
        fraudml("train", "--features", world_features, "--model-out", tmp_path / name, "--no-track",
                "--params", params_file)
    assert (tmp_path / "a" / "model.txt").read_text() == (tmp_path / "b" / "model.txt").read_text()
    table = pd.read_parquet(world_features)
    from fraudml.tracking import load_bundle

    np.testing.assert_array_equal(load_bundle(tmp_path / "a").predict(table), load_bundle(tmp_path / "b").predict(table))


@pytest.mark.slow
def test_a_single_snapshot_table_falls_back_to_a_stratified_split_and_says_so(world_features, params_file, tmp_path):
    table = pd.read_parquet(world_features)
    last = table[table["as_of"] == table["as_of"].max()]
    last.to_parquet(tmp_path / "one.parquet", index=False)
    shutil.copy(str(world_features).replace(".parquet", ".spec.json"), tmp_path / "one.spec.json")
    result = fraudml("train", "--features", tmp_path / "one.parquet", "--model-out", tmp_path / "model", "--no-track",
                     "--params", params_file)
    assert "stratified split" in result.output and "fell back to a stratified split by number" in result.output


def test_train_names_a_missing_feature_table(tmp_path):
    with pytest.raises(InputError, match="absent.parquet: no such feature table"):
        fraudml("train", "--features", tmp_path / "absent.parquet", "--model-out", tmp_path / "m", "--no-track")


def test_train_names_a_missing_spec(tmp_path):
    pd.DataFrame({"msisdn": ["a"]}).to_parquet(tmp_path / "f.parquet")
    with pytest.raises(InputError, match="f.parquet: its feature spec f.spec.json is missing"):
        fraudml("train", "--features", tmp_path / "f.parquet", "--model-out", tmp_path / "m", "--no-track")


def test_unknown_train_params_are_named(tmp_path, world_features):
    (tmp_path / "params.yaml").write_text("train:\n  num_leafs: 63\n")
    with pytest.raises(InputError, match="unknown key\\(s\\) num_leafs"):
        fraudml("train", "--features", world_features, "--model-out", tmp_path / "m", "--params", tmp_path / "params.yaml")


def test_a_params_file_that_is_not_a_mapping_is_named(tmp_path):
    (tmp_path / "params.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(InputError, match="params.yaml: a params file must map group names"):
        fraudml("train", "--features", tmp_path / "f.parquet", "--model-out", tmp_path / "m", "--params", tmp_path / "params.yaml")


def test_evaluate_names_a_model_that_is_not_there(tmp_path, world_features):
    with pytest.raises(InputError, match="nowhere: neither a model bundle folder nor a model URI"):
        fraudml("evaluate", "--model", tmp_path / "nowhere", "--features", world_features, "--out", tmp_path / "e")
