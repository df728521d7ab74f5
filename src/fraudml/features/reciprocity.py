"""Reciprocity: whether the numbers a number calls ever call it back.

Victims of a scam rarely call back, and robocallers are never called back;
people's contacts are mutual. One-ring numbers show the opposite skew: many
numbers that only call in.
"""

from __future__ import annotations

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("reciprocity", "calls")
    pairs = ctx.call_pairs
    longest = ctx.lookback
    called_ever, calling_ever = pairs[f"out_w{longest}"] > 0, pairs[f"in_w{longest}"] > 0
    counts, shares = {}, {}
    for w in ctx.windows:
        if w == 1:
            continue
        called = pairs[f"out_w{w}"] > 0
        counts[f"_called_w{w}"] = pairs.count(where=called)
        counts[f"_called_back_w{w}"] = pairs.count(where=called & calling_ever)
        callback = family.real(f"callback_share_w{w}", f"share of the numbers called in the last {span(w)} that called "
                               f"this number at any time in the last {span(longest)}", "share", w)
        shares[callback] = (f"_called_back_w{w}", f"_called_w{w}")
    mutual = family.count(f"mutual_contacts_w{longest}", f"numbers both called and calling in the last {span(longest)}",
                          "numbers", longest)
    incoming_only = family.count(f"incoming_only_contacts_w{longest}",
                                 f"numbers that called but were never called in the last {span(longest)}", "numbers", longest)
    counts[mutual] = pairs.count(where=called_ever & calling_ever)
    counts[incoming_only] = pairs.count(where=calling_ever & ~called_ever)
    counts["_outgoing_only"] = pairs.count(where=called_ever & ~calling_ever)
    counts["_contacts"] = pairs.count(where=called_ever | calling_ever)
    totals = pairs.group_by(KEY).aggregate(**counts)

    ratios = {name: share(totals[part], totals[whole]) for name, (part, whole) in shares.items()}
    contacts = f"the last {span_of(longest)} contacts"
    mutual_share = family.real(f"mutual_share_w{longest}", f"share of {contacts} that are mutual (calls both ways)",
                               "share", longest)
    incoming_share = family.real(f"incoming_only_share_w{longest}", f"share of {contacts} that only called in", "share",
                                 longest)
    outgoing_share = family.real(f"outgoing_only_share_w{longest}", f"share of {contacts} that were only called, never "
                                 "calling back", "share", longest)
    ratios[mutual_share] = share(totals[mutual], totals._contacts)
    ratios[incoming_share] = share(totals[incoming_only], totals._contacts)
    ratios[outgoing_share] = share(totals._outgoing_only, totals._contacts)
    family.part(totals.mutate(**ratios))
    return family
