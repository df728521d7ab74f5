"""Numbers, IMEIs and ID cards as text: distinct, alike in form, senders for negative codes."""

import numpy as np

from fraudml.simulate.identities import SERVICES, Identities, scramble


def test_the_scramble_is_one_to_one_and_depends_on_its_key():
    codes = np.arange(1_000_000)
    first = scramble(codes, 12345)
    assert len(np.unique(first)) == len(codes)
    assert (first < 2**32).all() and (first >= 0).all()
    assert not np.array_equal(first, scramble(codes, 54321))
    assert np.corrcoef(codes, first)[0, 1] < 0.01  # no trace of the order


def test_subscribers_outside_numbers_and_senders_get_their_own_text():
    ids = Identities(np.random.default_rng(0), subscribers=5)
    numbers = ids.numbers(np.array([0, 4, 5, 10**7, -1, -2]))
    assert numbers.iloc[0] == ids.subscribers.iloc[0] and numbers.iloc[1] == ids.subscribers.iloc[4]
    assert numbers.iloc[:4].str.fullmatch(r"1[3-7]\d{9}").all()
    assert numbers.iloc[:4].nunique() == 4
    assert numbers.iloc[4:].tolist() == list(SERVICES[:2])
    assert ids.numbers(np.array([3, 3])).tolist() == [ids.subscribers.iloc[3]] * 2


def test_devices_and_id_cards_are_fixed_width_digits_and_missing_ids_are_null():
    ids = Identities(np.random.default_rng(0), subscribers=5)
    imeis = ids.imeis(np.array([7, 7, 0, 123_456]))
    assert imeis.str.fullmatch(r"86\d{13}").all()
    assert imeis.iloc[0] == imeis.iloc[1] != imeis.iloc[2]
    cards = ids.id_cards(np.array([0, 1, -1]))
    assert cards.iloc[:2].str.fullmatch(r"5\d{17}").all() and cards.iloc[0] != cards.iloc[1]
    assert cards.isna().tolist() == [False, False, True]
