# Set-up is part of every target: a fresh clone needs only python3 (3.11+) and make.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export MLFLOW_DISABLE_TELEMETRY := true
export MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR := false
UV_VERSION := 0.13.8
UV := python3 -m uv
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup pipeline test

# uv installs the locked stack several times faster than pip. Bytecode is compiled once here, as pip does: where
# Python may not write it (PYTHONDONTWRITEBYTECODE, read-only installs) every command would compile its imports
# again: 3 to 4 s of each fraudml command and of each test process.
$(VENV)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python python3 --compile-bytecode
	@touch $@

setup: $(VENV)/.synced

# dvc repro: simulate -> features -> train (logged to MLflow, registered as fraudml@candidate) -> evaluate ->
# score the batch two weeks after the last training snapshot, in the same world, and group its flagged numbers
# into rings -> backtest it against the labels that came later; then promote the candidate if it beats the
# champion, and write the analyst's report of the batch, data/report.html (outside DVC: it says when it was made).
pipeline: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	$(BIN)/fraudml promote
	$(BIN)/fraudml report --scores data/scores.parquet --data data/world --model models/fraudml --out data/report.html
	@echo "MLflow: .venv/bin/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db --workers 1 (see README)"

test: setup
	$(BIN)/pytest -n 2
