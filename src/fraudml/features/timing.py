"""Timing: when a number calls, and how regularly.

Call centres work office hours on weekdays; SIM boxes and some scams work at
night; a dialler places calls at near-constant gaps (low coefficient of
variation of the gaps between calls), which people never do.
"""

from __future__ import annotations

from fraudml.features.context import (KEY, NIGHT, NIGHT_END_HOUR, OFFICE, OFFICE_HOURS, Context, Family, entropy, n_log_n,
                                      share, span, span_of)


def features(ctx: Context) -> Family:
    family = Family("timing", "calls")
    _shares_of_the_day(ctx, family)
    longest = ctx.lookback
    out_hours = ctx.out_call_hours
    hours = out_hours.group_by([*KEY, "hour"]).aggregate(n=out_hours.n.sum())
    spread = hours.group_by(KEY).aggregate(_sum=hours.n.sum(), _nlogn=n_log_n(hours.n).sum())
    hour_entropy = family.real(f"hour_entropy_out_w{longest}", f"entropy (nats) of the hour of day of outgoing calls in "
                               f"the last {span(longest)} (low: calls at the same hours)", "nats", longest)
    family.part(spread.mutate(**{hour_entropy: entropy(spread._sum, spread._nlogn)}))

    sequence = ctx.call_sequence
    gap_median = family.real(f"gap_median_w{longest}", f"median seconds between consecutive calls (either way) in the last "
                             f"{span(longest)}", "s", longest)
    family.part(sequence.mutate(**{gap_median: sequence.gap_median}))
    family.part(sequence.mutate(**{
        family.real(f"gap_cv_w{w}", f"coefficient of variation of the gaps between consecutive calls in the last {span(w)} "
                    "(low: regular, machine-like dialling)", "ratio", w): share(sequence[f"gap_std_w{w}"],
                                                                                sequence[f"gap_mean_w{w}"])
        for w in ctx.windows if w > 1
    }))
    return family


def _shares_of_the_day(ctx: Context, family: Family) -> None:
    """Night, office-hours and weekend shares of the calls."""
    calls = ctx.calls_window
    longest = ctx.lookback
    out = calls.direction == "out"
    night = calls.hour < NIGHT_END_HOUR
    office = (calls.hour >= OFFICE_HOURS[0]) & (calls.hour < OFFICE_HOURS[1]) & (calls.weekday < 5)
    counts = {}
    windows = [w for w in ctx.windows if w > 1]
    for w in windows:
        inside = calls.day_index < w
        counts[f"_all_w{w}"] = calls.count(where=inside)
        counts[f"_night_w{w}"] = calls.count(where=inside & night)
        counts[f"_out_w{w}"] = calls.count(where=inside & out)
        counts[f"_office_w{w}"] = calls.count(where=inside & out & office)
    counts["_weekend"] = calls.count(where=calls.weekday >= 5)
    totals = calls.group_by(KEY).aggregate(**counts)
    shares = {}
    for w in windows:
        night_share = family.real(f"night_share_w{w}", f"share of the last {span_of(w)} calls (both ways) {NIGHT}",
                                  "share", w)
        office_share = family.real(f"office_share_out_w{w}", f"share of the last {span_of(w)} outgoing calls {OFFICE}",
                                   "share", w)
        shares[night_share] = share(totals[f"_night_w{w}"], totals[f"_all_w{w}"])
        shares[office_share] = share(totals[f"_office_w{w}"], totals[f"_out_w{w}"])
    weekend = family.real(f"weekend_share_w{longest}", f"share of the last {span_of(longest)} calls on Saturdays and "
                          "Sundays", "share", longest)
    shares[weekend] = share(totals._weekend, totals[f"_all_w{longest}"])
    family.part(totals.mutate(**shares))
