"""Links between flagged numbers and the numbers they are run with: a shared handset, one ID holder, shared victims,
calls from the same cells.

Each kind of link is an Ibis expression over the canonical tables, so DuckDB and
Spark build the same edges. Every link has a flagged number at one end; the
other end is any number of the data. Only events strictly before ``as_of``
count: handsets, victims and cells from the calls of the window before it, ID
holders from the accounts activated before it.

Shared victims and cells are weaker evidence than a handset or an ID card:
people who call friends a crew also called share them too, and people who live
or work beside a crew's site use its cells. So they link two flagged numbers
only, while handsets and ID holders also bring in numbers not flagged.

Hubs are left out, or they would chain everyone together: a handset seen with
more than ``HANDSET_MAX_NUMBERS`` numbers in the window (a shop's or a service
desk's test phone, a placeholder IMEI), an ID card holding more than
``HOLDER_MAX_NUMBERS`` numbers (a company's), and a counterpart called by more
than ``VICTIM_MAX_CALLERS`` numbers (a bank, a delivery service). Calling a few
of the same people proves nothing on its own (numbers that dial thousands of
strangers meet by chance), so two numbers are linked by shared victims only
when they share at least ``VICTIMS_MIN_SHARED`` of them *and* those make up at
least ``VICTIMS_MIN_SHARE`` of the rarer caller's victims: they work from one list.

A call centre's or a SIM box's SIMs work side by side, so their calls come from
the same few serving cells in the same proportions, whoever holds them and
whatever phone they sit in. Two flagged numbers are linked by place when at
least ``PLACE_MIN_OVERLAP`` of each one's calls come from cells they share
(each cell counted at the smaller of its two shares). Only a number's usual
cells count (at least ``PLACE_MIN_CELL_SHARE`` of its calls: a courier or a
driver who roams a district has none), only numbers with at least
``PLACE_MIN_CALLS`` calls from a known cell, and never a hub cell, one used by
more than ``PLACE_HUB_FACTOR`` times as many numbers as the median cell (an
airport, a station, a stadium). Data without cells (the Sichuan format has
city and county only) gives no place link. docs/rings.md gives the reasons for
each threshold and how often they link numbers by chance.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from fractions import Fraction

import ibis

HANDSET_MAX_NUMBERS = 20  # a crew's phone holds a handful of SIMs; a SIM box some 8 to 16 (docs/rings.md)
HOLDER_MAX_NUMBERS = 20  # people hold a few numbers (Sichuan's users: at most 13 on one ID card); more is a company
VICTIM_MAX_CALLERS = 20  # a counterpart called by more numbers is a hub, not a victim
VICTIMS_MIN_SHARED = 5
VICTIMS_MIN_SHARE = 0.2
# places: shares are fractions so that both engines compare them exactly, in whole numbers
PLACE_MIN_OVERLAP = Fraction(2, 3)  # one shared place (a home, an office) covers about half of a person's calls
PLACE_MIN_CELL_SHARE = Fraction(1, 10)  # a usual cell; a number has at most ten
PLACE_MIN_CALLS = 10  # fewer say little about where a number is: its shares are known to +- 15 points
PLACE_HUB_FACTOR = 20  # ordinary cells differ up to about tenfold (city and country); hubs by far more
KINDS = ("handset", "holder", "victims", "place")


def _window_calls(tables, as_of: datetime, window_days: int):
    calls = tables["calls"]
    return calls.filter(calls.started_at < as_of, calls.started_at >= as_of - timedelta(days=window_days))


def _shared(uses, value: str, flagged, max_numbers: int, kind: str):
    """Edges between flagged numbers and the other numbers of each ``value`` (handset, holder) that at most
    ``max_numbers`` numbers have; ``uses`` holds distinct (value, msisdn)."""
    degree = uses.group_by(value).aggregate(n=uses.count())
    kept = degree.filter((degree.n > 1) & (degree.n <= max_numbers)).select(value)
    uses = uses.join(kept, value)
    mine = uses.join(flagged, "msisdn").select(value, a="msisdn")
    other = uses.select(value, b="msisdn")
    j = mine.join(other, value)
    return j.filter(j.a != j.b).select("a", "b", kind=ibis.literal(kind), via=j[value].cast("string"))


def handset_links(tables, flagged, as_of: datetime, window_days: int):
    """Flagged numbers and the numbers seen in one of their handsets (IMEI) in the window."""
    calls = _window_calls(tables, as_of, window_days)
    uses = calls.filter(calls.imei.notnull()).select(via=calls.imei, msisdn=calls.msisdn).distinct()
    return _shared(uses, "via", flagged, HANDSET_MAX_NUMBERS, "handset")


def holder_links(tables, flagged, as_of: datetime):
    """Flagged numbers and the other numbers registered to the same ID holder, activated before as_of."""
    acc = tables["accounts"]
    known = acc.filter(acc.id_holder.notnull(), acc.activated_at.isnull() | (acc.activated_at < as_of))
    uses = known.select(via=known.id_holder, msisdn=known.msisdn).distinct()
    return _shared(uses, "via", flagged, HOLDER_MAX_NUMBERS, "holder")


def victim_links(tables, flagged, as_of: datetime, window_days: int):
    """Pairs of flagged numbers that called many of the same rarely called counterparts in the window."""
    calls = _window_calls(tables, as_of, window_days)
    out = calls.filter((calls.direction == "out") & (calls.counterpart != calls.msisdn)).select("msisdn", "counterpart")
    mine = out.join(flagged, "msisdn").distinct()
    # callers counted for the flagged numbers' counterparts only: their own hash table, not one of every pair
    theirs = out.filter(out.counterpart.isin(mine.counterpart))
    callers = theirs.group_by("counterpart").aggregate(n=theirs.msisdn.nunique())
    rare = mine.join(callers.filter(callers.n <= VICTIM_MAX_CALLERS).select("counterpart"), "counterpart")
    reach = rare.group_by("msisdn").aggregate(victims=rare.count())
    j = rare.select("counterpart", a="msisdn").join(rare.select("counterpart", b="msisdn"), "counterpart")
    j = j.filter(j.a != j.b)
    pairs = j.group_by(["a", "b"]).aggregate(shared=j.count())
    ra, rb = reach.select(a="msisdn", va="victims"), reach.select(b="msisdn", vb="victims")
    sized = pairs.join(ra, "a").join(rb, "b")
    linked = sized.filter((sized.shared >= VICTIMS_MIN_SHARED)
                          & (sized.shared >= VICTIMS_MIN_SHARE * ibis.least(sized.va, sized.vb)))
    return linked.select("a", "b", kind=ibis.literal("victims"), via=ibis.null().cast("string"))


def place_links(tables, flagged, as_of: datetime, window_days: int):
    """Pairs of flagged numbers whose calls in the window mostly come from the same serving cells.

    Overlap is the share of calls both make from common cells, each cell counted
    at the smaller of the two numbers' shares of it (1: the same cells in the same
    proportions; 0: no cell in common). Shares are of all calls with a known cell,
    so calls from a hub cell count, but never as common ground.
    """
    calls = _window_calls(tables, as_of, window_days)
    celled = calls.filter(calls.cell.notnull())
    per_cell = celled.group_by("cell").aggregate(n=celled.msisdn.nunique())
    hubs = per_cell.filter(per_cell.n > PLACE_HUB_FACTOR * per_cell.n.median()).select("cell")
    mine = celled.join(flagged, "msisdn")
    counts = mine.group_by(["msisdn", "cell"]).aggregate(c=mine.count())
    totals = counts.group_by("msisdn").aggregate(n=counts.c.sum())
    totals = totals.filter(totals.n >= PLACE_MIN_CALLS)
    counts = counts.join(totals, "msisdn").anti_join(hubs, "cell")
    share = PLACE_MIN_CELL_SHARE
    counts = counts.filter(counts.c * share.denominator >= share.numerator * counts.n)  # its usual cells only
    ca = counts.select("cell", a="msisdn", ca="c", na="n")
    cb = counts.select("cell", b="msisdn", cb="c", nb="n")
    j = ca.join(cb, "cell")
    j = j.filter(j.a != j.b)
    # the overlap, sum of min(ca / na, cb / nb), times na * nb: whole numbers
    pairs = j.group_by(["a", "b", "na", "nb"]).aggregate(common=ibis.least(j.ca * j.nb, j.cb * j.na).sum())
    least = PLACE_MIN_OVERLAP
    linked = pairs.filter(pairs.common * least.denominator >= least.numerator * pairs.na * pairs.nb)
    return linked.select("a", "b", kind=ibis.literal("place"), via=ibis.null().cast("string"))


def links(tables, flagged, as_of: datetime, window_days: int):
    """Every link of the flagged numbers (``flagged``: a table with column msisdn): a, b, kind, via.

    ``a`` is flagged (``b`` too for victims); ``via`` is the handset or the ID holder, null for victims.
    """
    return ibis.union(handset_links(tables, flagged, as_of, window_days), holder_links(tables, flagged, as_of),
                      victim_links(tables, flagged, as_of, window_days), place_links(tables, flagged, as_of, window_days),
                      distinct=True)
