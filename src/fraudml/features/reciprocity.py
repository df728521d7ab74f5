"""Reciprocity: whether the numbers a number calls ever call it back.

Victims of a scam rarely call back, and robocallers are never called back;
people's contacts are mutual. One-ring numbers show the opposite skew: many
numbers that only call in.
"""

from __future__ import annotations

from fraudml.features.context import KEY, Context, Family, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("reciprocity", "calls")
    p = ctx.call_pairs
    L = ctx.lookback
    out_L, in_L = p[f"out_w{L}"] > 0, p[f"in_w{L}"] > 0
    m, post = {}, {}
    for w in ctx.windows:
        if w == 1:
            continue
        called = p[f"out_w{w}"] > 0
        m[f"_called_w{w}"] = p.count(where=called)
        m[f"_called_back_w{w}"] = p.count(where=called & in_L)
        post[f.real(f"callback_share_w{w}", f"share of the numbers called in the last {span(w)} that called this number "
                    f"at any time in the last {span(L)}", "share", w)] = (f"_called_back_w{w}", f"_called_w{w}")
    m[f.count(f"mutual_contacts_w{L}", f"numbers both called and calling in the last {span(L)}", "numbers", L)] = p.count(where=out_L & in_L)
    m[f.count(f"incoming_only_contacts_w{L}", f"numbers that called but were never called in the last {span(L)}", "numbers", L)] = \
        p.count(where=in_L & ~out_L)
    m["_outgoing_only"] = p.count(where=out_L & ~in_L)
    m["_contacts"] = p.count(where=out_L | in_L)
    agg = p.group_by(KEY).aggregate(**m)
    exprs = {name: share(agg[a], agg[b]) for name, (a, b) in post.items()}
    exprs[f.real(f"mutual_share_w{L}", f"share of the last {span_of(L)} contacts that are mutual (calls both ways)", "share", L)] = \
        share(agg[f"mutual_contacts_w{L}"], agg._contacts)
    exprs[f.real(f"incoming_only_share_w{L}", f"share of the last {span_of(L)} contacts that only called in", "share", L)] = \
        share(agg[f"incoming_only_contacts_w{L}"], agg._contacts)
    exprs[f.real(f"outgoing_only_share_w{L}", f"share of the last {span_of(L)} contacts that were only called, never calling back",
                 "share", L)] = share(agg._outgoing_only, agg._contacts)
    f.part(agg.mutate(**exprs))
    return f
