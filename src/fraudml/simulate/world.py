"""Assemble a simulated operator world into the six canonical tables.

:func:`simulate` is what ``fraudml simulate`` calls; :func:`build_world` also
returns the hidden truth (each number's role and ring), for tests and notebooks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fraudml.simulate import behaviour, fraud, places, population, usage
from fraudml.simulate.identities import SENDERS, Identities, text
from fraudml.simulate.params import FIRST_FRAUD, ROLES, WorldParams, preset as preset_params
from fraudml.tables import DAY_S, TABLES

@dataclass
class World:
    """The canonical tables and the truth behind them (role and ring of every number)."""

    tables: dict[str, pd.DataFrame]
    truth: pd.DataFrame  # msisdn, role, ring, holder


def _strings(dictionary: pa.Array, index: np.ndarray, missing: np.ndarray | None = None) -> pd.Series:
    """dictionary[index] as a string column, null where ``missing``."""
    mask = None if missing is None else pa.array(missing)
    taken = dictionary.take(pa.array(np.where(index < 0, 0, index), type=pa.int64()))
    if mask is not None:
        taken = pc.if_else(mask, pa.scalar(None, pa.string()), taken)
    return pd.Series(taken.to_pandas(), copy=False)


def _timestamps(start: pd.Timestamp, days: np.ndarray) -> pd.Series:
    """Days since ``start`` as timestamps to the second; NaN days become NaT."""
    seconds = np.rint(np.where(np.isnan(days), 0, days) * DAY_S).astype(np.int64)
    stamp = np.datetime64(start.to_datetime64(), "s") + seconds.astype("timedelta64[s]")
    out = pd.Series(stamp.astype("datetime64[us]"))
    return out.mask(np.isnan(days))


def _ordered(events: dict[str, np.ndarray], days: float) -> dict[str, np.ndarray]:
    """Events sorted by owner and time, keeping one event per owner and second (a line starts one call at a time)."""
    second = np.rint(events["t"] * DAY_S).astype(np.int64)
    key = events["owner"] * (int(days * DAY_S) + DAY_S) + second
    order = np.argsort(key, kind="stable")  # fast on the long sorted runs the events come in
    key = key[order]
    order = order[np.r_[True, key[1:] != key[:-1]]]
    return {k: v[order] for k, v in events.items()}


def build_world(preset: str = "realistic", subscribers: int = 20_000, days: int = 30, seed: int = 0,
                start: str = "2020-01-01", **overrides) -> World:
    """Simulate ``subscribers`` numbers over ``days`` days from ``start``; ``overrides`` set WorldParams fields."""
    params: WorldParams = preset_params(preset, **overrides)
    if subscribers < 10:
        raise ValueError("a world needs at least 10 subscribers")
    if days < 1:
        raise ValueError("a world needs at least 1 day")
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start)
    n = subscribers

    role = population.draw_roles(rng, n, params)
    rings = fraud.form_rings(rng, role, days, params)
    ring = rings.ring
    is_fraud = ring >= 0

    home_city, home_county = population.home_places(rng, n)
    base_city, base_county = population.living_places(rng, home_city, home_county, role, params)
    f, hc, hco, bc, bco = fraud.sim_places(rng, rings, n)
    home_city[f], home_county[f], base_city[f], base_county[f] = hc, hco, bc, bco

    k = population.numbers_on_id(rng, role)
    company = population.companies(rng, role)
    group = np.where(company >= 0, 1_000 + company, home_city)
    group = np.where(is_fraud, 1_000 + n + ring, group)
    holder = population.assign_holders(rng, group, k)

    activated, closed = population.lifetimes(rng, role, days, params)
    times = fraud.fraud_times(rng, rings, days, params)
    activated[f], closed[f] = times.activated, times.closed
    wrong, wrong_at = fraud.false_alarms(rng, role, days, params)
    shut = wrong & (wrong_at + 0.5 < days)
    closed[shut] = np.fmin(closed[shut], wrong_at[shut] + 0.5)
    first_use = activated.copy()
    first_use[f] = times.start
    stop = np.where(np.isnan(closed), np.inf, closed)
    stop[f] = np.minimum(stop[f], times.stop)
    active_from = np.clip(first_use, 0, days)
    active_to = np.clip(stop, 0, days)

    label = np.where(is_fraud, 1, 0).astype(np.int8)
    labelled_at = np.full(n, np.nan)
    labelled_at[f] = times.labelled_at
    label[f] = np.where(np.isnan(times.labelled_at), 0, 1)  # fraud never confirmed stays labelled normal
    label[wrong] = 1
    labelled_at[wrong] = wrong_at[wrong]
    fraud_type = np.where(is_fraud & (label == 1), role, -1)
    fraud_type[wrong] = population.ROLE_CODE["call_centre"]

    device_a, device_b, switch = population.devices(rng, holder, role, days)
    mix = np.zeros(n)
    f2, a, b, sim_mix = fraud.sim_devices(rng, rings, first_code=2 * n)
    device_a[f2], device_b[f2], switch[f2], mix[f2] = a, b, np.inf, sim_mix

    circle = population.circles(rng, base_county, ring, params.community_size)
    space = population.CodeSpace(n=n, circles=int(circle.max()) + 1, pool=4 * params.community_size,
                                 victims_per_group=max(20_000, 2 * n), groups=params.target_groups)
    contact_code, contact_offset, degree = population.contacts(rng, role, circle, space, params)
    people = np.flatnonzero(~is_fraud)
    target = circle[people] % params.target_groups
    sizes = np.bincount(target, minlength=params.target_groups)
    targets = (people[np.argsort(target, kind="stable")], np.r_[0, np.cumsum(sizes)[:-1]], sizes)

    cells = population.cells(rng, n)
    cells[f] = population.cells(rng, rings.count)[ring[f]]  # a ring's SIMs work side by side
    pop = population.Population(role, ring, circle, base_city, base_county, cells, device_a, device_b,
                                switch, mix, active_from, active_to, contact_code, contact_offset, degree, space,
                                start_ts.weekday(), float(days), population.lifestyles(rng, role))
    calls = _ordered(behaviour.calls(rng, pop, params, targets, people), days)
    sms = _ordered(behaviour.sms(rng, pop, params, targets, people, SENDERS), days)
    city, county, cell, device = behaviour.where_and_what(rng, pop, params, calls["owner"], calls["t"])

    months, lo, hi = usage.months_of(start_ts, days)
    share = usage.open_share(lo, hi, activated, closed)
    plan = usage.draw_plans(rng, role)
    spend = usage.arpu(rng, plan, share, calls, lo)
    apps = usage.app_usage(rng, role, share * pop.activity[:, None], params)

    ids = Identities(rng, n)
    city_names, county_names = pa.array(places.CITY_NAMES.tolist()), pa.array(places.COUNTY_NAMES.tolist())

    no_city = rng.random(n) < np.where(is_fraud, params.account_city_missing[1], params.account_city_missing[0])
    accounts = pd.DataFrame({
        "msisdn": ids.subscribers,
        "activated_at": _timestamps(start_ts, activated),
        "id_holder": ids.id_cards(holder),
        "numbers_on_id": k.astype(np.int32),
        "home_city": _strings(city_names, home_city, no_city),
        "home_county": _strings(pa.array(places.BRANCH_NAMES.tolist()), home_county, no_city),
        "plan": _strings(pa.array(usage.PLAN_NAMES.tolist()), plan),
        "closed_at": _timestamps(start_ts, closed),
    })
    open_cells = np.argwhere(share > 0)
    account_months = pd.DataFrame({
        "msisdn": ids.numbers(open_cells[:, 0]),
        "month": pd.Series(months[open_cells[:, 1]]).astype("datetime64[us]"),
        "arpu": spend[open_cells[:, 0], open_cells[:, 1]],
    })
    direction_names = pa.array(["out", "in", "fwd"])
    call_table = pd.DataFrame({
        "msisdn": ids.numbers(calls["owner"]),
        "counterpart": ids.numbers(calls["counterpart"]),
        "direction": _strings(direction_names, calls["direction"].astype(np.int64)),
        "started_at": _timestamps(start_ts, calls["t"]),
        "duration_s": calls["duration"].astype(np.int32),
        "city": _strings(city_names, city, city < 0),
        "county": _strings(county_names, county, county < 0),
        "cell": text(cell + 51_000_000).mask(cell < 0),
        "imei": ids.imeis(device),
    })
    sms_table = pd.DataFrame({
        "msisdn": ids.numbers(sms["owner"]),
        "counterpart": ids.numbers(sms["counterpart"]),
        "direction": _strings(direction_names, sms["direction"].astype(np.int64)),
        "sent_at": _timestamps(start_ts, sms["t"]),
    })
    app_table = pd.DataFrame({
        "msisdn": ids.numbers(apps["owner"]),
        "month": pd.Series(months[apps["month"]]).astype("datetime64[us]"),
        "app": _strings(pa.array(list(usage.APPS)), apps["app"]),
        "mb": apps["mb"],
    })
    labels = pd.DataFrame({
        "msisdn": ids.subscribers,
        "label": label,
        "labelled_at": _timestamps(start_ts, labelled_at),
        "fraud_type": _strings(pa.array(list(ROLES)), fraud_type, fraud_type < FIRST_FRAUD),
    })
    tables = {"accounts": accounts, "account_months": account_months, "calls": call_table, "sms": sms_table,
              "app_usage": app_table, "labels": labels}
    tables = {name: df[TABLES[name].names] for name, df in tables.items()}
    truth = pd.DataFrame({"msisdn": accounts["msisdn"], "role": np.array(ROLES)[role], "ring": ring, "holder": holder})
    return World(tables, truth)


def simulate(preset: str = "realistic", subscribers: int = 20_000, days: int = 30, seed: int = 0,
             start: str = "2020-01-01", **overrides) -> dict[str, pd.DataFrame]:
    """The canonical tables of a simulated world (see :func:`build_world`)."""
    return build_world(preset, subscribers, days, seed, start, **overrides).tables
