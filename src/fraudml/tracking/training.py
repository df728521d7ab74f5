"""Training as the pipeline runs it: a feature file in, a model bundle out, evaluated, logged and registered.

The ``train`` command, the DVC stage, the notebooks and the tests all call
:func:`train_and_register`; the command line only prints what it returns.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from fraudml.errors import InputError
from fraudml.features.table import read_features
from fraudml.features.spec import FeatureSpec
from fraudml.model.evaluate import evaluate
from fraudml.model.train import TrainResult, train
from fraudml.params import FeaturesParams, Params
from fraudml.tracking.runs import LoggedRun, log_training
from fraudml.tracking.store import MODEL_NAME


@dataclass
class Trained:
    result: TrainResult
    evaluation: dict  # test metrics of the model and the baselines
    logged: LoggedRun | None  # None when not tracked


def check_label_delay(features: FeaturesParams, spec: FeatureSpec, source: str) -> None:
    """A label delay set in the params must be the one the features were built with: it is one fact."""
    if "label_delay_days" in features.model_fields_set and features.label_delay_days != spec.label_delay_days:
        raise InputError(f"{source}: features.label_delay_days is {features.label_delay_days}, but the feature table "
                         f"was built with {spec.label_delay_days}: rebuild the features (fraudml features "
                         f"--label-delay-days {features.label_delay_days}) or change the params")


def train_and_register(features_file: str | Path, model_out: str | Path, params: Params, *,
                       name: str = MODEL_NAME, track: bool = True, params_source: str = "params") -> Trained:
    """Train on ``features_file``, write the bundle to ``model_out``, evaluate it on the test part beside the
    baselines and, when ``track``, log the run to MLflow and register the model as ``name@candidate``."""
    table, spec = read_features(features_file)
    check_label_delay(params.features, spec, params_source)
    result = train(table, spec, params.train)
    result.bundle.save(model_out)
    with tempfile.TemporaryDirectory() as tmp:
        evaluation = evaluate(result.bundle, table, result.split, tmp, baselines=params.evaluate.baselines)
        logged = None
        if track:
            logged = log_training(result, table, features_file=Path(features_file), bundle_dir=Path(model_out),
                                  params=params.model_dump(), evaluation=evaluation, evaluation_dir=Path(tmp),
                                  name=name)
    return Trained(result, evaluation, logged)
