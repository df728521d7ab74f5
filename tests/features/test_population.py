"""The population rule (which numbers a model is for) and the as_of dates the data can support."""

from __future__ import annotations

import pandas as pd
import pytest

from feature_worlds import call, sms, write_world
from fraudml.errors import InputError
from fraudml.engine import connect, load_tables
from fraudml.features.population import NOT_IN_USE, check_as_of, population
from fraudml.features.snapshots import make_snapshots

AS_OF = pd.Timestamp("2024-04-01")


def reasons(folder, numbers, as_of=AS_OF) -> dict:
    con = connect()
    out = population(con, load_tables(con, folder), pd.DataFrame({"msisdn": numbers, "as_of": as_of}))
    assert out["msisdn"].tolist() == list(numbers)  # the candidates' order
    return {m: None if pd.isna(r) else r for m, r in zip(out["msisdn"], out["reason"])}


def test_numbers_in_use_and_open_are_live_the_closed_and_the_unused_are_not(tmp_path):
    folder = write_world(
        tmp_path, calls=[call("live", "x", "out", "2024-03-10 10:00:00"), call("closed", "x", "out", "2024-03-01 10:00:00"),
                         call("later", "x", "out", "2024-04-02 10:00:00")],
        sms=[sms("texts", "x", "in", "2024-03-31 23:59:59")],
        accounts=[dict(msisdn="closed", closed_at="2024-03-15 08:00:00"), dict(msisdn="closes_later", closed_at="2024-04-01 00:00:00"),
                  dict(msisdn="idle")])
    got = reasons(folder, ["live", "texts", "closed", "later", "idle"])
    assert got == {"live": None, "texts": None, "closed": "closed on 2024-03-15", "later": NOT_IN_USE, "idle": NOT_IN_USE}
    # closed on as_of itself: still open before it, so live while it has calls
    folder2 = write_world(tmp_path / "b", calls=[call("n", "x", "out", "2024-03-10 10:00:00")],
                          accounts=[dict(msisdn="n", closed_at="2024-04-01")])
    assert reasons(folder2, ["n"]) == {"n": None}


def test_without_closing_dates_a_number_that_stopped_paying_was_shut_down(tmp_path):
    """Account records only (the Sichuan user table): an account open at as_of is in use; the spend of the last
    month ended before as_of decides who was shut down, and months not yet ended do not count."""
    folder = write_world(
        tmp_path, accounts=[dict(msisdn=m) for m in ("paid", "stopped", "never", "no_months", "april_only")],
        account_months=[dict(msisdn="paid", month="2024-03-01", arpu=10.0), dict(msisdn="stopped", month="2024-02-01", arpu=5.0),
                        dict(msisdn="stopped", month="2024-03-01", arpu=None), dict(msisdn="never", month="2024-01-01", arpu=None),
                        dict(msisdn="april_only", month="2024-04-01", arpu=20.0)])
    shut = "shut down: no spend recorded for 2024-03, the last month before as_of"
    assert reasons(folder, ["paid", "stopped", "never", "no_months", "april_only"]) == {
        "paid": None, "stopped": shut, "never": shut, "no_months": None, "april_only": None}


def test_a_snapshot_is_taken_only_of_a_live_number(tmp_path):
    folder = write_world(tmp_path, calls=[call("a", "x", "out", "2024-03-10 10:00:00"), call("b", "x", "out", "2024-03-10 10:00:00")],
                         accounts=[dict(msisdn="b", closed_at="2024-03-20")])
    assert make_snapshots(folder, as_of="2024-04-01")["msisdn"].tolist() == ["a"]


@pytest.fixture
def calls_in_march(tmp_path):
    return write_world(tmp_path, calls=[call("a", "x", "out", "2024-03-01 10:00:00"), call("a", "x", "out", "2024-03-31 18:00:00")])


@pytest.mark.parametrize("as_of, message", [
    ("2024-03-01", "as_of 2024-03-01: no number has any activity before it"),
    ("2024-05-01", r"as_of 2024-05-01 is 30 days after the data's last activity \(2024-03-31 18:00\), more than the "
                   r"longest window \(7 days\)"),
    ("2031-01-01", "is 2,466 days after"),
])
def test_an_as_of_the_data_cannot_support_is_refused(calls_in_march, as_of, message):
    con = connect()
    with pytest.raises(InputError, match=message):
        check_as_of(load_tables(con, calls_in_march), [pd.Timestamp(as_of)], lookback_days=7)


def test_an_as_of_within_the_longest_window_of_the_end_is_accepted(calls_in_march):
    con = connect()
    check_as_of(load_tables(con, calls_in_march), [pd.Timestamp("2024-03-02"), pd.Timestamp("2024-04-07")], lookback_days=7)


def test_features_refuse_a_stale_as_of_unless_allowed(calls_in_march):
    with pytest.raises(InputError, match="--allow-stale"):
        make_snapshots(calls_in_march, as_of="2031-01-01")
    assert make_snapshots(calls_in_march, as_of="2031-01-01", allow_stale=True)["msisdn"].tolist() == ["a"]


def test_account_records_only_are_judged_by_their_months_of_spend(tmp_path):
    folder = write_world(tmp_path, accounts=[dict(msisdn="a")], account_months=[dict(msisdn="a", month="2020-03-01", arpu=1.0)])
    con = connect()
    tables = load_tables(con, folder)
    check_as_of(tables, [pd.Timestamp("2020-04-01")], lookback_days=30)  # March's spend is known
    with pytest.raises(InputError, match="no number has any activity before it"):
        check_as_of(tables, [pd.Timestamp("2020-03-01")], lookback_days=30)
    with pytest.raises(InputError, match="2031-01-01 is"):
        check_as_of(tables, [pd.Timestamp("2031-01-01")], lookback_days=30)


def test_a_schedule_leaves_the_burn_in_and_the_holdout_without_snapshots(tmp_path):
    days = pd.date_range("2024-01-01", "2024-03-31", freq="D")
    folder = write_world(tmp_path, calls=[call("a", "x", "out", f"{d:%Y-%m-%d} 10:00:00") for d in days])
    snaps = make_snapshots(folder, "weekly", burn_in_days=31, holdout_days=14)
    # the data ends 2024-04-01 (as an as_of); the last snapshot is two weeks before it, the first a month after its start
    assert [f"{d:%m-%d}" for d in sorted(snaps["as_of"].unique())] == ["02-05", "02-12", "02-19", "02-26", "03-04",
                                                                       "03-11", "03-18"]
