"""Validation keeps good rows, quarantines bad ones with a reason, and stops on unusable input."""

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudml.errors import InputError
from fraudml.tables import TABLES, parquet_files, read_parquet, table_path
from fraudml.validation import REASON, ROW, validate, validate_and_write, validate_folder


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
        ("duration_s", "3000000000", "duration_s: not a whole number"),  # beyond the column's 32 bits
        ("started_at", "2020-13-01 00:00:00", "started_at: not a date and time (YYYY-MM-DD HH:MM:SS)"),
        ("started_at", "2020-01-05 24:00:00", "started_at: not a date and time (YYYY-MM-DD HH:MM:SS)"),
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
    assert row[column] == (None if bad is None else bad) or pd.isna(row[column])  # the source value, as given
    assert "quarantined 1" in result.summary()


def test_values_are_read_in_the_forms_the_sources_write_them():
    df = calls(started_at=["2020-01-05", " 2020-01-05T10:00:00 ", "2020-01-05 10:00:00.5"], duration_s=["5.0", " 1e3 ", "+7"])
    result = validate(df, "calls", "calls.csv")
    assert result.kept["started_at"].tolist() == [pd.Timestamp("2020-01-05"), pd.Timestamp("2020-01-05 10:00"),
                                                  pd.Timestamp("2020-01-05 10:00:00.5")]
    assert result.kept["duration_s"].tolist() == [5, 1000, 7]


def test_exact_duplicates_are_quarantined_once_the_first_is_kept():
    df = pd.concat([calls(), calls().iloc[[0, 0]]], ignore_index=True)
    df.loc[4, "duration_s"] = " 5.0 "  # the same value, written otherwise: still a duplicate
    df.loc[3, "msisdn"] = " a\t"  # the number too
    result = validate(df, "calls", "calls.csv")
    assert len(result.kept) == 3
    assert result.quarantined[ROW].tolist() == [4, 5]
    assert set(result.quarantined[REASON]) == {"exact duplicate of an earlier row"}


def test_a_bad_row_does_not_count_as_the_first_of_its_duplicates():
    df = pd.concat([calls(direction=["??", "in", "fwd"]), calls().iloc[[0]]], ignore_index=True)
    df.loc[3, "direction"] = "??"
    result = validate(df, "calls", "calls.csv")
    assert result.quarantined[[ROW, REASON]].values.tolist() == [[1, "direction: not one of out, in, fwd"],
                                                                 [4, "direction: not one of out, in, fwd"]]


def test_a_second_row_for_a_key_is_quarantined():
    accounts = pd.DataFrame({"msisdn": ["a", "a", "b", "a"], "home_city": ["成都", "绵阳", "成都", "成都"]})
    result = validate(accounts, "accounts", "user.csv")
    assert result.kept["msisdn"].tolist() == ["a", "b"]
    assert result.quarantined[[ROW, REASON]].values.tolist() == [
        [2, "msisdn: repeats an earlier row with other values"], [4, "exact duplicate of an earlier row"]]


def test_months_parse_in_every_format_the_sources_use():
    months = pd.DataFrame({"msisdn": ["a"] * 4, "month": ["2019-12", "202001", "2020-02-01", "2020-03"], "arpu": ["1", None, "-2.5", "\\N"]})
    result = validate(months, "account_months", "m.csv")
    assert result.kept["month"].dt.strftime("%Y-%m-%d").tolist() == ["2019-12-01", "2020-01-01", "2020-02-01"]
    assert result.quarantined[REASON].tolist() == ["arpu: not a number"]  # \N must be mapped by the reader


def test_typed_columns_are_checked_as_they_are():
    df = pd.DataFrame({"msisdn": ["a", "b", "c", "d"], "month": pd.to_datetime(["2020-01-15"] * 4),
                       "app": ["QQ"] * 4, "mb": [1.5, float("nan"), float("inf"), -1.0]})
    result = validate(df, "app_usage", "app.parquet")
    assert result.kept["month"].tolist() == [pd.Timestamp("2020-01-01")]
    assert result.quarantined[REASON].tolist() == ["mb: missing", "mb: not a number", "mb: below 0"]


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


def test_written_tables_take_their_layout_and_the_quarantine_holds_source_values(tmp_path):
    df = calls(direction=["out", "??", "in"])
    results = validate_and_write({"calls": df, "labels": pd.DataFrame({"msisdn": ["a"], "label": ["1"]})}, tmp_path)
    assert [(r.name, r.read, r.kept, r.quarantined) for r in results] == [("calls", 3, 2, 1), ("labels", 1, 1, 0)]
    assert table_path(tmp_path, "calls") == tmp_path / "calls"  # an event table: a folder of parts
    assert sorted(p.relative_to(tmp_path).as_posix() for p in (tmp_path / "calls").rglob("*.parquet")) == [
        "calls/part-0.parquet"]
    for path, name in ((tmp_path / "labels.parquet", "labels"), (tmp_path / "calls" / "part-0.parquet", "calls")):
        assert [(f.name, f.type) for f in pq.read_schema(path)] == [(f.name, f.type) for f in TABLES[name].arrow_schema()]
    q = pd.read_parquet(tmp_path / "_quarantine" / "calls.parquet")
    assert q[["direction", ROW, REASON]].values.tolist() == [["??", 2, "direction: not one of out, in, fwd"]]
    assert not (tmp_path / "_quarantine" / "labels.parquet").exists()


@pytest.mark.parametrize("bad", [False, True])
def test_the_written_quarantine_holds_every_row_not_kept_in_source_order(tmp_path, bad):
    """With or without a row failing a rule of its columns (the quarantine then checks every row again, else only
    the repeats), it holds each row not kept with its source values and reason, in source order."""
    df = pd.DataFrame({"msisdn": ["a", "b", " a", "c", "b", "a"], "numbers_on_id": ["1", "2", "1.0", "x" if bad else "3",
                                                                                   "2", "9"]})
    [result] = validate_and_write({"accounts": df}, tmp_path)
    q = pd.read_parquet(tmp_path / "_quarantine" / "accounts.parquet")
    expected = [[" a", "1.0", 3, "exact duplicate of an earlier row"],
                *([["c", "x", 4, "numbers_on_id: not a whole number"]] if bad else []),
                ["b", "2", 5, "exact duplicate of an earlier row"],
                ["a", "9", 6, "msisdn: repeats an earlier row with other values"]]
    assert q[["msisdn", "numbers_on_id", ROW, REASON]].values.tolist() == expected
    assert (result.read, result.kept) == (6, 2 if bad else 3)
    assert pd.read_parquet(tmp_path / "accounts.parquet")["msisdn"].tolist() == ["a", "b", *([] if bad else ["c"])]


def test_writing_again_replaces_a_table_in_either_form(tmp_path):
    pq.write_table(pa.table({"msisdn": ["old"]}), tmp_path / "calls.parquet")
    validate_and_write({"calls": calls()}, tmp_path)
    assert not (tmp_path / "calls.parquet").exists() and table_path(tmp_path, "calls") == tmp_path / "calls"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # nothing half-written left


def test_a_canonical_folder_is_checked_without_being_changed(tmp_path):
    validate_and_write({"calls": calls(), "labels": pd.DataFrame({"msisdn": ["a"], "label": [1]})}, tmp_path)
    before = sorted(tmp_path.rglob("*"))
    results, absent = validate_folder(tmp_path)
    assert {r.name: (r.read, r.quarantined) for r in results} == {"calls": (3, 0), "labels": (1, 0)}
    assert set(absent) == set(TABLES) - {"calls", "labels"}
    assert sorted(tmp_path.rglob("*")) == before


def test_the_rows_of_a_folder_of_parts_are_numbered_across_the_parts(tmp_path):
    part = pa.table({"msisdn": ["a", "b"], "label": pa.array([0, 1], pa.int8())})
    (tmp_path / "labels").mkdir()
    pq.write_table(part, tmp_path / "labels" / "part-0.parquet")
    pq.write_table(part, tmp_path / "labels" / "part-1.parquet")
    [result], _ = validate_folder(tmp_path)
    assert (result.read, result.reasons) == (4, {"exact duplicate of an earlier row": 2})


cell = st.one_of(st.none(), st.text(max_size=6), st.sampled_from(["out", "in", "fwd", "5", "-1", "2020-01-01 00:00:00"]))


@settings(max_examples=25, deadline=None)  # each example runs the engine: a few tenths of a second
@given(st.lists(st.tuples(cell, cell, cell, cell, cell), min_size=1, max_size=40))
def test_no_row_is_ever_lost(rows):
    df = pd.DataFrame(rows, columns=["msisdn", "counterpart", "direction", "started_at", "duration_s"])
    try:
        result = validate(df, "calls", "fuzz.csv")
    except InputError:
        return  # a whole column unparseable is refused outright, which is also not a silent loss
    assert result.read == len(df) == len(result.kept) + len(result.quarantined)
    assert result.quarantined[ROW].is_unique and result.quarantined[ROW].between(1, len(df)).all()
    assert result.kept["direction"].isin(["out", "in", "fwd"]).all()
    assert (result.kept["duration_s"] >= 0).all()
    assert not result.kept.duplicated().any()


# the edges a text may have: every space and line break, a control character, and characters of one to three bytes
edged = st.text(alphabet=st.sampled_from([" ", "\t", "\n", "\r", "\x0b", "\x0c", "\x01", "a", "9", "-", "é", "城"]),
                max_size=8)


@settings(max_examples=40, deadline=None)
@given(st.lists(edged, min_size=3, max_size=3))
def test_text_is_kept_without_the_spaces_around_it(texts):
    result = validate(calls(counterpart=texts), "calls", "calls.csv")
    expected = [t.strip(" \t\n\r\x0b\x0c") for t in texts]
    kept = dict(zip(result.kept["msisdn"], result.kept["counterpart"]))
    assert kept == {n: t for n, t in zip("abc", expected) if t}
    assert set(result.quarantined[REASON]) <= {"counterpart: missing"}


def test_written_rows_keep_their_source_order(tmp_path):
    n = 300_000  # several batches, read by more than one thread
    rows = pd.DataFrame({"msisdn": [f"n{i % 997}" for i in range(n)], "month": ["2020-01"] * n,
                         "app": [f"a{i}" for i in range(n)], "mb": [str(i % 5) for i in range(n)]})
    rows.loc[1000:1100, ["msisdn", "app", "mb"]] = rows.loc[0:100, ["msisdn", "app", "mb"]].to_numpy()  # repeats
    [result] = validate_and_write({"app_usage": rows}, tmp_path)
    written = pd.read_parquet(tmp_path / "app_usage.parquet")
    assert result.quarantined == 101
    assert written["app"].tolist() == rows["app"].drop(index=range(1000, 1101)).tolist()


def test_a_table_in_memory_written_in_parts_gives_the_same_files_each_time_its_rows_in_order(tmp_path, monkeypatch):
    """Held in pieces, which DuckDB's threads scan side by side: the parts hold the kept rows in the table's order,
    the quarantine its repeats in order, and a second write gives the same bytes."""
    monkeypatch.setattr("fraudml.validation.run.PART_BYTES", 500_000)  # several parts of a small table
    n = 300_000
    i = np.arange(n)
    rows = pd.DataFrame({"msisdn": [f"n{k % 977}" for k in i], "counterpart": [f"c{k}" for k in i],
                         "direction": np.where(i % 2 == 0, "out", "in"),
                         "started_at": pd.Timestamp("2020-01-01") + pd.to_timedelta(i, unit="s"),
                         "duration_s": i % 600})
    rows.iloc[1::3] = rows.iloc[0::3].to_numpy()  # every third row from the second on repeats the row before it
    pieces = pa.Table.from_batches(pa.Table.from_pandas(rows, preserve_index=False).to_batches(max_chunksize=10_000))
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        validate_and_write({"calls": pieces}, out)
    files = [parquet_files(out / "calls") for out in outs]
    assert len(files[0]) > 1
    assert [p.relative_to(outs[0]) for p in files[0]] == [p.relative_to(outs[1]) for p in files[1]]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(*files))
    kept = [k for k in i if k % 3 != 1]
    assert read_parquet(outs[0] / "calls", ["counterpart"]).column(0).to_pylist() == [f"c{k}" for k in kept]
    quarantine = pq.read_table(outs[0] / "_quarantine" / "calls.parquet", columns=[ROW]).column(0).to_pylist()
    assert quarantine == list(range(2, n + 1, 3))
