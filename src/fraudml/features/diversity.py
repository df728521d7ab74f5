"""Counterpart diversity and novelty: how many different numbers are called, and how new they are.

Fraud numbers dial long lists of strangers: many distinct counterparts, most of
them new, spread evenly (high entropy, small top share). People call a few
familiar numbers again and again.
"""

from __future__ import annotations

from fraudml.features.context import KEY, Context, Family, entropy, n_log_n, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("diversity", "calls")
    pairs = ctx.call_pairs
    longest = ctx.lookback
    counts = {}
    for w in ctx.windows:
        called = family.count(f"distinct_out_w{w}", f"distinct numbers called in the last {span(w)}", "numbers", w)
        calling = family.count(f"distinct_in_w{w}", f"distinct numbers that called in the last {span(w)}", "numbers", w)
        counts[called] = pairs.count(where=pairs[f"out_w{w}"] > 0)
        counts[calling] = pairs.count(where=pairs[f"in_w{w}"] > 0)
        counts[f"_seen_w{w}"] = pairs.count(where=pairs.last_day < w)
        counts[f"_new_w{w}"] = pairs.count(where=pairs.first_day < w)
        calls_to_each = pairs[f"out_w{w}"]
        counts[f"_sum_w{w}"], counts[f"_nlogn_w{w}"] = calls_to_each.sum(), n_log_n(calls_to_each).sum()
        counts[f"_max_w{w}"] = calls_to_each.max()
    totals = pairs.group_by(KEY).aggregate(**counts)

    ratios = {}
    for w in ctx.windows:
        if w < longest:
            new = family.real(f"new_counterpart_share_w{w}", f"share of the last {span_of(w)} counterparts not in contact "
                              f"earlier in the last {span(longest)}", "share", w)
            ratios[new] = share(totals[f"_new_w{w}"], totals[f"_seen_w{w}"])
        if w > 1:
            spread = family.real(f"out_entropy_w{w}", f"entropy (nats) of outgoing calls over the numbers called in the "
                                 f"last {span(w)} (high: calls spread over many numbers)", "nats", w)
            top = family.real(f"top_out_share_w{w}", f"share of the last {span_of(w)} outgoing calls that went to the "
                              "most-called number", "share", w)
            ratios[spread] = entropy(totals[f"_sum_w{w}"], totals[f"_nlogn_w{w}"])
            ratios[top] = share(totals[f"_max_w{w}"], totals[f"_sum_w{w}"])
    per_number = family.real(f"calls_per_called_number_w{longest}", f"outgoing calls per distinct number called in the "
                             f"last {span(longest)} (near 1: each number called once)", "calls per number", longest)
    ratios[per_number] = share(totals[f"_sum_w{longest}"], totals[f"distinct_out_w{longest}"])
    family.part(totals.mutate(**ratios))
    return family
