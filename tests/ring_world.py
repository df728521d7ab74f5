"""A hand-made canonical folder whose links are known exactly, for the rings' tests.

As of 2024-04-01, window 30 days (calls from 2024-03-02 on). Flagged: A, B, C, D, E, F.

* A and X share handset H1 in the window            -> handset link A-X
* B and X are on ID card ID1                        -> holder link B-X   (so A, X, B are one ring, through X)
* V is on ID1 too, but activated after as_of        -> no link
* A and P share handset H0, but only before the window; A and Z share H9, but only on as_of -> no links
* A and 20 others share handset HUB (21 numbers)    -> a hub: no links
* X and Q share handset H2; neither is flagged      -> no link: Q stays out
* C and D both called victims v0..v4 (5 shared, of C's 10 and D's 6) -> victims link C-D
* C and E share 4 victims only                      -> no link
* G called v0..v4 too, but is not flagged           -> no link: shared victims join flagged numbers only
* bank: called by C, D, E and 20 others (23 callers) -> a hub, not a victim
* F has no link                                     -> in no ring
* K (6 and 4 of 10 calls from cells c1, c2) and L (6, 4 and 5 of 15 from c1, c2, c3) share c1 and c2:
  6/15 + 4/15 = exactly 2/3 of their calls from the same cells -> place link K-L
* M (10 and 10 calls from c4, c5) and N (12 and 8 from c4, c6) share one place, c4: half of M's calls -> no link
* O made 9 calls, 5 from c1 and 4 from c2, as K does -> too few to place it: no link
* U calls from K's cells but is not flagged         -> no link: places join flagged numbers only
* S and T call only from a hub cell (42 numbers, over 20 times the median cell's 2) -> no link
* Y1 and Y2 roam: each made one call from each of the same 11 cells, under a tenth of its calls each -> no link
"""

from __future__ import annotations

import pandas as pd

from fraudml.tables import TABLES, write_table

AS_OF = pd.Timestamp("2024-04-01")
FLAGGED = ["A", "B", "C", "D", "E", "F", "K", "L", "M", "N", "O", "S", "T", "Y1", "Y2"]


def _call(msisdn, counterpart, when, imei=None, direction="out", cell=None):
    return {"msisdn": msisdn, "counterpart": counterpart, "direction": direction, "started_at": pd.Timestamp(when),
            "duration_s": 30, "imei": imei, "cell": cell}


def _from_cells(msisdn, **calls_per_cell) -> list[dict]:
    """Calls of ``msisdn`` from each cell, each to a counterpart of its own (no shared victims)."""
    cells = [cell for cell, n in calls_per_cell.items() for _ in range(n)]
    return [_call(msisdn, f"{msisdn}-{i}", f"2024-03-{5 + i % 20:02d} 10:00", cell=cell) for i, cell in enumerate(cells)]


def calls() -> list[dict]:
    rows = [
        _call("A", "x1", "2024-03-20 10:00", "H1"), _call("X", "x2", "2024-03-21 10:00", "H1"),
        _call("A", "x3", "2024-02-20 10:00", "H0"), _call("P", "x4", "2024-02-21 10:00", "H0"),
        _call("A", "x5", "2024-03-25 10:00", "H9"), _call("Z", "x6", "2024-04-01 00:00", "H9"),
        _call("X", "x7", "2024-03-22 10:00", "H2"), _call("Q", "x8", "2024-03-22 11:00", "H2"),
        _call("A", "x9", "2024-03-26 10:00", "HUB"), _call("F", "x10", "2024-03-26 12:00", "HF"),
    ]
    rows += [_call(f"h{i}", "y", "2024-03-27 10:00", "HUB") for i in range(20)]
    rows += [_call("C", f"v{i}", "2024-03-10 09:00") for i in range(10)]
    rows += [_call("D", f"v{i}", "2024-03-11 09:00") for i in (0, 1, 2, 3, 4, 10)]
    rows += [_call("E", f"v{i}", "2024-03-12 09:00") for i in (5, 6, 7, 8, 11)]
    rows += [_call("G", f"v{i}", "2024-03-13 09:00") for i in (0, 1, 2, 3, 4, 12)]
    rows += [_call(n, "bank", "2024-03-15 09:00") for n in ["C", "D", "E", *(f"b{i}" for i in range(20))]]
    rows += [_call("C", "w", "2024-03-16 09:00", direction="in")]
    rows += _from_cells("K", c1=6, c2=4) + _from_cells("L", c1=6, c2=4, c3=5) + _from_cells("U", c1=6, c2=4)
    rows += _from_cells("M", c4=10, c5=10) + _from_cells("N", c4=12, c6=8) + _from_cells("O", c1=5, c2=4)
    rows += _from_cells("S", hub=10) + _from_cells("T", hub=10)
    rows += [row for i in range(40) for row in _from_cells(f"s{i}", hub=1)]
    rows += _from_cells("Y1", **{f"r{i}": 1 for i in range(11)}) + _from_cells("Y2", **{f"r{i}": 1 for i in range(11)})
    return rows


def accounts() -> list[dict]:
    def acc(msisdn, holder, activated="2023-01-01"):
        return {"msisdn": msisdn, "id_holder": holder, "activated_at": pd.Timestamp(activated)}
    return [acc("B", "ID1"), acc("X", "ID1"), acc("V", "ID1", "2024-04-01"), acc("A", "ID2"), acc("C", None)]


def write(folder):
    for name, rows in (("calls", calls()), ("accounts", accounts())):
        df = pd.DataFrame(rows)
        for col in TABLES[name].names:
            if col not in df:
                df[col] = None
        write_table(df, folder, name)
    return folder


def scores() -> pd.DataFrame:
    numbers = [*FLAGGED, "G", "X", "Q", "P", "Z", "U"]
    return pd.DataFrame({"msisdn": numbers, "decision": ["alert" if n in FLAGGED else "pass" for n in numbers]})
