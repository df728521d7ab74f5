"""The feature table as a file: built from a canonical folder, written with its spec beside it, read back.

:func:`make_feature_file` is what ``fraudml features`` and the pipeline's features
stage run: snapshots, then their features, then the file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from fraudml.errors import InputError
from fraudml.features.build import (build_features, check_snapshots, check_windows, feature_spec,
                                    write_features_spark)
from fraudml.features.snapshots import make_snapshots
from fraudml.features.spec import (CATEGORY, DEFAULT_BURN_IN_DAYS, DEFAULT_LABEL_DELAY_DAYS, DEFAULT_MONTHS,
                                  DEFAULT_WINDOWS, FeatureSpec, spec_path)
from fraudml.tables import read_parquet, write_atomic


@dataclass(frozen=True)
class FeatureFile:
    """What a feature file holds, for a summary line."""

    path: Path
    spec: FeatureSpec
    rows: int
    positive: int
    negative: int

    @property
    def unlabelled(self) -> int:
        return self.rows - self.positive - self.negative


def make_feature_file(data: str | Path, out: str | Path, *, snapshots: str | None = None, as_of: str | None = None,
                      active_days: int | None = None, burn_in_days: int = DEFAULT_BURN_IN_DAYS, holdout_days: int = 0,
                      allow_stale: bool = False, windows=DEFAULT_WINDOWS,
                      label_delay_days: int = DEFAULT_LABEL_DELAY_DAYS, months: int = DEFAULT_MONTHS,
                      engine: str = "duckdb", memory_limit: str | None = None, threads: int | None = None) -> FeatureFile:
    """Snapshots of ``data`` (a schedule ``snapshots`` or one ``as_of``), their features, written to ``out``
    (see :func:`fraudml.features.snapshots.make_snapshots`)."""
    snaps = make_snapshots(data, snapshots, as_of=as_of, active_days=active_days, burn_in_days=burn_in_days,
                           holdout_days=holdout_days, lookback_days=max(check_windows(windows)),
                           allow_stale=allow_stale, engine=engine, memory_limit=memory_limit)
    if len(snaps) == 0:
        raise InputError(f"{data}: no number has activity before the snapshot date(s): nothing to compute")
    if engine == "spark":  # Spark writes a folder of parts: the table never passes through the driver
        spec = feature_spec(windows, label_delay_days, months)
        write_features_spark(data, check_snapshots(snaps), Path(out), spec, memory_limit)
        spec.save(spec_path(out))
    else:
        table, spec = build_features(data, snaps, windows=windows, label_delay_days=label_delay_days, months=months,
                                     engine=engine, memory_limit=memory_limit, threads=threads)
        write_features(table, spec, out)
    label = snaps["label"]
    return FeatureFile(Path(out), spec, len(snaps), int((label == 1).sum()), int((label == 0).sum()))


def feature_table_arrow(table: pd.DataFrame, spec: FeatureSpec) -> pa.Table:
    """The exact Arrow types of a feature table: as_of a date, label int8, features as the spec says."""
    fields = [pa.field("msisdn", pa.string()), pa.field("as_of", pa.date32()), pa.field("label", pa.int8()),
              pa.field("fraud_type", pa.string())]
    types = {"int64": pa.int64(), CATEGORY: pa.string()}
    fields += [pa.field(d.name, types.get(d.dtype, pa.float64())) for d in spec.features]
    arrays = [pa.array(table["msisdn"], pa.string(), from_pandas=True),
              pa.array(table["as_of"].dt.date, pa.date32(), from_pandas=True),
              pa.array(table["label"], pa.int8(), from_pandas=True),
              pa.array(table["fraud_type"], pa.string(), from_pandas=True)]
    arrays += [pa.array(table[d.name], f.type, from_pandas=True) for d, f in zip(spec.features, fields[4:])]
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


def read_features(path: str | Path) -> tuple[pd.DataFrame, FeatureSpec]:
    """A feature table and the spec written beside it by :func:`write_features`."""
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such feature table (write one with fraudml features)")
    if not spec_path(path).is_file():
        raise InputError(f"{path}: its feature spec {spec_path(path).name} is missing beside it")
    spec = FeatureSpec.load(spec_path(path))
    return read_parquet(path).to_pandas(), spec


def write_features(table: pd.DataFrame, spec: FeatureSpec, out: str | Path) -> Path:
    """Write the feature table atomically, and its spec beside it."""
    out = Path(out)
    write_atomic(feature_table_arrow(table, spec), out)
    spec.save(spec_path(out))
    return out
