"""Durations of outgoing calls: scripts, hang-ups and one-ring calls.

Victims hang up on scam calls within seconds; one-ring callers let the phone
ring once (zero seconds); robocalls play a recording of nearly fixed length
(small coefficient of variation). People's calls vary.
"""

from __future__ import annotations

from fraudml.features.context import KEY, LONG_CALL_S, SHORT_CALL_S, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("durations", "calls")
    calls = ctx.calls_window
    longest = ctx.lookback
    out, duration = calls.direction == "out", calls.duration_s
    stats = {}
    for w in ctx.windows:
        if w == 1:
            continue
        inside = out & (calls.day_index < w)
        mean = family.real(f"duration_mean_out_w{w}", f"mean duration of outgoing calls in the last {span(w)}", "s", w)
        stats[mean] = duration.mean(where=inside)
        stats[f"_n_w{w}"] = calls.count(where=inside)
        stats[f"_short_w{w}"] = calls.count(where=inside & (duration < SHORT_CALL_S))
    stats["_quantiles"] = duration.quantile([0.5, 0.9], where=out)  # one sort for both
    mean_in = family.real(f"duration_mean_in_w{longest}", f"mean duration of incoming calls in the last {span(longest)}",
                          "s", longest)
    minutes = family.real(f"talk_minutes_out_w{longest}", f"total minutes of outgoing calls in the last {span(longest)}",
                          "minutes", longest)
    stats[mean_in] = duration.mean(where=calls.direction == "in")
    stats[minutes] = duration.sum(where=out).cast("float64") / 60  # a float numerator: Spark reads 60.0 as a decimal
    stats["_std"] = duration.std(how="pop", where=out)
    stats["_mean"] = duration.mean(where=out)
    stats["_long"] = calls.count(where=out & (duration > LONG_CALL_S))
    stats["_zero"] = calls.count(where=out & (duration == 0))
    totals = calls.group_by(KEY).aggregate(**stats)

    outgoing = f"the last {span_of(longest)} outgoing calls"
    median = family.real(f"duration_median_out_w{longest}", f"median duration of outgoing calls in the last "
                         f"{span(longest)}", "s", longest)
    p90 = family.real(f"duration_p90_out_w{longest}", f"90th percentile of outgoing call durations in the last "
                      f"{span(longest)}", "s", longest)
    derived = {median: totals._quantiles[0], p90: totals._quantiles[1]}
    for w in ctx.windows:
        if w > 1:
            short = family.real(f"short_share_out_w{w}", f"share of the last {span_of(w)} outgoing calls shorter than "
                                f"{SHORT_CALL_S} s", "share", w)
            derived[short] = share(totals[f"_short_w{w}"], totals[f"_n_w{w}"])
    zero = family.real(f"zero_share_out_w{longest}", f"share of {outgoing} of 0 s (unanswered or one ring)", "share", longest)
    long = family.real(f"long_share_out_w{longest}", f"share of {outgoing} longer than {LONG_CALL_S // 60} minutes", "share",
                       longest)
    cv = family.real(f"duration_cv_out_w{longest}", f"coefficient of variation of outgoing call durations in the last "
                     f"{span(longest)} (low: calls of nearly fixed length)", "ratio", longest)
    derived[zero] = share(totals._zero, totals[f"_n_w{longest}"])
    derived[long] = share(totals._long, totals[f"_n_w{longest}"])
    derived[cv] = share(totals._std, totals._mean)
    family.part(totals.mutate(**derived))
    return family
