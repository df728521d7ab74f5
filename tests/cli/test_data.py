"""`fraudml validate`: counts per table, a clear message and exit status for bad input."""

import subprocess
import sys

import pandas as pd

from fraudml.tables import write_table


def fraudml(*args):
    return subprocess.run([sys.executable, "-m", "fraudml", *map(str, args)], capture_output=True, text=True, timeout=120)


def test_validate_prints_counts_and_names_absent_tables(tmp_path):
    write_table(pd.DataFrame({"msisdn": ["a", "b"], "label": [0, 1]}), tmp_path, "labels")
    run = fraudml("validate", tmp_path)
    assert run.returncode == 0, run.stderr
    assert "labels" in run.stderr and "calls: absent" in run.stderr


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


def test_simulate_writes_a_world_that_starts_on_the_given_day(tmp_path):
    run = fraudml("simulate", "--subscribers", 200, "--days", 3, "--start", "2021-03-01", "--out", tmp_path)
    assert run.returncode == 0, run.stderr
    calls = pd.read_parquet(tmp_path / "calls")  # an event table: a folder of parts by month
    assert calls["started_at"].min() >= pd.Timestamp("2021-03-01")
    assert calls["started_at"].max() < pd.Timestamp("2021-03-04")
    assert "calls" in run.stderr and "quarantined" in run.stderr
    bad = fraudml("simulate", "--start", "March", "--out", tmp_path / "x")
    assert bad.returncode == 2 and "--start 'March' is not a date" in bad.stderr
