"""Timing: when a number calls, and how regularly.

Call centres work office hours on weekdays; SIM boxes and some scams work at
night; a dialler places calls at near-constant gaps (low coefficient of
variation of the gaps between calls), which people never do.
"""

from __future__ import annotations

from fraudml.features.context import (KEY, NIGHT, NIGHT_END_HOUR, OFFICE, OFFICE_HOURS, Context, Family, entropy, n_log_n,
                                      share, span, span_of)


def features(ctx: Context) -> Family:
    f = Family("timing", "calls")
    cw = ctx.calls_window
    L = ctx.lookback
    out = cw.direction == "out"
    night = cw.hour < NIGHT_END_HOUR
    office = (cw.hour >= OFFICE_HOURS[0]) & (cw.hour < OFFICE_HOURS[1]) & (cw.weekday < 5)
    m = {}
    for w in ctx.windows:
        if w == 1:
            continue
        inside = (cw.day_index < w)
        m[f"_all_w{w}"] = cw.count(where=inside)
        m[f"_night_w{w}"] = cw.count(where=inside & night)
        m[f"_out_w{w}"] = cw.count(where=inside & out)
        m[f"_office_w{w}"] = cw.count(where=inside & out & office)
    m["_weekend"] = cw.count(where=cw.weekday >= 5)
    agg = cw.group_by(KEY).aggregate(**m)
    exprs = {}
    for w in ctx.windows:
        if w == 1:
            continue
        exprs[f.real(f"night_share_w{w}", f"share of the last {span_of(w)} calls (both ways) {NIGHT}", "share", w)] = \
            share(agg[f"_night_w{w}"], agg[f"_all_w{w}"])
        exprs[f.real(f"office_share_out_w{w}", f"share of the last {span_of(w)} outgoing calls {OFFICE}", "share", w)] = \
            share(agg[f"_office_w{w}"], agg[f"_out_w{w}"])
    exprs[f.real(f"weekend_share_w{L}", f"share of the last {span_of(L)} calls on Saturdays and Sundays", "share", L)] = \
        share(agg._weekend, agg[f"_all_w{L}"])
    f.part(agg.mutate(**exprs))

    oh = ctx.out_call_hours
    hours = oh.group_by([*KEY, "hour"]).aggregate(n=oh.n.sum())
    h = hours.group_by(KEY).aggregate(_sum=hours.n.sum(), _nlogn=n_log_n(hours.n).sum())
    f.part(h.mutate(**{f.real(f"hour_entropy_out_w{L}", f"entropy (nats) of the hour of day of outgoing calls in the last {span(L)} "
                              "(low: calls at the same hours)", "nats", L): entropy(h._sum, h._nlogn)}))

    seq = ctx.call_sequence
    f.part(seq.mutate(**{
        f.real(f"gap_median_w{L}", f"median seconds between consecutive calls (either way) in the last {span(L)}", "s", L):
            seq.gap_median,
    }))
    f.part(seq.mutate(**{
        f.real(f"gap_cv_w{w}", f"coefficient of variation of the gaps between consecutive calls in the last {span(w)} "
               "(low: regular, machine-like dialling)", "ratio", w): share(seq[f"gap_std_w{w}"], seq[f"gap_mean_w{w}"])
        for w in ctx.windows if w > 1
    }))
    return f
