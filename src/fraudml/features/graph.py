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
    f = Family("graph", "calls")
    L = ctx.lookback
    p = ctx.call_pairs
    links = ctx.windowed_links("counterpart")  # (as_of, counterpart, number in contact with it)

    def shared_counterparts():
        """(as_of, value, degree) of counterparts in contact with two or more numbers: every other has degree 1
        (the snapshot's own number), and leaving them out keeps the table joined in every pass small."""
        degree = links.group_by(["as_of", "value"]).aggregate(degree=links.count())  # links are distinct
        return degree.filter(degree.degree > 1)

    shared = ctx.over_all_dates("shared_counterparts", shared_counterparts)
    pj = p.select(*KEY, "as_of", "counterpart").left_join(shared, [p.as_of == shared.as_of, p.counterpart == shared.value])
    pd_ = pj.mutate(degree=ibis.coalesce(pj.degree, 1))
    agg = pd_.group_by(KEY).aggregate(
        _n=pd_.count(),
        _shared=pd_.count(where=pd_.degree > 1),
        **{
            f.real(f"counterpart_degree_mean_w{L}", f"mean number of numbers in the data in contact with each counterpart "
                   f"of the last {span(L)}", "numbers", L): pd_.degree.mean(),
            f.count(f"counterpart_degree_max_w{L}", f"most numbers in the data in contact with any one counterpart "
                    f"of the last {span(L)}", "numbers", L): pd_.degree.max(),
            f.count(f"co_contacts_w{L}", f"contacts shared with other numbers: sum over the last {span_of(L)} counterparts "
                    "of the other numbers in contact with them", "contacts", L): (pd_.degree - 1).sum(),
        },
    )
    f.part(agg.mutate(**{
        f.real(f"shared_counterpart_share_w{L}", f"share of the last {span_of(L)} counterparts that other numbers also "
               "contacted", "share", L): share(agg._shared, agg._n),
    }))

    fraud = ctx.confirmed_fraud  # (as_of, fraud_msisdn)
    pf = p.select(*KEY, "as_of", "counterpart").left_join(fraud, [p.as_of == fraud.as_of, p.counterpart == fraud.fraud_msisdn])
    fa = pf.group_by(KEY).aggregate(_n=pf.count(), **{
        f.count(f"fraud_counterparts_w{L}", f"counterparts of the last {span(L)} already confirmed as fraud", "numbers", L,
                source="calls+labels"): pf.fraud_msisdn.count(),
    })
    f.part(fa.mutate(**{
        f.real(f"fraud_counterpart_share_w{L}", f"share of the last {span_of(L)} counterparts already confirmed as fraud", "share", L,
               source="calls+labels"): share(fa[f"fraud_counterparts_w{L}"], fa._n),
    }))

    # counterparts that a confirmed fraud number also contacted: shared victim lists
    fl = ctx.over_all_dates("fraud_contacted", lambda: links.join(
        fraud, [links.as_of == fraud.as_of, links.msisdn == fraud.fraud_msisdn]).select("as_of", "value").distinct())
    pv = p.select(*KEY, "as_of", "counterpart").left_join(fl.mutate(hit=1), [p.as_of == fl.as_of, p.counterpart == fl.value])
    va = pv.group_by(KEY).aggregate(_n=pv.count(), _hit=pv.hit.count())
    f.part(va.mutate(**{
        f.real(f"fraud_shared_counterpart_share_w{L}", f"share of the last {span_of(L)} counterparts that numbers already confirmed "
               "as fraud also contacted", "share", L, source="calls+labels"): share(va._hit, va._n),
    }))

    dl = ctx.device_links
    dl = dl.filter(dl.other != dl.msisdn)
    df = dl.join(fraud, [dl.as_of == fraud.as_of, dl.other == fraud.fraud_msisdn])
    f.part(df.group_by(KEY).aggregate(**{
        f.count(f"fraud_device_numbers_w{L}", f"numbers already confirmed as fraud seen in this number's devices in the last {span(L)}",
                "numbers", L, source="calls.imei+labels"): df.other.nunique(),
    }))
    return f
