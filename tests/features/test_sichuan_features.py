"""Real Sichuan rows, ingested, give one end-of-data snapshot per active user with the labels as they are."""

from __future__ import annotations

import pandas as pd
import pytest

from fraudml.features.build import build_features
from fraudml.features.snapshots import make_snapshots

pytestmark = [pytest.mark.sichuan, pytest.mark.slow]


@pytest.fixture(scope="module")
def canonical(sichuan_data, tmp_path_factory):
    from fraudml.ingest.sichuan import ingest_sichuan

    src = tmp_path_factory.mktemp("sichuan_src")
    (src / "train_user.csv").write_bytes((sichuan_data / "train_user.csv").read_bytes())
    files = sorted((sichuan_data / "samples" / "haoren_single_user_voc").glob("*_voc.csv"))
    pd.concat([pd.read_csv(f, dtype=str) for f in files]).to_csv(src / "train_voc.csv", index=False)
    out = tmp_path_factory.mktemp("sichuan")
    ingest_sichuan(src, out)
    return out


def test_static_labels_give_one_snapshot_at_the_end_of_the_data(canonical):
    snaps = make_snapshots(canonical, "auto")
    assert set(snaps["as_of"]) == {pd.Timestamp("2020-04-01")}
    # March's spend is known on 2020-04-01; one fraud user has none (the data's known trap: it was
    # shut down, and last called in 2019), so it is left out as already blocked
    assert len(snaps) == 3 and sorted(snaps["label"].tolist()) == [0, 0, 1]
    table, _ = build_features(canonical, snaps)
    assert (table["arpu_last_month_missing"] == 0).all()
    assert table["numbers_on_id"].notna().all() and table["sms_out_w30"].isna().all()  # no SMS table: missing, not zero
