"""`fraudml validate`: counts per table, a clear message and exit status for bad input."""

import subprocess
import sys

import pandas as pd

from fraudml.simulate import FRAUD_TYPES
from fraudml.tables import write_table


def fraudml(*args):
    return subprocess.run([sys.executable, "-m", "fraudml", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_validate_prints_counts_and_names_absent_tables(tmp_path):
    write_table(pd.DataFrame({"msisdn": ["a", "b"], "label": [0, 1]}), tmp_path, "labels")
    run = fraudml("validate", tmp_path)
    assert run.returncode == 0, run.stderr
    assert "labels" in run.stderr and "calls: absent" in run.stderr


def test_validate_reads_a_folder_given_by_a_relative_path(tmp_path):
    write_table(pd.DataFrame({"msisdn": ["a", "b"], "label": [0, 1]}), tmp_path / "data", "labels")
    run = subprocess.run([sys.executable, "-m", "fraudml", "validate", "data"], cwd=tmp_path, capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert "│ labels " in run.stderr and "empty" not in run.stderr


def test_validate_reports_rows_that_would_be_quarantined(tmp_path):
    df = pd.DataFrame({"msisdn": ["a", "a"], "label": [0, 0]})
    pd.DataFrame(df).to_parquet(tmp_path / "labels.parquet")
    run = fraudml("validate", tmp_path)
    assert run.returncode == 1
    assert "exact duplicate of an earlier row: 1" in run.stderr


def test_unreadable_input_is_one_message_not_a_traceback(tmp_path):
    (tmp_path / "calls.parquet").write_text("hello")
    run = fraudml("validate", tmp_path)
    assert run.returncode == 2
    assert "calls.parquet: cannot read as Parquet" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_folder_that_is_missing_or_holds_no_table_is_named_with_exit_2(tmp_path):
    missing = fraudml("validate", tmp_path / "nonexistent")
    assert missing.returncode == 2
    assert f"{tmp_path / 'nonexistent'}: data folder does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr
    (tmp_path / "empty").mkdir()
    empty = fraudml("validate", tmp_path / "empty")
    assert empty.returncode == 2 and f"{tmp_path / 'empty'}: no canonical table" in empty.stderr


def test_simulate_writes_a_world_that_starts_on_the_given_day(tmp_path):
    run = fraudml("simulate", "--subscribers", 200, "--days", 3, "--start", "2021-03-01", "--out", tmp_path)
    assert run.returncode == 0, run.stderr
    calls = pd.read_parquet(tmp_path / "calls")  # an event table: a folder of parts by month
    assert calls["started_at"].min() >= pd.Timestamp("2021-03-01")
    assert calls["started_at"].max() < pd.Timestamp("2021-03-04")
    assert "calls" in run.stderr and "quarantined" in run.stderr
    truth = pd.read_parquet(tmp_path / "_truth" / "truth.parquet")
    accounts = pd.read_parquet(tmp_path / "accounts.parquet")
    assert list(truth.columns) == ["msisdn", "role", "ring", "holder"]
    assert sorted(truth["msisdn"]) == sorted(accounts["msisdn"])
    assert ((truth["ring"] >= 0) == truth["role"].isin(FRAUD_TYPES)).all()
    bad = fraudml("simulate", "--start", "March", "--out", tmp_path / "x")
    assert bad.returncode == 2 and "--start 'March' is not a date" in bad.stderr


def test_validate_ignores_folders_starting_with_an_underscore(tmp_path):
    """The truth and the quarantine live beside the tables; neither is a canonical table."""
    write_table(pd.DataFrame({"msisdn": ["a", "b"], "label": [0, 1]}), tmp_path, "labels")
    for folder in ("_truth", "_quarantine"):
        (tmp_path / folder).mkdir()
        pd.DataFrame({"msisdn": ["a", "a"], "label": ["x", "x"]}).to_parquet(tmp_path / folder / "labels.parquet")
    run = fraudml("validate", tmp_path)
    assert run.returncode == 0, run.stderr  # the bad rows under _truth and _quarantine were not read
    assert "_truth" not in run.stderr
