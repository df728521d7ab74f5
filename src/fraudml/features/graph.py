"""Call graph: who a number's counterparts are, and guilt by association.

Scam crews share victim lists, so their counterparts are also called by other
numbers; a counterpart or a device shared with a number already confirmed as
fraud is strong evidence. Label-derived features use only labels confirmed
before ``as_of`` minus the label delay; labels without a confirmation time never
count.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("graph", "calls")
    _shared_counterparts(ctx, family)
    _fraud_counterparts(ctx, family)
    _shared_victims(ctx, family)
    _fraud_devices(ctx, family)
    return family


def _counterparts(ctx: Context):
    """(sid, as_of, counterpart) of every snapshot's call pairs."""
    pairs = ctx.call_pairs
    return pairs.select(*KEY, "as_of", "counterpart")


def _shared_counterparts(ctx: Context, family: Family) -> None:
    """How many other numbers in the data are in contact with the snapshot's counterparts."""
    longest = ctx.lookback
    links = ctx.windowed_links("counterpart")  # (as_of, counterpart, number in contact with it)

    def shared():
        """(as_of, value, degree) of counterparts in contact with two or more numbers: every other has degree 1
        (the snapshot's own number), and leaving them out keeps the table joined in every pass small."""
        degree = links.group_by(["as_of", "value"]).aggregate(degree=links.count())  # links are distinct
        return degree.filter(degree.degree > 1)

    shared = ctx.over_all_dates("shared_counterparts", shared)
    pairs = _counterparts(ctx)
    joined = pairs.left_join(shared, [pairs.as_of == shared.as_of, pairs.counterpart == shared.value])
    degrees = joined.mutate(degree=ibis.coalesce(joined.degree, 1))
    counterparts = f"the last {span_of(longest)} counterparts"
    totals = degrees.group_by(KEY).aggregate(
        _n=degrees.count(),
        _shared=degrees.count(where=degrees.degree > 1),
        **{
            family.real(f"counterpart_degree_mean_w{longest}", f"mean number of numbers in the data in contact with each "
                        f"counterpart of the last {span(longest)}", "numbers", longest): degrees.degree.mean(),
            family.count(f"counterpart_degree_max_w{longest}", f"most numbers in the data in contact with any one "
                         f"counterpart of the last {span(longest)}", "numbers", longest): degrees.degree.max(),
            family.count(f"co_contacts_w{longest}", f"contacts shared with other numbers: sum over {counterparts} of the "
                         "other numbers in contact with them", "contacts", longest): (degrees.degree - 1).sum(),
        },
    )
    shared_share = family.real(f"shared_counterpart_share_w{longest}", f"share of {counterparts} that other numbers also "
                               "contacted", "share", longest)
    family.part(totals.mutate(**{shared_share: share(totals._shared, totals._n)}))


def _fraud_counterparts(ctx: Context, family: Family) -> None:
    """Counterparts already confirmed as fraud (known at as_of minus the label delay)."""
    longest = ctx.lookback
    fraud = ctx.confirmed_fraud  # (as_of, fraud_msisdn)
    pairs = _counterparts(ctx)
    joined = pairs.left_join(fraud, [pairs.as_of == fraud.as_of, pairs.counterpart == fraud.fraud_msisdn])
    count = family.count(f"fraud_counterparts_w{longest}", f"counterparts of the last {span(longest)} already confirmed "
                         "as fraud", "numbers", longest, source="calls+labels")
    totals = joined.group_by(KEY).aggregate(**{"_n": joined.count(), count: joined.fraud_msisdn.count()})
    fraud_share = family.real(f"fraud_counterpart_share_w{longest}", f"share of the last {span_of(longest)} counterparts "
                              "already confirmed as fraud", "share", longest, source="calls+labels")
    family.part(totals.mutate(**{fraud_share: share(totals[count], totals._n)}))


def _shared_victims(ctx: Context, family: Family) -> None:
    """Counterparts that a confirmed fraud number also contacted: shared victim lists."""
    longest = ctx.lookback
    links, fraud = ctx.windowed_links("counterpart"), ctx.confirmed_fraud
    victims = ctx.over_all_dates("fraud_contacted", lambda: links.join(
        fraud, [links.as_of == fraud.as_of, links.msisdn == fraud.fraud_msisdn]).select("as_of", "value").distinct())
    pairs = _counterparts(ctx)
    joined = pairs.left_join(victims.mutate(hit=1), [pairs.as_of == victims.as_of, pairs.counterpart == victims.value])
    totals = joined.group_by(KEY).aggregate(_n=joined.count(), _hit=joined.hit.count())
    victim_share = family.real(f"fraud_shared_counterpart_share_w{longest}", f"share of the last {span_of(longest)} "
                               "counterparts that numbers already confirmed as fraud also contacted", "share", longest,
                               source="calls+labels")
    family.part(totals.mutate(**{victim_share: share(totals._hit, totals._n)}))


def _fraud_devices(ctx: Context, family: Family) -> None:
    """Numbers already confirmed as fraud in the snapshot's handsets."""
    longest = ctx.lookback
    links, fraud = ctx.device_links, ctx.confirmed_fraud
    others = links.filter(links.other != links.msisdn)
    joined = others.join(fraud, [others.as_of == fraud.as_of, others.other == fraud.fraud_msisdn])
    family.part(joined.group_by(KEY).aggregate(**{
        family.count(f"fraud_device_numbers_w{longest}", f"numbers already confirmed as fraud seen in this number's "
                     f"devices in the last {span(longest)}", "numbers", longest, source="calls.imei+labels"):
            joined.other.nunique(),
    }))
