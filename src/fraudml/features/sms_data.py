"""SMS and mobile data: text messaging and data use.

Scam SIMs text many strangers (or not at all) and use almost no mobile data:
they sit in a dialler, not in a person's pocket. A month's data use is known
only once the month has ended.
"""

from __future__ import annotations


from fraudml.features.context import KEY, NIGHT, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("sms_data", "sms")
    _texts(ctx, family)
    _data(ctx, family)
    return family


def _texts(ctx: Context, family: Family) -> None:
    pairs = ctx.sms_pairs
    longest = ctx.lookback
    counts = {}
    for w in ctx.windows:
        sent = family.count(f"sms_out_w{w}", f"text messages sent in the last {span(w)}", "messages", w)
        counts[sent] = pairs[f"out_w{w}"].sum()
        if w > 1:
            received = family.count(f"sms_in_w{w}", f"text messages received in the last {span(w)}", "messages", w)
            counts[received] = pairs[f"in_w{w}"].sum()
    texted = family.count(f"sms_distinct_out_w{longest}", f"distinct numbers texted in the last {span(longest)}",
                          "numbers", longest)
    texting = family.count(f"sms_distinct_in_w{longest}", f"distinct numbers that texted in the last {span(longest)}",
                           "numbers", longest)
    counts[texted] = pairs.count(where=pairs[f"out_w{longest}"] > 0)
    counts[texting] = pairs.count(where=pairs[f"in_w{longest}"] > 0)
    counts["_all"] = pairs["all"].sum()
    counts["_night"] = pairs.night.sum()
    totals = pairs.group_by(KEY).aggregate(**counts)
    night = family.real(f"sms_night_share_w{longest}", f"share of the last {span_of(longest)} text messages {NIGHT}",
                        "share", longest)
    family.part(totals.mutate(**{night: share(totals._night, totals._all)}))


def _data(ctx: Context, family: Family) -> None:
    """Mobile data of the last complete months, known only once each month has ended."""
    usage, months = ctx.complete_months("app_usage"), ctx.months
    in_last = usage.in_last
    columns = {
        family.real("data_mb_last_month", "mobile data used in the last complete month (missing when none is recorded)",
                    "MB", source="app_usage"): usage.mb.sum(where=in_last),
        family.count("data_apps_last_month", "distinct apps that used data in the last complete month", "apps",
                     source="app_usage"): usage.app.nunique(where=in_last),
    }
    if months > 1:
        columns[family.real(f"data_mb_mean_{months}m", f"mean monthly data use over the last {months} complete months",
                            "MB", source="app_usage")] = usage.mb.sum() / months
    family.part(usage.group_by(KEY).aggregate(**columns))
