import numpy as np
import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.model.split import split_snapshots


def numbers_in(table, mask):
    return set(table.loc[mask, "msisdn"])


def test_time_split_orders_parts_in_time_and_keeps_numbers_apart(table):
    split = split_snapshots(table, label_delay_days=7, valid_fraction=0.25, test_fraction=0.25, seed=1)
    assert split.kind == "time"
    days = pd.to_datetime(table["as_of"])
    assert days[split.train].max() < days[split.valid].min() <= days[split.valid].max() < days[split.test].min()
    parts = [numbers_in(table, m) for m in (split.train, split.valid, split.test)]
    assert not parts[0] & parts[1] and not parts[0] & parts[2] and not parts[1] & parts[2]
    # every part gets fraud, because numbers are cut within each class
    assert all(table.loc[m, "label"].sum() > 0 for m in (split.train, split.valid, split.test))
    assert split.fraud["test"] == table.loc[split.test, "label"].sum()
    assert f"{split.fraud['test']} fraud" in split.describe()


def test_label_delay_drops_snapshots_too_close_to_the_next_period(table):
    # weekly snapshots 2024-01-01 .. 2024-02-19; 8 dates -> valid from 01-29, test from 02-12
    no_gap = split_snapshots(table, label_delay_days=0, valid_fraction=0.25, test_fraction=0.25)
    gap = split_snapshots(table, label_delay_days=10, valid_fraction=0.25, test_fraction=0.25)
    days = pd.to_datetime(table["as_of"])
    assert days[no_gap.train].max() == pd.Timestamp("2024-01-22")
    assert days[gap.train].max() == pd.Timestamp("2024-01-15")  # 01-22 + 10 days is after 01-29
    assert days[gap.valid].max() == pd.Timestamp("2024-01-29")  # 02-05 + 10 days is after 02-12
    assert days[gap.test].min() == days[no_gap.test].min()
    assert gap.gap_rows == (no_gap.train.sum() - gap.train.sum()) + (no_gap.valid.sum() - gap.valid.sum()) > 0
    assert "10 days" in gap.describe()


def test_single_snapshot_falls_back_to_stratified_split_and_says_so(table):
    one_day = table[table["as_of"] == table["as_of"].min()].reset_index(drop=True)
    split = split_snapshots(one_day, valid_fraction=0.2, test_fraction=0.2, seed=0)
    assert split.kind == "stratified"
    assert any("stratified" in note for note in split.notes)
    assert "stratified" in split.describe()
    fraud = one_day["label"].to_numpy() == 1
    for mask, share in ((split.train, 0.6), (split.valid, 0.2), (split.test, 0.2)):
        assert mask.sum() == pytest.approx(share * len(one_day), abs=2)
        assert fraud[mask].sum() == pytest.approx(share * fraud.sum(), abs=1)
    assert not (split.train & split.test).any()


def test_unlabelled_rows_belong_to_no_part(table):
    t = table.copy()
    t.loc[::5, "label"] = np.nan
    split = split_snapshots(t)
    assert not (split.train | split.valid | split.test)[t["label"].isna().to_numpy()].any()


def test_same_seed_same_split_other_seed_other_numbers(table):
    a, b, c = (split_snapshots(table, seed=s) for s in (3, 3, 4))
    assert (a.test == b.test).all() and not (a.test == c.test).all()


def test_delay_that_empties_a_part_is_refused(table):
    with pytest.raises(InputError, match="train part .* empty"):
        split_snapshots(table, label_delay_days=60)
