"""The people and things of the world: numbers, their roles, ID holders, places, devices and contacts.

Everything is a numpy array with one entry per subscriber (index 0..n-1), drawn
without Python loops over subscribers. Counterparts are integer codes: codes
below n are subscribers, codes from :data:`OUTSIDE` up are outside numbers, in
ranges laid out by :class:`CodeSpace`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fraudml.simulate import places
from fraudml.simulate.params import FIRST_FRAUD, ROLE_CODE, ROLES, WorldParams

# numbers registered on the same ID card, per number, from the Sichuan train users (label 0, label 1)
NUMBERS_ON_ID = {
    "normal": {0: 5, 1: 2290, 2: 1102, 3: 486, 4: 193, 5: 65, 6: 2, 7: 1},
    "fraud": {0: 41, 1: 495, 2: 383, 3: 323, 4: 302, 5: 401, 6: 10, 8: 1, 10: 2, 13: 4},
    # companies register their lines on a few IDs
    "company": {2: 10, 3: 20, 4: 30, 5: 40},
}


@dataclass(frozen=True)
class CodeSpace:
    """Where each kind of counterpart lives among the integer codes."""

    n: int  # subscribers: [0, n)
    circles: int  # communities and rings, each with its own pool of outside contacts
    pool: int  # outside contacts per circle
    victims_per_group: int
    groups: int

    @property
    def circle_pools(self) -> int:
        return self.n

    @property
    def strangers(self) -> int:  # one-off counterparts: a large space, so they rarely repeat
        return self.circle_pools + self.circles * self.pool

    @property
    def stranger_count(self) -> int:
        return max(self.n * 200, 1_000_000)

    @property
    def victims(self) -> int:  # outside numbers on the fraud rings' target lists
        return self.strangers + self.stranger_count

    def victim(self, group: np.ndarray, u: np.ndarray) -> np.ndarray:
        return self.victims + group * self.victims_per_group + (u * self.victims_per_group).astype(np.int64)

    def stranger(self, rng: np.random.Generator, size: int) -> np.ndarray:
        return self.strangers + rng.integers(0, self.stranger_count, size)


def draw_roles(rng: np.random.Generator, n: int, params: WorldParams) -> np.ndarray:
    """Role code of each subscriber, in random order."""
    counts = {r: int(round(n * s)) for r, s in params.hard_negatives.items()}
    n_fraud = int(round(n * params.fraud_share))
    mix = np.array([params.fraud_mix.get(t, 0.0) for t in ROLES[FIRST_FRAUD:]])
    fraud_counts = np.floor(n_fraud * mix / mix.sum()).astype(int)
    fraud_counts[0] += n_fraud - fraud_counts.sum()
    counts.update(zip(ROLES[FIRST_FRAUD:], fraud_counts.tolist()))
    counts["normal"] = n - sum(counts.values())
    if counts["normal"] < 0:
        raise ValueError("fraud_share and hard_negatives add up to more than all subscribers")
    role = np.concatenate([np.full(counts.get(r, 0), ROLE_CODE[r], dtype=np.int8) for r in ROLES])
    return rng.permutation(role)


def draw_numbers_on_id(rng: np.random.Generator, kind: str, size: int) -> np.ndarray:
    table = NUMBERS_ON_ID[kind]
    values = np.array(list(table))
    weights = np.array(list(table.values()), dtype=float)
    return rng.choice(values, size=size, p=weights / weights.sum())


def numbers_on_id(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """How many numbers each subscriber's ID card holds (0: no ID on record)."""
    k = draw_numbers_on_id(rng, "normal", len(role))
    company = np.isin(role, [ROLE_CODE["telesales"], ROLE_CODE["customer_service"]])
    k[company] = draw_numbers_on_id(rng, "company", int(company.sum()))
    fraud = role >= FIRST_FRAUD
    k[fraud] = draw_numbers_on_id(rng, "fraud", int(fraud.sum()))
    return k


def assign_holders(rng: np.random.Generator, group: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Holder (ID card) of each number: numbers of a group that hold k numbers per ID share IDs k at a time.

    -1 where k is 0. A holder may show fewer than k numbers: the others are not
    among the subscribers (another operator's, or outside the data).
    """
    holder = np.full(len(k), -1, dtype=np.int64)
    idx = np.flatnonzero(k > 0)
    order = idx[np.lexsort((rng.random(len(idx)), k[idx], group[idx]))]
    g, kk = group[order], k[order]
    pos = np.arange(len(order))
    new_block = np.r_[True, (g[1:] != g[:-1]) | (kk[1:] != kk[:-1])]
    rank = pos - np.maximum.accumulate(np.where(new_block, pos, 0))
    holder[order] = np.cumsum(new_block | (rank % kk == 0)) - 1
    return holder


def companies(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """Company of each telesales or customer-service line (about 8 lines each), -1 for others."""
    company = np.full(len(role), -1, dtype=np.int64)
    lines = np.flatnonzero(np.isin(role, [ROLE_CODE["telesales"], ROLE_CODE["customer_service"]]))
    company[lines] = rng.integers(0, max(1, len(lines) // 8), len(lines))
    return company


def lifetimes(rng: np.random.Generator, role: np.ndarray, days: float, params: WorldParams) -> tuple[np.ndarray, np.ndarray]:
    """Activation and closing day (relative to the start; NaN: still open) of the non-fraud numbers."""
    n = len(role)
    months = days / 30.4
    activated = -np.exp(rng.normal(np.log(900), 1.0, n))  # years before the start
    new = rng.random(n) < params.new_per_month * months
    activated[new] = rng.uniform(0, days, int(new.sum()))
    closed = np.full(n, np.nan)
    churn = rng.random(n) < params.churn_per_month * months
    closed[churn] = rng.uniform(0, days, int(churn.sum()))
    closed = np.where(closed <= activated, np.nan, closed)
    return activated, closed


def home_places(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    city = places.draw_cities(rng, n)
    return city, places.draw_counties(rng, city)


def living_places(rng: np.random.Generator, home_city: np.ndarray, home_county: np.ndarray, role: np.ndarray,
                  params: WorldParams) -> tuple[np.ndarray, np.ndarray]:
    """Where each non-fraud number spends its days: mostly home; some moved to another city; -1 outside the province."""
    n = len(home_city)
    city, county = home_city.copy(), home_county.copy()
    moved = rng.random(n) < 0.12
    new_city, new_county = home_places(rng, int(moved.sum()))
    city[moved], county[moved] = new_city, new_county
    away_share = np.array([params.behaviours[r].away for r in ROLES])[role]
    away = rng.random(n) < away_share
    city[away], county[away] = -1, -1
    return city, county


def circles(rng: np.random.Generator, base_county: np.ndarray, ring: np.ndarray, community_size: int) -> np.ndarray:
    """Circle of each number: a community of neighbours for people, its ring for fraud SIMs.

    People are grouped by the county they live in, in runs of ``community_size``;
    ring r becomes circle (communities + r).
    """
    n = len(ring)
    people = np.flatnonzero(ring < 0)
    order = people[np.lexsort((rng.random(len(people)), base_county[people]))]
    circle = np.full(n, -1, dtype=np.int64)
    circle[order] = np.arange(len(order)) // community_size
    n_comm = int(circle.max()) + 1 if len(order) else 0
    circle[ring >= 0] = n_comm + ring[ring >= 0]
    return circle


def members(circle: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Members of each circle as a flat array with offsets and sizes."""
    order = np.argsort(circle, kind="stable")
    sizes = np.bincount(circle, minlength=int(circle.max()) + 1)
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    return order, offsets, sizes


def contacts(rng: np.random.Generator, role: np.ndarray, circle: np.ndarray, space: CodeSpace,
             params: WorldParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each number's contacts: a flat array of counterpart codes, offsets and degrees.

    Degrees are heavy-tailed (log-normal). A contact is a subscriber of the same
    circle (neighbours, or ring mates), an outside number from the circle's own pool
    (shared with the neighbours: mutual contacts), or now and then anyone outside.
    Popular members are picked more often, so in-degrees are heavy-tailed too.
    """
    n = len(role)
    median = np.array([params.behaviours[r].degree for r in ROLES])[role]
    degree = np.clip(np.rint(np.exp(rng.normal(np.log(median), 0.8))), 1, 400).astype(np.int64)
    offsets = np.r_[0, np.cumsum(degree)[:-1]]
    owner = np.repeat(np.arange(n), degree)
    m = len(owner)
    in_world = np.array([params.behaviours[r].in_world for r in ROLES])[role][owner]
    flat, off, size = members(circle)
    c = circle[owner]
    pick = off[c] + np.minimum((rng.random(m) ** 1.6 * size[c]).astype(np.int64), size[c] - 1)
    mate = flat[pick]
    mate = np.where(mate == owner, flat[off[c] + (pick - off[c] + 1) % size[c]], mate)
    pool = space.circle_pools + c * space.pool + rng.integers(0, space.pool, m)
    u = rng.random(m)
    code = np.where(u < in_world, mate, np.where(u < 0.85, pool, space.stranger(rng, m)))
    code = np.where((code == owner), pool, code)  # a circle of one has no mates
    return code, offsets, degree


def devices(rng: np.random.Generator, holder: np.ndarray, role: np.ndarray, days: float) -> tuple[np.ndarray, ...]:
    """Each person's phone (codes 0..n-1), a new phone some switch to, and dual-SIM phones shared within an ID.

    Returns (device_a, device_b, switch_day): calls before switch_day use device_a.
    """
    n = len(holder)
    device_a = np.arange(n, dtype=np.int64)
    # the second number of an ID often sits in the same dual-SIM phone as the first
    order = np.lexsort((np.arange(n), holder))
    h = holder[order]
    second = np.r_[False, (h[1:] == h[:-1]) & (h[1:] >= 0)] & np.r_[False, True, h[2:] != h[:-2]]
    dual = second & (rng.random(n) < 0.3)
    device_a[order[dual]] = order[np.flatnonzero(dual) - 1]
    device_b = n + np.arange(n, dtype=np.int64)
    switch = np.where(rng.random(n) < 0.06 * days / 30.4, rng.uniform(0, days, n), np.inf)
    return device_a, device_b, switch


def lifestyles(rng: np.random.Generator, role: np.ndarray) -> np.ndarray:
    """Activity of each number relative to its role: a fifth of people are light users (an old phone, a spare SIM)."""
    light = (role == ROLE_CODE["normal"]) & (rng.random(len(role)) < 0.2)
    return np.where(light, 0.15, 1.0)


def cells(rng: np.random.Generator, n: int) -> np.ndarray:
    """Three usual cells of each number within its county (home, work, other)."""
    return rng.integers(0, 60, (n, 3))


@dataclass
class Population:
    """The subscribers, with everything their behaviour depends on (one entry per subscriber)."""

    role: np.ndarray
    ring: np.ndarray  # -1 for non-fraud
    circle: np.ndarray  # community or ring
    base_city: np.ndarray  # where the number is used; -1 outside the province
    base_county: np.ndarray
    cells: np.ndarray  # (n, 3)
    device_a: np.ndarray
    device_b: np.ndarray
    device_switch: np.ndarray  # day from which device_b is used
    device_mix: np.ndarray  # chance a call uses device_b anyway (SIMs moved between phones)
    active_from: np.ndarray  # day the number starts being used, within [0, days]
    active_to: np.ndarray  # day it stops (shut down, abandoned or the end)
    contact_code: np.ndarray
    contact_offset: np.ndarray
    degree: np.ndarray
    space: CodeSpace
    start_weekday: int  # weekday of day 0 (Monday = 0)
    days: float
    activity: np.ndarray  # how much the number is used: light users (old phones, spare SIMs) far less

    @property
    def n(self) -> int:
        return len(self.role)
