"""The scores file: its stable columns, the files beside it, and writing them atomically.

Downstream systems read the scores file, so its columns, their order and their
types are a contract (documented in ``docs/scoring.md``): add columns only at the
end, never rename or retype one.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from fraudml.errors import InputError
from fraudml.tables import replace_atomically, write_atomic

SCHEMA_VERSION = "2"  # 2: ring_id added at the end
RING_ID = "ring_id"

SCORES = pa.schema(
    [
        pa.field("msisdn", pa.string(), nullable=False),
        pa.field("score", pa.float64()),  # null for a closed number: not scored
        pa.field("rank", pa.int64(), nullable=False),
        pa.field("decision", pa.string(), nullable=False),
        pa.field("reason_1", pa.string()),
        pa.field("reason_2", pa.string()),
        pa.field("reason_3", pa.string()),
        pa.field("model_version", pa.string(), nullable=False),
        pa.field(RING_ID, pa.string()),
    ]
)
REASONS = ["reason_1", "reason_2", "reason_3"]

# one row per ring (fraudml.cases.rings); a link is two members and how they are linked
RINGS = pa.schema(
    [
        pa.field(RING_ID, pa.string(), nullable=False),
        pa.field("size", pa.int64(), nullable=False),
        pa.field("flagged", pa.int64(), nullable=False),
        pa.field("handset_links", pa.int64(), nullable=False),
        pa.field("holder_links", pa.int64(), nullable=False),
        pa.field("victims_links", pa.int64(), nullable=False),
        pa.field("place_links", pa.int64(), nullable=False),
        pa.field("counterparts", pa.int64(), nullable=False),
        pa.field("first_activity", pa.timestamp("us")),
        pa.field("last_activity", pa.timestamp("us")),
        pa.field("handsets", pa.list_(pa.string())),
        pa.field("holders", pa.list_(pa.string())),
        pa.field("members", pa.list_(pa.string())),
        pa.field("links", pa.list_(pa.struct([("a", pa.string()), ("b", pa.string()), ("kind", pa.string())]))),
    ]
)

REJECTS = pa.schema([pa.field("msisdn", pa.string()), pa.field("reason", pa.string(), nullable=False)])

FORMATS = (".parquet", ".csv")


def _stem(out: str | Path) -> Path:
    out = Path(out)
    return out.with_name(out.name.removesuffix(out.suffix)) if out.suffix in FORMATS else out


def rejects_path(out: str | Path) -> Path:
    """``scores.parquet`` -> ``scores.rejects.parquet``."""
    stem = _stem(out)
    return stem.with_name(stem.name + ".rejects.parquet")


def rings_path(out: str | Path) -> Path:
    """``scores.parquet`` -> ``scores.rings.parquet``."""
    stem = _stem(out)
    return stem.with_name(stem.name + ".rings.parquet")


def drift_path(out: str | Path) -> Path:
    """``scores.parquet`` -> ``scores.drift.json``."""
    stem = _stem(out)
    return stem.with_name(stem.name + ".drift.json")


def check_out(out: str | Path) -> Path:
    """Refuse an output path whose format is unknown before any work is done."""
    out = Path(out)
    if out.suffix not in FORMATS:
        raise InputError(f"{out}: the scores file must end in .parquet or .csv")
    if out.is_dir():
        raise InputError(f"{out}: is a folder; give a file name for the scores")
    return out


def scores_table(scores: pd.DataFrame, metadata: dict[str, str] | None = None) -> pa.Table:
    """The scores as an Arrow table with exactly the contract's columns and types."""
    missing = [n for n in SCORES.names if n not in scores.columns]
    if missing:
        raise ValueError(f"scores lack column(s) {', '.join(missing)}")
    table = pa.Table.from_pandas(scores[SCORES.names], schema=SCORES, preserve_index=False)
    meta = {"fraudml.schema_version": SCHEMA_VERSION, **(metadata or {})}
    return table.replace_schema_metadata({k: str(v) for k, v in meta.items()})


def rejects_table(rejects: pd.DataFrame) -> pa.Table:
    return pa.Table.from_pandas(rejects[REJECTS.names], schema=REJECTS, preserve_index=False)


def write_scores(table: pa.Table, out: str | Path) -> Path:
    """Write the scores as Parquet or CSV (by suffix); ``out`` never holds a half-written file."""
    out = check_out(out)
    if out.suffix == ".parquet":
        return write_atomic(table, out)
    return replace_atomically(out, lambda tmp: pacsv.write_csv(table, tmp))


def write_rejects(rejects: pd.DataFrame, out: str | Path) -> Path:
    """Write the rejected numbers beside the scores (always, even when empty: absence is ambiguous)."""
    return write_atomic(rejects_table(rejects), rejects_path(out))


def write_rings(rings: pd.DataFrame, out: str | Path) -> Path:
    """Write one row per ring beside the scores (always, even when there is none)."""
    table = pa.Table.from_pandas(rings[RINGS.names], schema=RINGS, preserve_index=False)
    return write_atomic(table, rings_path(out))


def write_json(data: dict, path: str | Path) -> Path:
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    return replace_atomically(Path(path), lambda tmp: Path(tmp).write_text(text))
