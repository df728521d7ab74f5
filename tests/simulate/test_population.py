"""Roles, ID holders, devices, circles and contacts, on small exact inputs."""

import numpy as np
import pytest

from fraudml.simulate.params import FRAUD_TYPES, ROLE_CODE, ROLES, WorldParams
from fraudml.simulate.population import (
    CodeSpace,
    assign_holders,
    circles,
    contacts,
    devices,
    draw_roles,
    numbers_on_id,
)


def test_roles_come_in_the_asked_numbers_in_random_order():
    params = WorldParams(fraud_share=0.3, hard_negatives={"telesales": 0.01, "courier": 0.02})
    role = draw_roles(np.random.default_rng(0), 1000, params)
    counts = {r: int((role == ROLE_CODE[r]).sum()) for r in ROLES}
    assert sum(counts[t] for t in FRAUD_TYPES) == 300
    assert counts["telesales"] == 10 and counts["courier"] == 20 and counts["ride_hailing"] == 0
    assert counts["normal"] == 670
    # the default mix (47, 12, 9, 10, 22 %) of 300
    assert [counts[t] for t in FRAUD_TYPES] == [141, 36, 27, 30, 66]
    assert not (np.diff(role) >= 0).all()


def test_roles_that_do_not_fit_are_refused():
    with pytest.raises(ValueError, match="more than all subscribers"):
        draw_roles(np.random.default_rng(0), 10, WorldParams(fraud_share=0.99, hard_negatives={"telesales": 0.5}))


def test_holders_take_numbers_of_a_group_k_at_a_time():
    group = np.array([0, 0, 0, 0, 1, 1, 0])
    k = np.array([2, 2, 2, 1, 2, 0, 2])
    holder = assign_holders(np.random.default_rng(0), group, k)
    assert holder[5] == -1  # no ID on record
    sizes = np.bincount(holder[holder >= 0])
    # group 0 with k=2: numbers 0, 1, 2, 6 make two holders of two; k=1 and group 1 hold one each
    assert sorted(sizes.tolist()) == [1, 1, 2, 2]
    assert len({holder[i] for i in (0, 1, 2, 6)}) == 2
    assert holder[3] not in holder[[0, 1, 2, 4, 6]] and holder[4] not in holder[[0, 1, 2, 3, 6]]


def test_a_holder_may_show_fewer_numbers_than_its_id_holds():
    holder = assign_holders(np.random.default_rng(0), np.array([0, 0, 0]), np.array([5, 5, 5]))
    assert len(set(holder)) == 1


def test_fraud_and_company_lines_hold_more_numbers_per_id():
    rng = np.random.default_rng(0)
    role = np.repeat([ROLE_CODE["normal"], ROLE_CODE["telesales"], ROLE_CODE["call_centre"]], 5000)
    k = numbers_on_id(rng, role)
    normal, company, fraud = k[:5000], k[5000:10000], k[10000:]
    assert normal.mean() < fraud.mean() < company.mean()
    assert (company >= 2).all()
    assert 0.18 < (fraud == 5).mean() < 0.23  # 401 of 1962 real fraud users


def test_only_the_second_number_of_an_id_shares_a_dual_sim_phone():
    holder = np.repeat(np.arange(300), 3)
    device_a, device_b, switch = devices(np.random.default_rng(0), holder, np.zeros(900, dtype=np.int8), days=30)
    phones = np.bincount(device_a)
    assert phones.max() == 2
    shared = np.flatnonzero(phones == 2)
    assert 0.2 < len(shared) / 300 < 0.4
    assert np.all(holder[shared] == holder[shared + 1])  # the first number's phone, shared by the second
    assert (device_b >= 900).all() and np.isinf(switch).mean() > 0.9


def test_people_form_communities_by_county_and_rings_their_own_circles():
    county = np.array([3, 3, 3, 5, 5, 3, 5])
    ring = np.array([-1, -1, -1, -1, -1, 0, 1])
    circle = circles(np.random.default_rng(0), county, ring, community_size=2)
    people = circle[:5]
    assert sorted(np.bincount(people).tolist()) == [1, 2, 2]
    assert set(circle[[0, 1, 2]]) == {0, 1} and set(circle[[3, 4]]) == {1, 2}  # runs of neighbours, county by county
    assert circle[5] == 3 and circle[6] == 4


def test_contacts_are_neighbours_pool_numbers_or_strangers_never_oneself():
    rng = np.random.default_rng(0)
    n = 600
    role = np.zeros(n, dtype=np.int8)
    circle = np.arange(n) // 150
    space = CodeSpace(n=n, circles=4, pool=600, victims_per_group=1000, groups=2)
    code, offset, degree = contacts(rng, role, circle, space, WorldParams())
    owner = np.repeat(np.arange(n), degree)
    assert (degree >= 1).all() and degree.max() > 5 * np.median(degree)  # heavy-tailed
    assert offset.tolist() == np.r_[0, np.cumsum(degree)[:-1]].tolist()
    assert (code != owner).all()
    mates = code < n
    assert (circle[code[mates]] == circle[owner[mates]]).all()
    pool = (code >= space.circle_pools) & (code < space.strangers)
    assert ((code[pool] - space.circle_pools) // space.pool == circle[owner[pool]]).all()
    assert 0.15 < mates.mean() < 0.35 and 0.5 < pool.mean() < 0.7
