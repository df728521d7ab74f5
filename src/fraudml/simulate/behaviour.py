"""Calls and text messages: who contacts whom, when, for how long, from where and on which device.

Every number draws its events from its role's :class:`~fraudml.simulate.params.Behaviour`:
a Poisson count over its active days, thinned by the weekly rhythm, placed by the
role's hours of the day, clustered into bursts, sent to contacts (a Zipf-like
choice among them) or to strangers, with call-backs from some strangers. Calls
between two subscribers appear in both numbers' rows (``out`` for the caller,
``in`` for the callee). All of it is vectorised over events; loops run over the
ten roles at most.
"""

from __future__ import annotations

import numpy as np

from fraudml.simulate import places
from fraudml.simulate.fraud import drift, month_index
from fraudml.simulate.params import FIRST_FRAUD, HOURS, ROLE_CODE, ROLES, WorldParams
from fraudml.simulate.population import Population
from fraudml.tables import DAY_S

OUT, IN, FWD = 0, 1, 2
SECONDS = 1 / DAY_S  # a second, in days


def per_number(params: WorldParams, name: str, role: np.ndarray) -> np.ndarray:
    """A Behaviour field as one value per number."""
    return np.array([getattr(params.behaviours[r], name) for r in ROLES], dtype=float)[role]


def _take(events: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[keep] for k, v in events.items()}


def _concat(*parts: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def rhythm(params: WorldParams, name: str, start_weekday: int, days: float) -> np.ndarray:
    """Cumulative activity of a role, hour by hour over the world: hours of the day times the weekly rhythm.

    Element k is the activity before hour k, in days of average activity (the last is about ``days``).
    """
    b = params.behaviours[name]
    week = np.where(np.arange(7) >= 5, b.weekend, 1.0)
    week = week / week.mean()
    hours = int(np.ceil(days)) * 24
    weekday = (start_weekday + np.arange(hours) // 24) % 7
    per_hour = np.asarray(HOURS[b.hours])[np.arange(hours) % 24] * week[weekday]
    return np.r_[0.0, np.cumsum(per_hour)]


def sorted_uniforms(rng: np.random.Generator, count: np.ndarray) -> np.ndarray:
    """For each i, ``count[i]`` sorted uniforms on (0, 1), concatenated: spacings of exponentials, no sort."""
    slots = count + 1
    total = int(slots.sum())
    cs = np.cumsum(rng.exponential(size=total))
    last = np.cumsum(slots) - 1
    before = np.r_[0.0, cs[last[:-1]]]
    seg = np.repeat(np.arange(len(count)), slots)
    u = (cs - before[seg]) / (cs[last] - before)[seg]
    keep = np.ones(total, dtype=bool)
    keep[last] = False
    return u[keep]


def event_times(rng: np.random.Generator, pop: Population, params: WorldParams, per_day: np.ndarray,
                decay: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Owners and times (days) of events at ``per_day`` per number, sorted by owner then time.

    Times follow the role's hours of the day and weekly rhythm (an inhomogeneous
    Poisson process drawn through its cumulative intensity, so no sorting is
    needed). ``decay`` multiplies the fraud numbers' rate each month (tactics drift).
    """
    role = pop.role
    days = pop.days
    grid = np.arange(int(np.ceil(days)) * 24 + 1, dtype=float)
    lo, hi = np.zeros(pop.n), np.zeros(pop.n)
    cums = {}
    for code, name in enumerate(ROLES):  # a loop over the roles
        sel = role == code
        cums[code] = cum = rhythm(params, name, pop.start_weekday, days)
        lo[sel] = np.interp(pop.active_from[sel] * 24, grid, cum)
        hi[sel] = np.interp(pop.active_to[sel] * 24, grid, cum)
    fraud_number = role >= FIRST_FRAUD
    # room for drift upwards: draw as many as the last month needs, then thin
    boost = np.where(fraud_number, drift(max(1.0, decay or 1.0), pop.active_to), 1.0)
    count = rng.poisson(per_day * np.maximum(hi - lo, 0) * boost)
    owner = np.repeat(np.arange(pop.n, dtype=np.int64), count)
    level = lo[owner] + sorted_uniforms(rng, count) * (hi - lo)[owner]
    t = np.empty(len(owner))
    who = role[owner]
    for code in range(len(ROLES)):
        sel = who == code
        t[sel] = np.interp(level[sel], cums[code], grid) / 24
    if decay is not None:
        p_keep = np.where(fraud_number[owner], drift(decay, t) / boost[owner], 1.0)
        keep = rng.random(len(owner)) < p_keep
        owner, t = owner[keep], t[keep]
    return owner, t


def contact_of(rng: np.random.Generator, pop: Population, owner: np.ndarray) -> np.ndarray:
    """A contact of each owner: strong ties first (rank r is chosen with weight about 1/(r+1))."""
    d = pop.degree[owner]
    rank = np.floor(np.exp(rng.random(len(owner)) * np.log(d + 1))).astype(np.int64) - 1
    return pop.contact_code[pop.contact_offset[owner] + np.clip(rank, 0, d - 1)]


def stranger_of(rng: np.random.Generator, pop: Population, params: WorldParams, owner: np.ndarray, t: np.ndarray,
                targets: tuple[np.ndarray, np.ndarray, np.ndarray], people: np.ndarray) -> np.ndarray:
    """A one-off counterpart for each event.

    Fraud numbers take victims from their ring's current target group (a list
    shared with ring mates; subscribers of the group's communities or outside
    numbers); the ring moves to another group each month. Others reach random
    outside numbers or, now and then, a random subscriber.
    """
    m = len(owner)
    code = pop.space.stranger(rng, m)
    local = rng.random(m) < 0.1
    if len(people):
        code[local] = people[rng.integers(0, len(people), int(local.sum()))]
    ring = pop.ring[owner]
    fraud = ring >= 0
    if fraud.any():
        flat, off, size = targets
        group = (ring[fraud] + month_index(t[fraud])) % pop.space.groups
        in_world = per_number(params, "in_world", pop.role[owner[fraud]])
        pick = rng.random(int(fraud.sum()))
        inside = (pick < in_world) & (size[group] > 0)
        victim = pop.space.victim(group, rng.random(len(group)))
        if len(flat):
            member = flat[np.minimum(off[group] + (rng.random(len(group)) * size[group]).astype(np.int64), len(flat) - 1)]
            victim = np.where(inside, member, victim)
        code[fraud] = victim
    return code


def durations(rng: np.random.Generator, params: WorldParams, role: np.ndarray, t: np.ndarray, callback: bool = False) -> np.ndarray:
    """Call durations in seconds from each role's log-normal mixture; fraud calls shorten month by month."""
    out = np.empty(len(role))
    for code, name in enumerate(ROLES):
        sel = np.flatnonzero(role == code)
        if len(sel) == 0:
            continue
        b = params.behaviours[name]
        comps = np.array((b.callback_durations or b.durations) if callback else b.durations, dtype=float)
        which = rng.choice(len(comps), size=len(sel), p=comps[:, 0] / comps[:, 0].sum())
        out[sel] = comps[which, 1] * np.exp(comps[which, 2] * rng.standard_normal(len(sel)))
    fraud = role >= FIRST_FRAUD
    out[fraud] *= drift(params.drift_duration, t[fraud])
    # a conversation seldom lasts under a few seconds (a soft floor); a one-ring call does
    talk = callback | (role != ROLE_CODE["wangiri"])
    out = np.where(talk, out + 3 * np.exp(-out / 3), out)
    return np.maximum(np.rint(out), 1)


def bursts(rng: np.random.Generator, params: WorldParams, pop: Population, owner: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Cluster events (sorted by owner, then time) into bursts: a follower comes a short gap after the one before it."""
    m = len(owner)
    role = pop.role[owner]
    first = np.r_[True, owner[1:] != owner[:-1]]
    follower = ~first & (rng.random(m) < per_number(params, "burst", role))
    gap = per_number(params, "burst_gap_s", role) * np.exp(per_number(params, "gap_jitter", role) * rng.standard_normal(m))
    gap = np.where(follower, gap * SECONDS, 0.0)
    pos = np.arange(m)
    anchor = np.maximum.accumulate(np.where(follower, 0, pos))
    cum = np.cumsum(gap)
    return np.where(follower, t[anchor] + cum - cum[anchor], t)


def _in_window(pop: Population, who: np.ndarray, t: np.ndarray) -> np.ndarray:
    return (t >= pop.active_from[who]) & (t < pop.active_to[who])


def _mirror(pop: Population, events: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Keep the events both parties could take part in (active then), and add the other party's leg of every
    event between two subscribers."""
    cp = events["counterpart"]
    inside = (cp >= 0) & (cp < pop.n)
    ok = _in_window(pop, events["owner"], events["t"]) & (~inside | _in_window(pop, np.where(inside, cp, 0), events["t"]))
    other = _take(events, ok & inside)
    other["owner"], other["counterpart"] = other["counterpart"], other["owner"]
    other["direction"] = np.where(other["direction"] == OUT, IN, OUT).astype(np.int8)
    return _concat(_take(events, ok), other)


def leaning(rng: np.random.Generator, mean: np.ndarray, concentration: float) -> np.ndarray:
    """Each number's own share around its role's (a beta draw): some people mostly call, others mostly answer."""
    inner = np.clip(mean, 0.01, 0.99)
    share = rng.beta(inner * concentration, (1 - inner) * concentration)
    return np.where((mean <= 0) | (mean >= 1), mean, share)  # machines that only dial keep doing so


def calls(rng: np.random.Generator, pop: Population, params: WorldParams, targets, people: np.ndarray) -> dict[str, np.ndarray]:
    """Every call leg: owner, counterpart code, direction, time (days), duration (s)."""
    role = pop.role
    spread = np.where(role >= FIRST_FRAUD, 0.4, 0.75)
    rate = per_number(params, "calls_per_day", role) * pop.activity * np.exp(spread * rng.standard_normal(pop.n) - spread**2 / 2)
    owner, t = event_times(rng, pop, params, rate, decay=params.drift_calls)
    t = bursts(rng, params, pop, owner, t)
    m = len(owner)
    r = role[owner]
    stranger = rng.random(m) < per_number(params, "stranger_share", r)
    code = contact_of(rng, pop, owner)
    code[stranger] = stranger_of(rng, pop, params, owner[stranger], t[stranger], targets, people)
    p_out = np.where(stranger, leaning(rng, per_number(params, "stranger_out", role), 12)[owner],
                     leaning(rng, per_number(params, "tie_out", role), 5)[owner])
    direction = np.where(rng.random(m) < p_out, OUT, IN).astype(np.int8)
    duration = durations(rng, params, r, t)
    events = {"owner": owner, "counterpart": code, "direction": direction, "t": t, "duration": duration}

    # strangers who call back; hooked victims (long calls) far more often
    p_back = per_number(params, "callback", r) * np.where(duration > 300, 5.0, 1.0)
    back = stranger & (direction == OUT) & (rng.random(m) < p_back)
    k = int(back.sum())
    later = t[back] + np.exp(rng.normal(np.log(1.5 / 24), 1.2, k))
    callbacks = {"owner": owner[back], "counterpart": code[back], "direction": np.full(k, IN, dtype=np.int8),
                 "t": later, "duration": durations(rng, params, r[back], later, callback=True)}
    events = _mirror(pop, _concat(events, callbacks))
    fwd = (events["direction"] == IN) & (role[events["owner"]] < FIRST_FRAUD) & (rng.random(len(events["t"])) < 0.002)
    events["direction"][fwd] = FWD
    return events


def sms(rng: np.random.Generator, pop: Population, params: WorldParams, targets, people: np.ndarray,
        services: int) -> dict[str, np.ndarray]:
    """Every text message: notifications from service numbers (codes -1..-services, a few dominate),
    messages with contacts both ways, and fraud messages to strangers (more each month)."""
    role = pop.role
    activity = pop.activity * np.exp(1.0 * rng.standard_normal(pop.n) - 0.5)
    owner, t = event_times(rng, pop, params, per_number(params, "sms_service_per_day", role) * activity)
    rank = np.floor(np.exp(rng.random(len(owner)) ** 2.3 * np.log(services + 1))).astype(np.int64)
    service = {"owner": owner, "counterpart": -np.clip(rank, 1, services), "direction": np.full(len(owner), IN, dtype=np.int8), "t": t}

    owner, t = event_times(rng, pop, params, per_number(params, "sms_personal_per_day", role) * activity)
    personal = {"owner": owner, "counterpart": contact_of(rng, pop, owner),
                "direction": np.where(rng.random(len(owner)) < 0.5, OUT, IN).astype(np.int8), "t": t}

    owner, t = event_times(rng, pop, params, per_number(params, "sms_out_per_day", role), decay=params.drift_sms)
    spam = {"owner": owner, "counterpart": stranger_of(rng, pop, params, owner, t, targets, people),
            "direction": np.full(len(owner), OUT, dtype=np.int8), "t": t}
    return _mirror(pop, _concat(service, personal, spam))


def where_and_what(rng: np.random.Generator, pop: Population, params: WorldParams, owner: np.ndarray, t: np.ndarray):
    """City, county and cell (-1: unknown) and device of each call leg."""
    m = len(owner)
    role = pop.role[owner]
    city, county = pop.base_city[owner].copy(), pop.base_county[owner].copy()
    travel = (city >= 0) & (rng.random(m) < per_number(params, "travel", role))
    city[travel] = places.draw_cities(rng, int(travel.sum()))
    county[travel] = places.draw_counties(rng, city[travel])
    u = rng.random(m)
    which = np.where(role == ROLE_CODE["sim_box"], 0, (u > 0.5).astype(np.int64) + (u > 0.85))  # a box does not move
    cell = pop.cells[owner, which]
    roaming = np.isin(role, [ROLE_CODE["courier"], ROLE_CODE["ride_hailing"]]) & (city >= 0)
    cell[roaming | travel] = rng.integers(0, 60, int((roaming | travel).sum()))
    moved = roaming & (rng.random(m) < 0.5)
    county[moved] = places.draw_counties(rng, city[moved])
    lost = (city < 0) | (rng.random(m) < 0.02)  # outside the province, or not recorded
    city[lost], county[lost] = -1, -1
    cell_code = np.where(lost, -1, county * 100 + cell)
    use_b = (t >= pop.device_switch[owner]) | (rng.random(m) < pop.device_mix[owner])
    device = np.where(use_b, pop.device_b[owner], pop.device_a[owner])
    return city, county, cell_code, device
