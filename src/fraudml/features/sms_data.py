"""SMS and mobile data: text messaging and data use.

Scam SIMs text many strangers (or not at all) and use almost no mobile data:
they sit in a dialler, not in a person's pocket. A month's data use is known
only once the month has ended.
"""

from __future__ import annotations

import ibis

from fraudml.features.account import MONTHS, last_complete_month
from fraudml.features.context import KEY, NIGHT, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("sms_data", "sms")
    sp = ctx.sms_pairs
    L = ctx.lookback
    m = {}
    for w in ctx.windows:
        m[f.count(f"sms_out_w{w}", f"text messages sent in the last {span(w)}", "messages", w)] = sp[f"out_w{w}"].sum()
        if w > 1:
            m[f.count(f"sms_in_w{w}", f"text messages received in the last {span(w)}", "messages", w)] = sp[f"in_w{w}"].sum()
    m[f.count(f"sms_distinct_out_w{L}", f"distinct numbers texted in the last {span(L)}", "numbers", L)] = sp.count(where=sp[f"out_w{L}"] > 0)
    m[f.count(f"sms_distinct_in_w{L}", f"distinct numbers that texted in the last {span(L)}", "numbers", L)] = sp.count(where=sp[f"in_w{L}"] > 0)
    m["_all"] = sp["all"].sum()
    m["_night"] = sp.night.sum()
    agg = sp.group_by(KEY).aggregate(**m)
    f.part(agg.mutate(**{
        f.real(f"sms_night_share_w{L}", f"share of the last {span_of(L)} text messages {NIGHT}", "share", L):
            share(agg._night, agg._all),
    }))

    s = ctx.snapshots
    apps = ctx.tables["app_usage"]
    au = s.join(apps, [s.msisdn == apps.msisdn,
                       apps.month.cast("timestamp") <= last_complete_month(s.as_of),
                       apps.month.cast("timestamp") > last_complete_month(s.as_of) - ibis.interval(months=MONTHS)])
    last = au.month.cast("timestamp") == last_complete_month(au.as_of)
    f.part(au.group_by(KEY).aggregate(**{
        f.real("data_mb_last_month", "mobile data used in the last complete month (missing when none is recorded)", "MB", source="app_usage"): au.mb.sum(where=last),
        f.count("data_apps_last_month", "distinct apps that used data in the last complete month", "apps", source="app_usage"):
            au.app.nunique(where=last),
        f.real(f"data_mb_mean_{MONTHS}m", f"mean monthly data use over the last {MONTHS} complete months", "MB", source="app_usage"):
            au.mb.sum() / MONTHS,
    }))
    return f
