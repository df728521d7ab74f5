"""Canonical folders: reading tables, exact Arrow types, atomic writes."""

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fraudml.errors import InputError
from fraudml.tables import TABLES, parquet_files, read_table, table_path, to_arrow, write_atomic, write_table


def test_written_tables_have_the_canonical_arrow_schema(tmp_path):
    df = pd.DataFrame({"msisdn": ["a"], "label": [1], "labelled_at": [pd.Timestamp("2020-01-05")]})
    path = write_table(df, tmp_path, "labels")
    assert pq.read_schema(path).equals(TABLES["labels"].arrow_schema())
    back = read_table(tmp_path, "labels")
    assert back.columns.tolist() == TABLES["labels"].names
    assert back.loc[0, "label"] == 1 and pd.isna(back.loc[0, "fraud_type"])


def test_a_table_may_be_a_folder_of_parts(tmp_path):
    (tmp_path / "sms").mkdir()
    part = to_arrow(pd.DataFrame({"msisdn": ["a"], "counterpart": ["b"], "direction": ["in"], "sent_at": [pd.Timestamp("2020-01-01")]}), "sms")
    pq.write_table(part, tmp_path / "sms" / "part-0.parquet")
    pq.write_table(part, tmp_path / "sms" / "part-1.parquet")
    assert table_path(tmp_path, "sms") == tmp_path / "sms"
    assert len(read_table(tmp_path, "sms")) == 2


def test_the_parts_of_a_table_are_taken_in_the_order_of_their_numbers(tmp_path):
    (tmp_path / "sms").mkdir()
    for i in (0, 1, 2, 10, 11):
        part = pd.DataFrame({"msisdn": [str(i)], "counterpart": ["b"], "direction": ["in"],
                             "sent_at": [pd.Timestamp("2020-01-01")]})
        pq.write_table(to_arrow(part, "sms"), tmp_path / "sms" / f"part-{i}.parquet")
    assert [p.name for p in parquet_files(tmp_path / "sms")] == [f"part-{i}.parquet" for i in (0, 1, 2, 10, 11)]
    assert read_table(tmp_path, "sms")["msisdn"].tolist() == ["0", "1", "2", "10", "11"]


def test_an_absent_table_is_none_unless_required(tmp_path):
    assert read_table(tmp_path, "app_usage", required=False) is None
    with pytest.raises(InputError, match="table 'app_usage' is missing"):
        read_table(tmp_path, "app_usage")


def test_a_corrupt_file_is_named(tmp_path):
    (tmp_path / "calls.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(InputError, match=r"calls\.parquet: cannot read as Parquet"):
        read_table(tmp_path, "calls")


def test_a_missing_required_column_is_named(tmp_path):
    pq.write_table(pa.table({"msisdn": ["a"], "month": ["2020-01"]}), tmp_path / "account_months.parquet")
    back = read_table(tmp_path, "account_months")  # arpu is optional: present as null
    assert back["arpu"].isna().all()
    pq.write_table(pa.table({"msisdn": ["a"]}), tmp_path / "labels.parquet")
    with pytest.raises(InputError, match=r"labels\.parquet: required column\(s\) label missing"):
        read_table(tmp_path, "labels")


def test_a_failed_write_leaves_no_file_at_the_target(tmp_path, monkeypatch):
    target = tmp_path / "calls.parquet"

    def broken(table, where, **kwargs):
        open(where, "wb").write(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(OSError):
        write_atomic(pa.table({"a": [1]}), target)
    assert list(tmp_path.iterdir()) == []


def test_written_files_follow_the_umask_like_any_other_file(tmp_path):
    import os

    os.umask(0o022)
    path = write_atomic(pa.table({"a": [1]}), tmp_path / "t.parquet")
    assert oct(path.stat().st_mode & 0o777) == "0o644"
