"""Rings from a hand-made folder whose links are known exactly (see ring_world.py)."""

import pandas as pd
import pyarrow as pa
import pytest

import ring_world
from fraudml.cases import links as link_rules
from fraudml.cases.rings import find_rings
from fraudml.engine import close, connect, load_tables, register


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return ring_world.write(tmp_path_factory.mktemp("rings"))


@pytest.fixture(scope="module")
def rings(folder):
    return find_rings(folder, ring_world.scores(), ring_world.AS_OF.date())


def test_links_of_each_kind_leave_out_hubs_and_events_outside_the_window(folder):
    con = connect()
    try:
        tables = load_tables(con, folder)
        flagged = register(con, "flagged", pa.table({"msisdn": ring_world.FLAGGED}))
        edges = link_rules.links(tables, flagged, ring_world.AS_OF.to_pydatetime(), 30).to_pyarrow().to_pylist()
    finally:
        close(con)
    got = sorted(tuple(e.values()) for e in edges)
    assert got == [("A", "X", "handset", "H1"), ("B", "X", "holder", "ID1"), ("C", "D", "victims", None),
                   ("D", "C", "victims", None), ("K", "L", "place", None),
                   ("L", "K", "place", None)]  # both ends flagged: the link is found from each


def test_linked_numbers_form_rings_numbered_by_flagged_members(rings):
    assert rings.members.set_index("msisdn")["ring_id"].to_dict() == {
        "A": "R1", "B": "R1", "X": "R1", "C": "R2", "D": "R2", "K": "R3", "L": "R3"}  # R2, R3: by smallest member
    r1, r2, r3 = (row for _, row in rings.table.iterrows())
    assert (r1.ring_id, r1["size"], r1.flagged, r1.handset_links, r1.holder_links, r1.victims_links, r1.place_links) == (
        "R1", 3, 2, 1, 1, 0, 0)
    assert list(r1.handsets) == ["H1"] and list(r1.holders) == ["ID1"] and list(r1.members) == ["A", "B", "X"]
    assert [dict(link) for link in r1.links] == [{"a": "A", "b": "X", "kind": "handset"}, {"a": "B", "b": "X", "kind": "holder"}]
    # A: x1, x5, x9 (x3 is before the window); X: x2, x7; every call of A and X is before as_of
    assert r1.counterparts == 5
    assert (r1.first_activity, r1.last_activity) == (pd.Timestamp("2024-02-20 10:00"), pd.Timestamp("2024-03-26 10:00"))
    assert (r2.ring_id, r2["size"], r2.flagged, r2.victims_links, r2.counterparts) == ("R2", 2, 2, 1, 12)  # v0..v10, bank
    assert list(r2.handsets) == [] and list(r2.holders) == []
    assert (r3.ring_id, r3["size"], r3.flagged, r3.place_links, r3.victims_links, r3.counterparts) == ("R3", 2, 2, 1, 0, 25)
    assert [dict(link) for link in r3.links] == [{"a": "K", "b": "L", "kind": "place"}]


def test_every_scored_row_gets_its_ring_or_null(rings):
    scored = rings.assign(ring_world.scores()).set_index("msisdn")["ring_id"]
    assert scored.loc[["A", "B", "X"]].tolist() == ["R1"] * 3 and scored.loc[["C", "D"]].tolist() == ["R2"] * 2
    assert scored.loc[["K", "L"]].tolist() == ["R3"] * 2
    assert scored.loc[["E", "F", "G", "Q", "P", "Z", "M", "N", "O", "U", "S", "T", "Y1", "Y2"]].isna().all()
    assert rings.summary() == "3 ring(s) of 7 numbers, 6 of them flagged"


def test_no_flagged_number_means_no_ring(folder):
    quiet = ring_world.scores().assign(decision="pass")
    rings = find_rings(folder, quiet, ring_world.AS_OF.date())
    assert rings.table.empty and rings.assign(quiet)["ring_id"].isna().all()
