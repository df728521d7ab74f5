"""Fixtures shared across the test folders: the real Sichuan data, simulated worlds, a temporary MLflow store,
the command line run in-process, and local servers."""

import fcntl
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

SICHUAN = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "sichuan"


@pytest.fixture(scope="session")
def sichuan_data() -> Path:
    """The real Sichuan competition data, read in place (never copied into the project)."""
    if not (SICHUAN / "train_user.csv").is_file():
        pytest.skip(f"the real Sichuan data is not at {SICHUAN.resolve()}")
    return SICHUAN


def _run_folder(tmp_path_factory) -> Path:
    """The test run's own temporary folder, shared by pytest-xdist's workers (each has a folder inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def built_once(tmp_path_factory):
    """``built_once(name, build) -> folder``: ``build(folder)`` runs once per test run, in whichever pytest-xdist
    worker asks first; the others wait for it and share the folder read-only."""
    shared = _run_folder(tmp_path_factory)

    def get(name: str, build) -> Path:
        folder = shared / name
        with open(f"{folder}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if not (folder / ".complete").exists():
                shutil.rmtree(folder, ignore_errors=True)
                folder.mkdir(parents=True)
                build(folder)
                (folder / ".complete").touch()
        return folder

    return get


@pytest.fixture(scope="session")
def world_folder(built_once):
    """``world_folder(preset, subscribers, days, seed)``: a canonical folder of a simulated world, written once per
    test run and shared by every test that asks for the same one."""

    def make(preset: str, subscribers: int, days: int, seed: int = 0) -> Path:
        from fraudml.simulate import simulate
        from fraudml.validation import validate_and_write

        def build(folder: Path) -> None:
            validate_and_write(simulate(preset=preset, subscribers=subscribers, days=days, seed=seed), folder)

        return built_once(f"world-{preset}-{subscribers}-{days}-{seed}", build)

    return make


# ---- a small Sichuan-like world, its features and a model with few trees: what scoring, the command line and
# the report are tested on. Made once per worker.

@pytest.fixture(scope="session")
def world(world_folder):
    """A canonical folder of a small Sichuan-like world: 1,500 subscribers over 35 days."""
    return world_folder("sichuan", 1500, 35)


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
def world_model(world, period, as_of, tmp_path_factory):
    """(bundle folder, feature table used to train it): weekly snapshots of every labelled number."""
    from fraudml.features.build import build_features
    from fraudml.model.train import train
    from fraudml.params import TrainParams

    labels = pd.read_parquet(world / "labels.parquet")
    days = pd.date_range(period[0] + pd.Timedelta(days=8), as_of, freq="7D")
    snapshots = pd.concat([labels[["msisdn", "label", "fraud_type"]].assign(as_of=d) for d in days], ignore_index=True)
    table, spec = build_features(world, snapshots)
    params = TrainParams(n_estimators=40, early_stopping_rounds=10, num_leaves=15, valid_fraction=0.25, test_fraction=0.25)
    result = train(table, spec, params)
    folder = tmp_path_factory.mktemp("bundle")
    result.bundle.save(folder)
    return folder, table


@pytest.fixture(scope="session")
def bundle_dir(world_model):
    return world_model[0]


@pytest.fixture
def champion(world_model, mlflow_store):
    """The session's bundle logged as a pyfunc model in a temporary store and aliased champion."""
    import mlflow
    from mlflow import MlflowClient

    from fraudml.model.bundle import ModelBundle
    from fraudml.tracking.pyfunc import log_bundle
    from fraudml.tracking.store import MODEL_NAME, configure

    folder, table = world_model
    configure()
    with mlflow.start_run():
        info = log_bundle(ModelBundle.load(folder), folder, table, MODEL_NAME)
    MlflowClient().set_registered_model_alias(MODEL_NAME, "champion", str(info.registered_model_version))
    return f"models:/{MODEL_NAME}@champion"


@pytest.fixture(scope="session")
def feature_file(world, as_of, tmp_path_factory):
    """The feature table of every account as of ``as_of``, written as `fraudml features` writes it."""
    from fraudml.features.build import build_features
    from fraudml.features.table import write_features

    numbers = pd.read_parquet(world / "accounts.parquet")["msisdn"].sort_values()
    table, spec = build_features(world, pd.DataFrame({"msisdn": numbers, "as_of": as_of}))
    return write_features(table, spec, tmp_path_factory.mktemp("features") / "features.parquet")


@pytest.fixture(scope="session")
def _empty_mlflow_db(tmp_path_factory) -> Path:
    """An MLflow database with its tables made once: creating them takes MLflow several seconds."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    from mlflow import MlflowClient

    db = tmp_path_factory.mktemp("mlflow-template") / "mlflow.db"
    MlflowClient(f"sqlite:///{db}").search_experiments()
    return db


@pytest.fixture
def mlflow_store(tmp_path, monkeypatch, _empty_mlflow_db) -> Path:
    """A fresh MLflow store in ``tmp_path`` (never the project's), with telemetry off; returns its folder."""
    shutil.copy(_empty_mlflow_db, tmp_path / "mlflow.db")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.setenv("MLFLOW_DISABLE_TELEMETRY", "true")
    yield tmp_path
    import mlflow

    mlflow.set_tracking_uri(None)


@pytest.fixture
def fraudml_cli(capsys, monkeypatch):
    """Run ``fraudml ARGS`` in this process as a user would: (exit status, everything it printed)."""
    from fraudml.cli import main

    def run(*args) -> tuple[int, str]:
        monkeypatch.setattr("sys.argv", ["fraudml", *map(str, args)])
        capsys.readouterr()
        try:
            main()
            status = 0
        except SystemExit as exc:
            status = exc.code or 0
        captured = capsys.readouterr()
        return status, captured.out + captured.err

    return run


@pytest.fixture
def local_server(tmp_path):
    """Start a server command on 127.0.0.1, wait until it is healthy, and always stop it afterwards.

    Returns ``start(command, health_path, **popen) -> base_url``; the command is
    given the port through ``{port}`` in its arguments.
    """
    running = []

    def start(command: list[str], health_path: str, *, timeout_s: float = 180, attempts: int = 3, **popen) -> str:
        for attempt in range(attempts):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            log_path = tmp_path / f"server-{port}.log"
            log = open(log_path, "wb")
            proc = subprocess.Popen([str(part).format(port=port) for part in command], stdout=log,
                                    stderr=subprocess.STDOUT, start_new_session=True, **popen)
            running.append((proc, log))
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + timeout_s
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    with urllib.request.urlopen(url + health_path, timeout=2) as response:
                        if response.status == 200:
                            return url
                except OSError:
                    time.sleep(0.5)
            output = log_path.read_text(errors="replace")
            # the free port was taken by another process (a test beside this one) before the server bound it: try another
            if proc.poll() is not None and "address already in use" in output and attempt + 1 < attempts:
                continue
            pytest.fail(f"{command[0]} did not come up at {url}: {output[-2000:]}")

    yield start
    for proc, log in running:
        try:
            os.killpg(proc.pid, signal.SIGTERM)  # the server and its workers are one process group
            proc.wait(timeout=20)
        except ProcessLookupError:  # it had already stopped (a server that could not start)
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        log.close()


# ---- Spark: one small local session per test worker for the tests that run Spark in this process (they share
# the pytest-xdist group "spark", so one worker runs them all), and a real standalone cluster (tests/spark_cluster.py)

@pytest.fixture(scope="session")
def spark():
    """A local Spark session on 2 cores: every fraudml step finds it running, uses it as it is and leaves it up."""
    from spark_cluster import unavailable

    if reason := unavailable():
        pytest.skip(reason)
    from pyspark.sql import SparkSession

    from fraudml.spark import settings

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # the executors' Python must have fraudml
    builder = SparkSession.builder.master("local[2]").appName("fraudml-tests").config("spark.ui.enabled", "false")
    # few shuffle partitions: the test worlds are small, and each partition of each of the feature query's
    # stages costs a task; twice the default driver memory, as this session runs beside the rest of the suite
    for key, value in {**settings("local[2]"), "spark.sql.shuffle.partitions": "2", "spark.driver.memory": "4g"}.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def small_world(world_folder):
    """The Spark tests' world: each Spark run costs a few hundred stages whatever the data, so a small one (300
    subscribers over 35 days, January 2020; 41 are activated after 2020-01-20)."""
    return world_folder("sichuan", 300, 35, seed=1)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory):
    """A Spark standalone master and one worker on 127.0.0.1, stopped when the session ends, however it ends;
    skipped with the reason where Java 17+ or pyspark is missing."""
    from spark_cluster import SHORT_LIVED_JVM, standalone_cluster, unavailable

    if reason := unavailable():
        pytest.skip(reason)
    with standalone_cluster(tmp_path_factory.mktemp("spark-cluster"), SHORT_LIVED_JVM) as cluster:
        yield cluster
