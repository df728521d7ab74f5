"""The simulated world's hidden truth on disk: ``DIR/_truth/truth.parquet``.

One row per subscriber: ``msisdn``, ``role`` (normal, a hard negative or a fraud
type), ``ring`` (-1 for numbers in no fraud ring) and ``holder`` (the ID card's
code, -1 for none). It is there to measure against (tests, notebooks,
benchmarks): no pipeline stage reads it, and folders starting with ``_`` are not
canonical tables.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa

from fraudml.tables import read_parquet, write_atomic

FOLDER = "_truth"
COLUMNS = ("msisdn", "role", "ring", "holder")


def truth_path(world: str | Path) -> Path:
    return Path(world) / FOLDER / "truth.parquet"


def write_truth(truth: pd.DataFrame, world: str | Path) -> Path:
    """Write a world's truth beside its tables."""
    return write_atomic(pa.Table.from_pandas(truth[list(COLUMNS)], preserve_index=False), truth_path(world))


def read_truth(world: str | Path) -> pd.DataFrame:
    """The truth written beside a simulated world (an InputError naming the file when there is none)."""
    return read_parquet(truth_path(world), columns=list(COLUMNS)).to_pandas()
