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
        inside = cw.day_index < w
        for direction, words in (("out", "outgoing calls"), ("in", "incoming calls"), ("fwd", "forwarded calls")):
            m[f.count(f"calls_{direction}_w{w}", f"{words} in the last {span(w)}", "calls", w)] = \
                cw.count(where=(cw.direction == direction) & inside)
    cd = ctx.call_days
    f.part(cd.select(*KEY, **{
        f.count(f"active_days_w{w}", f"days with at least one call in the last {span(w)}", "days", w): cd[f"days_w{w}"]
        for w in ctx.windows if w > 1}))
    counts = cw.group_by(KEY).aggregate(**m)
    agg = counts.join(cd, KEY)
    out_L, in_L, out_short = agg[f"calls_out_w{L}"], agg[f"calls_in_w{L}"], agg[f"calls_out_w{short}"]
    f.part(agg.mutate(**{
        f.real(f"calls_out_per_active_day_w{L}", f"outgoing calls per day with calls, over the last {span(L)}", "calls per day", L):
            share(out_L, agg[f"days_w{L}"]),
        f.real(f"out_call_share_w{L}", f"share of calls that are outgoing, over the last {span(L)}", "share", L):
            share(out_L, out_L + in_L),
        f.real("calls_out_burst_ratio", f"outgoing calls per day in the last {span(short)} over the daily mean of the last {span(L)} "
               "(above 1: a burst)", "times the usual rate", short):
            ibis.ifelse(out_L > 0, (out_short / short) / (out_L / L), None),
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
