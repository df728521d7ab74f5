"""Each fraud type's behavioural signature, the hard negatives that resemble them, lifetimes, labels and drift."""

import numpy as np
import pandas as pd
import pytest

from fraudml.simulate.fraud import drift, month_index
from fraudml.simulate.params import FRAUD_TYPES
from sim_worlds import START, with_roles


def per_number(calls: pd.DataFrame) -> pd.DataFrame:
    """Behaviour of each number: calls per active day, distinct counterparts per call, share of call-backs."""
    pairs = calls[["msisdn", "counterpart", "direction"]].drop_duplicates()
    called = pairs[pairs["direction"] == "out"]
    answered = pairs.loc[pairs["direction"] == "in", ["msisdn", "counterpart"]].assign(back=True)
    back = called.merge(answered, on=["msisdn", "counterpart"], how="left")["back"].notna()
    g = calls.groupby("msisdn")
    return pd.DataFrame({
        "role": g["role"].first(),
        "per_day": g.size() / calls.assign(day=calls["started_at"].dt.normalize()).groupby("msisdn")["day"].nunique(),
        "distinct": g["counterpart"].nunique() / g.size(),
        "out": (calls["direction"] == "out").groupby(calls["msisdn"]).mean(),
        "callback": back.groupby(called["msisdn"].to_numpy()).mean(),
    })


@pytest.fixture(scope="module")
def numbers(sichuan):
    return per_number(with_roles(sichuan, "calls")).groupby("role").median()


def test_call_centres_call_many_strangers_who_seldom_call_back(numbers):
    cc, normal = numbers.loc["call_centre"], numbers.loc["normal"]
    assert cc["distinct"] > 1.7 * normal["distinct"]
    assert cc["callback"] < normal["callback"] / 4
    assert cc["out"] > 0.8 > normal["out"]


def test_hard_negatives_share_the_volume_and_strangers_of_fraud(numbers):
    cc = numbers.loc["call_centre"]
    for role in ("telesales", "courier", "ride_hailing"):
        assert numbers.loc[role, "distinct"] > 0.6 * cc["distinct"], role
    for role in ("telesales", "courier"):
        assert numbers.loc[role, "per_day"] > 0.5 * cc["per_day"], role
    # but customers call couriers and drivers back
    assert numbers.loc["courier", "callback"] > 3 * cc["callback"]
    assert numbers.loc["customer_service", "out"] < 0.3


def test_call_centre_calls_are_mostly_short_with_a_thin_tail_of_hooked_victims(sichuan):
    calls = with_roles(sichuan, "calls")
    cc = calls.loc[calls["role"] == "call_centre", "duration_s"]
    normal = calls.loc[calls["role"] == "normal", "duration_s"]
    assert cc.median() < normal.median()
    assert 0.01 < (cc > 600).mean() < 0.10
    assert cc.nunique() > 100  # no telltale constant durations


def test_call_centres_work_away_from_where_their_sims_were_opened(sichuan):
    calls = with_roles(sichuan, "calls").merge(sichuan.tables["accounts"][["msisdn", "home_city"]], on="msisdn")
    away = calls["city"].isna() | (calls["city"] != calls["home_city"])
    share = away.groupby(calls["role"]).mean()
    assert share["call_centre"] > 0.6
    assert share["normal"] < 0.3


def test_ring_sims_share_devices_and_id_cards(sichuan):
    calls = with_roles(sichuan, "calls")
    accounts = with_roles(sichuan, "accounts")
    rings = accounts[accounts["role"] == "call_centre"].groupby("ring").agg(sims=("msisdn", "size"), ids=("id_holder", "nunique"))
    big = rings[rings["sims"] >= 6]
    assert len(big) > 5
    assert (big["ids"] / big["sims"]).median() < 0.8
    devices = calls[calls["role"] == "call_centre"].groupby("ring").agg(sims=("msisdn", "nunique"), imeis=("imei", "nunique"))
    assert (devices["imeis"] / devices["sims"]).median() < 0.7
    phones_per_imei = calls.groupby("imei")["msisdn"].nunique()
    shared = calls[calls["imei"].isin(phones_per_imei[phones_per_imei > 2].index)]
    assert shared["role"].isin(FRAUD_TYPES).mean() > 0.9


def test_fraud_numbers_hold_more_numbers_on_their_id(sichuan):
    accounts = with_roles(sichuan, "accounts")
    fraud = accounts["role"].isin(FRAUD_TYPES)
    assert accounts.loc[fraud, "numbers_on_id"].mean() > accounts.loc[~fraud, "numbers_on_id"].mean() + 0.8
    # but many normal people hold several numbers too
    assert (accounts.loc[~fraud, "numbers_on_id"] >= 3).mean() > 0.1


def test_fraud_sims_are_activated_shortly_before_first_use(sichuan):
    calls = with_roles(sichuan, "calls")
    first = calls.groupby("msisdn")["started_at"].min()
    accounts = with_roles(sichuan, "accounts").set_index("msisdn")
    lead = (first - accounts.loc[first.index, "activated_at"]).dt.total_seconds() / 86_400
    role = accounts.loc[first.index, "role"]
    started_inside = first > START + pd.Timedelta(days=2)  # first use seen in the data
    fraud_lead = lead[(role == "call_centre") & started_inside]
    assert fraud_lead.quantile(0.4) < 3 and fraud_lead.median() < 15  # days; a few sleepers and old bought accounts
    assert lead[role == "normal"].median() > 100


def test_wangiri_rings_once_and_some_victims_call_back(sichuan):
    calls = with_roles(sichuan, "calls")
    w = calls[calls["role"] == "wangiri"]
    out, back = w[w["direction"] == "out"], w[w["direction"] == "in"]
    assert out["duration_s"].median() <= 4
    assert back["counterpart"].isin(set(out["counterpart"])).mean() > 0.8
    assert back["duration_s"].median() > 10


def test_robocalls_come_at_machine_regular_gaps_and_sim_boxes_never_receive(sichuan):
    calls = with_roles(sichuan, "calls").sort_values(["msisdn", "started_at"])
    gap = calls.groupby("msisdn")["started_at"].diff().dt.total_seconds()
    short = gap < 600  # gaps within a session

    def spread(role):
        g = gap[(calls["role"] == role) & short]
        return g.std() / g.mean()

    assert spread("robocall") < 0.35 < spread("normal")
    box = calls[calls["role"] == "sim_box"]
    assert (box["direction"] == "out").mean() > 0.98
    assert box.groupby("msisdn")["cell"].nunique().max() <= 2


def test_precise_fraud_looks_normal_on_volume(numbers):
    assert numbers.loc["precise", "per_day"] < 3 * numbers.loc["normal", "per_day"]
    assert numbers.loc["precise", "per_day"] < numbers.loc["call_centre", "per_day"] / 3


def test_hard_negatives_are_labelled_normal_with_a_little_noise(sichuan, realistic):
    for world in (sichuan, realistic):
        labels = with_roles(world, "labels")
        hard = labels[labels["role"].isin(["telesales", "courier", "ride_hailing", "customer_service"])]
        assert hard["label"].mean() < 0.1
        assert labels.loc[labels["role"] == "normal", "label"].mean() < 0.01
    labels = with_roles(sichuan, "labels")
    fraud = labels[labels["role"].isin(FRAUD_TYPES)]
    assert 0.9 < fraud["label"].mean() < 1  # a few frauds are never confirmed


def test_confirmation_comes_days_after_the_fraud_starts(sichuan):
    calls = with_roles(sichuan, "calls")
    first = calls.groupby("msisdn")["started_at"].min()
    labels = with_roles(sichuan, "labels").set_index("msisdn")
    fraud = labels[(labels["label"] == 1) & labels["role"].isin(FRAUD_TYPES)].index.intersection(first.index)
    delay = (labels.loc[fraud, "labelled_at"] - first[fraud]).dt.total_seconds() / 86_400
    assert (delay > 0).all()
    by_type = delay.groupby(labels.loc[fraud, "role"]).median()
    assert by_type["wangiri"] < by_type["call_centre"] < by_type["precise"]
    assert 2 < by_type["call_centre"] < 15


@pytest.mark.slow
def test_tactics_drift_from_month_to_month(drifting):
    calls = with_roles(drifting, "calls")
    sms = with_roles(drifting, "sms")
    cc = calls[calls["role"] == "call_centre"].assign(month=lambda d: month_index(((d["started_at"] - START).dt.total_seconds() / 86_400).to_numpy()))
    first, third = cc[cc["month"] == 0], cc[cc["month"] == 2]
    assert third["duration_s"].median() < 0.9 * first["duration_s"].median()
    per_sim_day = cc.groupby(["month", "msisdn", cc["started_at"].dt.normalize()]).size().groupby("month").median()
    assert per_sim_day[2] < per_sim_day[0]
    texts = sms[(sms["role"] == "call_centre") & (sms["direction"] == "out")]
    texts_month = month_index(((texts["sent_at"] - START).dt.total_seconds() / 86_400).to_numpy())
    texts_per_call = np.bincount(texts_month, minlength=3)[:3] / cc.groupby("month").size().to_numpy()[:3]
    assert texts_per_call[2] > 1.5 * texts_per_call[0]
    # a ring moves to other victims: its month-0 and month-1 victims barely overlap
    out = cc[cc["direction"] == "out"]
    ring = out["ring"].value_counts().index[0]
    victims = [set(out.loc[(out["ring"] == ring) & (out["month"] == m), "counterpart"]) for m in (0, 1)]
    if victims[0] and victims[1]:
        assert len(victims[0] & victims[1]) < 0.05 * min(map(len, victims))


def test_drift_multiplies_once_per_month():
    t = np.array([0.0, 30.0, 30.5, 61.0, 95.0, 365.0])
    assert month_index(t).tolist() == [0, 0, 1, 2, 3, 12]
    assert drift(0.5, t).tolist() == [1.0, 1.0, 0.5, 0.25, 0.125, 0.5**6]  # settles after six months
