"""MLflow around the model bundle: the project's store, training runs, the registry and its aliases.

The model scores without MLflow; this package only records and moves bundles.
"""

from fraudml.tracking.registry import Promotion, load_bundle, promote
from fraudml.tracking.runs import LoggedRun, log_training
from fraudml.tracking.store import CANDIDATE, CHAMPION, MODEL_NAME, configure, project_root, tracking_uri

__all__ = ["CANDIDATE", "CHAMPION", "LoggedRun", "MODEL_NAME", "Promotion", "configure", "load_bundle", "log_training", "project_root",
           "promote", "tracking_uri"]
