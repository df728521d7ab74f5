"""Validation keeps good rows, quarantines bad ones with a reason, and stops on unusable input."""

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudml.errors import InputError
from fraudml.validation import REASON, ROW, validate, validate_and_write, write_quarantine


def calls(**overrides):
    base = {
        "msisdn": ["a", "b", "c"],
        "counterpart": ["x", "y", "z"],
        "direction": ["out", "in", "fwd"],
        "started_at": ["2020-01-01 10:00:00", "2020-01-02 11:30:00", "2020-01-03 23:59:59"],
        "duration_s": ["5", "0", "612"],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_good_rows_are_kept_and_typed():
    result = validate(calls(), "calls", "calls.csv")
    assert (result.read, len(result.kept), len(result.quarantined)) == (3, 3, 0)
    assert result.kept["duration_s"].tolist() == [5, 0, 612]
    assert result.kept["started_at"].iloc[1] == pd.Timestamp("2020-01-02 11:30:00")
    assert result.kept["city"].isna().all()  # optional columns a source lacks are null


@pytest.mark.parametrize(
    ("column", "bad", "reason"),
    [
        ("direction", "sideways", "direction: not one of out, in, fwd"),
        ("duration_s", "-3", "duration_s: below 0"),
        ("duration_s", "4.5", "duration_s: not a whole number"),
        ("started_at", "2020-13-01 00:00:00", "started_at: not a date and time (YYYY-MM-DD HH:MM:SS)"),
        ("msisdn", None, "msisdn: missing"),
        ("counterpart", "  ", "counterpart: missing"),
    ],
)
def test_a_bad_value_quarantines_its_row_with_the_reason(column, bad, reason):
    df = calls()
    df.loc[1, column] = bad
    result = validate(df, "calls", "calls.csv")
    assert len(result.kept) == 2 and len(result.quarantined) == 1
    row = result.quarantined.iloc[0]
    assert row[ROW] == 2 and row[REASON] == reason
    assert "quarantined 1" in result.summary()


def test_exact_duplicates_are_quarantined_once_the_first_is_kept():
    df = pd.concat([calls(), calls().iloc[[0, 0]]], ignore_index=True)
    result = validate(df, "calls", "calls.csv")
    assert len(result.kept) == 3
    assert result.quarantined[ROW].tolist() == [4, 5]
    assert set(result.quarantined[REASON]) == {"exact duplicate of an earlier row"}


def test_a_second_row_for_a_key_is_quarantined():
    accounts = pd.DataFrame({"msisdn": ["a", "a", "b"], "home_city": ["成都", "绵阳", "成都"]})
    result = validate(accounts, "accounts", "user.csv")
    assert result.kept["msisdn"].tolist() == ["a", "b"]
    assert result.quarantined[REASON].tolist() == ["msisdn: repeats an earlier row with other values"]


def test_months_parse_in_every_format_the_sources_use():
    months = pd.DataFrame({"msisdn": ["a"] * 4, "month": ["2019-12", "202001", "2020-02-01", "2020-03"], "arpu": ["1", None, "-2.5", "\\N"]})
    result = validate(months, "account_months", "m.csv")
    assert result.kept["month"].dt.strftime("%Y-%m-%d").tolist() == ["2019-12-01", "2020-01-01", "2020-02-01"]
    assert result.quarantined[REASON].tolist() == ["arpu: not a number"]  # \N must be mapped by the reader


@pytest.mark.parametrize(
    ("df", "message"),
    [
        (calls().drop(columns=["direction"]), "calls.csv: required column(s) direction missing"),
        (calls().iloc[0:0], "calls.csv: table 'calls' is empty"),
        (calls(started_at=["yesterday", "today", "tomorrow"]), "column 'started_at' of table 'calls': no value parses"),
    ],
)
def test_unusable_input_stops_with_a_message_naming_file_column_and_rows(df, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")) as err:
        validate(df, "calls", "calls.csv")
    if "no value parses" in message:
        assert "rows 1 ('yesterday'), 2 ('today'), 3 ('tomorrow')" in str(err.value)


def test_quarantine_file_holds_the_source_values_row_and_reason(tmp_path):
    df = calls(direction=["out", "??", "in"])
    results = validate_and_write({"calls": df}, tmp_path)
    assert (tmp_path / "calls.parquet").exists()
    q = pd.read_parquet(tmp_path / "_quarantine" / "calls.parquet")
    assert q[["direction", ROW, REASON]].values.tolist() == [["??", 2, "direction: not one of out, in, fwd"]]
    assert write_quarantine(validate(calls(), "calls", "x"), tmp_path / "clean") is None
    assert results[0].read == 3


cell = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["out", "in", "fwd", "5", "-1", "2020-01-01 00:00:00"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell, cell, cell, cell, cell), min_size=1, max_size=30))
def test_no_row_is_ever_lost(rows):
    df = pd.DataFrame(rows, columns=["msisdn", "counterpart", "direction", "started_at", "duration_s"])
    try:
        result = validate(df, "calls", "fuzz.csv")
    except InputError:
        return  # a whole column unparseable is refused outright, which is also not a silent loss
    assert result.read == len(df)
    assert sorted(result.quarantined[ROW].tolist() + [r for r in range(1, len(df) + 1) if r not in set(result.quarantined[ROW])]) == list(range(1, len(df) + 1))
    assert result.kept["direction"].isin(["out", "in", "fwd"]).all()
    assert (result.kept["duration_s"] >= 0).all()
