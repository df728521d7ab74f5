"""Volume and activity: how much a number calls, and in what bursts.

Scam call centres and robocallers place many more outgoing calls than people do,
concentrated in bursts; one-ring numbers mostly receive call-backs.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("volume", "calls")
    cw = ctx.calls_window
    L, short = ctx.lookback, min(ctx.windows)
    m = {}
    for w in ctx.windows:
        inside = ctx.within(cw.lag_s, w)
        for direction, words in (("out", "outgoing calls"), ("in", "incoming calls"), ("fwd", "forwarded calls")):
            m[f.count(f"calls_{direction}_w{w}", f"{words} in the last {span(w)}", "calls", w)] = \
                cw.count(where=(cw.direction == direction) & inside)
    m["_out_L"] = cw.count(where=cw.direction == "out")
    m["_in_L"] = cw.count(where=cw.direction == "in")
    m["_out_short"] = cw.count(where=(cw.direction == "out") & ctx.within(cw.lag_s, short))
    days = ctx.distinct_counts("day", {
        **{f.count(f"active_days_w{w}", f"days with at least one call in the last {span(w)}", "days", w): w
           for w in ctx.windows if w > 1},
        "_days_L": L,
    })
    f.part(days)
    counts = cw.group_by(KEY).aggregate(**m)
    agg = counts.join(days, KEY)
    f.part(agg.mutate(**{
        f.real(f"calls_out_per_active_day_w{L}", f"outgoing calls per day with calls, over the last {span(L)}", "calls per day", L):
            share(agg._out_L, agg._days_L),
        f.real(f"out_call_share_w{L}", f"share of calls that are outgoing, over the last {span(L)}", "share", L):
            share(agg._out_L, agg._out_L + agg._in_L),
        f.real("calls_out_burst_ratio", f"outgoing calls per day in the last {span(short)} over the daily mean of the last {span(L)} "
               "(above 1: a burst)", "times the usual rate", short):
            ibis.ifelse(agg._out_L > 0, (agg._out_short / short) / (agg._out_L / L), None),
    }))

    hourly = ctx.out_call_hours
    busiest = hourly.group_by(KEY).aggregate(_max=hourly.n.max(), _total=hourly.n.sum())
    f.part(busiest.mutate(**{
        f.count(f"busiest_hour_calls_out_w{L}", f"most outgoing calls in any single clock hour of the last {span(L)}", "calls", L):
            busiest._max,
        f.real(f"busiest_hour_share_w{L}", f"share of the last {span_of(L)} outgoing calls placed in the busiest clock hour", "share", L):
            share(busiest._max, busiest._total),
    }))
    return f
