"""Rings: the numbers a number is run with, through shared handsets and ID holders, and how many are known fraud.

A number's ring is its connected component in the graph of numbers linked by a
handset used by both in the lookback window, or by one ID holder (accounts
activated before as_of); handsets and ID cards shared by more numbers than a
crew uses are hubs and link nothing (the thresholds of fraudml.cases.links).
Known fraud counts only labels confirmed before as_of minus the label delay.
"""

from __future__ import annotations

import ibis

from fraudml.cases.components import connected_components
from fraudml.cases.links import HANDSET_MAX_NUMBERS, HOLDER_MAX_NUMBERS
from fraudml.features.context import KEY, Context, Family, share, span


def _uses(ctx: Context):
    """(as_of, value, msisdn): each number's handsets in the lookback and its ID holder, hubs left out."""
    handsets = ctx.windowed_links("imei")
    accounts = ctx.tables["accounts"]
    d = ctx.as_of_dates
    held = d.join(accounts, [accounts.id_holder.notnull(), accounts.activated_at.isnull() | (accounts.activated_at < d.as_of)])
    holders = held.select("as_of", value=ibis.literal("id:") + held.id_holder, msisdn=held.msisdn).distinct()
    parts = []
    for uses, cap in ((handsets.mutate(value=ibis.literal("imei:") + handsets.value), HANDSET_MAX_NUMBERS),
                      (holders, HOLDER_MAX_NUMBERS)):
        degree = uses.group_by(["as_of", "value"]).aggregate(n=uses.count())
        kept = degree.filter((degree.n > 1) & (degree.n <= cap)).select("as_of", "value")
        parts.append(uses.join(kept, ["as_of", "value"]).select("as_of", "value", "msisdn"))
    return ibis.union(*parts)


def _ring_labels(ctx: Context):
    """(as_of, node, label, size, fraud): each linked number's component, its size and its known fraud numbers."""
    uses = _uses(ctx)
    other = uses.select("as_of", "value", b="msisdn")
    pairs = uses.join(other, ["as_of", "value"])
    edges = pairs.filter(pairs.msisdn != pairs.b).select("as_of", a=pairs.msisdn, b=pairs.b).distinct()
    labels, _ = connected_components(edges, keys=("as_of",))
    fraud = ctx.confirmed_fraud
    known = labels.left_join(fraud, [labels.as_of == fraud.as_of, labels.node == fraud.fraud_msisdn])
    known = known.mutate(is_fraud=known.fraud_msisdn.notnull().cast("int64"))
    per = known.group_by(["as_of", "label"]).aggregate(size=known.count(), fraud=known.is_fraud.sum())
    out = known.join(per, ["as_of", "label"]).select("as_of", "node", "label", "size", "fraud", "is_fraud")
    return out


def features(ctx: Context) -> Family:
    f = Family("rings", "calls.imei")
    L = ctx.lookback
    numbers = f.count(f"ring_numbers_w{L}", f"other numbers in its ring: linked to it through handsets shared in the last "
                      f"{span(L)} or ID holders, step by step", "numbers", L, source="calls.imei")
    fraud = f.count(f"ring_fraud_w{L}", "other numbers in its ring already confirmed as fraud", "numbers", L,
                    source="calls.imei+labels")
    fraud_share = f.real(f"ring_fraud_share_w{L}", "share of the other numbers in its ring already confirmed as fraud",
                         "share", L, source="calls.imei+labels")
    if not ctx.materialise:  # an unbound context only declares the features
        return f
    rings = ctx.over_all_dates("ring_labels", lambda: _ring_labels(ctx))
    s = ctx.snapshots
    j = s.join(rings, [s.as_of == rings.as_of, s.msisdn == rings.node])
    others = (j.size - 1).cast("int64")
    known = (j.fraud - j.is_fraud).cast("int64")
    f.part(j.select(*KEY, **{numbers: others, fraud: known, fraud_share: share(known, others)}))
    return f
