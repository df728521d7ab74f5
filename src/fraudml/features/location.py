"""Location and mobility: where a number calls from.

SIM boxes sit still in one cell; scam crews may roam, or work far from where
the SIM was sold (calls away from the home city). Missing locations are
themselves telling in some sources.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, entropy, n_log_n, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("location", "calls.city")
    cw = ctx.calls_window
    L = ctx.lookback
    # one row per (snapshot, city, county) with its calls: every location feature but the cells comes from it
    places = cw.group_by([*KEY, "city", "county"]).aggregate(n=cw.count())
    p = places.left_join(ctx.home_city, KEY)
    located = p.city.notnull() | p.county.notnull()
    away_known = p.city.notnull() & p.home_city.notnull()
    cities = f.count(f"distinct_cities_w{L}", f"distinct cities calls were made or taken in over the last {span(L)}", "cities", L)
    counties = f.count(f"distinct_counties_w{L}", f"distinct counties calls were made or taken in over the last {span(L)}",
                       "counties", L, source="calls.county")
    cells = f.count(f"distinct_cells_w{L}", f"distinct serving cells over the last {span(L)}", "cells", L, source="calls.cell")
    f.part(cw.group_by(KEY).aggregate(**{cells: cw.cell.nunique()}))
    agg = p.group_by(KEY).aggregate(**{
        cities: p.city.nunique(),
        counties: p.county.nunique(),
        "_calls": p.n.sum(),
        "_unlocated": ibis.coalesce(p.n.sum(where=~located), 0),
        "_known": ibis.coalesce(p.n.sum(where=away_known), 0),
        "_away": ibis.coalesce(p.n.sum(where=away_known & (p.city != p.home_city)), 0),
        "_sum": p.n.sum(where=located),
        "_nlogn": n_log_n(p.n).sum(where=located),
    })
    f.part(agg.mutate(**{
        f.real(f"unlocated_share_w{L}", f"share of the last {span_of(L)} calls with neither city nor county", "share", L):
            share(agg._unlocated, agg._calls),
        f.real(f"away_share_w{L}", f"share of the last {span_of(L)} located calls made or taken outside the home city of the account",
               "share", L, source="calls.city+accounts.home_city"): share(agg._away, agg._known),
        f.real(f"place_entropy_w{L}", f"entropy (nats) of the city and county of calls in the last {span(L)} (0: always one place)",
               "nats", L): entropy(agg._sum, agg._nlogn),
    }))
    return f
