"""Snapshot schedules and the target's rules."""

from __future__ import annotations

import pandas as pd
import pytest

from feature_worlds import call, sms, write_world
from fraudml.errors import InputError
from fraudml.features.snapshots import label_snapshots, make_snapshots

AS_OF = pd.Timestamp("2024-03-31")


def test_label_rules():
    snaps = pd.DataFrame({"msisdn": ["normal", "open", "at", "confirmed", "static", "later", "unlabelled"], "as_of": AS_OF})
    labels = pd.DataFrame({
        "msisdn": ["normal", "open", "at", "confirmed", "static", "later"],
        "label": [0, 1, 1, 1, 1, 1],
        "labelled_at": pd.to_datetime([None, "2024-04-10", "2024-03-31", "2024-03-30", None, "2024-05-01"]),
        "fraud_type": [None, "scam", "scam", "scam", "simbox", "scam"],
    })
    first_active = pd.Series(pd.to_datetime(["2024-03-01"] * 5 + ["2024-04-02"]),
                             index=["normal", "open", "at", "confirmed", "static", "later"])
    out = label_snapshots(snaps, labels, first_active).set_index("msisdn")
    assert "confirmed" not in out.index  # already blocked before as_of: left out
    assert out["label"].to_dict() == {"normal": 0, "open": 1, "at": 1, "static": 1, "later": None, "unlabelled": None}
    assert out.loc["open", "fraud_type"] == "scam" and pd.isna(out.loc["normal", "fraud_type"])


def test_no_labels_gives_null_labels():
    snaps = pd.DataFrame({"msisdn": ["a"], "as_of": [AS_OF]})
    out = label_snapshots(snaps, None)
    assert len(out) == 1 and pd.isna(out.loc[0, "label"])


@pytest.fixture
def world(tmp_path):
    calls = [call("a", "x", "out", f"2024-03-{d:02d} 10:00:00") for d in (1, 10, 20, 30)]
    calls += [call("b", "x", "out", "2024-03-02 10:00:00")]
    return lambda labels: write_world(tmp_path / "data", calls=calls, sms=[sms("c", "x", "out", "2024-03-29 09:00:00")],
                                      labels=labels)


def test_weekly_schedule_snapshots_numbers_active_before_each_date(world):
    labels = [dict(msisdn="a", label=0, labelled_at="2024-03-01"), dict(msisdn="b", label=1, labelled_at="2024-03-20"),
              dict(msisdn="c", label=1, labelled_at="2024-04-05")]
    snaps = make_snapshots(world(labels), "weekly")
    dates = sorted(snaps["as_of"].unique())
    assert [str(pd.Timestamp(d).date()) for d in dates] == ["2024-03-10", "2024-03-17", "2024-03-24", "2024-03-31"]
    got = {(m, str(pd.Timestamp(d).date())): lab for m, d, lab in snaps[["msisdn", "as_of", "label"]].itertuples(index=False)}
    # b is confirmed on 03-20: positive before, left out after; c starts on 03-29
    assert got == {("a", "2024-03-10"): 0, ("a", "2024-03-17"): 0, ("a", "2024-03-24"): 0, ("a", "2024-03-31"): 0,
                   ("b", "2024-03-10"): 1, ("b", "2024-03-17"): 1, ("c", "2024-03-31"): 1}


def test_static_labels_give_one_snapshot_at_the_end(world):
    labels = [dict(msisdn="a", label=0), dict(msisdn="b", label=1, fraud_type="scam")]
    snaps = make_snapshots(world(labels), "auto")
    assert set(snaps["as_of"]) == {pd.Timestamp("2024-03-31")}
    assert dict(zip(snaps["msisdn"], snaps["label"])) == {"a": 0, "b": 1, "c": pd.NA}


def test_as_of_takes_numbers_active_before_it(world):
    assert list(make_snapshots(world([]), as_of="2024-03-05")["msisdn"]) == ["a", "b"]
    assert list(make_snapshots(world([]), as_of="2024-03-31")["msisdn"]) == ["a", "b", "c"]
    assert list(make_snapshots(world([]), as_of="2024-03-31", active_days=7)["msisdn"]) == ["a", "c"]


@pytest.mark.parametrize("spec", ["monthly", "every:x"])
def test_an_unknown_schedule_is_refused(world, spec):
    with pytest.raises(InputError, match="not understood"):
        make_snapshots(world([]), spec)


def test_a_snapshot_file_without_as_of_is_refused(world, tmp_path):
    path = tmp_path / "snaps.csv"
    path.write_text("msisdn,date\na,2024-03-31\n")
    with pytest.raises(InputError, match=r"snaps.csv: column\(s\) as_of missing"):
        make_snapshots(world([]), str(path))


def test_as_of_must_be_a_date(world):
    with pytest.raises(InputError, match="not a date"):
        make_snapshots(world([]), as_of="2024-03-31 12:00")


def test_account_records_alone_give_one_snapshot_per_open_account_with_labels_as_given(tmp_path):
    from fraudml.tables import write_table

    write_table(pd.DataFrame({
        "msisdn": ["a", "b", "c", "d"],
        "activated_at": [None, pd.Timestamp("2020-01-01"), pd.Timestamp("2020-05-01"), None],
        "closed_at": [None, None, None, pd.Timestamp("2020-03-01")],
    }), tmp_path, "accounts")
    write_table(pd.DataFrame({"msisdn": ["a", "b", "c", "d"], "label": [1, 0, 1, 1], "fraud_type": ["x", None, "x", "x"]}),
                tmp_path, "labels")
    snaps = make_snapshots(tmp_path, as_of="2020-04-01")
    # c opens after as_of, d was shut down before it; a's fraud start is unknown, so its label stands
    assert snaps["msisdn"].tolist() == ["a", "b"]
    assert snaps["label"].tolist() == [1, 0]
    assert (snaps["as_of"] == pd.Timestamp("2020-04-01")).all()


def test_numbers_that_stopped_paying_before_as_of_are_left_out_when_no_closing_dates_exist(tmp_path):
    from fraudml.tables import write_table

    write_table(pd.DataFrame({"msisdn": ["paid", "stopped", "never", "no_months"]}), tmp_path, "accounts")
    write_table(pd.DataFrame({
        "msisdn": ["paid", "paid", "stopped", "stopped", "never", "never"],
        "month": pd.to_datetime(["2020-02-01", "2020-03-01"] * 3),
        "arpu": [10.0, 12.0, 30.0, None, None, None],
    }), tmp_path, "account_months")
    write_table(pd.DataFrame({"msisdn": ["paid", "stopped", "never", "no_months"], "label": [0, 1, 1, 0]}), tmp_path, "labels")
    # March is the last month completed before 2020-04-15; the April spend is not known yet
    snaps = make_snapshots(tmp_path, as_of="2020-04-15")
    assert snaps["msisdn"].tolist() == ["no_months", "paid"]
    # before March ended, February decides: 'stopped' still paid then
    assert make_snapshots(tmp_path, as_of="2020-03-20")["msisdn"].tolist() == ["no_months", "paid", "stopped"]
