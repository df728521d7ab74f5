"""Fraud rings: their SIMs, IDs, devices and places, their lifetimes and labels, their victims and drift.

A ring runs several SIMs of one fraud type, registered on a few ID cards, used in
a small pool of devices, from one place (often another city than where the SIMs
were opened, or outside the province). Each SIM is activated shortly before its
first use, works until it is detected, and is shut down then. Rings call victims
from shared target lists and move to another target group each month; their
tactics drift (shorter calls, fewer calls per SIM, more SMS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudml.simulate import places
from fraudml.simulate.params import FIRST_FRAUD, FRAUD_TYPES, ROLE_CODE, ROLES, WorldParams

DRIFT_MONTHS = 6  # tactics settle after half a year rather than shrinking forever
# SIMs sharing one phone in a ring: many rings give each SIM its own cheap phone; SIM boxes hold several
SIMS_PER_DEVICE = {"call_centre": ((1, 2, 3, 4), (0.35, 0.25, 0.25, 0.15)), "sim_box": ((4, 8), (0.5, 0.5)),
                   "wangiri": ((1, 2, 3), (0.4, 0.3, 0.3)), "robocall": ((1, 2), (0.5, 0.5)), "precise": ((1, 2), (0.6, 0.4))}


@dataclass(frozen=True)
class Rings:
    ring: np.ndarray  # ring of each subscriber, -1 for non-fraud
    start: np.ndarray  # per ring: day it starts work (relative to the world's start)
    kind: np.ndarray  # per ring: role code
    home_city: np.ndarray  # per ring: where its SIMs were opened
    base_city: np.ndarray  # per ring: where it works from (-1: outside the province)
    base_county: np.ndarray
    device_offset: np.ndarray  # per ring: first of its device codes (relative)
    devices: np.ndarray  # per ring: devices it uses

    @property
    def count(self) -> int:
        return len(self.start)


def form_rings(rng: np.random.Generator, role: np.ndarray, days: float, params: WorldParams) -> Rings:
    """Group the fraud numbers of each type into rings with log-normal sizes."""
    ring = np.full(len(role), -1, dtype=np.int64)
    kinds, next_ring = [], 0
    for t in FRAUD_TYPES:  # a loop over the five types, not over numbers
        idx = rng.permutation(np.flatnonzero(role == ROLE_CODE[t]))
        if len(idx) == 0:
            continue
        sizes = np.maximum(1, np.rint(np.exp(rng.normal(np.log(params.ring_sims[t]), 0.6, len(idx))))).astype(np.int64)
        ends = np.cumsum(sizes)
        ring[idx] = next_ring + np.searchsorted(ends, np.arange(len(idx)), side="right")
        used = int(ring[idx].max()) - next_ring + 1
        kinds.append(np.full(used, ROLE_CODE[t]))
        next_ring += used
    kind = np.concatenate(kinds) if kinds else np.zeros(0, dtype=np.int64)
    r = len(kind)
    sims = np.bincount(ring[ring >= 0], minlength=r)
    start = rng.uniform(-5, max(days - 1, 0.5), r)
    home_city = places.draw_cities(rng, r)
    base_city = places.draw_cities(rng, r)
    same = base_city == home_city
    base_city[same] = (base_city[same] + 1 + rng.integers(0, len(places.CITY_NAMES) - 1, int(same.sum()))) % len(places.CITY_NAMES)
    local = np.isin(kind, [ROLE_CODE["precise"], ROLE_CODE["sim_box"]]) & (rng.random(r) < 0.6)
    base_city[local] = home_city[local]
    base_county = places.draw_counties(rng, base_city)
    away_share = np.array([params.behaviours[ROLES[k]].away for k in kind]) if r else np.zeros(0)
    away = rng.random(r) < away_share
    base_city[away], base_county[away] = -1, -1
    per_device = np.ones(r, dtype=np.int64)
    for t, (values, weights) in SIMS_PER_DEVICE.items():
        sel = kind == ROLE_CODE[t]
        per_device[sel] = rng.choice(values, size=int(sel.sum()), p=weights)
    devices = np.maximum(1, np.ceil(sims / per_device)).astype(np.int64)
    device_offset = np.r_[0, np.cumsum(devices)[:-1]].astype(np.int64)
    return Rings(ring, start, kind, home_city, base_city, base_county, device_offset, devices)


def sim_places(rng: np.random.Generator, rings: Rings, n: int) -> tuple[np.ndarray, ...]:
    """Home (account) and working places of the fraud SIMs: most were opened where the ring got its IDs."""
    fraud = rings.ring >= 0
    r = rings.ring[fraud]
    home_city = rings.home_city[r].copy()
    other = rng.random(len(r)) < 0.2
    home_city[other] = places.draw_cities(rng, int(other.sum()))
    home_county = places.draw_counties(rng, home_city)
    return fraud, home_city, home_county, rings.base_city[r], rings.base_county[r]


def sim_devices(rng: np.random.Generator, rings: Rings, first_code: int) -> tuple[np.ndarray, ...]:
    """Devices of the fraud SIMs (codes from ``first_code``): each SIM has a phone of its ring's pool and, where
    SIMs outnumber phones, moves between two of them half the time. Returns (fraud mask, device a, device b, mix)."""
    fraud = rings.ring >= 0
    r = rings.ring[fraud]
    order = np.argsort(r, kind="stable")
    rank = np.empty(len(r), dtype=np.int64)
    starts = np.r_[0, np.flatnonzero(np.diff(r[order])) + 1]
    rank[order] = np.arange(len(r)) - np.repeat(starts, np.diff(np.r_[starts, len(r)]))
    pool = rings.devices[r]
    a = first_code + rings.device_offset[r] + rank % pool
    b = first_code + rings.device_offset[r] + rng.integers(0, pool)
    sims = np.bincount(r, minlength=rings.count)[r]
    mix = np.where(pool < sims, 0.5, 0.0)
    return fraud, a, np.where(mix > 0, b, a), mix


@dataclass(frozen=True)
class FraudTimes:
    activated: np.ndarray
    start: np.ndarray  # first fraudulent use
    stop: np.ndarray  # last activity: detection, or abandonment when never detected
    labelled_at: np.ndarray  # detection (NaN: never confirmed)
    closed: np.ndarray  # shutdown (NaN: not within the data)


def fraud_times(rng: np.random.Generator, rings: Rings, days: float, params: WorldParams) -> FraudTimes:
    """Lifetimes of the fraud SIMs: each starts within its ring's month, works until detected, and is shut down."""
    fraud = rings.ring >= 0
    r = rings.ring[fraud]
    m = len(r)
    span = np.clip(days - 0.5 - rings.start[r], 0.5, 30)
    start = rings.start[r] + rng.random(m) * span
    # most are activated days before use; some are sleepers; some are old real-name accounts bought from people
    kind = rng.choice(3, size=m, p=[0.55, 0.3, 0.15])
    lead = np.choose(kind, [rng.exponential(2.0, m), rng.uniform(10, 90, m), np.exp(rng.normal(np.log(700), 0.8, m))])
    activated = start - lead
    median = np.array([params.behaviours[ROLES[k]].lifetime_days for k in rings.kind])[r]
    life = np.exp(rng.normal(np.log(median), 1.0))
    detected = start + life
    missed = rng.random(m) < params.missed_fraud
    labelled_at = np.where(missed, np.nan, detected)
    stop = np.where(missed, start + 1.5 * life, detected)
    shutdown = detected + rng.uniform(1 / 24, 1, m)
    closed = np.where(~missed & (shutdown < days), shutdown, np.nan)
    return FraudTimes(activated, start, stop, labelled_at, closed)


def false_alarms(rng: np.random.Generator, role: np.ndarray, days: float, params: WorldParams) -> tuple[np.ndarray, np.ndarray]:
    """Normal numbers wrongly confirmed as fraud (more often the hard negatives), and when."""
    hard = (role > 0) & (role < FIRST_FRAUD)
    rate = np.where(hard, 10 * params.false_alarms, np.where(role == 0, params.false_alarms, 0.0))
    wrong = rng.random(len(role)) < rate
    when = np.where(wrong, rng.uniform(0, days + 10, len(role)), np.nan)
    return wrong, when


def month_index(t: np.ndarray) -> np.ndarray:
    """Months since the start of the world (day 0), for drift."""
    return np.maximum(np.floor(t / 30.4), 0).astype(np.int64)


def drift(factor: float, t: np.ndarray) -> np.ndarray:
    """Multiplier of a fraud tactic at day ``t``: ``factor`` per month since the start, for at most DRIFT_MONTHS months."""
    return factor ** np.minimum(month_index(t), DRIFT_MONTHS)
