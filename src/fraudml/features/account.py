"""Account: how old the number is, who holds it, and what it spends.

Fraud SIMs are young, bought in bulk on one ID card, and spend little or
nothing. A month's spend (ARPU) is known only once the month has ended, so the
latest usable month is the one before ``as_of``'s month. A missing ARPU is kept
as a feature on purpose: in some sources it is strongly linked to fraud (see the
Sichuan data's notes).
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family
from fraudml.tables import DAY_S

MONTHS = 3


def last_complete_month(as_of):
    """First day of the latest month that ended before ``as_of``."""
    return as_of.truncate("M") - ibis.interval(months=1)


def features(ctx: Context) -> Family:
    f = Family("account", "accounts")
    s = ctx.snapshots
    accounts = ctx.tables["accounts"]
    # numbers on the same ID card: the source's own count, else the accounts on that ID open before as_of
    on_id = s.join(accounts, "msisdn")
    peers = accounts.select(holder=accounts.id_holder, peer=accounts.msisdn, peer_activated=accounts.activated_at)
    counted = on_id.left_join(peers, [on_id.id_holder == peers.holder,
                                      peers.peer_activated.isnull() | (peers.peer_activated < on_id.as_of)])
    held = counted.group_by([*KEY, "as_of"]).aggregate(_peers=counted.peer.nunique(), _given=counted.numbers_on_id.max(),
                                           _activated=counted.activated_at.max(), _closed=counted.closed_at.max(),
                                           _home=counted.home_city.max(), _county=counted.home_county.max(),
                                           _holder=counted.id_holder.max())
    # a float numerator: Spark reads a literal 86400.0 as a decimal and would round the quotient to 6 places
    age = (held.as_of.epoch_seconds() - held._activated.epoch_seconds()).cast("float64") / DAY_S
    f.part(held.mutate(**{
        f.real("account_age_days", "days from activation to as_of", "days", source="accounts.activated_at"):
            ibis.ifelse(held._activated < held.as_of, age, None),
        f.count("numbers_on_id", "phone numbers registered to the same ID card", "numbers"):
            ibis.coalesce(held._given, ibis.ifelse(held._holder.notnull(), held._peers, None)),
        f.count("account_closed", "1 when the account was closed before as_of", "flag", source="accounts.closed_at"):
            ibis.ifelse(held._closed < held.as_of, 1, 0),
        f.count("home_city_missing", "1 when the account has no home city", "flag"): held._home.isnull().cast("int64"),
        f.count("home_county_missing", "1 when the account has no home county", "flag"): held._county.isnull().cast("int64"),
    }))

    months = ctx.tables["account_months"]
    mo = s.left_join(months, [s.msisdn == months.msisdn,
                              months.month.cast("timestamp") <= last_complete_month(s.as_of),
                              months.month.cast("timestamp") > last_complete_month(s.as_of) - ibis.interval(months=MONTHS)])
    last = mo.month.cast("timestamp") == last_complete_month(mo.as_of)
    a = mo.group_by(KEY).aggregate(
        _last=mo.arpu.max(where=last),
        _prior=mo.arpu.mean(where=~last),
        _known=mo.arpu.count(),
        **{f.real(f"arpu_mean_{MONTHS}m", f"mean monthly spend over the last {MONTHS} complete months", "yuan",
                  source="account_months"): mo.arpu.mean()},
    )
    f.part(a.mutate(**{
        f.real("arpu_last_month", "spend in the last complete month before as_of", "yuan", source="account_months"): a._last,
        f.real("arpu_trend", f"spend in the last complete month minus the mean of the {MONTHS - 1} months before it", "yuan",
               source="account_months"): a._last - a._prior,
        f.count("arpu_last_month_missing", "1 when the last complete month has no spend recorded", "flag",
                source="account_months"): a._last.isnull().cast("int64"),
        f.count(f"arpu_months_missing_{MONTHS}m", f"months without a recorded spend among the last {MONTHS} complete months",
                "months", source="account_months"): MONTHS - a._known,
    }))
    return f
