"""The assembled world: canonical tables that validate cleanly, determinism, both legs of calls, prevalence,
and the Sichuan preset held to the real data's published marginals."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from fraudml.cli import app
from fraudml.simulate import FRAUD_TYPES, simulate
from fraudml.tables import TABLES, read_table
from fraudml.validation import validate

from sim_worlds import START, with_roles



@pytest.mark.slow
@pytest.mark.parametrize("world_name", ["realistic", "sichuan"])
def test_every_table_has_the_canonical_columns_and_validates_without_quarantine(world_name, request):
    tables = request.getfixturevalue(world_name).tables
    assert set(tables) == set(TABLES)
    for name, df in tables.items():
        assert list(df.columns) == TABLES[name].names
        result = validate(df, name, name)
        assert len(result.quarantined) == 0, result.summary()
        assert len(result.kept) == len(df)


def test_the_same_seed_gives_identical_tables_and_another_seed_another_world():
    first = simulate("sichuan", subscribers=300, days=10, seed=7)
    again = simulate("sichuan", subscribers=300, days=10, seed=7)
    other = simulate("sichuan", subscribers=300, days=10, seed=8)
    for name in TABLES:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["calls"]["msisdn"].isin(other["calls"]["msisdn"]).all()


def test_a_call_between_two_subscribers_appears_in_both_numbers_rows(realistic):
    calls = realistic.tables["calls"]
    subscribers = set(realistic.tables["accounts"]["msisdn"])
    out = calls[(calls["direction"] == "out") & calls["counterpart"].isin(subscribers)]
    legs = calls[calls["direction"] == "in"].rename(columns={"msisdn": "counterpart", "counterpart": "msisdn"})
    matched = out.merge(legs, on=["msisdn", "counterpart", "started_at", "duration_s"], how="left", indicator=True)
    assert len(out) > 1000
    # one event per line and second is kept, so a very few legs lose their twin
    assert (matched["_merge"] == "both").mean() > 0.995


def test_outside_numbers_appear_only_as_counterparts(realistic):
    accounts = set(realistic.tables["accounts"]["msisdn"])
    assert set(realistic.tables["calls"]["msisdn"]) <= accounts
    assert set(realistic.tables["sms"]["msisdn"]) <= accounts
    assert not set(realistic.tables["calls"]["counterpart"]) <= accounts


@pytest.mark.parametrize("world_name", ["realistic", "sichuan", "drifting"])
def test_no_number_has_events_before_activation_or_after_shutdown(world_name, request):
    tables = request.getfixturevalue(world_name).tables
    events = pd.concat([tables["calls"][["msisdn", "started_at"]].rename(columns={"started_at": "at"}),
                        tables["sms"][["msisdn", "sent_at"]].rename(columns={"sent_at": "at"})])
    span = events.groupby("msisdn")["at"].agg(["min", "max"]).join(tables["accounts"].set_index("msisdn"))
    assert (span["min"] >= span["activated_at"]).all()
    closed = span["closed_at"].notna()
    assert closed.any()
    assert (span.loc[closed, "max"] <= span.loc[closed, "closed_at"]).all()


def test_normal_numbers_have_no_label_date_or_type_and_fraud_numbers_have_both(sichuan):
    labels = sichuan.tables["labels"]
    normal, fraud = labels[labels["label"] == 0], labels[labels["label"] == 1]
    assert normal["labelled_at"].isna().all() and normal["fraud_type"].isna().all()
    assert fraud["labelled_at"].notna().all()
    assert set(fraud["fraud_type"]) == set(FRAUD_TYPES)


def test_fraud_not_confirmed_by_the_end_keeps_label_one_with_a_future_date_and_stays_open(sichuan):
    labels = sichuan.tables["labels"].set_index("msisdn")
    accounts = sichuan.tables["accounts"].set_index("msisdn")
    end = START + pd.Timedelta(days=30)
    future = labels[(labels["label"] == 1) & (labels["labelled_at"] > end)]
    assert len(future) > 10
    assert accounts.loc[future.index, "closed_at"].isna().all()
    confirmed = labels[(labels["label"] == 1) & (labels["labelled_at"] <= end - pd.Timedelta(days=1))]
    shut = accounts.loc[confirmed.index, "closed_at"]
    assert shut.notna().mean() > 0.95
    assert (shut.dropna() >= confirmed.loc[shut.dropna().index, "labelled_at"]).all()


@pytest.mark.parametrize(("world_name", "low", "high"), [("realistic", 0.006, 0.016), ("sichuan", 0.26, 0.34)])
def test_presets_set_the_share_of_fraud(world_name, low, high, request):
    labels = request.getfixturevalue(world_name).tables["labels"]
    assert low < labels["label"].mean() < high


def test_fraud_and_normal_numbers_devices_and_ids_look_alike_as_text(sichuan):
    accounts = with_roles(sichuan, "accounts")
    calls = with_roles(sichuan, "calls")
    for table, column in ((accounts, "msisdn"), (accounts, "id_holder"), (calls, "imei")):
        fraud = table["role"].isin(FRAUD_TYPES)
        text = table[column].dropna()
        assert text.str.fullmatch(r"\d+").all()
        assert set(text[fraud].str.len()) == set(text[~fraud].str.len()) == {text.str.len().iloc[0]}, column
        # leading digits spread alike
        lead = table[column].str[:3]
        assert abs(lead[fraud].value_counts(normalize=True).max() - lead[~fraud].value_counts(normalize=True).max()) < 0.05


def test_an_unknown_preset_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="realistic, sichuan"):
        simulate("nowhere", subscribers=100, days=5)


def test_the_simulate_command_writes_a_clean_canonical_folder(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "--preset", "sichuan", "--subscribers", "200", "--days", "7",
                                      "--seed", "3", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in TABLES:
        df = read_table(tmp_path, name)
        assert len(df) > 0
    assert not (tmp_path / "_quarantine").exists()


# --- calibration against the real data --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile(sichuan_data) -> dict:
    """The published statistics of the real tables."""
    return json.loads((sichuan_data / "profile.json").read_text())


def within(got: float, want: float, tolerance: float = 0.10) -> bool:
    return abs(got - want) <= tolerance * abs(want)


QUANTILES = {"p05": 0.05, "p25": 0.25, "p50": 0.50, "p75": 0.75, "p95": 0.95}


@pytest.mark.sichuan
def test_call_durations_match_the_real_quantiles(sichuan, profile):
    want = profile["summary"]["call_dur"]["round1/train_voc"]
    durations = sichuan.tables["calls"]["duration_s"]
    for name, q in QUANTILES.items():
        assert within(durations.quantile(q), want[name]), (name, durations.quantile(q), want[name])


@pytest.mark.sichuan
def test_about_sixty_percent_of_calls_are_outgoing(sichuan, profile):
    want = profile["summary"]["voc_calltype_id"]["round1/train_voc"]["share_derived"]["1"]
    assert within((sichuan.tables["calls"]["direction"] == "out").mean(), want)


@pytest.mark.sichuan
def test_most_sms_are_received_and_a_few_senders_dominate(sichuan, profile):
    summary = profile["summary"]
    sms = sichuan.tables["sms"]
    assert within((sms["direction"] == "in").mean(), summary["sms_calltype_id"]["round1/train_sms"]["share_derived"]["2"])
    report = profile["reports"]["round1/train_sms"]
    top10 = sum(report["variables"]["opposite_no_m"]["common_values"]["top_counts"]) / report["n_rows"]
    assert within(sms["counterpart"].value_counts().head(10).sum() / len(sms), top10)


@pytest.mark.sichuan
def test_numbers_per_id_card_follow_the_real_distribution(sichuan, profile):
    counts = {int(k): v for k, v in profile["summary"]["idcard_cnt"]["round1/train_user_arpu202003"]["value_counts"].items()}
    total = sum(counts.values())
    got = sichuan.tables["accounts"]["numbers_on_id"]
    assert within(got.mean(), sum(k * v for k, v in counts.items()) / total)
    for k in range(1, 5):  # the cumulative shares: stable at this size, unlike single rare values
        assert within((got <= k).mean(), sum(v for c, v in counts.items() if c <= k) / total), k


@pytest.mark.sichuan
def test_monthly_spend_matches_the_real_quantiles(sichuan, profile):
    want = profile["summary"]["arpu"]["round1/train_user_arpu202003"]
    arpu = sichuan.tables["account_months"]["arpu"]
    for name, q in QUANTILES.items():
        assert within(arpu.quantile(q), want[name]), (name, arpu.quantile(q), want[name])


def test_realistic_preset_keeps_normal_numbers_normal_looking(realistic):
    calls = with_roles(realistic, "calls")
    normal = calls[calls["role"] == "normal"]
    per_number = normal.groupby("msisdn").size()
    assert 40 < per_number.median() < 200  # calls in a month
    assert 20 < normal["duration_s"].median() < 60
    assert np.isclose((calls["direction"] == "fwd").mean(), 0.001, atol=0.002)
