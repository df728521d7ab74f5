"""The adapter on the competition's real rows: every sample file and the labelled train user table."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.ingest.sichuan_format import UNCLASSIFIED_APP
from fraudml.tables import read_table
from fraudml.validation import REASON, ROW

SICHUAN = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "sichuan"
pytestmark = [
    pytest.mark.sichuan,
    pytest.mark.skipif(not SICHUAN.is_dir(), reason=f"the real Sichuan data is not at {SICHUAN}"),
]


def ingest_sample(tmp_path, folder, **tables):
    """Each canonical table the sample files give: its counts, its kept rows and its quarantined rows."""
    src, out = tmp_path / "src", tmp_path / "out"
    src.mkdir()
    for table, file in tables.items():
        shutil.copy(SICHUAN / "samples" / folder / file, src / f"{table}.csv")
    results = {}
    for r in ingest_sichuan(src, out):
        q = out / "_quarantine" / f"{r.name}.parquet"
        results[r.name] = (r, read_table(out, r.name), pd.read_parquet(q).sort_values(ROW) if q.exists() else None)
    return results


def test_round1_first_rows(tmp_path):
    results = ingest_sample(tmp_path, "round1_train_201908-202003", voc="voc_first_rows.csv", sms="sms_first_rows.csv", app="app_first_rows.csv")
    _, calls, _ = results["calls"]
    first = calls.set_index("started_at").loc[pd.Timestamp("2019-10-17 17:16:25")]  # the file's first row
    assert (first["direction"], first["duration_s"]) == ("in", 13)
    assert calls["direction"].value_counts().to_dict() == {"in": 6, "out": 4}
    # the first two app rows are placeholders with no month: quarantined, counted
    counts, app, quarantine = results["app_usage"]
    assert (counts.kept, quarantine[REASON].tolist()) == (8, ["month: missing", "month: missing"])
    assert app["app"].iloc[0] == UNCLASSIFIED_APP and app["mb"].iloc[0] == pytest.approx(0.021529)


def test_may_files_write_months_as_yyyymm_and_missing_as_backslash_n(tmp_path):
    results = ingest_sample(tmp_path, "round2_test_202005", user="user_last_rows.csv", app="app_first_rows.csv")
    assert {pd.Timestamp(m).strftime("%Y-%m") for m in results["app_usage"][1]["month"]} == {"2020-05"}
    accounts = results["accounts"][1]
    assert accounts["home_city"].isna().sum() == 2 and accounts["home_county"].isna().sum() == 2
    months = results["account_months"][1]
    assert {pd.Timestamp(m).strftime("%Y-%m") for m in months["month"]} == {"2020-05"} and len(months) == 10
    assert months["arpu"].isna().sum() == 1 and months["arpu"].iloc[0] == pytest.approx(30.10)
    assert "labels" not in results  # test files carry no label


def test_sms_first_rows_hold_four_duplicates(tmp_path):
    counts, sms, quarantine = ingest_sample(tmp_path, "round1_test_202004", sms="sms_first_rows.csv")["sms"]
    assert (counts.read, counts.kept, counts.quarantined) == (10, 6, 4)
    assert quarantine[ROW].tolist() == [3, 4, 7, 8]
    assert set(sms["direction"]) == {"in"}


def test_a_forwarding_fraud_user_keeps_every_call(tmp_path):
    counts, calls, _ = ingest_sample(tmp_path, "haoren_single_user_voc", voc="fraud_user_2_voc.csv")["calls"]
    assert (counts.read, counts.quarantined) == (2419, 0)
    assert set(calls["direction"]) == {"out", "in", "fwd"}
    assert calls["msisdn"].nunique() == 1


@pytest.fixture(scope="module")
def train_user(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    shutil.copy(SICHUAN / "train_user.csv", src / "train_user.csv")
    out = tmp_path_factory.mktemp("out")
    results = {r.name: r for r in ingest_sichuan(src, out)}
    return results, out


def test_train_user_counts(train_user):
    results, out = train_user
    assert all(r.quarantined == 0 for r in results.values())
    accounts = read_table(out, "accounts")
    assert len(accounts) == accounts["msisdn"].nunique() == 6106
    assert accounts["home_city"].isna().sum() == 289 and accounts["home_county"].isna().sum() == 289  # county code 0
    # the other codes are this file's own label encoding: qualified with its name, never equal to another file's
    assert accounts["home_county"].dropna().str.fullmatch(r"train_user\.csv#\d+").all()
    assert accounts["home_county"].nunique() == 181
    months = read_table(out, "account_months")
    assert len(months) == 6106 * 8
    assert months["month"].nunique() == 8
    missing = months[months["arpu"].isna()].groupby(pd.to_datetime(months["month"]).dt.strftime("%Y%m")).size()
    assert missing.to_dict() == {"201908": 1791, "201909": 1641, "201910": 1436, "201911": 1026, "201912": 854, "202001": 957, "202002": 945, "202003": 737}
    labels = read_table(out, "labels")
    assert labels["label"].value_counts().to_dict() == {0: 4144, 1: 1962}


def test_missing_march_arpu_is_kept_as_missing_and_all_of_it_is_fraud(train_user):
    _, out = train_user
    months = read_table(out, "account_months")
    march = months[pd.to_datetime(months["month"]) == "2020-03-01"]
    no_spend = set(march.loc[march["arpu"].isna(), "msisdn"])
    labels = read_table(out, "labels").set_index("msisdn")["label"]
    assert len(no_spend) == 737 and labels[list(no_spend)].eq(1).all()
    assert march["arpu"].sum() == pytest.approx(345154.56)
