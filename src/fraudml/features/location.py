"""Location and mobility: where a number calls from.

SIM boxes sit still in one cell; scam crews may roam, or work far from where
the SIM was sold (calls away from the home city). Missing locations are
themselves telling in some sources.
"""

from __future__ import annotations

import ibis

from fraudml.features.context import KEY, Context, Family, entropy, n_log_n, share, span, span_of


def features(ctx: Context) -> Family:
    family = Family("location", "calls.city")
    calls = ctx.calls_window
    longest = ctx.lookback
    # one row per (snapshot, city, county) with its calls: every location feature but the cells comes from it
    per_place = calls.group_by([*KEY, "city", "county"]).aggregate(n=calls.count())
    places = per_place.left_join(ctx.home_city, KEY)
    located = places.city.notnull() | places.county.notnull()
    away_known = places.city.notnull() & places.home_city.notnull()
    last = f"the last {span(longest)}"
    cities = family.count(f"distinct_cities_w{longest}", f"distinct cities calls were made or taken in over {last}",
                          "cities", longest)
    counties = family.count(f"distinct_counties_w{longest}", f"distinct counties calls were made or taken in over {last}",
                            "counties", longest, source="calls.county")
    cells = family.count(f"distinct_cells_w{longest}", f"distinct serving cells over {last}", "cells", longest,
                         source="calls.cell")
    family.part(calls.group_by(KEY).aggregate(**{cells: calls.cell.nunique()}))
    totals = places.group_by(KEY).aggregate(**{
        cities: places.city.nunique(),
        counties: places.county.nunique(),
        "_calls": places.n.sum(),
        "_unlocated": ibis.coalesce(places.n.sum(where=~located), 0),
        "_known": ibis.coalesce(places.n.sum(where=away_known), 0),
        "_away": ibis.coalesce(places.n.sum(where=away_known & (places.city != places.home_city)), 0),
        "_sum": places.n.sum(where=located),
        "_nlogn": n_log_n(places.n).sum(where=located),
    })
    calls_of = f"the last {span_of(longest)} calls"
    unlocated = family.real(f"unlocated_share_w{longest}", f"share of {calls_of} with neither city nor county", "share",
                            longest)
    away = family.real(f"away_share_w{longest}", f"share of the last {span_of(longest)} located calls made or taken "
                       "outside the home city of the account", "share", longest, source="calls.city+accounts.home_city")
    spread = family.real(f"place_entropy_w{longest}", f"entropy (nats) of the city and county of calls in {last} "
                         "(0: always one place)", "nats", longest)
    family.part(totals.mutate(**{
        unlocated: share(totals._unlocated, totals._calls),
        away: share(totals._away, totals._known),
        spread: entropy(totals._sum, totals._nlogn),
    }))
    return family
