"""The Sichuan competition's tables and the canonical tables, mapped both ways.

Pure DataFrame functions, no I/O. Reading keeps values as text (with the missing
value tokens turned into nulls) so that validation types them and quarantines a
bad value together with the text it came from. See docs/sichuan.md.
"""

from __future__ import annotations

import re

import pandas as pd

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


def blank_to_null(values: pd.Series) -> pd.Series:
    """Text with surrounding spaces removed and every missing value token as null."""
    text = values.astype("string").str.strip()
    return text.mask(text.isin(MISSING_TOKENS))


def direction_from_calltype(codes: pd.Series, table: str) -> pd.Series:
    """calltype_id to out / in / fwd; an unknown code stays visible as 'calltype_id=<code>'
    so that validation quarantines its row with the code in view."""
    text = blank_to_null(codes)
    code = text.str.replace(r"^(\d+)\.0+$", r"\1", regex=True)  # 1.0 from float exports
    direction = code.map(CALLTYPES[table]).astype("string")
    return direction.mask(direction.isna() & text.notna(), "calltype_id=" + text)


def month_from_arpu_column(column: str) -> str:
    """'arpu_201908' -> '2019-08'."""
    match = ARPU.match(column)
    if match is None:
        raise ValueError(f"not an arpu_YYYYMM column: {column!r}")
    return f"{match[1]}-{match[2]}"


def file_county(county: pd.Series, source: str) -> pd.Series:
    """County names as they are; a county given as a number is that file's own code (a label encoding, see
    docs/sichuan.md): it is qualified with the file's name, ``train_user.csv#94``, so that it never equals another
    file's code for another county."""
    county = county.mask(county == MISSING_COUNTY_CODE)
    coded = county.str.fullmatch(COUNTY_CODE.pattern).fillna(False).astype(bool)
    return county.mask(coded, source + "#" + county)


def user_to_canonical(user: pd.DataFrame, source: str = "user.csv") -> dict[str, pd.DataFrame]:
    """The user table (read from the file named ``source``) as accounts, account_months (when it has
    arpu_YYYYMM columns) and labels (when it has a label column)."""
    msisdn = blank_to_null(user["phone_no_m"])
    county = file_county(blank_to_null(user["county_name"]), source)
    tables = {
        "accounts": pd.DataFrame(
            {
                "msisdn": msisdn,
                "numbers_on_id": blank_to_null(user["idcard_cnt"]),
                "home_city": blank_to_null(user["city_name"]),
                "home_county": county,
            }
        )
    }
    arpu_columns = [c for c in user.columns if ARPU.match(c)]
    if arpu_columns:
        # one row per number and month, number by number; a missing arpu stays null
        months = [month_from_arpu_column(c) for c in arpu_columns]
        arpu = pd.concat([blank_to_null(user[c]) for c in arpu_columns], axis=1)
        tables["account_months"] = pd.DataFrame(
            {
                "msisdn": msisdn.repeat(len(months)).to_numpy(),
                "month": months * len(user),
                "arpu": pd.array(arpu.to_numpy().ravel(), dtype="string"),
            }
        )
    label = blank_to_null(user[LABEL]) if LABEL in user.columns else None
    if label is not None and label.notna().any():  # an all-empty label column is an unlabelled file
        tables["labels"] = pd.DataFrame({"msisdn": msisdn, "label": label})
    return tables


def voc_to_calls(voc: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "msisdn": blank_to_null(voc["phone_no_m"]),
            "counterpart": blank_to_null(voc["opposite_no_m"]),
            "direction": direction_from_calltype(voc["calltype_id"], "voc"),
            "started_at": blank_to_null(voc["start_datetime"]),
            "duration_s": blank_to_null(voc["call_dur"]),
            "city": blank_to_null(voc["city_name"]),
            "county": blank_to_null(voc["county_name"]),
            "imei": blank_to_null(voc["imei_m"]),
        }
    )


def sms_to_sms(sms: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "msisdn": blank_to_null(sms["phone_no_m"]),
            "counterpart": blank_to_null(sms["opposite_no_m"]),
            "direction": direction_from_calltype(sms["calltype_id"], "sms"),
            "sent_at": blank_to_null(sms["request_datetime"]),
        }
    )


def app_to_app_usage(app: pd.DataFrame) -> pd.DataFrame:
    """busi_name -> app (empty: UNCLASSIFIED_APP), flow -> mb. An empty month_id stays
    null, so validation quarantines the row ('month: missing')."""
    return pd.DataFrame(
        {
            "msisdn": blank_to_null(app["phone_no_m"]),
            "month": blank_to_null(app["month_id"]),
            "app": blank_to_null(app["busi_name"]).fillna(UNCLASSIFIED_APP),
            "mb": blank_to_null(app["flow"]),
        }
    )


def to_canonical(table: str, raw: pd.DataFrame, source: str = "") -> dict[str, pd.DataFrame]:
    """Raw table ``table`` (user, voc, sms or app), read from the file named ``source``, as canonical tables,
    values still text."""
    if table == "user":
        return user_to_canonical(raw, source or "user.csv")
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
