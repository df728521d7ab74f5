"""The model: time-aware training, calibration, thresholds, baselines, evaluation and the model bundle.

Nothing here imports MLflow: the bundle is plain files, and tracking is an adapter around it.
"""
