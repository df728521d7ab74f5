import numpy as np
import pandas as pd
import pytest

from fraudml.tracking.runs import test_set_id as set_id


def test_test_set_id_ignores_row_order_but_not_labels():
    rows = pd.DataFrame({"msisdn": ["a", "b", "c"], "as_of": pd.to_datetime(["2024-01-01"] * 3), "label": [0, 1, 0]})
    assert set_id(rows) == set_id(rows.iloc[::-1])
    assert set_id(rows) != set_id(rows.assign(label=[0, 0, 1]))


@pytest.mark.slow
def test_a_training_run_is_logged_registered_and_loadable(train_and_log, tracked_table, monkeypatch, mlflow_store):
    import mlflow
    from mlflow import MlflowClient

    monkeypatch.setenv("DVC_EXP_NAME", "brisk-hare")
    table = tracked_table()
    result, logged = train_and_log(table, num_leaves=7, n_estimators=50)
    client = MlflowClient()
    run = client.get_run(logged.run_id)

    assert run.data.params["train.num_leaves"] == "7"
    assert run.data.metrics["test.model.pr_auc"] > run.data.metrics["test.rules.pr_auc"]
    assert "valid_pr_auc" in run.data.metrics
    tags = run.data.tags
    assert len(tags["mlflow.source.git.commit"]) == 40
    assert tags["dvc.experiment"] == "brisk-hare"
    assert any(k.startswith("data.md5.") and k.endswith("features.parquet") for k in tags)
    assert tags["test.period"] == "2024-01-29..2024-02-05"  # the last 35 % of the six dates: two
    assert run.info.artifact_uri.startswith((mlflow_store / "mlartifacts").as_uri())

    artifacts = {a.path for a in client.list_artifacts(logged.run_id, "evaluation/plots")}
    assert "evaluation/plots/pr_curve.png" in artifacts
    test_rows = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=logged.run_id, artifact_path="test/features.parquet"))
    assert "msisdn" not in test_rows.columns and len(test_rows) == result.split.test.sum()

    version = client.get_model_version_by_alias("fraudml", "candidate")
    assert str(version.version) == logged.version == "1"
    assert version.tags["test.pr_auc"] == repr(run.data.metrics["test.model.pr_auc"])

    model = mlflow.pyfunc.load_model("models:/fraudml@candidate")
    scores = np.asarray(model.predict(table))
    assert ((scores >= 0) & (scores <= 1)).all() and not np.isin(scores, [0, 1]).all()  # probabilities, not labels
    np.testing.assert_allclose(scores, result.bundle.predict(table))
    gappy = table.head(10).assign(weekend_share_w30=np.nan, distinct_out_w7=np.nan)  # features of an absent source are null
    np.testing.assert_allclose(model.predict(gappy), result.bundle.predict(gappy))
    info = mlflow.models.get_model_info("models:/fraudml@candidate")
    assert [c["name"] for c in info.signature.inputs.to_dict()] == ["msisdn", *result.bundle.spec.names]
    example = (mlflow.artifacts.download_artifacts("models:/fraudml@candidate") + "/input_example.json")
    text = open(example).read()
    assert "example-1" in text and '"n0' not in text  # no real number reaches MLflow

