"""`fraudml train / evaluate / promote`: a small world end to end into a temporary MLflow store, and bad input."""

import filecmp
import json
import shutil

import numpy as np
import pandas as pd
import pytest


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


@pytest.fixture(scope="module")
def world_features(world, built_once):
    """The weekly feature table of the shared small world, built once per test run as `fraudml features` does."""
    from fraudml.features.table import make_feature_file

    return built_once("model-cli-features", lambda f: make_feature_file(world, f / "features.parquet",
                                                                         snapshots="weekly")) / "features.parquet"


def ok(run: tuple[int, str]) -> str:
    status, output = run
    assert status == 0, output
    return output


@pytest.mark.slow
def test_train_evaluate_promote_end_to_end(fraudml_cli, world_features, params_file, tmp_path):
    import mlflow
    from mlflow import MlflowClient

    from fraudml.tracking import load_bundle

    ok(fraudml_cli("train", "--features", world_features, "--model-out", tmp_path / "model", "--params", params_file))
    client = MlflowClient()
    version = client.get_model_version_by_alias("fraudml", "candidate")
    run = client.get_run(version.run_id)
    metrics = run.data.metrics
    assert metrics["test.model.pr_auc"] > metrics["test.rules.pr_auc"]
    assert run.data.tags["split.kind"] == "time" and run.data.tags["trained_at"].startswith("20")
    assert "created_at" not in json.loads((tmp_path / "model" / "metadata.json").read_text())

    ok(fraudml_cli("evaluate", "--model", tmp_path / "model", "--features", world_features, "--out", tmp_path / "evaluation"))
    written = json.loads((tmp_path / "evaluation" / "metrics.json").read_text())
    assert written["model"]["pr_auc"] == pytest.approx(metrics["test.model.pr_auc"])
    assert (tmp_path / "evaluation" / "plots" / "pr_curve.png").stat().st_size > 0

    assert "promoted: there is no champion yet" in ok(fraudml_cli("promote"))
    bundle = load_bundle("models:/fraudml@champion")
    scores = bundle.predict(pd.read_parquet(world_features))
    assert ((scores >= 0) & (scores <= 1)).all() and not np.isin(scores, [0, 1]).all()  # probabilities, not labels
    assert mlflow.get_tracking_uri().startswith(f"sqlite:///{tmp_path}")

    # a model of other data registers under its own name: it can never be promoted over fraudml's champion
    ok(fraudml_cli("train", "--features", world_features, "--model-out", tmp_path / "other", "--params", params_file,
                   "--name", "fraudml-other"))
    assert client.get_model_version_by_alias("fraudml", "candidate").version == version.version
    assert "promoted: there is no champion yet" in ok(fraudml_cli("promote", "--name", "fraudml-other"))
    assert client.get_model_version_by_alias("fraudml", "champion").version == version.version


@pytest.mark.slow
def test_same_features_and_params_give_byte_identical_bundles(fraudml_cli, world_features, params_file, tmp_path):
    """What DVC tracks must not change when nothing changed: no clock time, a version derived from the content."""
    for name in ("a", "b"):
        ok(fraudml_cli("train", "--features", world_features, "--model-out", tmp_path / name, "--no-track",
                       "--params", params_file))
    match, mismatch, errors = filecmp.cmpfiles(tmp_path / "a", tmp_path / "b",
                                               [p.name for p in (tmp_path / "a").iterdir()], shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 6
    other = tmp_path / "params-seed.yaml"
    other.write_text(FAST_PARAMS + "  seed: 1\n")
    ok(fraudml_cli("train", "--features", world_features, "--model-out", tmp_path / "c", "--no-track", "--params", other))
    version = {n: json.loads((tmp_path / n / "metadata.json").read_text())["version"] for n in "abc"}
    assert version["a"] == version["b"] != version["c"]


@pytest.mark.slow
def test_a_single_snapshot_table_falls_back_to_a_stratified_split_and_says_so(fraudml_cli, world_features, params_file,
                                                                              tmp_path):
    table = pd.read_parquet(world_features)
    last = table[table["as_of"] == table["as_of"].max()]
    last.to_parquet(tmp_path / "one.parquet", index=False)
    shutil.copy(str(world_features).replace(".parquet", ".spec.json"), tmp_path / "one.spec.json")
    output = ok(fraudml_cli("train", "--features", tmp_path / "one.parquet", "--model-out", tmp_path / "model",
                            "--no-track", "--params", params_file))
    assert "stratified split" in output and "fell back to a stratified split by number" in output


def test_a_label_delay_other_than_the_features_is_refused(fraudml_cli, world_features, tmp_path):
    (tmp_path / "params.yaml").write_text(FAST_PARAMS + "features:\n  label_delay_days: 14\n")
    status, output = fraudml_cli("train", "--features", world_features, "--model-out", tmp_path / "m", "--no-track",
                                 "--params", tmp_path / "params.yaml")
    assert status == 2 and "features.label_delay_days is 14, but the feature table was built with 7" in output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("args, message", [
    (["train", "--features", "{tmp}/absent.parquet", "--model-out", "{tmp}/m", "--no-track"],
     "absent.parquet: no such feature table"),
    (["train", "--features", "{tmp}/f.parquet", "--model-out", "{tmp}/m", "--no-track"],
     "f.parquet: its feature spec f.spec.json is missing"),
    (["train", "--features", "{features}", "--model-out", "{tmp}/m", "--params", "{tmp}/params.yaml"],
     "params.yaml: train.num_leafs: unknown parameter"),
    (["evaluate", "--model", "{tmp}/nowhere", "--features", "{features}", "--out", "{tmp}/e"],
     "nowhere: neither a model bundle folder nor a model URI"),
])
def test_bad_input_is_named_with_status_2(fraudml_cli, world_features, tmp_path, args, message):
    pd.DataFrame({"msisdn": ["a"]}).to_parquet(tmp_path / "f.parquet")
    (tmp_path / "params.yaml").write_text("train:\n  num_leafs: 63\n")
    status, output = fraudml_cli(*(a.format(tmp=tmp_path, features=world_features) for a in args))
    assert status == 2 and message in output and "Traceback" not in output
