"""The Sichuan format's values and tables map to canonical ones, and back."""

import datetime as dt
import re

import ibis
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudml.ingest.sichuan_format import (
    MISSING_TOKENS,
    UNCLASSIFIED_APP,
    blank_to_null,
    direction_from_calltype,
    from_canonical,
    month_from_arpu_column,
    to_canonical,
)
from fraudml.validation import REASON, ROW, validate

spaces = st.text(alphabet=" \t", max_size=2)


def evaluated(function, values):
    """``function`` of a text column holding ``values``, as the engine computes it."""
    t = ibis.memtable(pa.table({"v": pa.array(values, pa.string()), "i": range(len(values))}))
    return t.order_by("i").select(out=function(t.v)).to_pyarrow()["out"].to_pylist()


def canonical(table: str, raw: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Raw table ``table`` mapped to canonical tables by the engine, values still text, in row order."""
    t = ibis.memtable(pa.Table.from_pandas(raw.assign(**{ROW: range(1, len(raw) + 1)}), preserve_index=False))
    return {name: m.order_by(ROW).to_pandas().drop(columns=[ROW]) for name, m in to_canonical(table, t).items()}


def checked(table: str, raw: pd.DataFrame) -> dict:
    """Raw table ``table`` mapped and validated as an ingest does it."""
    return {name: validate(df, name, f"{table}.csv", MISSING_TOKENS) for name, df in canonical(table, raw).items()}


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(MISSING_TOKENS), spaces, spaces), min_size=1, max_size=10))
def test_every_missing_token_becomes_null_whatever_the_spaces(cases):
    assert evaluated(blank_to_null, [before + token + after for token, before, after in cases]) == [None] * len(cases)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1), min_size=1, max_size=10))
def test_other_text_is_kept_stripped_of_spaces_tabs_and_line_breaks(texts):
    expected = [None if t.strip(" \t\n\r\v\f") in MISSING_TOKENS else t.strip(" \t\n\r\v\f") for t in texts]
    assert evaluated(blank_to_null, texts) == expected


def test_voc_calltypes_map_to_directions():
    codes = ["1", "2", "3", "1.0", " 2 ", "2.00"]
    assert evaluated(lambda c: direction_from_calltype(c, "voc"), codes) == ["out", "in", "fwd", "out", "in", "in"]


def test_sms_calltypes_are_sent_and_received_and_have_no_forward():
    assert evaluated(lambda c: direction_from_calltype(c, "sms"), ["1", "2", "3"]) == ["out", "in", "calltype_id=3"]


unknown_codes = st.text(min_size=1).filter(lambda s: not re.fullmatch(r"[123](\.0+)?", s.strip(" \t\n\r\v\f")) and s.strip(" \t\n\r\v\f") not in MISSING_TOKENS)


@settings(max_examples=15, deadline=None)
@given(st.lists(unknown_codes, min_size=1, max_size=20))
def test_unknown_calltypes_are_quarantined_with_their_code_in_view(codes):
    result = checked("voc", voc_rows(calltype_id=["1", *codes]))["calls"]
    assert len(result.kept) == 1 and len(result.quarantined) == len(codes)
    assert set(result.quarantined[REASON]) == {"direction: not one of out, in, fwd"}
    assert result.quarantined["direction"].tolist() == ["calltype_id=" + c.strip(" \t\n\r\v\f") for c in codes]


def voc_rows(**overrides):
    """Raw voc rows, as many as the overrides give (one by default), each of its own number."""
    n = len(next(iter(overrides.values()), [None]))
    base = {
        "phone_no_m": [f"n{i}" for i in range(n)],
        "opposite_no_m": ["b"] * n,
        "calltype_id": ["1"] * n,
        "start_datetime": ["2019-12-01 08:00:00"] * n,
        "call_dur": ["12"] * n,
        "city_name": [None] * n,
        "county_name": [None] * n,
        "imei_m": ["i"] * n,
    }
    base.update(overrides)
    return pd.DataFrame(base, dtype="string")


datetimes = st.datetimes(min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2099, 12, 31)).map(lambda t: t.replace(microsecond=0))


@settings(max_examples=15, deadline=None)  # validation costs tenths of a second a call: many values per example instead
@given(st.lists(datetimes, min_size=1, max_size=50))
def test_datetimes_in_the_format_are_read_to_the_second(whens):
    result = checked("voc", voc_rows(start_datetime=[w.strftime("%Y-%m-%d %H:%M:%S") for w in whens]))["calls"]
    assert result.kept["started_at"].tolist() == [pd.Timestamp(w) for w in whens]


def test_bad_datetimes_are_quarantined():
    texts = ["2019-02-30 10:00:00", "2019-12-01 25:00:00", "01/12/2019 08:00", "yesterday", "2019-12-01 08:00:00x"]
    result = checked("voc", voc_rows(start_datetime=["2019-12-01 08:00:00", *texts]))["calls"]
    assert len(result.kept) == 1
    assert result.quarantined[REASON].tolist() == ["started_at: not a date and time (YYYY-MM-DD HH:MM:SS)"] * len(texts)
    assert result.quarantined["started_at"].tolist() == texts  # the text as it came


def app_rows(month_id, busi_name="QQ", number="a"):
    return pd.DataFrame({"phone_no_m": [number], "busi_name": [busi_name], "flow": ["1.5"], "month_id": [month_id]}, dtype="string")


months = st.tuples(st.integers(1990, 2099), st.integers(1, 12))


@settings(max_examples=15, deadline=None)
@given(st.lists(months, min_size=1, max_size=30))
def test_both_month_id_formats_give_the_first_of_the_month(year_months):
    texts = [f"{y}-{m:02d}" for y, m in year_months] + [f"{y}{m:02d}" for y, m in year_months]
    app = pd.concat([app_rows(t, number=f"n{i}") for i, t in enumerate(texts)], ignore_index=True)
    result = checked("app", app)["app_usage"]
    assert [pd.Timestamp(m).date() for m in result.kept["month"]] == [dt.date(y, m, 1) for y, m in year_months] * 2


@given(st.integers(1990, 2099), st.integers(1, 12))
def test_arpu_columns_name_their_month(year, month):
    assert month_from_arpu_column(f"arpu_{year}{month:02d}") == f"{year}-{month:02d}"


def test_an_empty_month_id_is_quarantined_and_an_empty_app_is_unclassified():
    app = pd.concat([app_rows(None, busi_name=None), app_rows("2020-04", busi_name=" \\N ")], ignore_index=True)
    result = checked("app", app)["app_usage"]
    assert result.quarantined[REASON].tolist() == ["month: missing"]
    assert result.kept["app"].tolist() == [UNCLASSIFIED_APP]


USER = pd.DataFrame(
    {
        "phone_no_m": ["u1", "u2"],
        "city_name": ["成都", "\\N"],
        "county_name": ["金牛分公司", " 0 "],
        "idcard_cnt": ["1", "3"],
        "arpu_201912": ["9.00", ""],
        "arpu_202001": ["\\N", "-1.5"],
        "label": ["0", "1"],
    },
    dtype="string",
)


def test_the_user_table_gives_accounts_months_and_labels():
    tables = {name: result.kept for name, result in checked("user", USER).items()}
    accounts = tables["accounts"]
    assert accounts["msisdn"].tolist() == ["u1", "u2"]
    assert accounts["home_city"].tolist()[0] == "成都" and pd.isna(accounts["home_city"].iloc[1])
    assert pd.isna(accounts["home_county"].iloc[1])  # county code 0 = missing
    assert accounts["numbers_on_id"].tolist() == [1, 3]
    months = tables["account_months"]
    assert months["msisdn"].tolist() == ["u1", "u1", "u2", "u2"]  # number by number, as the rows are numbered
    assert [pd.Timestamp(m).strftime("%Y-%m") for m in months["month"]] == ["2019-12", "2020-01"] * 2
    assert months["arpu"].isna().tolist() == [False, True, True, False]
    assert months["arpu"].iloc[[0, 3]].tolist() == [9.0, -1.5]
    assert tables["labels"]["label"].tolist() == [0, 1]
    assert tables["labels"][["labelled_at", "fraud_type"]].isna().all().all()


def test_a_user_table_without_labels_or_arpu_gives_accounts_only():
    user = USER[["phone_no_m", "city_name", "county_name", "idcard_cnt"]].assign(label=pd.array([None, " \\N"], dtype="string"))
    assert set(canonical("user", user)) == {"accounts"}


def test_canonical_tables_become_the_four_raw_tables():
    raw = from_canonical(
        {
            "accounts": pd.DataFrame({"msisdn": ["u1", "u2"], "home_city": ["成都", None], "home_county": [None, "x"], "numbers_on_id": [2, None]}),
            "account_months": pd.DataFrame(
                {"msisdn": ["u1", "u2", "u2"], "month": pd.to_datetime(["2020-01-01", "2019-12-01", "2020-01-01"]), "arpu": [1.5, None, 3.0]}
            ),
            "labels": pd.DataFrame({"msisdn": ["u2"], "label": [1]}),
            "calls": pd.DataFrame(
                {"msisdn": ["u1"], "counterpart": ["c"], "direction": ["fwd"], "started_at": [pd.Timestamp("2020-01-02 03:04:05.6")], "duration_s": [7]}
            ),
            "app_usage": pd.DataFrame({"msisdn": ["u1"], "month": [dt.date(2020, 1, 1)], "app": [UNCLASSIFIED_APP], "mb": [0.5]}),
            "sms": pd.DataFrame({"msisdn": [], "counterpart": [], "direction": [], "sent_at": []}),
        }
    )
    assert set(raw) == {"user", "voc", "app"}  # sms has no rows: no sms file
    user = raw["user"]
    assert user.columns.tolist() == ["phone_no_m", "city_name", "county_name", "idcard_cnt", "arpu_201912", "arpu_202001", "label"]
    assert user["arpu_202001"].tolist() == [1.5, 3.0]
    assert pd.isna(user["arpu_201912"].iloc[0]) and pd.isna(user["arpu_201912"].iloc[1])
    assert pd.isna(user["label"].iloc[0]) and user["label"].iloc[1] == 1
    voc = raw["voc"].iloc[0]
    assert (voc["calltype_id"], voc["start_datetime"], voc["call_dur"]) == ("3", "2020-01-02 03:04:05", 7)
    assert pd.isna(raw["app"]["busi_name"].iloc[0]) and raw["app"]["month_id"].iloc[0] == "2020-01"


@pytest.mark.parametrize("column", ["arpu_2019", "arpu_20191", "arpu_201912x", "label"])
def test_only_arpu_yyyymm_columns_are_months(column):
    with pytest.raises(ValueError):
        month_from_arpu_column(column)
