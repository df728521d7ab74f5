"""The Sichuan competition's tables and the canonical tables, mapped both ways.

No I/O. Reading is mapped by engine expressions over the raw tables' text: a
column that only moves keeps its text as it is, and validation strips it, reads
the missing value tokens as nulls, types it and quarantines a bad value together
with the text it came from; writing the format back is mapped by DataFrame
functions. See docs/sichuan.md.
"""

from __future__ import annotations

import re

import ibis
import pandas as pd

from fraudml.validation.rules import ROW, one_of, stripped

# how the competition's files write a missing value: empty fields in round 1,
# the literal \N in the May 2020 files; NULL and NaN from other exporters
MISSING_TOKENS = ("", "\\N", "NULL", "null", "NaN", "nan")
# an empty busi_name is data volume the operator did not attribute to an app
UNCLASSIFIED_APP = "(unclassified)"
# LabelEncoder county codes in the train user file use 0 for a missing county
MISSING_COUNTY_CODE = "0"
# the raw files name a county (金牛分公司); a copy may hold a number instead, one file's own code for it
COUNTY_CODE = re.compile(r"^\d+$")

COLUMNS = {
    "user": ("phone_no_m", "city_name", "county_name", "idcard_cnt"),
    "voc": ("phone_no_m", "opposite_no_m", "calltype_id", "start_datetime", "call_dur", "city_name", "county_name", "imei_m"),
    "sms": ("phone_no_m", "opposite_no_m", "calltype_id", "request_datetime"),
    "app": ("phone_no_m", "busi_name", "flow", "month_id"),
}
LABEL = "label"
ARPU = re.compile(r"^arpu_(\d{4})(\d{2})$")
CALLTYPES = {
    "voc": {"1": "out", "2": "in", "3": "fwd"},
    "sms": {"1": "out", "2": "in"},  # 1 sent, 2 received
}
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def is_format_column(table: str, column: str) -> bool:
    """Whether ``column`` belongs to raw table ``table`` (other columns are ignored)."""
    if column in COLUMNS[table]:
        return True
    return table == "user" and (column == LABEL or ARPU.match(column) is not None)


def blank_to_null(values):
    """Text with surrounding spaces removed and every missing value token as null (an engine expression)."""
    text = stripped(values)
    return ibis.ifelse(one_of(text, MISSING_TOKENS), ibis.null("string"), text)


def direction_from_calltype(codes, table: str):
    """calltype_id to out / in / fwd; an unknown code stays visible as 'calltype_id=<code>'
    so that validation quarantines its row with the code in view."""
    text = blank_to_null(codes)
    code = ibis.ifelse(text.contains("."), text.re_replace(r"^([0-9]+)\.0+$", r"\1"), text)  # 1.0 from float exports
    known = ibis.cases(*((code == c, d) for c, d in CALLTYPES[table].items()), else_=ibis.null("string"))
    return ibis.ifelse(known.isnull() & text.notnull(), "calltype_id=" + text, known)


def month_from_arpu_column(column: str) -> str:
    """'arpu_201908' -> '2019-08'."""
    match = ARPU.match(column)
    if match is None:
        raise ValueError(f"not an arpu_YYYYMM column: {column!r}")
    return f"{match[1]}-{match[2]}"


def file_county(county, source: str):
    """County names as they are; a county given as a number is that file's own code (a label encoding, see
    docs/sichuan.md): it is qualified with the file's name, ``train_user.csv#94``, so that it never equals another
    file's code for another county. ``county``: an engine expression of text, missing values already null."""
    county = ibis.ifelse(county == MISSING_COUNTY_CODE, ibis.null("string"), county)
    return ibis.ifelse(county.re_search(COUNTY_CODE.pattern), ibis.literal(source + "#") + county, county)


def user_to_canonical(user, labelled: bool, source: str = "user.csv") -> dict[str, object]:
    """The user table (an engine table of text columns with ``_row``, read from the file named ``source``) as
    accounts, account_months (when it has arpu_YYYYMM columns) and labels (when ``labelled``: it has a label column
    with a value in it)."""
    tables = {
        "accounts": user.select(
            ROW,
            msisdn=user["phone_no_m"],
            numbers_on_id=user["idcard_cnt"],
            home_city=user["city_name"],
            home_county=file_county(blank_to_null(user["county_name"]), source),
        )
    }
    arpu_columns = [c for c in user.columns if ARPU.match(c)]
    if arpu_columns:
        # one row per number and month, number by number (rows numbered in that order); a missing arpu stays null
        n = len(arpu_columns)
        tables["account_months"] = ibis.union(*(
            user.select(msisdn=user["phone_no_m"], month=ibis.literal(month_from_arpu_column(c)), arpu=user[c],
                        **{ROW: (user[ROW] - 1) * n + i + 1})
            for i, c in enumerate(arpu_columns)
        )).order_by(ROW)  # a user table is small: its months are written number by number, as they are numbered
    if labelled:
        tables["labels"] = user.select(ROW, msisdn=user["phone_no_m"], label=user[LABEL])
    return tables


def has_labels(user) -> bool:
    """Whether the user table has a label column with a value in it (an all-empty one is an unlabelled file)."""
    return LABEL in user.columns and bool(blank_to_null(user[LABEL]).notnull().any().execute())


def voc_to_calls(voc):
    return voc.select(
        ROW,
        msisdn=voc["phone_no_m"],
        counterpart=voc["opposite_no_m"],
        direction=direction_from_calltype(voc["calltype_id"], "voc"),
        started_at=voc["start_datetime"],
        duration_s=voc["call_dur"],
        city=voc["city_name"],
        county=voc["county_name"],
        imei=voc["imei_m"],
    )


def sms_to_sms(sms):
    return sms.select(
        ROW,
        msisdn=sms["phone_no_m"],
        counterpart=sms["opposite_no_m"],
        direction=direction_from_calltype(sms["calltype_id"], "sms"),
        sent_at=sms["request_datetime"],
    )


def app_to_app_usage(app):
    """busi_name -> app (empty: UNCLASSIFIED_APP), flow -> mb. An empty month_id stays
    null, so validation quarantines the row ('month: missing')."""
    return app.select(
        ROW,
        msisdn=app["phone_no_m"],
        month=app["month_id"],
        app=ibis.coalesce(blank_to_null(app["busi_name"]), ibis.literal(UNCLASSIFIED_APP)),
        mb=app["flow"],
    )


def to_canonical(table: str, raw, source: str = "") -> dict[str, object]:
    """Raw table ``table`` (user, voc, sms or app; an engine table of text columns with ``_row``), read from the file
    named ``source``, as canonical tables, values still text, each row keeping its ``_row``. Validate them with
    ``missing=MISSING_TOKENS``."""
    if table == "user":
        return user_to_canonical(raw, has_labels(raw), source or "user.csv")
    if table == "voc":
        return {"calls": voc_to_calls(raw)}
    if table == "sms":
        return {"sms": sms_to_sms(raw)}
    if table == "app":
        return {"app_usage": app_to_app_usage(raw)}
    raise KeyError(table)


# ---- canonical -> Sichuan ------------------------------------------------------------

CALLTYPE_CODES = {table: {d: c for c, d in codes.items()} for table, codes in CALLTYPES.items()}


def _datetime_text(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.strftime(DATETIME_FORMAT).astype("string")


def _month_start(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values).dt.to_period("M")


def user_from_canonical(
    accounts: pd.DataFrame | None, account_months: pd.DataFrame | None, labels: pd.DataFrame | None
) -> pd.DataFrame | None:
    """One user row per number in any of the three tables: arpu_YYYYMM per month present,
    label when labels exist. Columns the format lacks are lost."""
    parts = [t for t in (accounts, account_months, labels) if t is not None]
    if not parts:
        return None
    numbers = pd.unique(pd.concat([t["msisdn"] for t in parts], ignore_index=True))
    user = pd.DataFrame({"phone_no_m": pd.array(numbers, dtype="string")})
    if accounts is not None:
        user = user.merge(
            accounts[["msisdn", "home_city", "home_county", "numbers_on_id"]].rename(
                columns={"msisdn": "phone_no_m", "home_city": "city_name", "home_county": "county_name", "numbers_on_id": "idcard_cnt"}
            ),
            on="phone_no_m",
            how="left",
        )
    for column in COLUMNS["user"]:
        if column not in user.columns:
            user[column] = pd.NA
    user["idcard_cnt"] = user["idcard_cnt"].astype("Int64")
    if account_months is not None:
        months = account_months.assign(column="arpu_" + _month_start(account_months["month"]).dt.strftime("%Y%m"))
        arpu = months.pivot(index="msisdn", columns="column", values="arpu").astype("Float64")
        user = user.merge(arpu[sorted(arpu.columns)], left_on="phone_no_m", right_index=True, how="left")
    if labels is not None:
        user = user.merge(labels[["msisdn", "label"]].rename(columns={"msisdn": "phone_no_m"}), on="phone_no_m", how="left")
        user[LABEL] = user[LABEL].astype("Int64")
    return user


def voc_from_calls(calls: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone_no_m": calls["msisdn"],
            "opposite_no_m": calls["counterpart"],
            "calltype_id": calls["direction"].map(CALLTYPE_CODES["voc"]),
            "start_datetime": _datetime_text(calls["started_at"]),
            "call_dur": calls["duration_s"].astype("Int64"),
            "city_name": calls.get("city"),
            "county_name": calls.get("county"),
            "imei_m": calls.get("imei"),
        }
    )


def sms_from_sms(sms: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "phone_no_m": sms["msisdn"],
            "opposite_no_m": sms["counterpart"],
            "calltype_id": sms["direction"].map(CALLTYPE_CODES["sms"]),
            "request_datetime": _datetime_text(sms["sent_at"]),
        }
    )


def app_from_app_usage(app_usage: pd.DataFrame) -> pd.DataFrame:
    """Months as round 1 writes them (2019-12); the unclassified app as an empty busi_name."""
    return pd.DataFrame(
        {
            "phone_no_m": app_usage["msisdn"],
            "busi_name": app_usage["app"].astype("string").mask(app_usage["app"] == UNCLASSIFIED_APP),
            "flow": app_usage["mb"].astype("Float64"),
            "month_id": _month_start(app_usage["month"]).dt.strftime("%Y-%m").astype("string"),
        }
    )


def from_canonical(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Canonical tables as the raw Sichuan tables (user, voc, sms, app) they can fill; a
    table that is absent or has no rows gives no raw table (the format has no empty files)."""
    given = {name: t for name, t in tables.items() if t is not None and len(t)}
    raw = {}
    user = user_from_canonical(given.get("accounts"), given.get("account_months"), given.get("labels"))
    if user is not None:
        raw["user"] = user
    if "calls" in given:
        raw["voc"] = voc_from_calls(given["calls"])
    if "sms" in given:
        raw["sms"] = sms_from_sms(given["sms"])
    if "app_usage" in given:
        raw["app"] = app_from_app_usage(given["app_usage"])
    return raw
