"""Event timing, bursts, contacts and durations, on small populations."""

import numpy as np
import pytest

from fraudml.simulate.behaviour import bursts, contact_of, durations, event_times, rhythm, sorted_uniforms
from fraudml.simulate.params import ROLE_CODE, WorldParams
from fraudml.simulate.population import CodeSpace, Population


def tiny_population(role: np.ndarray, active_from: np.ndarray, active_to: np.ndarray, days: float = 14) -> Population:
    n = len(role)
    degree = np.full(n, 3)
    return Population(
        role=role, ring=np.full(n, -1), circle=np.zeros(n, dtype=np.int64), base_city=np.zeros(n, dtype=np.int64),
        base_county=np.zeros(n, dtype=np.int64), cells=np.zeros((n, 3), dtype=np.int64), device_a=np.arange(n),
        device_b=np.arange(n) + n, device_switch=np.full(n, np.inf), device_mix=np.zeros(n), active_from=active_from,
        active_to=active_to, contact_code=100 + np.arange(3 * n), contact_offset=3 * np.arange(n), degree=degree,
        space=CodeSpace(n=n, circles=1, pool=10, victims_per_group=10, groups=1), start_weekday=0, days=days,
        activity=np.ones(n))


def test_sorted_uniforms_come_sorted_within_each_group():
    u = sorted_uniforms(np.random.default_rng(0), np.array([3, 0, 2, 1]))
    assert len(u) == 6
    assert ((u > 0) & (u < 1)).all()
    assert (np.diff(u[:3]) > 0).all() and u[3] < u[4]


def test_a_role_averages_one_day_of_activity_per_day_over_whole_weeks():
    params = WorldParams()
    cum = rhythm(params, "telesales", start_weekday=0, days=14)
    assert len(cum) == 14 * 24 + 1
    assert cum[-1] == pytest.approx(14)
    per_day = np.diff(cum[::24])
    assert per_day[5] < 0.5 * per_day[0]  # Saturday at a telesales office
    per_hour = np.diff(cum[:25])
    assert per_hour[10] > 10 * per_hour[3]


def test_events_are_sorted_by_number_and_time_and_stay_within_the_active_days():
    role = np.array([0, 0, ROLE_CODE["telesales"], 0])
    pop = tiny_population(role, active_from=np.array([0.0, 3.5, 0.0, 14.0]), active_to=np.array([14.0, 5.0, 14.0, 14.0]))
    owner, t = event_times(np.random.default_rng(1), pop, WorldParams(), per_day=np.array([5.0, 5.0, 30.0, 5.0]))
    assert (np.diff(owner) >= 0).all()
    for i in range(4):
        mine = t[owner == i]
        assert (np.diff(mine) >= 0).all()
        assert ((mine >= pop.active_from[i]) & (mine <= pop.active_to[i])).all()
    assert (owner == 3).sum() == 0  # activated at the very end
    assert 300 < (owner == 2).sum() < 540  # about 30 a day over 14 days
    hours = (t[owner == 2] % 1) * 24
    assert ((hours >= 8) & (hours < 21)).mean() > 0.9  # office hours


def test_bursts_put_followers_a_short_gap_after_the_call_before():
    role = np.full(2, ROLE_CODE["robocall"])
    pop = tiny_population(role, np.zeros(2), np.full(2, 14.0))
    owner = np.repeat([0, 1], 200)
    t = np.r_[np.sort(np.random.default_rng(0).uniform(0, 14, 200)), np.sort(np.random.default_rng(1).uniform(0, 14, 200))]
    new = bursts(np.random.default_rng(2), WorldParams(), pop, owner, t)
    assert new[0] == t[0] and new[200] == t[200]  # each number's first call anchors
    gaps = np.diff(new[:200]) * 86_400
    assert np.median(gaps) == pytest.approx(70, rel=0.15)  # a robocaller's dialling gap


def test_contacts_are_chosen_among_the_numbers_own_with_strong_ties_first():
    pop = tiny_population(np.zeros(2, dtype=np.int8), np.zeros(2), np.full(2, 14.0))
    picked = contact_of(np.random.default_rng(0), pop, np.repeat([0, 1], 3000))
    assert set(picked[:3000]) == {100, 101, 102} and set(picked[3000:]) == {103, 104, 105}
    first, second, third = (np.mean(picked[:3000] == c) for c in (100, 101, 102))
    assert first > second > third


def test_one_ring_calls_last_seconds_and_conversations_never_under_a_second():
    params = WorldParams()
    role = np.repeat([ROLE_CODE["wangiri"], ROLE_CODE["normal"]], 5000)
    d = durations(np.random.default_rng(0), params, role, np.zeros(len(role)))
    assert np.median(d[:5000]) <= 4
    assert 25 < np.median(d[5000:]) < 50
    assert d.min() >= 1 and (d == np.rint(d)).all()


def test_fraud_calls_shorten_as_months_pass():
    role = np.full(20_000, ROLE_CODE["call_centre"])
    early = durations(np.random.default_rng(0), WorldParams(), role, np.zeros(20_000))
    late = durations(np.random.default_rng(0), WorldParams(), role, np.full(20_000, 100.0))  # month 3
    assert np.median(late) < 0.8 * np.median(early)
