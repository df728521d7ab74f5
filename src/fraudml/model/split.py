"""Splitting a snapshot feature table into train, validation and test parts.

Numbers are assigned to one part each (stratified by whether they were ever
fraud), so a model is never tested on a number it was trained on. With several
snapshot dates the parts are also ordered in time: train on the earliest
snapshots, validate on later ones, test on the latest, dropping snapshots whose
labels would not yet be known when the next period starts (the label delay).
A table with fewer than three snapshot dates cannot be split in time and falls
back to a stratified split by number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from fraudml.errors import InputError
from fraudml.model.inputs import labels, snapshot_days

PARTS = ("train", "valid", "test")


@dataclass
class Split:
    train: np.ndarray  # boolean masks over the table's rows, by position
    valid: np.ndarray
    test: np.ndarray
    kind: str  # "time" or "stratified"
    notes: list[str] = field(default_factory=list)
    periods: dict = field(default_factory=dict)  # part -> (first, last) snapshot date, time splits only
    params: dict = field(default_factory=dict)  # the arguments that rebuild this split
    gap_rows: int = 0  # rows dropped because their labels would not be known in time
    fraud: dict = field(default_factory=dict)  # part -> fraud rows

    def mask(self, part: str) -> np.ndarray:
        return getattr(self, part)

    def to_dict(self) -> dict:
        return {"kind": self.kind, "params": self.params, "gap_rows": self.gap_rows, "notes": self.notes,
                "periods": {p: [str(d) for d in v] for p, v in self.periods.items()},
                "rows": {p: int(self.mask(p).sum()) for p in PARTS}, "fraud": self.fraud}

    def describe(self) -> str:
        lines = [f"{self.kind} split, numbers disjoint across parts"]
        for part in PARTS:
            period = self.periods.get(part)
            when = f" {period[0]}..{period[1]}" if period else ""
            fraud = f", {self.fraud[part]} fraud" if part in self.fraud else ""
            lines.append(f"  {part}:{when} {int(self.mask(part).sum())} rows{fraud}")
        if self.kind == "time":
            lines.append(f"  label delay {self.params['label_delay_days']} days: {self.gap_rows} rows dropped")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)


def assign_numbers(msisdn: pd.Series, y: np.ndarray, fractions: tuple[float, float, float], seed: int) -> np.ndarray:
    """Part index (0 train, 1 valid, 2 test) of each row, the same for every row of a number.

    Numbers ever labelled fraud and the rest are shuffled and cut separately, so
    every part gets its share of fraud.
    """
    ever = pd.Series(np.nan_to_num(y, nan=0.0)).groupby(msisdn.to_numpy()).max()  # sorted by number
    rng = np.random.default_rng(seed)
    part_of = pd.Series(0, index=ever.index)
    for cls in (0.0, 1.0):
        numbers = ever.index[ever.to_numpy() == cls]
        n_valid, n_test = (int(round(len(numbers) * f)) for f in fractions[1:])
        codes = np.zeros(len(numbers), dtype=int)
        codes[:n_test], codes[n_test:n_test + n_valid] = 2, 1
        part_of[numbers[rng.permutation(len(numbers))]] = codes
    return msisdn.map(part_of).to_numpy()


def split_snapshots(table: pd.DataFrame, *, label_delay_days: int = 7, valid_fraction: float = 0.2,
                    test_fraction: float = 0.2, seed: int = 0) -> Split:
    """Split the labelled rows of ``table``; unlabelled rows belong to no part."""
    if not (0 < valid_fraction < 1 and 0 < test_fraction < 1 and valid_fraction + test_fraction < 1):
        raise InputError(f"valid_fraction {valid_fraction} and test_fraction {test_fraction} must be in (0, 1) "
                         "and sum to less than 1")
    params = {"label_delay_days": label_delay_days, "valid_fraction": valid_fraction,
              "test_fraction": test_fraction, "seed": seed}
    y = labels(table)
    labelled = ~np.isnan(y)
    fractions = (1 - valid_fraction - test_fraction, valid_fraction, test_fraction)
    part = assign_numbers(table["msisdn"], y, fractions, seed)
    days = snapshot_days(table)
    dates = np.unique(days[labelled])
    notes = []
    if len(dates) < 3:
        notes.append(f"{len(dates)} snapshot date(s): cannot split in time, fell back to a stratified split by number")
        masks = [labelled & (part == i) for i in range(3)]
        return Split(*masks, kind="stratified", notes=notes, params=params, fraud=_fraud(y, masks))

    n_test = max(1, int(round(len(dates) * test_fraction)))
    n_valid = max(1, int(round(len(dates) * valid_fraction)))
    if n_test + n_valid >= len(dates):
        n_test, n_valid = 1, 1
    test_start, valid_start = dates[-n_test], dates[-n_test - n_valid]
    delay = np.timedelta64(label_delay_days, "D")
    # a snapshot's label is known label_delay_days after it: keep it only if that is before the next period
    in_train = days < valid_start
    in_valid = (days >= valid_start) & (days < test_start)
    kept_train = in_train & (days + delay <= valid_start)
    kept_valid = in_valid & (days + delay <= test_start)
    masks = [labelled & (part == 0) & kept_train, labelled & (part == 1) & kept_valid,
             labelled & (part == 2) & (days >= test_start)]
    gap_rows = int((labelled & (((part == 0) & in_train & ~kept_train) | ((part == 1) & in_valid & ~kept_valid))).sum())
    for name, m in zip(PARTS, masks):
        if not m.any():
            raise InputError(f"feature table: the {name} part of the time split is empty "
                             f"({len(dates)} snapshot dates, label delay {label_delay_days} days); "
                             "add snapshots or shorten the label delay")
    periods = {name: (days[m].min(), days[m].max()) for name, m in zip(PARTS, masks)}
    return Split(*masks, kind="time", notes=notes, periods=periods, params=params, gap_rows=gap_rows,
                 fraud=_fraud(y, masks))


def _fraud(y: np.ndarray, masks) -> dict:
    return {name: int(np.nansum(y[m])) for name, m in zip(PARTS, masks)}
