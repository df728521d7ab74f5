"""The code MLflow runs to build the pyfunc model when it loads it (models from code: nothing pickled)."""

from mlflow.models import set_model

from fraudml.tracking.pyfunc import BundleModel

set_model(BundleModel())
