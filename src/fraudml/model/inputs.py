"""Checks a feature table against its spec and turns it into model inputs."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from fraudml.errors import InputError, example_rows
from fraudml.features.spec import FeatureSpec


def _rows(mask: np.ndarray | pd.Series) -> str:
    """Example rows where ``mask`` holds, numbered from 1 in the table's order."""
    return example_rows(np.flatnonzero(np.asarray(mask, dtype=bool)) + 1)


def check_feature_table(table: pd.DataFrame, spec: FeatureSpec, *, source: str = "feature table",
                        need_labels: bool = True) -> None:
    """Raise InputError naming the columns and rows when ``table`` cannot feed the model."""
    wanted = ["msisdn", "as_of"] + (["label"] if need_labels else []) + spec.names
    missing = [c for c in wanted if c not in table.columns]
    if missing:
        raise InputError(f"{source}: column(s) {', '.join(missing)} missing (feature spec {spec.hash})")
    for column in ("msisdn", "as_of"):
        bad = table[column].isna()
        if bad.any():
            raise InputError(f"{source}: column {column} is empty in {_rows(bad)}")
    feature_columns(table, spec, source=source)
    if need_labels:
        label = pd.to_numeric(table["label"], errors="coerce")
        bad = table["label"].notna() & ~label.isin([0, 1])
        if bad.any():
            raise InputError(f"{source}: column label must be 0, 1 or empty; bad {_rows(bad)}")


def feature_columns(features: pd.DataFrame, spec: FeatureSpec, *, source: str = "features") -> np.ndarray:
    """The spec's feature columns as a float matrix (NaN for nulls), in spec order; a categorical feature as its
    codes in the spec's categories (:func:`category_codes`)."""
    missing = [c for c in spec.names if c not in features.columns]
    if missing:
        raise InputError(f"{source}: feature column(s) {', '.join(missing)} missing (feature spec {spec.hash})")
    out = np.empty((len(features), len(spec.names)), dtype="float64")
    categorical = set(spec.categorical)
    for j, name in enumerate(spec.names):
        col = features[name]
        if name in categorical:
            out[:, j] = category_codes(col, spec.categories.get(name, ()))
            continue
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col) or col.isna().all()):
            values = pd.to_numeric(col, errors="coerce")
            raise InputError(f"{source}: column {name} is not numeric; bad {_rows(values.isna() & col.notna())}")
        out[:, j] = pd.to_numeric(col, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    return out


def category_codes(values: pd.Series, categories) -> np.ndarray:
    """Each value's place in ``categories`` as a float; NaN for a null or a value not listed (scored as missing)."""
    codes = pd.Index(list(categories), dtype="object").get_indexer(values.astype("string").astype("object"))
    return np.where(codes >= 0, codes, np.nan)


def learn_categories(table: pd.DataFrame, spec: FeatureSpec, rows: np.ndarray) -> FeatureSpec:
    """The spec with each categorical feature's values among ``rows`` (sorted): the categories a model knows."""
    seen = {name: sorted(table.loc[rows, name].dropna().astype("string").unique()) for name in spec.categorical}
    return spec.with_categories(seen)


def encode_categories(features: pd.DataFrame, spec: FeatureSpec) -> pd.DataFrame:
    """``features`` with each categorical column replaced by its codes, as the model sees it."""
    if not spec.categorical:
        return features
    present = [n for n in spec.categorical if n in features.columns]
    return features.assign(**{n: category_codes(features[n], spec.categories.get(n, ())) for n in present})


def labels(table: pd.DataFrame) -> np.ndarray:
    """Labels as float (NaN where unlabelled)."""
    return pd.to_numeric(table["label"], errors="coerce").to_numpy(dtype="float64", na_value=np.nan)


def snapshot_days(table: pd.DataFrame) -> np.ndarray:
    """The ``as_of`` date of each row, as numpy datetime64[D]."""
    return pd.to_datetime(table["as_of"]).to_numpy().astype("datetime64[D]")


def table_hash(table: pd.DataFrame) -> str:
    """A content hash of a feature table (row order included), to record which data made a model."""
    digest = hashlib.sha256(pd.util.hash_pandas_object(table, index=False).to_numpy().tobytes())
    digest.update(",".join(map(str, table.columns)).encode())
    return digest.hexdigest()[:16]
