"""Durations of outgoing calls: scripts, hang-ups and one-ring calls.

Victims hang up on scam calls within seconds; one-ring callers let the phone
ring once (zero seconds); robocalls play a recording of nearly fixed length
(small coefficient of variation). People's calls vary.
"""

from __future__ import annotations

from fraudml.features.context import KEY, LONG_CALL_S, SHORT_CALL_S, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("durations", "calls")
    cw = ctx.calls_window
    L = ctx.lookback
    out, d = cw.direction == "out", cw.duration_s
    m = {}
    for w in ctx.windows:
        if w == 1:
            continue
        inside = out & (cw.day_index < w)
        m[f.real(f"duration_mean_out_w{w}", f"mean duration of outgoing calls in the last {span(w)}", "s", w)] = d.mean(where=inside)
        m[f"_n_w{w}"] = cw.count(where=inside)
        m[f"_short_w{w}"] = cw.count(where=inside & (d < SHORT_CALL_S))
    m["_quantiles"] = d.quantile([0.5, 0.9], where=out)  # one sort for both
    m[f.real(f"duration_mean_in_w{L}", f"mean duration of incoming calls in the last {span(L)}", "s", L)] = d.mean(where=cw.direction == "in")
    m[f.real(f"talk_minutes_out_w{L}", f"total minutes of outgoing calls in the last {span(L)}", "minutes", L)] = \
        d.sum(where=out).cast("float64") / 60  # a float numerator: Spark reads 60.0 as a decimal, rounded to 6 places
    m["_std"] = d.std(how="pop", where=out)
    m["_mean"] = d.mean(where=out)
    m["_long"] = cw.count(where=out & (d > LONG_CALL_S))
    m["_zero"] = cw.count(where=out & (d == 0))
    agg = cw.group_by(KEY).aggregate(**m)
    exprs = {
        f.real(f"duration_median_out_w{L}", f"median duration of outgoing calls in the last {span(L)}", "s", L): agg._quantiles[0],
        f.real(f"duration_p90_out_w{L}", f"90th percentile of outgoing call durations in the last {span(L)}", "s", L): agg._quantiles[1],
    }
    for w in ctx.windows:
        if w > 1:
            exprs[f.real(f"short_share_out_w{w}", f"share of the last {span_of(w)} outgoing calls shorter than {SHORT_CALL_S} s", "share", w)] = \
                share(agg[f"_short_w{w}"], agg[f"_n_w{w}"])
    exprs[f.real(f"zero_share_out_w{L}", f"share of the last {span_of(L)} outgoing calls of 0 s (unanswered or one ring)", "share", L)] = \
        share(agg._zero, agg[f"_n_w{L}"])
    exprs[f.real(f"long_share_out_w{L}", f"share of the last {span_of(L)} outgoing calls longer than {LONG_CALL_S // 60} minutes", "share", L)] = \
        share(agg._long, agg[f"_n_w{L}"])
    exprs[f.real(f"duration_cv_out_w{L}", f"coefficient of variation of outgoing call durations in the last {span(L)} "
                 "(low: calls of nearly fixed length)", "ratio", L)] = share(agg._std, agg._mean)
    f.part(agg.mutate(**exprs))
    return f
