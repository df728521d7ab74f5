from pathlib import Path

import fraudml
from fraudml.tracking.store import artifact_root, configure, project_root, tracking_uri


def test_project_root_is_found_from_the_package_not_the_working_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = project_root()
    assert (root / "pyproject.toml").is_file()
    assert Path(fraudml.__file__).resolve().is_relative_to(root)


def test_default_store_is_the_projects_sqlite_file_at_an_absolute_path(monkeypatch):
    monkeypatch.delenv("MLFLOW_TRACKING_URI")
    assert tracking_uri() == f"sqlite:///{project_root() / 'mlflow.db'}"
    assert tracking_uri().startswith("sqlite:////")  # four slashes: an absolute path


def test_tracking_uri_from_the_environment_wins(monkeypatch):
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "http://127.0.0.1:5999")
    assert tracking_uri() == "http://127.0.0.1:5999"


def test_artifacts_sit_beside_a_sqlite_store():
    assert artifact_root("sqlite:////srv/ml/mlflow.db") == "file:///srv/ml/mlartifacts"
    assert artifact_root("http://127.0.0.1:5000") is None


def test_configure_creates_the_experiment_with_artifacts_beside_the_store(mlflow_store, tmp_path, monkeypatch):
    import mlflow

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    experiment_id = configure("fraudml-test")
    assert configure("fraudml-test") == experiment_id  # found, not created twice
    experiment = mlflow.get_experiment(experiment_id)
    assert experiment.artifact_location == (mlflow_store / "mlartifacts").as_uri()
    assert not (elsewhere / "mlruns").exists()
