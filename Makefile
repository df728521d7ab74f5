# Set-up is part of every target: a fresh clone needs only python3 (3.11+) and make.
SHELL := /bin/bash
export UV_PYTHON_DOWNLOADS := never
export MLFLOW_DISABLE_TELEMETRY := true
UV_VERSION := 0.13.8
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup pipeline test

# uv installs the locked stack several times faster than pip
$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	uv sync --frozen --python python3
	@touch $@

setup: $(VENV)/.synced

pipeline: setup
	$(BIN)/fraudml simulate --preset realistic --subscribers 20000 --days 60 --seed 7 --out data/world

test: setup
	$(BIN)/pytest -n 2
