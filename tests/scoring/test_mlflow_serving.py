"""The registered model scores the same through MLflow as through `fraudml score`, in batch and over HTTP."""

import json
import os
import sys
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraudml.model.bundle import ModelBundle

pytestmark = pytest.mark.slow
SERVER_START_S = 180


def feature_rows(feature_file, spec, numbers=None) -> pd.DataFrame:
    """Feature rows as a client sends them: msisdn, the features as floats and the categorical ones as text."""
    table = pd.read_parquet(feature_file)
    if numbers is not None:
        table = table.set_index("msisdn").loc[numbers].reset_index()
    return table[["msisdn", *spec.names]].astype({n: "float64" for n in spec.names if n not in spec.categorical})


def test_scores_equal_the_mlflow_pyfunc_model(fraudml_cli, champion, bundle_dir, feature_file, tmp_path):
    import mlflow

    out = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", champion, "--features", feature_file, "--out", out)
    assert status in (0, 3), err
    scores = pd.read_parquet(out)
    rows = feature_rows(feature_file, ModelBundle.load(bundle_dir).spec, scores["msisdn"])
    pyfunc = np.asarray(mlflow.pyfunc.load_model(champion).predict(rows), dtype="float64")
    np.testing.assert_array_equal(scores["score"].to_numpy(), pyfunc)


def post(url: str, body: dict, timeout: float = 30) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def test_mlflow_serves_the_champion_over_http(champion, bundle_dir, feature_file, local_server):
    bundle = ModelBundle.load(bundle_dir)
    bin_dir = Path(sys.executable).parent  # the server runs uvicorn from the environment's bin folder
    url = local_server(
        [bin_dir / "mlflow", "models", "serve", "--env-manager", "local", "-m", champion, "-h", "127.0.0.1", "-p", "{port}", "-w", "1"],
        "/ping", timeout_s=SERVER_START_S,
        env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    rows = feature_rows(feature_file, bundle.spec).head(20)
    body = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
    answer = post(f"{url}/invocations", body)
    np.testing.assert_allclose(np.asarray(answer["predictions"], dtype="float64"), bundle.predict(rows), rtol=1e-12)
