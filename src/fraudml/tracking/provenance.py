"""Where a run came from: the git commit, the DVC hashes of its inputs and the DVC experiment name."""

from __future__ import annotations

import hashlib
import os
import subprocess
from pathlib import Path

import yaml

from fraudml.tracking.store import project_root


def git_commit(root: Path | None = None) -> dict[str, str]:
    """``{"mlflow.source.git.commit": sha, "git.dirty": "true"|"false"}``, or {} outside a git checkout."""
    root = root or project_root()
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True).stdout.strip()
        status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                                capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return {}
    return {"mlflow.source.git.commit": sha, "git.dirty": str(bool(status.strip())).lower()}


def md5_file(path: Path) -> str:
    """The md5 of a file's bytes: what DVC 3 records for a file."""
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def dvc_lock_outs(root: Path) -> dict[Path, dict]:
    """Every output recorded in ``dvc.lock``, by absolute path: {"md5": ..., "size": ...}."""
    lock = root / "dvc.lock"
    if not lock.is_file():
        return {}
    stages = (yaml.safe_load(lock.read_text()) or {}).get("stages", {})
    return {(root / out["path"]).resolve(): out for stage in stages.values() for out in stage.get("outs", [])}


def dvc_root(path: Path) -> Path:
    """The DVC project holding ``path`` (the nearest folder with a ``.dvc`` folder), else the project root.

    Not always the package's project: ``dvc exp run`` may run in a copy of it.
    """
    for folder in Path(path).resolve().parents:
        if (folder / ".dvc").is_dir():
            return folder
    return project_root()


def input_hashes(paths: list[Path], root: Path | None = None) -> dict[str, str]:
    """Tags ``data.md5.<name>`` for each input: the hash in ``dvc.lock`` when it is there and still
    describes the file (same size), else the md5 of the file itself (DVC 3 records the same md5)."""
    tags = {}
    for path in paths:
        path = Path(path).resolve()
        if not path.is_file():
            continue
        root = root or dvc_root(path)
        outs = dvc_lock_outs(root)
        try:
            name = str(path.relative_to(root))
        except ValueError:
            name = str(path)
        out = outs.get(path)
        if out and out.get("size") == path.stat().st_size:
            tags[f"data.md5.{name}"] = out["md5"]
            tags[f"data.source.{name}"] = "dvc.lock"
        else:
            tags[f"data.md5.{name}"] = md5_file(path)
            tags[f"data.source.{name}"] = "md5"
    return tags


def dvc_experiment() -> dict[str, str]:
    """The experiment name under ``dvc exp run`` (DVC sets DVC_EXP_NAME), else {}."""
    name = os.environ.get("DVC_EXP_NAME")
    return {"dvc.experiment": name} if name else {}
