"""The feature table of a small simulated world: one row per snapshot, no unexpected nulls."""

from __future__ import annotations

import pytest

from fraudml.features.build import build_features
from fraudml.features.snapshots import make_snapshots

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from fraudml.simulate import simulate
    from fraudml.validation import validate_and_write

    folder = tmp_path_factory.mktemp("world")
    validate_and_write(simulate(preset="realistic", subscribers=2000, days=30, seed=0), folder)
    return folder


def test_weekly_feature_table_has_one_row_per_snapshot_and_no_unexpected_nulls(world):
    snaps = make_snapshots(world, "weekly")
    table, spec = build_features(world, snaps)
    assert len(table) == len(snaps) and not table.duplicated(["msisdn", "as_of"]).any()
    assert table["as_of"].nunique() > 1 and (table["label"] == 1).any() and (table["label"] == 0).any()
    counts = [d.name for d in spec.features if d.dtype == "int64" and d.source.split(".")[0].split("+")[0] in ("calls", "sms")]
    assert table[counts].notna().all().all(), "counts from calls and SMS are never missing for an active number"
    always = ["calls_out_w30", "account_age_days", "numbers_on_id", "arpu_months_missing_3m", "distinct_out_w30"]
    assert table[always].notna().all().all()
    # a month is known once it has ended: a 30-day world starting on the 1st has none before its last snapshot
    monthly = [d.name for d in spec.features if d.source in ("account_months", "app_usage")]
    empty = [n for n in spec.names if table[n].isna().all()]
    assert set(empty) <= set(monthly), f"features missing for every snapshot: {sorted(set(empty) - set(monthly))}"
    assert (table["arpu_months_missing_3m"] == 3).all()
