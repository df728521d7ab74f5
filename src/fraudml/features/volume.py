"""Volume and activity: how much a number calls, and in what bursts.

Scam call centres and robocallers place many more outgoing calls than people do,
concentrated in bursts; one-ring numbers mostly receive call-backs.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, share, span, span_of

DIRECTIONS = (("out", "outgoing calls"), ("in", "incoming calls"), ("fwd", "forwarded calls"))


def features(ctx: Context) -> Family:
    family = Family("volume", "calls")
    calls = ctx.calls_window
    longest, shortest = ctx.lookback, min(ctx.windows)
    counts = {}
    for w in ctx.windows:
        inside = calls.day_index < w
        for direction, words in DIRECTIONS:
            name = family.count(f"calls_{direction}_w{w}", f"{words} in the last {span(w)}", "calls", w)
            counts[name] = calls.count(where=(calls.direction == direction) & inside)
    days = ctx.call_days
    family.part(days.select(*KEY, **{
        family.count(f"active_days_w{w}", f"days with at least one call in the last {span(w)}", "days", w): days[f"days_w{w}"]
        for w in ctx.windows if w > 1}))

    totals = calls.group_by(KEY).aggregate(**counts).join(days, KEY)
    out_all, in_all, out_recent = totals[f"calls_out_w{longest}"], totals[f"calls_in_w{longest}"], totals[f"calls_out_w{shortest}"]
    per_day = family.real(f"calls_out_per_active_day_w{longest}",
                          f"outgoing calls per day with calls, over the last {span(longest)}", "calls per day", longest)
    out_share = family.real(f"out_call_share_w{longest}", f"share of calls that are outgoing, over the last {span(longest)}",
                            "share", longest)
    burst = family.real("calls_out_burst_ratio", f"outgoing calls per day in the last {span(shortest)} over the daily mean "
                        f"of the last {span(longest)} (above 1: a burst)", "times the usual rate", shortest)
    family.part(totals.mutate(**{
        per_day: share(out_all, totals[f"days_w{longest}"]),
        out_share: share(out_all, out_all + in_all),
        burst: ibis.ifelse(out_all > 0, (out_recent / shortest) / (out_all / longest), None),
    }))

    hourly = ctx.out_call_hours
    busiest = hourly.group_by(KEY).aggregate(_max=hourly.n.max(), _total=hourly.n.sum())
    busiest_calls = family.count(f"busiest_hour_calls_out_w{longest}",
                                 f"most outgoing calls in any single clock hour of the last {span(longest)}", "calls", longest)
    busiest_share = family.real(f"busiest_hour_share_w{longest}",
                                f"share of the last {span_of(longest)} outgoing calls placed in the busiest clock hour",
                                "share", longest)
    family.part(busiest.mutate(**{busiest_calls: busiest._max, busiest_share: share(busiest._max, busiest._total)}))
    return family
