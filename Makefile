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

# uv installs the locked stack several times faster than pip
$(VENV)/.synced: pyproject.toml uv.lock
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --python python3
	@touch $@

setup: $(VENV)/.synced

# dvc repro: simulate -> features -> train (logged to MLflow, registered as fraudml@candidate) -> evaluate;
# then promote if better, and score a fresh batch of numbers that training never saw, once they
# have a full month of history (March) so that their monthly spend and data use are known;
# then the analyst's report of that batch, data/report.html.
pipeline: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	$(BIN)/fraudml promote
	$(BIN)/fraudml simulate --preset realistic --subscribers 10000 --days 45 --seed 99 --start 2020-03-01 --out data/batch
	$(BIN)/fraudml score --model models:/fraudml@champion --data data/batch --as-of 2020-04-15 --out data/scores.parquet; \
	  status=$$?; [ $$status -eq 0 ] || [ $$status -eq 3 ]  # 3: some numbers rejected, listed beside the scores
	$(BIN)/fraudml report --scores data/scores.parquet --data data/batch --model models:/fraudml@champion --out data/report.html
	@echo "MLflow: .venv/bin/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db --workers 1 (see README)"

test: setup
	$(BIN)/pytest -n 2
