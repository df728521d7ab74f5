"""The model bundle: a folder of plain files that scores without pickle or MLflow.

    model.txt          LightGBM text model
    feature_spec.json  the feature spec (names, types, windows, hash)
    calibrator.json    raw score -> probability
    thresholds.json    alert and review thresholds and how they were chosen
    reference.json     training feature distributions, for drift checks
    metadata.json      data hashes, metrics, parameters, library versions, version string
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from fraudml.errors import InputError
from fraudml.features.spec import FeatureSpec
from fraudml.model.calibration import Calibrator
from fraudml.model.inputs import feature_columns
from fraudml.model.thresholds import decide
from fraudml.tables import replace_atomically

FILES = ("model.txt", "feature_spec.json", "calibrator.json", "thresholds.json", "reference.json", "metadata.json")
SPEC_HASH_ATTR = "feature_spec_hash"  # DataFrame.attrs key a feature frame may carry


@dataclass
class ModelBundle:
    booster: lgb.Booster
    spec: FeatureSpec
    calibrator: Calibrator
    thresholds: dict
    metadata: dict = field(default_factory=dict)
    reference: dict = field(default_factory=dict)

    @property
    def version(self) -> str:
        return self.metadata.get("version", "")

    def _matrix(self, features: pd.DataFrame, spec_hash: str | None) -> np.ndarray:
        claimed = spec_hash or features.attrs.get(SPEC_HASH_ATTR)
        if claimed is not None and claimed not in (self.spec.hash, self.spec.without_categories().hash):
            raise InputError(f"features were built with feature spec {claimed}, but model {self.version} "
                             f"needs spec {self.spec.hash}: rebuild the features with this model's spec")
        return feature_columns(features, self.spec)

    def raw_score(self, features: pd.DataFrame, *, spec_hash: str | None = None) -> np.ndarray:
        """LightGBM's raw score (log-odds before calibration)."""
        return self.booster.predict(self._matrix(features, spec_hash), raw_score=True)

    def predict(self, features: pd.DataFrame, *, spec_hash: str | None = None) -> np.ndarray:
        """Calibrated fraud probability of each row, in [0, 1]."""
        return self.calibrator.predict(self.raw_score(features, spec_hash=spec_hash))

    def contributions(self, features: pd.DataFrame, *, spec_hash: str | None = None) -> pd.DataFrame:
        """Each feature's contribution to the raw score (LightGBM pred_contrib), plus ``bias``; rows sum to the raw score."""
        contrib = self.booster.predict(self._matrix(features, spec_hash), pred_contrib=True)
        return pd.DataFrame(contrib, columns=[*self.spec.names, "bias"], index=features.index)

    def decide(self, scores: np.ndarray) -> np.ndarray:
        """ALERT, REVIEW or PASS (``fraudml.model.thresholds``) for each calibrated score."""
        return decide(scores, self.thresholds)

    def save(self, folder: str | Path) -> Path:
        """Write the bundle's files into ``folder`` (created; each file replaced atomically)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        texts = {
            "model.txt": self.booster.model_to_string(),
            "feature_spec.json": _json(self.spec.to_dict()),
            "calibrator.json": _json(self.calibrator.to_dict()),
            "thresholds.json": _json(self.thresholds),
            "reference.json": _json(self.reference),
            "metadata.json": _json(self.metadata),
        }
        for name, text in texts.items():
            replace_atomically(folder / name, lambda tmp, text=text: Path(tmp).write_text(text))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> ModelBundle:
        folder = Path(folder)
        missing = [name for name in FILES if not (folder / name).is_file()]
        if missing:
            raise InputError(f"{folder}: not a model bundle, missing {', '.join(missing)}")
        spec = FeatureSpec.load(folder / "feature_spec.json")
        parts = {}
        for name in FILES[2:]:
            try:
                parts[name] = json.loads((folder / name).read_text())
            except ValueError as exc:
                raise InputError(f"{folder / name}: not valid JSON ({exc})") from exc
        try:
            booster = lgb.Booster(model_file=str(folder / "model.txt"))
        except lgb.basic.LightGBMError as exc:
            raise InputError(f"{folder / 'model.txt'}: not a LightGBM model ({exc})") from exc
        if booster.feature_name() != spec.names:
            raise InputError(f"{folder}: model.txt features do not match feature_spec.json")
        recorded = parts["metadata.json"].get("feature_spec_hash")
        if recorded and recorded != spec.hash:
            raise InputError(f"{folder}: metadata.json names feature spec {recorded}, feature_spec.json is {spec.hash}")
        return cls(booster, spec, Calibrator.from_dict(parts["calibrator.json"]), parts["thresholds.json"],
                   parts["metadata.json"], parts["reference.json"])


def _json(data) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False, default=_plain) + "\n"


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (np.ndarray,)):
        return value.tolist()
    return str(value)
