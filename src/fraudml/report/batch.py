"""What the report is made of: the scores file and the files beside it, and the model that made them.

The scores file (Parquet or CSV) is required; its rejects, drift and rings
files are read when they are beside it (a file of an older schema has no
rings). The model is optional: given as a bundle folder or an MLflow model URI,
its version, thresholds and validation metrics come from the bundle, and for a
registered model its test metrics from the training run MLflow recorded.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow.csv as pacsv

from fraudml.errors import InputError
from fraudml.model.thresholds import DECISIONS
from fraudml.scoring.output import REJECTS, RING_ID, RINGS, SCORES, drift_path, rejects_path, rings_path
from fraudml.tables import open_parquet, read_parquet

REQUIRED = ("msisdn", "score", "rank", "decision", "reason_1", "reason_2", "reason_3", "model_version")


@dataclass
class Batch:
    scores: pd.DataFrame
    rejects: pd.DataFrame | None
    drift: dict | None
    rings: pd.DataFrame | None
    as_of: date | None
    model_version: str
    source: Path

    @property
    def numbers_in(self) -> int:
        if self.drift and "numbers_in" in self.drift:
            return int(self.drift["numbers_in"])
        return len(self.scores) + (0 if self.rejects is None else len(self.rejects))

    def decisions(self) -> dict[str, int]:
        """Scored numbers per decision present, the model's decisions first in their order, then any other (closed)."""
        counts = self.scores["decision"].value_counts()
        order = [d for d in DECISIONS if d in counts.index] + sorted(set(counts.index) - set(DECISIONS))
        return {d: int(counts[d]) for d in order}


@dataclass
class ModelFacts:
    version: str
    source: str
    created_at: str = ""
    thresholds: dict = field(default_factory=dict)
    valid: dict[str, float] = field(default_factory=dict)  # validation metrics from the bundle
    test: dict[str, float] = field(default_factory=dict)  # test metrics of the registered model's run


def read_scores(path: str | Path) -> pd.DataFrame:
    """A scores file of any schema version (``ring_id`` is null in version 1)."""
    path = Path(path)
    if path.suffix == ".csv":
        if not path.is_file():
            raise InputError(f"{path}: no such file")
        types = {f.name: f.type for f in SCORES}
        try:
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types, strings_can_be_null=True))
        except Exception as exc:  # pyarrow raises several types for malformed CSV
            raise InputError(f"{path}: cannot read as a scores CSV ({exc})") from exc
    else:
        table = read_parquet(path)
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise InputError(f"{path}: not a scores file: column(s) {', '.join(missing)} missing")
    scores = table.to_pandas()
    if RING_ID not in scores:
        scores[RING_ID] = pd.Series(pd.NA, index=scores.index, dtype="string")
    return scores[SCORES.names].sort_values("rank", ignore_index=True)


def load_batch(path: str | Path) -> Batch:
    path = Path(path)
    scores = read_scores(path)
    drift = _read_json(drift_path(path)) if drift_path(path).is_file() else None
    rejects = read_parquet(rejects_path(path), REJECTS.names).to_pandas() if rejects_path(path).is_file() else None
    rings = read_parquet(rings_path(path), RINGS.names).to_pandas() if rings_path(path).is_file() else None
    meta = {}
    if path.suffix != ".csv":
        raw = open_parquet(path).schema_arrow.metadata or {}
        meta = {k.decode(): v.decode() for k, v in raw.items()}
    as_of = (drift or {}).get("as_of") or meta.get("as_of")
    version = (drift or {}).get("model_version") or meta.get("model_version") or \
        (str(scores["model_version"].iloc[0]) if len(scores) else "unknown")
    return Batch(scores, rejects, drift, rings, date.fromisoformat(as_of) if as_of else None, version, path)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: not a readable drift file ({exc})") from exc


def model_facts(source: str) -> ModelFacts:
    """The model's version, thresholds and metrics, from a bundle folder or an MLflow model URI."""
    from fraudml.tracking import load_bundle

    bundle = load_bundle(source)
    meta = bundle.metadata or {}
    metrics = {k: v for k, v in (meta.get("metrics") or {}).items() if k.startswith("valid_")}
    return ModelFacts(version=bundle.version, source=str(source), created_at=str(meta.get("created_at", "")),
                      thresholds=dict(bundle.thresholds), valid=metrics, test=_test_metrics(str(source)))


def _test_metrics(source: str) -> dict[str, float]:
    """The test metrics (``test.model.*``) MLflow recorded with a registered model's training run, if any."""
    if not source.startswith("models:/"):
        return {}
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    from fraudml.tracking import configure

    configure()
    name, _, ref = source.removeprefix("models:/").partition("/")
    name, _, alias = name.partition("@")
    client = MlflowClient()
    try:
        version = client.get_model_version_by_alias(name, alias) if alias else client.get_model_version(name, ref)
        metrics = client.get_run(version.run_id).data.metrics if version.run_id else {}
    except MlflowException:
        return {}
    return {k.removeprefix("test.model."): v for k, v in sorted(metrics.items()) if k.startswith("test.model.")}
