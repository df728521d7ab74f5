"""Where MLflow keeps runs and models: a SQLite store at an absolute path in the project.

The store never depends on the working directory: ``dvc exp run`` (which may run
in a temporary copy), notebooks and tests started from any folder all log to the
same ``<project root>/mlflow.db``, with artifacts in ``<project root>/mlartifacts``.
``MLFLOW_TRACKING_URI``, when set, wins (tests point it at a temporary store).
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from urllib.parse import urlparse

EXPERIMENT = "fraudml"
MODEL_NAME = "fraudml"
CANDIDATE, CHAMPION = "candidate", "champion"  # registry aliases: the newest trained model, and the one that scores


def project_root() -> Path:
    """The project folder: found from where the package lives, else from the git root of the package."""
    package = Path(__file__).resolve().parents[1]  # src/fraudml
    for folder in package.parents:
        if (folder / "pyproject.toml").is_file() and (folder / "src" / "fraudml").is_dir():
            return folder
    try:  # an installed (non-editable) package inside a clone
        out = subprocess.run(["git", "rev-parse", "--show-toplevel"], cwd=package, capture_output=True, text=True, check=True)
        return Path(out.stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return Path.home() / ".fraudml"


def tracking_uri() -> str:
    """``MLFLOW_TRACKING_URI`` when set, else the project's SQLite store."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{project_root() / 'mlflow.db'}"


def artifact_root(uri: str) -> str | None:
    """Artifacts beside a SQLite store (``<folder>/mlartifacts``); a server decides its own (None)."""
    parsed = urlparse(uri)
    if parsed.scheme == "sqlite":
        db = Path(parsed.path[1:]).resolve()  # sqlite:////abs/x.db is absolute, sqlite:///x.db relative
        return (db.parent / "mlartifacts").as_uri()
    return None


def configure(experiment: str = EXPERIMENT) -> str:
    """Point MLflow at the store, with telemetry off, and make sure the experiment exists; returns its id."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    import mlflow

    uri = tracking_uri()
    mlflow.set_tracking_uri(uri)
    mlflow.set_registry_uri(uri)
    found = mlflow.get_experiment_by_name(experiment)
    if found is not None:
        experiment_id = found.experiment_id
    else:
        experiment_id = mlflow.create_experiment(experiment, artifact_location=artifact_root(uri))
    mlflow.set_experiment(experiment_id=experiment_id)
    return experiment_id
