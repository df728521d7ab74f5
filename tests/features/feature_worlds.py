"""Tiny canonical worlds written as Parquet in a temporary folder, for exact hand-computed checks."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
from fraudml.tables import TABLES, write_table

AS_OF = pd.Timestamp("2024-03-31")


def call(msisdn, counterpart, direction, started_at, duration_s=60, city="A", county="a1", cell="c1", imei="I1"):
    return dict(msisdn=msisdn, counterpart=counterpart, direction=direction, started_at=pd.Timestamp(started_at),
                duration_s=duration_s, city=city, county=county, cell=cell, imei=imei)


def sms(msisdn, counterpart, direction, sent_at):
    return dict(msisdn=msisdn, counterpart=counterpart, direction=direction, sent_at=pd.Timestamp(sent_at))


def write_world(folder, **tables):
    """Write each given table (a list of row dicts) as canonical Parquet; tables not given are absent."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        df = pd.DataFrame(rows, columns=TABLES[name].names)
        for col in TABLES[name].columns:
            if pa.types.is_timestamp(col.type) or pa.types.is_date(col.type):
                df[col.name] = pd.to_datetime(df[col.name])
        write_table(df, folder, name)
    return folder


def snapshots(*numbers, as_of=AS_OF):
    return pd.DataFrame({"msisdn": list(numbers), "as_of": [as_of] * len(numbers)})
