"""Location and mobility: where a number calls from.

SIM boxes sit still in one cell; scam crews may roam, or work far from where
the SIM was sold (calls away from the home city). Missing locations are
themselves telling in some sources.
"""

from __future__ import annotations


from fraudml.features.context import KEY, Context, Family, entropy, n_log_n, share, span, span_of


def features(ctx: Context) -> Family:
    f = Family("location", "calls.city")
    cw = ctx.calls_window
    L = ctx.lookback
    f.part(ctx.distinct_count("city", f.count(
        f"distinct_cities_w{L}", f"distinct cities calls were made or taken in over the last {span(L)}", "cities", L)))
    f.part(ctx.distinct_count("county", f.count(
        f"distinct_counties_w{L}", f"distinct counties calls were made or taken in over the last {span(L)}",
        "counties", L, source="calls.county")))
    f.part(ctx.distinct_count("cell", f.count(
        f"distinct_cells_w{L}", f"distinct serving cells over the last {span(L)}", "cells", L, source="calls.cell")))
    m = {"_calls": cw.count()}
    m["_unlocated"] = cw.count(where=cw.city.isnull() & cw.county.isnull())
    agg = cw.group_by(KEY).aggregate(**m)
    f.part(agg.mutate(**{
        f.real(f"unlocated_share_w{L}", f"share of the last {span_of(L)} calls with neither city nor county", "share", L):
            share(agg._unlocated, agg._calls),
    }))

    located = cw.filter(cw.city.notnull())
    home = located.join(ctx.home_city, KEY)
    away = home.group_by(KEY).aggregate(_known=home.count(where=home.home_city.notnull()),
                                        _away=home.count(where=home.home_city.notnull() & (home.city != home.home_city)))
    f.part(away.mutate(**{
        f.real(f"away_share_w{L}", f"share of the last {span_of(L)} located calls made or taken outside the home city of the account",
               "share", L, source="calls.city+accounts.home_city"): share(away._away, away._known),
    }))

    placed = cw.filter(cw.city.notnull() | cw.county.notnull())
    places = placed.group_by([*KEY, "city", "county"]).aggregate(n=placed.count())  # a place: a (city, county) pair
    e = places.group_by(KEY).aggregate(_sum=places.n.sum(), _nlogn=n_log_n(places.n).sum())
    f.part(e.mutate(**{
        f.real(f"place_entropy_w{L}", f"entropy (nats) of the city and county of calls in the last {span(L)} (0: always one place)",
               "nats", L): entropy(e._sum, e._nlogn),
    }))
    return f
