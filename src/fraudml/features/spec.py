"""The feature spec: what a feature table holds, written beside it and stored with every model.

A model checks the spec's hash against the features the code computes before it
scores, so a model is never fed columns that mean something else.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from fraudml.errors import InputError

DEFAULT_WINDOWS = (1, 7, 30)  # trailing windows, in days
DEFAULT_LABEL_DELAY_DAYS = 7  # a fraud label is known this many days after the fact
DEFAULT_MONTHS = 3  # complete months of spend and data use the monthly features read
DEFAULT_BURN_IN_DAYS = 7  # a snapshot schedule's first as_of has at least a week of data before it

# columns of a feature table that are not features
ID_COLUMNS = ("msisdn", "as_of")
TARGET_COLUMNS = ("label", "fraud_type")
CATEGORY = "category"  # the dtype of a categorical feature: text in a feature table, a LightGBM categorical in a model


@dataclass(frozen=True)
class FeatureDef:
    name: str
    dtype: str  # "float64", "int64" or CATEGORY
    family: str  # volume, diversity, reciprocity, durations, timing, location, devices, account, sms_data, graph
    description: str  # what it measures, in an analyst's words
    window_days: int | None = None  # trailing window, None when not windowed
    source: str = ""  # canonical table it comes from; its absence makes the feature null
    unit: str = ""  # for reasons in words: "calls", "s", "share", ...


@dataclass(frozen=True)
class FeatureSpec:
    features: tuple[FeatureDef, ...]
    windows: tuple[int, ...] = DEFAULT_WINDOWS
    version: int = 1
    params: dict = field(default_factory=dict)  # settings that change values (label delay, ...)
    # the known values of each categorical feature, in code order: learned by training, stored with the model
    # (a feature table's spec has none); a value not listed scores as missing
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.features]

    @property
    def categorical(self) -> list[str]:
        return [f.name for f in self.features if f.dtype == CATEGORY]

    def with_categories(self, categories: dict) -> FeatureSpec:
        return replace(self, categories={name: tuple(categories[name]) for name in self.categorical})

    def without_categories(self) -> FeatureSpec:
        """The spec as the feature code computes it: what a model's features must match."""
        return replace(self, categories={})

    @property
    def label_delay_days(self) -> int:
        """Days after which a fraud label is known: graph features use only labels this old, and a time split
        keeps this gap between its parts."""
        return int(self.params.get("label_delay_days", DEFAULT_LABEL_DELAY_DAYS))

    @property
    def months(self) -> int:
        """Complete months of spend and data use the monthly features read (1 for sources of one month)."""
        return int(self.params.get("months", DEFAULT_MONTHS))

    @property
    def hash(self) -> str:
        """Changes whenever a name, type, window or value-changing parameter changes."""
        content = {"version": self.version, "windows": list(self.windows), "params": self.params,
                   "features": [[f.name, f.dtype, f.window_days, f.source] for f in self.features]}
        if self.categories:
            content["categories"] = {name: list(values) for name, values in self.categories.items()}
        payload = json.dumps(content, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def to_dict(self) -> dict:
        out = {"version": self.version, "windows": list(self.windows), "params": self.params,
               "hash": self.hash, "features": [asdict(f) for f in self.features]}
        if self.categories:
            out["categories"] = {name: list(values) for name, values in self.categories.items()}
        return out

    @classmethod
    def from_dict(cls, data: dict) -> FeatureSpec:
        spec = cls(
            features=tuple(FeatureDef(**f) for f in data["features"]),
            windows=tuple(data.get("windows", ())),
            version=data.get("version", 1),
            params=data.get("params", {}),
            categories={name: tuple(values) for name, values in data.get("categories", {}).items()},
        )
        if "hash" in data and data["hash"] != spec.hash:
            raise InputError(f"feature spec hash {data['hash']} does not match its contents ({spec.hash}): the file was edited")
        return spec

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> FeatureSpec:
        path = Path(path)
        try:
            return cls.from_dict(json.loads(path.read_text()))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: not a readable feature spec ({exc})") from exc


def spec_path(feature_table: str | Path) -> Path:
    """The spec file written beside a feature table: ``features.parquet`` -> ``features.spec.json``."""
    p = Path(feature_table)
    return p.with_name(p.name.removesuffix(".parquet") + ".spec.json")
