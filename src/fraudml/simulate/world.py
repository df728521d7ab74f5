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
    """Events sorted by owner and time, keeping one event per owner and second (a line starts one call at a time).

    Times are kept within the world's last second: rounded to the second, an event in its last half second would
    land on the day after the world, and move the end of the data (and every snapshot date) by a day.
    """
    events["t"] = np.minimum(events["t"], days - 1 / DAY_S)
    second = np.rint(events["t"] * DAY_S).astype(np.int64)
    key = events["owner"] * (int(days * DAY_S) + DAY_S) + second
    order = np.argsort(key, kind="stable")  # fast on the long sorted runs the events come in
    key = key[order]
    order = order[np.r_[True, key[1:] != key[:-1]]]
    return {k: v[order] for k, v in events.items()}


@dataclass
class Accounts:
    """Per subscriber: who holds the number, where it belongs, when it lives, what its label says."""

    role: np.ndarray
    ring: np.ndarray
    home_city: np.ndarray
    home_county: np.ndarray
    base_city: np.ndarray
    base_county: np.ndarray
    numbers_on_id: np.ndarray
    holder: np.ndarray
    activated: np.ndarray  # days since the start; NaN: not closed
    closed: np.ndarray
    active_from: np.ndarray
    active_to: np.ndarray
    label: np.ndarray
    labelled_at: np.ndarray
    fraud_type: np.ndarray  # role code of a confirmed fraud (or a false alarm), else -1


def build_world(preset: str = "realistic", subscribers: int = 20_000, days: int = 30, seed: int = 0,
                start: str = "2020-01-01", **overrides) -> World:
    """Simulate ``subscribers`` numbers over ``days`` days from ``start``; ``overrides`` set WorldParams fields.

    The steps draw from one random generator in a fixed order: the same seed gives the same world.
    """
    params: WorldParams = preset_params(preset, **overrides)
    if subscribers < 10:
        raise ValueError("a world needs at least 10 subscribers")
    if days < 1:
        raise ValueError("a world needs at least 1 day")
    rng = np.random.default_rng(seed)
    start_ts = pd.Timestamp(start)
    role = population.draw_roles(rng, subscribers, params)
    rings = fraud.form_rings(rng, role, days, params)
    accounts = _accounts(rng, role, rings, days, params)
    pop, targets, people = _population(rng, accounts, rings, start_ts, days, params)
    calls = _ordered(behaviour.calls(rng, pop, params, targets, people), days)
    sms = _ordered(behaviour.sms(rng, pop, params, targets, people, SENDERS), days)
    calls["city"], calls["county"], calls["cell"], calls["device"] = \
        behaviour.where_and_what(rng, pop, params, calls["owner"], calls["t"])

    months, lo, hi = usage.months_of(start_ts, days)
    share = usage.open_share(lo, hi, accounts.activated, accounts.closed)
    plan = usage.draw_plans(rng, role)
    spend = usage.arpu(rng, plan, share, calls, lo)
    apps = usage.app_usage(rng, role, share * pop.activity[:, None], params)

    ids = Identities(rng, subscribers)
    no_city = rng.random(subscribers) < np.where(rings.ring >= 0, params.account_city_missing[1],
                                                 params.account_city_missing[0])
    tables = {
        "accounts": _account_table(ids, accounts, plan, no_city, start_ts),
        "account_months": _month_table(ids, share, spend, months),
        "calls": _call_table(ids, calls, start_ts),
        "sms": _sms_table(ids, sms, start_ts),
        "app_usage": _app_table(ids, apps, months),
        "labels": _label_table(ids, accounts, start_ts),
    }
    tables = {name: df[TABLES[name].names] for name, df in tables.items()}
    truth = pd.DataFrame({"msisdn": tables["accounts"]["msisdn"], "role": np.array(ROLES)[role], "ring": rings.ring,
                          "holder": accounts.holder})
    return World(tables, truth)


def _accounts(rng: np.random.Generator, role: np.ndarray, rings, days: int, params: WorldParams) -> Accounts:
    """Places, ID cards, lifetimes and labels of every number; fraud SIMs take their ring's."""
    n, ring = len(role), rings.ring
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

    label = np.where(is_fraud, 1, 0).astype(np.int8)
    labelled_at = np.full(n, np.nan)
    labelled_at[f] = times.labelled_at
    label[f] = np.where(np.isnan(times.labelled_at), 0, 1)  # fraud never confirmed stays labelled normal
    label[wrong] = 1
    labelled_at[wrong] = wrong_at[wrong]
    fraud_type = np.where(is_fraud & (label == 1), role, -1)
    fraud_type[wrong] = population.ROLE_CODE["call_centre"]
    return Accounts(role, ring, home_city, home_county, base_city, base_county, k, holder, activated, closed,
                    np.clip(first_use, 0, days), np.clip(stop, 0, days), label, labelled_at, fraud_type)


def _population(rng: np.random.Generator, accounts: Accounts, rings, start_ts: pd.Timestamp, days: int,
                params: WorldParams):
    """Devices, contacts, cells and habits: what behaviour draws events from; and the victims' target lists."""
    role, ring, n = accounts.role, accounts.ring, len(accounts.role)
    device_a, device_b, switch = population.devices(rng, accounts.holder, role, days)
    mix = np.zeros(n)
    f2, a, b, sim_mix = fraud.sim_devices(rng, rings, first_code=2 * n)
    device_a[f2], device_b[f2], switch[f2], mix[f2] = a, b, np.inf, sim_mix

    circle = population.circles(rng, accounts.base_county, ring, params.community_size)
    space = population.CodeSpace(n=n, circles=int(circle.max()) + 1, pool=4 * params.community_size,
                                 victims_per_group=max(20_000, 2 * n), groups=params.target_groups)
    contact_code, contact_offset, degree = population.contacts(rng, role, circle, space, params)
    people = np.flatnonzero(ring < 0)
    target = circle[people] % params.target_groups
    sizes = np.bincount(target, minlength=params.target_groups)
    targets = (people[np.argsort(target, kind="stable")], np.r_[0, np.cumsum(sizes)[:-1]], sizes)

    cells = population.cells(rng, n)
    f = ring >= 0
    cells[f] = population.cells(rng, rings.count)[ring[f]]  # a ring's SIMs work side by side
    pop = population.Population(role, ring, circle, accounts.base_city, accounts.base_county, cells, device_a, device_b,
                                switch, mix, accounts.active_from, accounts.active_to, contact_code, contact_offset,
                                degree, space, start_ts.weekday(), float(days), population.lifestyles(rng, role))
    return pop, targets, people


CITY_NAMES = pa.array(places.CITY_NAMES.tolist())
DIRECTION_NAMES = pa.array(["out", "in", "fwd"])


def _account_table(ids: Identities, accounts: Accounts, plan: np.ndarray, no_city: np.ndarray,
                   start_ts: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame({
        "msisdn": ids.subscribers,
        "activated_at": _timestamps(start_ts, accounts.activated),
        "id_holder": ids.id_cards(accounts.holder),
        "numbers_on_id": accounts.numbers_on_id.astype(np.int32),
        "home_city": _strings(CITY_NAMES, accounts.home_city, no_city),
        "home_county": _strings(pa.array(places.BRANCH_NAMES.tolist()), accounts.home_county, no_city),
        "plan": _strings(pa.array(usage.PLAN_NAMES.tolist()), plan),
        "closed_at": _timestamps(start_ts, accounts.closed),
    })


def _month_table(ids: Identities, share: np.ndarray, spend: np.ndarray, months: np.ndarray) -> pd.DataFrame:
    open_cells = np.argwhere(share > 0)
    return pd.DataFrame({
        "msisdn": ids.numbers(open_cells[:, 0]),
        "month": pd.Series(months[open_cells[:, 1]]).astype("datetime64[us]"),
        "arpu": spend[open_cells[:, 0], open_cells[:, 1]],
    })


def _call_table(ids: Identities, calls: dict[str, np.ndarray], start_ts: pd.Timestamp) -> pd.DataFrame:
    city, county, cell = calls["city"], calls["county"], calls["cell"]
    return pd.DataFrame({
        "msisdn": ids.numbers(calls["owner"]),
        "counterpart": ids.numbers(calls["counterpart"]),
        "direction": _strings(DIRECTION_NAMES, calls["direction"].astype(np.int64)),
        "started_at": _timestamps(start_ts, calls["t"]),
        "duration_s": calls["duration"].astype(np.int32),
        "city": _strings(CITY_NAMES, city, city < 0),
        "county": _strings(pa.array(places.COUNTY_NAMES.tolist()), county, county < 0),
        "cell": text(cell + 51_000_000).mask(cell < 0),
        "imei": ids.imeis(calls["device"]),
    })


def _sms_table(ids: Identities, sms: dict[str, np.ndarray], start_ts: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame({
        "msisdn": ids.numbers(sms["owner"]),
        "counterpart": ids.numbers(sms["counterpart"]),
        "direction": _strings(DIRECTION_NAMES, sms["direction"].astype(np.int64)),
        "sent_at": _timestamps(start_ts, sms["t"]),
    })


def _app_table(ids: Identities, apps: dict[str, np.ndarray], months: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({
        "msisdn": ids.numbers(apps["owner"]),
        "month": pd.Series(months[apps["month"]]).astype("datetime64[us]"),
        "app": _strings(pa.array(list(usage.APPS)), apps["app"]),
        "mb": apps["mb"],
    })


def _label_table(ids: Identities, accounts: Accounts, start_ts: pd.Timestamp) -> pd.DataFrame:
    fraud_type = accounts.fraud_type
    return pd.DataFrame({
        "msisdn": ids.subscribers,
        "label": accounts.label,
        "labelled_at": _timestamps(start_ts, accounts.labelled_at),
        "fraud_type": _strings(pa.array(list(ROLES)), fraud_type, fraud_type < FIRST_FRAUD),
    })


def simulate(preset: str = "realistic", subscribers: int = 20_000, days: int = 30, seed: int = 0,
             start: str = "2020-01-01", **overrides) -> dict[str, pd.DataFrame]:
    """The canonical tables of a simulated world (see :func:`build_world`)."""
    return build_world(preset, subscribers, days, seed, start, **overrides).tables
