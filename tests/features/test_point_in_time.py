"""Nothing at or after as_of, and no label confirmed inside the label delay, may change a feature."""

from __future__ import annotations

import pandas as pd
import pytest

from feature_worlds import AS_OF, call, family_world, sms, snapshots, write_world
from fraudml.features.build import build_features

pytestmark = pytest.mark.slow


def future_rows() -> dict[str, list[dict]]:
    """Rows known only at or after AS_OF (or labels confirmed after AS_OF minus the 7-day delay)."""
    return dict(
        calls=[
            call("A", "x", "out", "2024-03-31 00:00:00", 1, "C9", "k9", "c9", "I9"),  # exactly at as_of
            call("A", "new", "in", "2024-04-02 03:00:00", 900, imei="I1"),
            call("B", "z", "out", "2024-04-01 10:00:00", 3, imei="I2"),  # B touches A's device I2 and counterpart z later
            call("E", "x", "out", "2024-04-03 10:00:00", 3, imei="I1"),
            call("G", "y", "in", "2024-03-31 12:00:00", 3, imei="I1"),
        ],
        sms=[sms("A", "x", "out", "2024-03-31 00:00:00"), sms("E", "q", "in", "2024-04-01 01:00:00")],
        account_months=[dict(msisdn="A", month="2024-04-01", arpu=5.0), dict(msisdn="E", month="2024-03-01", arpu=7.0)],
        app_usage=[dict(msisdn="A", month="2024-03-01", app="tb", mb=1.0), dict(msisdn="E", month="2024-04-01", app="wx", mb=2.0)],
        accounts=[dict(msisdn="G", activated_at="2024-03-31", id_holder="h1")],  # activated at as_of: not yet on the ID
        labels=[dict(msisdn="x", label=1, labelled_at="2024-03-25"),  # inside the delay: not yet usable
                dict(msisdn="G", label=1, labelled_at="2024-03-24")],  # exactly as_of - delay: not yet usable
    )


def with_rows(base: dict, extra: dict) -> dict:
    return {name: base.get(name, []) + extra.get(name, []) for name in set(base) | set(extra)}


SNAPSHOTS = snapshots("A", "B", "E", "G", "Z")


@pytest.fixture(scope="module")
def now(tmp_path_factory):
    return build_features(write_world(tmp_path_factory.mktemp("now"), **family_world()), SNAPSHOTS)[0]


def test_future_events_and_recent_labels_change_no_feature(now, tmp_path):
    later, _ = build_features(write_world(tmp_path, **with_rows(family_world(), future_rows())), SNAPSHOTS)
    pd.testing.assert_frame_equal(now, later)


def test_a_label_confirmed_before_the_delay_does_change_graph_features(now, tmp_path):
    """The control for the test above: the same kind of change, known in time, is seen."""
    known = dict(labels=[dict(msisdn="x", label=1, labelled_at="2024-03-23")])
    after, _ = build_features(write_world(tmp_path, **with_rows(family_world(), known)), SNAPSHOTS)
    assert now.loc[0, "fraud_counterparts_w30"] == 1 and after.loc[0, "fraud_counterparts_w30"] == 2


def test_each_snapshot_of_a_batch_sees_only_its_own_past(tmp_path):
    """An early snapshot computed next to a later one equals the same snapshot on data cut at its date."""
    early = pd.Timestamp("2024-03-26")
    world = family_world()
    cut = {name: [r for r in rows if pd.Timestamp(r.get("started_at", r.get("sent_at", early - pd.Timedelta(days=1)))) < early]
           for name, rows in world.items()}
    batch = pd.concat([snapshots("A", as_of=early), snapshots("A", as_of=AS_OF)], ignore_index=True)
    together, _ = build_features(write_world(tmp_path / "all", **world), batch)
    alone, _ = build_features(write_world(tmp_path / "cut", **cut), snapshots("A", as_of=early))
    pd.testing.assert_frame_equal(together.iloc[[0]].reset_index(drop=True), alone)
    assert together.loc[0, "calls_out_w30"] == 1 and together.loc[1, "calls_out_w30"] == 4
