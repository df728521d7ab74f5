"""Which numbers to score: the folder's known numbers, or a given list checked against them.

Every number that comes in leaves either as a number to score or as a reject
with its reason, so ``numbers in = to score + rejected`` holds from the start.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import ibis
import pandas as pd

from fraudml.engine import Tables, close, connect, load_tables
from fraudml.errors import InputError
from fraudml.tables import read_parquet, table_path

NO_HISTORY = "no account, calls or SMS before as_of"
NOT_ACTIVE = "activated on or after as_of"
EMPTY = "empty msisdn"
REPEATED = "listed more than once"


@dataclass
class Selection:
    numbers: pd.Series  # distinct msisdn to score, sorted
    rejects: pd.DataFrame  # msisdn, reason
    numbers_in: int


def known_table(tables: Tables, as_of: date):
    """The rule, for any engine: msisdn and active (False when activated on or after as_of) of every number with
    an account, or a call or SMS strictly before ``as_of``."""
    day = ibis.literal(pd.Timestamp(as_of).to_pydatetime())
    parts = []
    if "accounts" not in tables.absent:
        accounts = tables["accounts"]
        parts.append(accounts.select("msisdn", active=ibis.coalesce(accounts.activated_at < day, True)))
    for name, at in (("calls", "started_at"), ("sms", "sent_at")):
        if name not in tables.absent:
            events = tables[name]
            parts.append(events.filter(events[at] < day).select("msisdn", active=ibis.literal(True)))
    known = ibis.union(*parts)
    known = known.filter(known.msisdn.notnull())
    return known.group_by("msisdn").aggregate(active=known.active.any())


def known_numbers(data: str | Path, as_of: date) -> pd.DataFrame:
    """Numbers the folder knows as of ``as_of`` (:func:`known_table`), read by DuckDB."""
    data = Path(data)
    if not data.is_dir():
        raise InputError(f"{data}: data folder does not exist")
    if all(table_path(data, name) is None for name in ("accounts", "calls", "sms")):
        raise InputError(f"{data}: no accounts, calls or sms table: nothing to score")
    con = connect("duckdb")
    try:
        return known_table(load_tables(con, data), as_of).to_pandas()
    finally:
        close(con)


def read_numbers(path: str | Path) -> pd.Series:
    """A list of numbers: a text file (one per line), a CSV or Parquet file with an ``msisdn`` column."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: numbers file not found")
    try:
        if path.suffix == ".parquet":
            df = read_parquet(path).to_pandas()
        elif path.suffix == ".csv":
            df = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
        else:
            lines = path.read_text(encoding="utf-8").splitlines()
            return pd.Series(lines, dtype="string", name="msisdn")
    except Exception as exc:  # pandas and pyarrow raise many types for unreadable files
        raise InputError(f"{path}: cannot read the numbers file ({exc})") from exc
    if "msisdn" not in df.columns:
        raise InputError(f"{path}: column 'msisdn' missing; found columns: {', '.join(map(str, df.columns)) or '(none)'}")
    return df["msisdn"].astype("string").rename("msisdn")


def select(known: pd.DataFrame, listed: pd.Series | None = None) -> Selection:
    """The numbers to score and the rejects: all known numbers, or those listed."""
    if listed is None:
        numbers = known["msisdn"].astype("string")
        active = known["active"].astype(bool).to_numpy()
        rejects = pd.DataFrame({"msisdn": numbers[~active], "reason": NOT_ACTIVE})
        return Selection(numbers[active].sort_values(ignore_index=True), rejects.reset_index(drop=True), len(known))

    text = listed.astype("string").str.strip()
    reason = pd.Series(pd.NA, index=text.index, dtype="object")
    reason[text.isna() | (text == "")] = EMPTY
    reason[reason.isna() & text.duplicated(keep="first")] = REPEATED
    status = known.set_index(known["msisdn"].astype("string"))["active"]
    found = text.map(status)
    reason[reason.isna() & found.isna()] = NO_HISTORY
    reason[reason.isna() & (found == False)] = NOT_ACTIVE  # noqa: E712 (elementwise)
    bad = reason.notna()
    rejects = pd.DataFrame({"msisdn": text[bad], "reason": reason[bad]}).reset_index(drop=True)
    return Selection(text[~bad].sort_values(ignore_index=True), rejects, len(text))
