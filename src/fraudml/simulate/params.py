"""Parameters of the simulated world: the roles numbers play, how each behaves, and the presets.

Every number plays one role. Normal subscribers and the hard negatives (telesales,
couriers, ride-hailing drivers, customer-service lines) are labelled 0; the fraud
roles are labelled 1. A role's :class:`Behaviour` holds medians; each number draws
its own values around them, so roles overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

NORMAL_ROLES = ("normal", "telesales", "courier", "ride_hailing", "customer_service")
FRAUD_TYPES = ("call_centre", "sim_box", "wangiri", "robocall", "precise")
ROLES = NORMAL_ROLES + FRAUD_TYPES
ROLE_CODE = {r: i for i, r in enumerate(ROLES)}
FIRST_FRAUD = len(NORMAL_ROLES)


def _hours(*spans: tuple[int, int, float], base: float = 0.02) -> tuple[float, ...]:
    """24 hourly weights: ``base`` everywhere plus ``w`` on each [from, to) span."""
    w = np.full(24, base)
    for lo, hi, weight in spans:
        w[lo:hi] += weight
    return tuple(float(x) for x in w / w.sum())


HOURS = {
    # people: a morning peak, an afternoon plateau, an evening tail, quiet nights
    "people": _hours((7, 8, 0.4), (8, 12, 1.0), (12, 14, 0.6), (14, 18, 0.9), (18, 22, 0.7), (22, 24, 0.2), base=0.015),
    # office hours with a lunch break
    "office": _hours((8, 9, 0.3), (9, 12, 1.0), (12, 14, 0.3), (14, 18, 1.0), (18, 21, 0.25), base=0.01),
    # long days on the road
    "road": _hours((7, 9, 0.6), (9, 20, 1.0), (20, 23, 0.4), base=0.015),
    # private calls relayed by a SIM box: the people's pattern, later into the night
    "relay": _hours((8, 12, 0.6), (12, 18, 0.7), (18, 24, 1.0), (0, 1, 0.4), base=0.05),
    # dialling when people are home and curious about a missed call
    "odd": _hours((7, 9, 0.5), (12, 14, 0.6), (18, 24, 1.0), (0, 2, 0.6), base=0.05),
    # an auto-dialler runs all day
    "dialler": _hours((9, 21, 1.0), base=0.01),
}


@dataclass(frozen=True)
class Behaviour:
    """How numbers of one role behave (medians across the role's numbers)."""

    calls_per_day: float
    stranger_share: float  # share of calls with one-off counterparts rather than contacts
    stranger_out: float  # share of stranger calls the number makes (the rest it receives)
    tie_out: float = 0.52  # share of calls with contacts the number makes
    degree: float = 20.0  # contacts
    in_world: float = 0.25  # share of contacts (or victims) who are subscribers of the operator
    callback: float = 0.25  # chance a stranger called by the number calls back
    burst: float = 0.3  # chance a call follows the previous one within minutes
    burst_gap_s: float = 300.0  # median gap between calls of a burst
    gap_jitter: float = 1.0  # log-spread of those gaps (small: machine-regular)
    durations: tuple[tuple[float, float, float], ...] = ((0.86, 34.0, 0.98), (0.14, 180.0, 1.0))  # (weight, median s, log-sd)
    hours: str = "people"
    weekend: float = 0.85  # activity at weekends relative to weekdays
    sms_service_per_day: float = 2.0  # notifications from banks, apps, the operator
    sms_personal_per_day: float = 0.3  # messages with contacts, both ways
    sms_out_per_day: float = 0.0  # messages sent to strangers
    apps: float = 60.0  # apps used in a month
    mb_scale: float = 1.0  # data volume relative to a normal subscriber
    callback_durations: tuple[tuple[float, float, float], ...] = ()  # of calls back from strangers; empty: as durations
    travel: float = 0.05  # share of calls made from another city
    away: float = 0.04  # share of numbers (for fraud: of rings) operating from outside the province: calls without a city
    lifetime_days: float = 0.0  # fraud: median days from first use to detection


BEHAVIOURS: dict[str, Behaviour] = {
    "normal": Behaviour(calls_per_day=2.6, stranger_share=0.12, stranger_out=0.35),
    # hard negatives: many strangers, like fraud, but long-lived, local, with their own devices and call-backs
    "telesales": Behaviour(calls_per_day=25, stranger_share=0.9, stranger_out=0.93, callback=0.07, burst=0.75, burst_gap_s=90,
                           durations=((0.8, 20, 0.9), (0.2, 90, 1.0)), hours="office", weekend=0.3, degree=30, apps=20, travel=0.02),
    "courier": Behaviour(calls_per_day=16, stranger_share=0.75, stranger_out=0.7, callback=0.35, burst=0.6, burst_gap_s=120,
                         durations=((0.9, 24, 0.8), (0.1, 70, 0.9)), hours="road", weekend=0.9, degree=40, apps=25, mb_scale=2.0),
    "ride_hailing": Behaviour(calls_per_day=14, stranger_share=0.7, stranger_out=0.55, callback=0.3, burst=0.4,
                              durations=((0.9, 26, 0.8), (0.1, 80, 0.9)), hours="road", weekend=1.1, apps=20, mb_scale=3.0, travel=0.08),
    "customer_service": Behaviour(calls_per_day=40, stranger_share=0.95, stranger_out=0.1, callback=0.05, burst=0.5, burst_gap_s=200,
                                  durations=((0.6, 60, 0.9), (0.4, 200, 0.8)), hours="office", weekend=0.5, degree=15, apps=5,
                                  sms_service_per_day=0.5, mb_scale=0.2, travel=0.0, away=0.02),
    # scam call-centre rings: strangers, few call-backs, short calls with a thin tail of hooked victims, away from home
    "call_centre": Behaviour(calls_per_day=30, stranger_share=0.96, stranger_out=0.97, callback=0.05, burst=0.8, burst_gap_s=100,
                             durations=((0.95, 28, 0.8), (0.05, 500, 0.9)), hours="office", weekend=0.7, degree=5, in_world=0.15,
                             sms_service_per_day=1.2, sms_personal_per_day=0.05, sms_out_per_day=1.0, apps=12, mb_scale=0.3,
                             travel=0.0, away=0.3, lifetime_days=6),
    # SIM boxes relay other people's calls: normal durations, all outgoing, nobody calls back, stationary
    "sim_box": Behaviour(calls_per_day=40, stranger_share=0.98, stranger_out=1.0, callback=0.0, burst=0.5, burst_gap_s=60,
                         durations=((0.85, 35, 0.95), (0.15, 180, 1.0)), hours="relay", weekend=1.0, degree=2, in_world=0.3,
                         sms_service_per_day=0.3, sms_personal_per_day=0.0, apps=0.5, mb_scale=0.05, travel=0.0,
                         away=0.0, lifetime_days=12),
    # one-ring callback: ring once and hang up, wait for curious call-backs
    "wangiri": Behaviour(calls_per_day=15, stranger_share=0.99, stranger_out=0.99, callback=0.12, burst=0.9, burst_gap_s=20,
                         durations=((1.0, 3, 0.4),), callback_durations=((1.0, 45, 0.8),), hours="odd", weekend=1.0, degree=2, in_world=0.2,
                         sms_service_per_day=0.5, sms_personal_per_day=0.0, apps=5, mb_scale=0.1, travel=0.0,
                         away=0.35, lifetime_days=4),
    # robocallers: a recorded message, dialled at machine-regular gaps
    "robocall": Behaviour(calls_per_day=60, stranger_share=0.99, stranger_out=1.0, callback=0.03, burst=0.97, burst_gap_s=70,
                          gap_jitter=0.08, durations=((0.5, 15, 0.6), (0.5, 38, 0.12)), hours="dialler", weekend=1.0, degree=2,
                          sms_service_per_day=0.5, sms_personal_per_day=0.0, apps=1, mb_scale=0.1, travel=0.0,
                          away=0.15, lifetime_days=5),
    # "precise" fraud: few calls to chosen victims, long conversations; looks normal on volume
    "precise": Behaviour(calls_per_day=5, stranger_share=0.7, stranger_out=0.85, callback=0.3, burst=0.3,
                         durations=((0.6, 45, 1.0), (0.4, 300, 0.9)), hours="people", weekend=0.8, degree=6, in_world=0.3,
                         sms_service_per_day=1.5, sms_out_per_day=0.5, apps=25, mb_scale=0.6, travel=0.0,
                         away=0.15, lifetime_days=18),
}


@dataclass(frozen=True)
class WorldParams:
    """Everything that shapes a world besides its size, length and seed."""

    fraud_share: float = 0.01  # share of subscribers that are fraud numbers
    fraud_mix: dict[str, float] = field(default_factory=lambda: {
        "call_centre": 0.47, "sim_box": 0.12, "wangiri": 0.09, "robocall": 0.10, "precise": 0.22})
    hard_negatives: dict[str, float] = field(default_factory=lambda: {
        "telesales": 0.010, "courier": 0.012, "ride_hailing": 0.010, "customer_service": 0.003})
    ring_sims: dict[str, float] = field(default_factory=lambda: {  # median SIMs a ring runs, per fraud type
        "call_centre": 12, "sim_box": 16, "wangiri": 6, "robocall": 4, "precise": 3})
    behaviours: dict[str, Behaviour] = field(default_factory=lambda: dict(BEHAVIOURS))
    community_size: int = 150  # subscribers per community of the social graph
    churn_per_month: float = 0.01  # normal numbers closed per month
    new_per_month: float = 0.02  # normal numbers activated per month
    missed_fraud: float = 0.03  # fraud numbers never confirmed: labelled 0, never shut down
    false_alarms: float = 0.002  # normal numbers wrongly confirmed as fraud (ten times more among hard negatives)
    # tactics drift: each month since the start (up to six) multiplies fraud call durations, call rates and SMS by these
    drift_duration: float = 0.9
    drift_calls: float = 0.9
    drift_sms: float = 1.3
    target_groups: int = 8  # victim groups; a ring moves to the next group each month
    account_city_missing: tuple[float, float] = (0.012, 0.12)  # share of accounts without a city: normal, fraud


PRESETS: dict[str, WorldParams] = {
    "realistic": WorldParams(fraud_share=0.01),
    "sichuan": WorldParams(fraud_share=0.30),
}


def preset(name: str, **overrides) -> WorldParams:
    """The named preset, with any fields overridden."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return replace(PRESETS[name], **overrides)
