"""Counterpart diversity and novelty: how many different numbers are called, and how new they are.

Fraud numbers dial long lists of strangers: many distinct counterparts, most of
them new, spread evenly (high entropy, small top share). People call a few
familiar numbers again and again.
"""

from __future__ import annotations

from fraudml.features.context import KEY, Context, Family, entropy, n_log_n, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("diversity", "calls")
    p = ctx.call_pairs
    L = ctx.lookback
    m = {}
    for w in ctx.windows:
        m[f.count(f"distinct_out_w{w}", f"distinct numbers called in the last {span(w)}", "numbers", w)] = p.count(where=p[f"out_w{w}"] > 0)
        m[f.count(f"distinct_in_w{w}", f"distinct numbers that called in the last {span(w)}", "numbers", w)] = p.count(where=p[f"in_w{w}"] > 0)
        m[f"_seen_w{w}"] = p.count(where=p.last_day < w)
        m[f"_new_w{w}"] = p.count(where=p.first_day < w)
        n = p[f"out_w{w}"]
        m[f"_sum_w{w}"], m[f"_nlogn_w{w}"], m[f"_max_w{w}"] = n.sum(), n_log_n(n).sum(), n.max()
    agg = p.group_by(KEY).aggregate(**m)

    exprs = {}
    for w in ctx.windows:
        if w < L:
            exprs[f.real(f"new_counterpart_share_w{w}",
                         f"share of the last {span_of(w)} counterparts not in contact earlier in the last {span(L)}", "share", w)] = \
                share(agg[f"_new_w{w}"], agg[f"_seen_w{w}"])
        if w > 1:
            exprs[f.real(f"out_entropy_w{w}", f"entropy (nats) of outgoing calls over the numbers called in the last {span(w)} "
                         "(high: calls spread over many numbers)", "nats", w)] = entropy(agg[f"_sum_w{w}"], agg[f"_nlogn_w{w}"])
            exprs[f.real(f"top_out_share_w{w}", f"share of the last {span_of(w)} outgoing calls that went to the most-called number",
                         "share", w)] = share(agg[f"_max_w{w}"], agg[f"_sum_w{w}"])
    exprs[f.real(f"calls_per_called_number_w{L}", f"outgoing calls per distinct number called in the last {span(L)} "
                 "(near 1: each number called once)", "calls per number", L)] = share(agg[f"_sum_w{L}"], agg[f"distinct_out_w{L}"])
    f.part(agg.mutate(**exprs))
    return f
