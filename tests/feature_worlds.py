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


A_CALLS = [
    call("A", "x", "out", "2024-03-30 10:00:00", 5, "C1", "k1", "c1", "I1"),  # Saturday
    call("A", "y", "out", "2024-03-30 10:10:00", 700, "C1", "k1", "c1", "I1"),
    call("A", "x", "out", "2024-03-30 10:20:00", 0, "C2", "k2", "c2", "I1"),
    call("A", "x", "in", "2024-03-25 23:00:00", 60, "C1", "k1", "c1", "I1"),  # Monday
    call("A", "z", "out", "2024-03-04 14:00:00", 30, "C1", "k1", "c3", "I2"),  # Monday, office hours
    call("A", "w", "fwd", "2024-03-02 02:00:00", 10, None, None, None, None),  # Saturday night, no location or device
    call("A", "y", "out", "2024-03-31 09:00:00", 5),  # at as_of: never used
    call("A", "y", "out", "2024-02-20 09:00:00", 5),  # before the longest window
]
OTHER_CALLS = [
    call("B", "x", "out", "2024-03-29 12:00:00", 3, imei="I1"),  # B shares A's device and counterpart x
    call("C", "v", "out", "2024-02-15 12:00:00", 5, imei="I2"),  # C used I2 before the window
]
ACCOUNTS = [
    dict(msisdn="A", activated_at="2024-01-01", id_holder="h1", home_city="C1", closed_at="2024-04-05"),
    dict(msisdn="B", activated_at="2024-03-01", id_holder="h1"),
    dict(msisdn="D", activated_at="2024-04-15", id_holder="h1"),  # activated after as_of: not yet on the ID
    dict(msisdn="E", activated_at="2024-01-01", id_holder="h2", numbers_on_id=5, home_city="C1", home_county="k1"),
]
LABELS = [
    dict(msisdn="B", label=1, labelled_at="2024-03-10"),  # confirmed before as_of - 7 days: known
    dict(msisdn="z", label=1, labelled_at="2024-03-20"),  # known
    dict(msisdn="y", label=1, labelled_at="2024-03-28"),  # confirmed inside the label delay: not yet known
    dict(msisdn="w", label=1, labelled_at=None),  # confirmation time unknown: never used
]
MONTHS = [
    dict(msisdn="A", month="2024-01-01", arpu=10.0),
    dict(msisdn="A", month="2024-02-01", arpu=40.0),
    dict(msisdn="A", month="2024-03-01", arpu=99.0),  # March has not ended at as_of
]
SMS = [
    sms("A", "x", "out", "2024-03-30 01:00:00"),
    sms("A", "y", "out", "2024-03-20 12:00:00"),
    sms("A", "x", "in", "2024-03-29 12:00:00"),
    sms("A", "q", "in", "2024-03-31 08:00:00"),  # at as_of: never used
]
APPS = [
    dict(msisdn="A", month="2024-02-01", app="wx", mb=100.0),
    dict(msisdn="A", month="2024-02-01", app="tb", mb=50.0),
    dict(msisdn="A", month="2024-01-01", app="wx", mb=30.0),
    dict(msisdn="A", month="2024-03-01", app="wx", mb=999.0),  # not ended
]


def family_world() -> dict[str, list[dict]]:
    """Numbers A (busy, shares device I1 with fraud number B), E (account only) and their neighbours."""
    return dict(calls=A_CALLS + OTHER_CALLS, accounts=ACCOUNTS, labels=LABELS, account_months=MONTHS, sms=SMS, app_usage=APPS)
