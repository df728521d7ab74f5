"""The real tracking server, started as docs/tracking.md says (``mlflow ui`` with its settings)."""

import os
import sys
from pathlib import Path

import pytest


@pytest.mark.slow
def test_a_run_logged_over_http_lands_in_the_servers_store(tmp_path, local_server):
    from mlflow import MlflowClient

    mlflow_cli = Path(sys.executable).with_name("mlflow")
    env = {**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    url = local_server(
        [mlflow_cli, "ui", "--host", "127.0.0.1", "--port", "{port}", "--workers", "1",
         "--backend-store-uri", f"sqlite:///{tmp_path / 'mlflow.db'}",
         "--artifacts-destination", tmp_path / "mlartifacts"],
        "/health", timeout_s=120, cwd=tmp_path, env=env)
    client = MlflowClient(tracking_uri=url)
    experiment_id = client.create_experiment("over-http")
    run = client.create_run(experiment_id)
    client.log_metric(run.info.run_id, "pr_auc", 0.5)
    client.log_text(run.info.run_id, "hello", "note.txt")
    client.set_terminated(run.info.run_id)
    assert client.get_run(run.info.run_id).data.metrics == {"pr_auc": 0.5}
    assert any((tmp_path / "mlartifacts").rglob("note.txt"))  # proxied to the artifact folder
