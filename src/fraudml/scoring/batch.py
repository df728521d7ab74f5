"""A scoring batch as ``fraudml score`` runs it: input in, the scores, rejects, drift and rings files out.

The command line, the pipeline and the tests call :func:`score_to_files`; the
command only prints what it returns.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd

from fraudml.cases.rings import Rings, find_rings, no_rings
from fraudml.errors import InputError
from fraudml.scoring.drift import COVERAGE_MARGIN, WARN_PSI, coverage_line, coverage_moved, drifted, psi_line
from fraudml.scoring.output import (check_out, drift_path, scores_table, write_json, write_rejects, write_rings,
                                    write_scores)
from fraudml.scoring.score import CHUNK, ScoreResult, check_model, score_feature_file, score_folder


@dataclass
class ScoredBatch:
    result: ScoreResult
    drifted: list[str]  # features whose PSI is above WARN_PSI
    coverage: pd.DataFrame  # features whose coverage moved beyond COVERAGE_MARGIN: feature, train, batch
    rings: Rings  # the flagged numbers' rings (none for a feature table: no links to follow)
    ingested: list = field(default_factory=list)  # per raw table read, when the input was raw Sichuan files

    def warnings(self) -> dict[str, str]:
        """One line each, for what needs a reader's attention: 'drift' and 'coverage'."""
        lines = {"drift": psi_line(self.result.drift), "coverage": coverage_line(self.coverage)}
        return {kind: line for kind, line in lines.items() if line}


def score_to_files(bundle, out: str | Path, *, data: str | Path | None = None, as_of: date | None = None,
                   features: str | Path | None = None, data_format: str = "canonical", numbers: str | Path | None = None,
                   engine: str = "duckdb", chunk_size: int = CHUNK, allow_stale: bool = False, strict: bool = False,
                   on_start: Callable[[int], None] | None = None,
                   on_chunk: Callable[[int], None] | None = None) -> ScoredBatch:
    """Score a canonical folder (or raw Sichuan files, ``data_format="sichuan"``) as of ``as_of``, or a feature
    table already built (``features``), and write the scores, their rejects, the drift report and the rings
    beside ``out``. An as_of the data cannot support is refused unless ``allow_stale``. With ``strict``, a batch
    whose features' coverage moved from training is refused: only the drift report is written.

    With ``engine="spark"``, a folder is scored on Spark, and the scores and rejects are folders of parts
    written by Spark (:mod:`fraudml.scoring.spark`); the result then holds the top rows only.
    """
    on_spark = engine == "spark" and features is None
    if on_spark:
        from fraudml.scoring.spark import check_out as check_spark_out, score_folder_spark

        check_spark_out(out)
    else:
        check_out(out)
    if features is None and (data is None or as_of is None):
        raise InputError("give --data and --as-of (or --features, a feature table already built)")
    if features is not None and (data is not None or numbers is not None):
        raise InputError("--features scores a feature table as it is: give it without --data and --numbers")
    ingested = []
    with tempfile.TemporaryDirectory(prefix="fraudml-score-") as tmp:
        if features is not None:
            result = score_feature_file(bundle, features, chunk_size=chunk_size, on_start=on_start, on_chunk=on_chunk)
            rings = no_rings()
        else:
            check_model(bundle)  # before reading any data
            if data_format == "sichuan":
                from fraudml.ingest.sichuan import ingest_sichuan

                ingested, data = ingest_sichuan(data, tmp), Path(tmp)
            if on_spark:
                result, rings = score_folder_spark(bundle, data, as_of, out, numbers=numbers, allow_stale=allow_stale,
                                                   strict=strict, on_start=on_start, on_chunk=on_chunk)
            else:
                result = score_folder(bundle, data, as_of, numbers=numbers, engine=engine, chunk_size=chunk_size,
                                      allow_stale=allow_stale, on_start=on_start, on_chunk=on_chunk)
                rings = find_rings(data, result.scores, as_of, engine=engine, window_days=max(bundle.spec.windows))
    meta = {"model_version": bundle.version, "feature_spec": bundle.spec.hash,
            "as_of": as_of.isoformat() if as_of else ""}
    batch = ScoredBatch(result, drifted(result.drift, WARN_PSI), coverage_moved(result.drift), rings, ingested)
    write_json({**meta, "numbers_in": result.numbers_in, "scored": result.scored, "closed": result.closed,
                "rejected": result.rejected, "warn_psi": WARN_PSI, "drifted": batch.drifted,
                "coverage": {"margin": COVERAGE_MARGIN, "moved": _records(batch.coverage)},
                "features": _records(result.drift)}, drift_path(out))
    if strict and len(batch.coverage):
        raise InputError(f"{coverage_line(batch.coverage)}: the model would score outside what it learned; "
                         f"no scores written (--strict; see {drift_path(out)})")
    if not on_spark:
        result.scores = rings.assign(result.scores)
        write_scores(scores_table(result.scores, meta), out)
        write_rejects(result.rejects, out)
    write_rings(rings.table, out)
    return batch


def _records(table: pd.DataFrame) -> list[dict]:
    return table.round(6).astype(object).where(table.notna(), None).to_dict("records")
