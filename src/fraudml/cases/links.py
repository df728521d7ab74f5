"""Links between flagged numbers and the numbers they are run with: a shared handset, one ID holder, shared victims.

Each kind of link is an Ibis expression over the canonical tables, so DuckDB and
Spark build the same edges. Every link has a flagged number at one end; the
other end is any number of the data. Only events strictly before ``as_of``
count: handsets and victims from the calls of the window before it, ID holders
from the accounts activated before it.

Shared victims are weaker evidence than a handset or an ID card: people who
call friends a crew also called share them too. So they link two flagged
numbers only, while handsets and ID holders also bring in numbers not flagged.

Hubs are left out, or they would chain everyone together: a handset seen with
more than ``HANDSET_MAX_NUMBERS`` numbers in the window (a shop's or a service
desk's test phone, a placeholder IMEI), an ID card holding more than
``HOLDER_MAX_NUMBERS`` numbers (a company's), and a counterpart called by more
than ``VICTIM_MAX_CALLERS`` numbers (a bank, a delivery service). Calling a few
of the same people proves nothing on its own (numbers that dial thousands of
strangers meet by chance), so two numbers are linked by shared victims only
when they share at least ``VICTIMS_MIN_SHARED`` of them *and* those make up at
least ``VICTIMS_MIN_SHARE`` of the rarer caller's victims: they work from one list.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import ibis

HANDSET_MAX_NUMBERS = 20  # a crew's phone holds a handful of SIMs; a SIM box some 8 to 16 (docs/rings.md)
HOLDER_MAX_NUMBERS = 20  # people hold a few numbers (Sichuan's users: at most 13 on one ID card); more is a company
VICTIM_MAX_CALLERS = 20  # a counterpart called by more numbers is a hub, not a victim
VICTIMS_MIN_SHARED = 5
VICTIMS_MIN_SHARE = 0.2
KINDS = ("handset", "holder", "victims")


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
    out = calls.filter((calls.direction == "out") & (calls.counterpart != calls.msisdn))
    out = out.select("msisdn", "counterpart").distinct()
    callers = out.group_by("counterpart").aggregate(n=out.count())
    rare = out.join(callers.filter(callers.n <= VICTIM_MAX_CALLERS).select("counterpart"), "counterpart")
    reach = rare.group_by("msisdn").aggregate(victims=rare.count())
    mine = rare.join(flagged, "msisdn").select("counterpart", a="msisdn")
    j = mine.join(rare.join(flagged, "msisdn").select("counterpart", b="msisdn"), "counterpart")
    j = j.filter(j.a != j.b)
    pairs = j.group_by(["a", "b"]).aggregate(shared=j.count())
    ra, rb = reach.select(a="msisdn", va="victims"), reach.select(b="msisdn", vb="victims")
    sized = pairs.join(ra, "a").join(rb, "b")
    linked = sized.filter((sized.shared >= VICTIMS_MIN_SHARED)
                          & (sized.shared >= VICTIMS_MIN_SHARE * ibis.least(sized.va, sized.vb)))
    return linked.select("a", "b", kind=ibis.literal("victims"), via=ibis.null().cast("string"))


def links(tables, flagged, as_of: datetime, window_days: int):
    """Every link of the flagged numbers (``flagged``: a table with column msisdn): a, b, kind, via.

    ``a`` is flagged (``b`` too for victims); ``via`` is the handset or the ID holder, null for victims.
    """
    return ibis.union(handset_links(tables, flagged, as_of, window_days), holder_links(tables, flagged, as_of),
                      victim_links(tables, flagged, as_of, window_days), distinct=True)
