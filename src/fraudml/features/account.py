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


def features(ctx: Context) -> Family:
    family = Family("account", "accounts")
    _holder(ctx, family)
    _spend(ctx, family)
    return family


def _holder(ctx: Context, family: Family) -> None:
    """The account itself: its age, its ID card, whether it is closed, where it was opened and on which plan.

    The home city, home county and plan are categories: a model learns each value's own risk, and a value it
    never saw in training scores as missing.
    """
    snapshots, accounts = ctx.snapshots, ctx.tables["accounts"]
    # numbers on the same ID card: the source's own count, else the accounts on that ID open before as_of
    own = snapshots.join(accounts, "msisdn")
    peers = accounts.select(holder=accounts.id_holder, peer=accounts.msisdn, peer_activated=accounts.activated_at)
    with_peers = own.left_join(peers, [own.id_holder == peers.holder,
                                       peers.peer_activated.isnull() | (peers.peer_activated < own.as_of)])
    held = with_peers.group_by([*KEY, "as_of"]).aggregate(
        _peers=with_peers.peer.nunique(), _given=with_peers.numbers_on_id.max(), _activated=with_peers.activated_at.max(),
        _closed=with_peers.closed_at.max(), _home=with_peers.home_city.max(), _county=with_peers.home_county.max(),
        _plan=with_peers.plan.max(), _holder=with_peers.id_holder.max())
    # a float numerator: Spark reads a literal 86400.0 as a decimal and would round the quotient to 6 places
    age = (held.as_of.epoch_seconds() - held._activated.epoch_seconds()).cast("float64") / DAY_S
    family.part(held.mutate(**{
        family.real("account_age_days", "days from activation to as_of", "days", source="accounts.activated_at"):
            ibis.ifelse(held._activated < held.as_of, age, None),
        family.count("numbers_on_id", "phone numbers registered to the same ID card", "numbers"):
            ibis.coalesce(held._given, ibis.ifelse(held._holder.notnull(), held._peers, None)),
        family.count("account_closed", "1 when the account was closed before as_of", "flag", source="accounts.closed_at"):
            ibis.ifelse(held._closed < held.as_of, 1, 0),
        family.count("home_city_missing", "1 when the account has no home city", "flag"):
            held._home.isnull().cast("int64"),
        family.count("home_county_missing", "1 when the account has no home county", "flag"):
            held._county.isnull().cast("int64"),
        family.category("home_city", "home city", source="accounts"): held._home,
        family.category("home_county", "home county", source="accounts"): held._county,
        family.category("plan", "plan", source="accounts.plan"): held._plan,
    }))


def _spend(ctx: Context, family: Family) -> None:
    """Monthly spend (ARPU) of the last complete months: its level, and over two months or more its trend and gaps."""
    spend, months = ctx.complete_months("account_months", every_snapshot=True), ctx.months
    in_last = spend.in_last
    totals = spend.group_by(KEY).aggregate(_last=spend.arpu.max(where=in_last), _prior=spend.arpu.mean(where=~in_last),
                                           _known=spend.arpu.count(), _mean=spend.arpu.mean())
    columns = {
        family.real("arpu_last_month", "spend in the last complete month before as_of", "yuan", source="account_months"):
            totals._last,
        family.count("arpu_last_month_missing", "1 when the last complete month has no spend recorded", "flag",
                     source="account_months"): totals._last.isnull().cast("int64"),
    }
    if months > 1:  # a source of one month (the competition's test files) has no mean, trend or gaps to give
        columns.update({
            family.real(f"arpu_mean_{months}m", f"mean monthly spend over the last {months} complete months", "yuan",
                        source="account_months"): totals._mean,
            family.real("arpu_trend", f"spend in the last complete month minus the mean of the {months - 1} months "
                        "before it", "yuan", source="account_months"): totals._last - totals._prior,
            family.count(f"arpu_months_missing_{months}m", f"months without a recorded spend among the last {months} "
                         "complete months", "months", source="account_months"): months - totals._known,
        })
    family.part(totals.mutate(**columns))
