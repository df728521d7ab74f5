"""The pipeline's stages rerun when the code that decides their outputs changes: their deps are complete."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
DVC = Path(sys.executable).with_name("dvc")
OUTS = ("data/world/part", "data/features.parquet", "data/features.spec.json", "models/fraudml/model.txt",
        "data/evaluation/metrics.json", "data/scores.parquet", "data/scores.rejects.parquet", "data/scores.drift.json", "data/scores.rings.parquet",
        "data/backtest/metrics.json")


def dvc(folder: Path, *args: str) -> str:
    run = subprocess.run([str(DVC), *args], cwd=folder, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory) -> Path:
    """A copy of the project's pipeline and code whose lock file records them as they are (placeholder outputs)."""
    folder = tmp_path_factory.mktemp("pipeline")
    for name in ("src", "configs", ".dvc"):
        shutil.copytree(PROJECT / name, folder / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tmp", "cache"))
    for name in ("dvc.yaml", ".dvcignore"):
        shutil.copy(PROJECT / name, folder / name)
    for out in OUTS:
        (folder / out).parent.mkdir(parents=True, exist_ok=True)
        (folder / out).write_text("placeholder\n")
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    dvc(folder, "commit", "--force", "--quiet", "dvc.yaml")
    return folder


def changed_stages(folder: Path) -> set[str]:
    return set(json.loads(dvc(folder, "status", "--json", "dvc.yaml") or "{}"))


@pytest.mark.parametrize("edited, stages", [
    ("src/fraudml/tables.py", {"simulate", "features", "score", "backtest"}),
    ("src/fraudml/validation/rules.py", {"simulate"}),
    ("src/fraudml/simulate/world.py", {"simulate"}),
    ("src/fraudml/features/spec.py", {"features", "train", "evaluate", "score"}),
    ("src/fraudml/features/account.py", {"features", "score"}),
    ("src/fraudml/engine.py", {"simulate", "features", "score"}),
    ("src/fraudml/cases/links.py", {"score"}),
    ("src/fraudml/params.py", {"train", "evaluate"}),
    ("src/fraudml/model/train.py", {"train", "evaluate", "score"}),
    ("src/fraudml/scoring/drift.py", {"score"}),
    ("src/fraudml/scoring/backtest.py", {"score", "backtest"}),
])
def test_an_edit_to_a_module_reruns_the_stages_that_use_it(pipeline, edited, stages):
    assert changed_stages(pipeline) == set(), "the copy should start up to date"
    path = pipeline / edited
    original = path.read_text()
    path.write_text(original + "\n# edited\n")
    try:
        assert changed_stages(pipeline) == stages
    finally:
        path.write_text(original)


def test_the_label_delay_is_one_parameter_of_features_and_train(pipeline):
    params = pipeline / "configs" / "params.yaml"
    original = params.read_text()
    params.write_text(original.replace("label_delay_days: 7", "label_delay_days: 14"))
    try:
        assert changed_stages(pipeline) == {"features", "train"}
        assert "--label-delay-days 14" in dvc(pipeline, "repro", "--dry", "--force", "features")
    finally:
        params.write_text(original)
