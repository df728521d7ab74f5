"""The model bundle as an MLflow pyfunc model: MLflow wraps the plain-file bundle, it does not replace it.

The pyfunc is logged from code (``model_code.py``), not pickled; the bundle's
files are its only artifact, and the package's code travels with it, so
``mlflow.pyfunc.load_model("models:/fraudml@champion")`` scores anywhere the
listed requirements are installed.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

import mlflow.pyfunc

BUNDLE_ARTIFACT = "bundle"
MODEL_CODE = Path(__file__).with_name("model_code.py")
PACKAGE_DIR = Path(__file__).resolve().parents[1]
# what scoring a bundle imports; pinned to the versions that trained it (inferring them costs seconds)
REQUIREMENTS = ("mlflow", "lightgbm", "numpy", "pandas", "pyarrow", "scikit-learn")


class BundleModel(mlflow.pyfunc.PythonModel):
    """Loads the bundle from the model's artifacts; ``predict`` returns calibrated fraud probabilities."""

    def load_context(self, context):
        from fraudml.model.bundle import ModelBundle

        self.bundle = ModelBundle.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context, model_input: pd.DataFrame, params=None) -> np.ndarray:
        return np.asarray(self.bundle.predict(model_input), dtype="float64")


def pip_requirements() -> list[str]:
    pins = []
    for name in REQUIREMENTS:
        try:
            pins.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            pins.append(name)
    return pins


def example_input(table: pd.DataFrame, feature_names: list[str], rows: int = 5) -> pd.DataFrame:
    """A few rows of model input with the numbers replaced, so no real number reaches MLflow."""
    example = table[feature_names].head(rows).reset_index(drop=True)
    example.insert(0, "msisdn", [f"example-{i + 1}" for i in range(len(example))])
    return example


def signature(bundle, table: pd.DataFrame, example: pd.DataFrame):
    """Inputs: ``msisdn`` and every feature, each may be null; output: the calibrated score.

    Float features are ``double``, categorical ones ``string``. Integer features (counts, flags) are declared
    ``any``: they arrive as integers, or as floats when a source is absent and
    they are null, and MLflow refuses to convert either into the other. The
    bundle itself checks that every feature is numeric.
    """
    from mlflow.models import ModelSignature, infer_signature
    from mlflow.types.schema import AnyType, ColSpec, Schema

    def colspec(name: str) -> ColSpec:
        if name in bundle.spec.categorical:
            return ColSpec("string", name, required=False)
        is_float = pd.api.types.is_float_dtype(table[name])
        return ColSpec("double" if is_float else AnyType(), name, required=False)

    inputs = Schema([ColSpec("string", "msisdn"), *(colspec(name) for name in bundle.spec.names)])
    scores = np.asarray(bundle.predict(example), dtype="float64")
    outputs = infer_signature(example[["msisdn"]], scores).outputs  # inputs are declared above, not inferred
    return ModelSignature(inputs=inputs, outputs=outputs)


def log_bundle(bundle, bundle_dir: Path, table: pd.DataFrame, registered_name: str | None):
    """Log the saved bundle in ``bundle_dir`` as a pyfunc model (optionally registered); returns ModelInfo."""
    example = example_input(table, bundle.spec.names)
    return mlflow.pyfunc.log_model(
        name="model",
        python_model=str(MODEL_CODE),
        artifacts={BUNDLE_ARTIFACT: str(bundle_dir)},
        code_paths=[str(PACKAGE_DIR)],
        signature=signature(bundle, table, example),
        input_example=example,
        pip_requirements=pip_requirements(),
        registered_model_name=registered_name,
    )
