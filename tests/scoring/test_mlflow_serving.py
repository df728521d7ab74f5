"""The registered model scores the same through MLflow as through `fraudml score`, in batch and over HTTP."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fraudml.model.bundle import ModelBundle

pytestmark = pytest.mark.slow
SERVER_START_S = 180


def feature_rows(feature_file, names, numbers=None) -> pd.DataFrame:
    """Feature rows as a client sends them: msisdn and the features as floats."""
    table = pd.read_parquet(feature_file)
    if numbers is not None:
        table = table.set_index("msisdn").loc[numbers].reset_index()
    return table[["msisdn", *names]].astype({n: "float64" for n in names})


def test_scores_equal_the_mlflow_pyfunc_model(fraudml_cli, champion, bundle_dir, feature_file, tmp_path):
    import mlflow

    out = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", champion, "--features", feature_file, "--out", out)
    assert status in (0, 3), err
    scores = pd.read_parquet(out)
    names = ModelBundle.load(bundle_dir).spec.names
    rows = feature_rows(feature_file, names, scores["msisdn"])
    pyfunc = np.asarray(mlflow.pyfunc.load_model(champion).predict(rows), dtype="float64")
    np.testing.assert_array_equal(scores["score"].to_numpy(), pyfunc)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url: str, body: dict, timeout: float = 30) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def test_mlflow_serves_the_champion_over_http(champion, bundle_dir, feature_file, tmp_path):
    bundle = ModelBundle.load(bundle_dir)
    port = free_port()
    bin_dir = Path(sys.executable).parent  # the server runs uvicorn from the environment's bin folder
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        [str(bin_dir / "mlflow"), "models", "serve", "--env-manager", "local", "-m", champion, "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "MLFLOW_DISABLE_TELEMETRY": "true", "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow models serve did not come up: {(tmp_path / 'server.log').read_text()[-2000:]}")
            time.sleep(0.5)
        rows = feature_rows(feature_file, bundle.spec.names).head(20)
        body = {"dataframe_split": json.loads(rows.to_json(orient="split", index=False))}
        answer = post(f"http://127.0.0.1:{port}/invocations", body)
        np.testing.assert_allclose(np.asarray(answer["predictions"], dtype="float64"), bundle.predict(rows), rtol=1e-12)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=15)
        log.close()
