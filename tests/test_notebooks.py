"""The notebooks run top to bottom on a small world and are stored without outputs."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_on_a_small_world(path, monkeypatch):
    nb = nbformat.read(path, as_version=4)
    assert not any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code"), f"{path.name} is stored with outputs"
    monkeypatch.setenv("FRAUDML_NOTEBOOK_SUBSCRIBERS", "1500")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()


def test_notebooks_are_numbered_and_named():
    assert NOTEBOOKS, "no notebooks found"
    for path in NOTEBOOKS:
        number, _, name = path.stem.partition("-")
        assert number.isdigit() and len(number) == 2 and name, path.name
