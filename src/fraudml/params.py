"""The pipeline's parameters: one group per stage, as in ``configs/params.yaml``, checked when read.

A misspelt or mistyped parameter is an error that names it and the file. The
defaults here are the values of the project's own params file (a test holds the
two together), so a setting left out means what the project runs with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fraudml.errors import InputError
from fraudml.features.spec import DEFAULT_LABEL_DELAY_DAYS, DEFAULT_MONTHS

class Group(BaseModel):
    """A params group: unknown keys and values of the wrong type are errors."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class SimulateParams(Group):
    """``simulate:``: the built-in synthetic operator (``fraudml simulate``)."""

    preset: Literal["realistic", "sichuan"] = "realistic"
    subscribers: int = Field(30_000, ge=10)
    days: int = Field(168, ge=1)
    fraud_share: float | None = Field(0.1, gt=0, lt=1)  # over the whole world; None: the preset's own
    seed: int = 7


class FeaturesParams(Group):
    """``features:``: which snapshots, on which engine, and when a label becomes known."""

    snapshots: str | None = "weekly"
    as_of: str | None = None
    burn_in_days: int = Field(91, ge=0)  # a schedule's first snapshot has this much data before it
    holdout_days: int = Field(14, ge=0)  # a schedule ends this many days before the end of the data
    months: int = Field(DEFAULT_MONTHS, ge=1)  # complete months of spend and data use the monthly features read
    engine: Literal["duckdb", "spark"] = "duckdb"
    label_delay_days: int = Field(DEFAULT_LABEL_DELAY_DAYS, ge=0)


class TrainParams(Group):
    """``train:``: LightGBM, the split and the thresholds (``fraudml.model.train``)."""

    num_leaves: int = Field(31, ge=2)
    learning_rate: float = Field(0.05, gt=0)
    n_estimators: int = Field(1000, ge=1)
    early_stopping_rounds: int = Field(100, ge=1)
    min_child_samples: int = Field(20, ge=1)
    feature_fraction: float = Field(0.8, gt=0, le=1)
    bagging_fraction: float = Field(0.8, gt=0, le=1)
    class_weight: Literal["balanced"] | None = None  # "balanced" weighs fraud up; it did not help PR-AUC (docs/model.md)
    seed: int = 0
    valid_fraction: float = Field(0.15, gt=0, lt=1)
    test_fraction: float = Field(0.35, gt=0, lt=1)
    alert_budget_per_day: int | None = Field(50, ge=1)
    target_precision: float | None = Field(None, gt=0, le=1)
    calibration: Literal["platt", "isotonic"] = "platt"
    num_threads: int = Field(0, ge=0)  # 0: LightGBM's default (all cores)

    @model_validator(mode="after")
    def _parts_leave_room_to_train(self) -> TrainParams:
        if self.valid_fraction + self.test_fraction >= 1:
            raise ValueError(f"valid_fraction {self.valid_fraction} and test_fraction {self.test_fraction} "
                             "must sum to less than 1")
        return self


class EvaluateParams(Group):
    """``evaluate:``: what the model is compared with."""

    baselines: bool = True  # the rules baseline and a logistic regression beside the model


class ScoreParams(Group):
    """``score:``: the batch the pipeline scores and backtests."""

    as_of: str | None = "2020-06-17"


class Params(Group):
    """A whole params file: every group is optional."""

    simulate: SimulateParams = SimulateParams()
    features: FeaturesParams = FeaturesParams()
    train: TrainParams = TrainParams()
    evaluate: EvaluateParams = EvaluateParams()
    score: ScoreParams = ScoreParams()


def project_params_file() -> Path:
    from fraudml.tracking.store import project_root

    return project_root() / "configs" / "params.yaml"


def load_params(path: str | Path | None = None) -> Params:
    """The params file at ``path`` (the project's ``configs/params.yaml`` when None; defaults when it has none)."""
    if path is None:
        path = project_params_file()
        if not path.is_file():
            return Params()
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable params file ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: a params file must map group names (train, evaluate, ...) to settings")
    try:
        return Params.model_validate({k: v or {} for k, v in data.items()})
    except ValidationError as exc:
        raise InputError(f"{path}: {_problems(exc)}") from None


def _problems(exc: ValidationError) -> str:
    """'train.num_leafs: unknown parameter; train.seed: input should be a valid integer (got 'x')'."""
    out = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"])
        if error["type"] == "extra_forbidden":
            out.append(f"{where}: unknown {'group' if len(error['loc']) == 1 else 'parameter'}")
        elif error["type"] == "value_error":  # a rule across fields: its message says it all
            out.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        else:
            out.append(f"{where}: {error['msg'].lower()} (got {error['input']!r})")
    return "; ".join(out)
