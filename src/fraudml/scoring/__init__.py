"""Batch scoring: feature rows in, ranked scores with decisions and reasons out, every number accounted for."""

from fraudml.scoring.score import ScoreResult, score_chunks, score_folder, score_frame

__all__ = ["ScoreResult", "score_chunks", "score_folder", "score_frame"]
