"""Batch scoring: feature rows in, ranked scores with decisions and reasons out, every number accounted for."""

from fraudml.scoring.score import ScoreResult, check_model, score_chunks, score_feature_file, score_folder, score_frame

__all__ = ["ScoreResult", "check_model", "score_chunks", "score_feature_file", "score_folder", "score_frame"]
