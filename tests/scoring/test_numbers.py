"""Which numbers are scored, and why the others are rejected: numbers in = to score + rejected."""

import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.scoring.numbers import EMPTY, NO_HISTORY, NOT_ACTIVE, REPEATED, known_numbers, read_numbers, select
from fraudml.tables import write_table

AS_OF = pd.Timestamp("2020-03-01")


@pytest.fixture
def folder(tmp_path):
    write_table(pd.DataFrame({"msisdn": ["a", "b", "late"], "activated_at": pd.to_datetime(["2019-01-01", None, "2020-03-01"])}), tmp_path, "accounts")
    calls = pd.DataFrame({
        "msisdn": ["a", "c", "after"], "counterpart": ["x", "y", "z"], "direction": ["out", "in", "out"],
        "started_at": pd.to_datetime(["2020-02-01 00:00:00", "2020-02-28 23:59:59", "2020-03-01 00:00:00"]), "duration_s": [10, 20, 30],
    })
    write_table(calls, tmp_path, "calls")
    return tmp_path


def test_known_numbers_are_accounts_and_callers_before_as_of(folder):
    known = known_numbers(folder, AS_OF).sort_values("msisdn")
    assert known["msisdn"].tolist() == ["a", "b", "c", "late"]
    assert known["active"].tolist() == [True, True, True, False]


def test_default_selection_rejects_numbers_not_active_yet(folder):
    sel = select(known_numbers(folder, AS_OF))
    assert sel.numbers.tolist() == ["a", "b", "c"]
    assert sel.rejects.values.tolist() == [["late", NOT_ACTIVE]]
    assert sel.numbers_in == len(sel.numbers) + len(sel.rejects) == 4


def test_listed_numbers_each_scored_or_rejected(folder):
    listed = pd.Series(["c", " a ", "", "a", "nobody", "late", None])
    sel = select(known_numbers(folder, AS_OF), listed)
    assert sel.numbers.tolist() == ["a", "c"]
    assert dict(zip(sel.rejects["msisdn"].fillna("<na>"), sel.rejects["reason"])) == {
        "": EMPTY, "<na>": EMPTY, "nobody": NO_HISTORY, "late": NOT_ACTIVE,
    } | {"a": REPEATED}
    assert sel.numbers_in == 7 == len(sel.numbers) + len(sel.rejects)


def test_read_numbers_formats(tmp_path):
    (tmp_path / "n.txt").write_text("a\nb\n")
    pd.DataFrame({"msisdn": ["a"], "x": [1]}).to_csv(tmp_path / "n.csv", index=False)
    pd.DataFrame({"msisdn": ["b"]}).to_parquet(tmp_path / "n.parquet")
    assert read_numbers(tmp_path / "n.txt").tolist() == ["a", "b"]
    assert read_numbers(tmp_path / "n.csv").tolist() == ["a"]
    assert read_numbers(tmp_path / "n.parquet").tolist() == ["b"]


def test_bad_numbers_files_are_named(tmp_path):
    pd.DataFrame({"phone": ["a"]}).to_csv(tmp_path / "n.csv", index=False)
    with pytest.raises(InputError, match=r"n.csv: column 'msisdn' missing; found columns: phone"):
        read_numbers(tmp_path / "n.csv")
    (tmp_path / "n.parquet").write_bytes(b"not parquet")
    with pytest.raises(InputError, match=r"n.parquet: cannot read"):
        read_numbers(tmp_path / "n.parquet")
    with pytest.raises(InputError, match="not found"):
        read_numbers(tmp_path / "absent.txt")


def test_folder_without_tables_is_refused(tmp_path):
    with pytest.raises(InputError, match="nothing to score"):
        known_numbers(tmp_path, AS_OF)


def test_corrupt_table_is_named(folder):
    (folder / "calls.parquet").write_bytes(b"garbage")
    with pytest.raises(InputError, match="calls.parquet: cannot read as Parquet"):
        known_numbers(folder, AS_OF)
