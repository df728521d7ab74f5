"""Pair precision and recall of rings against a world's true rings."""

import pandas as pd

from fraudml.cases.accuracy import pair_accuracy


def test_pairs_are_counted_over_flagged_numbers_only():
    truth = pd.DataFrame({"msisdn": list("abcdefg"), "ring": [1, 1, 1, 2, 2, -1, 1]})
    scores = pd.DataFrame({
        "msisdn": list("abcdefg"),
        "decision": ["alert", "alert", "review", "alert", "alert", "alert", "pass"],
        "ring_id": ["R1", "R1", None, "R1", "R2", "R2", "R1"],  # g is in R1 but not flagged: not counted
    })
    acc = pair_accuracy(scores, truth)
    # given one id: R1 {a, b, d} = 3 pairs, R2 {e, f} = 1; true: ring 1 {a, b, c} = 3, ring 2 {d, e} = 1; both: (a, b)
    assert (acc.flagged, acc.given_pairs, acc.true_pairs, acc.both) == (6, 4, 4, 1)
    assert (acc.precision, acc.recall) == (0.25, 0.25)
    assert str(acc) == "6 flagged numbers; pair precision 25.0% (1 of 4), pair recall 25.0% (1 of 4)"


def test_no_pairs_gives_no_figure():
    acc = pair_accuracy(pd.DataFrame({"msisdn": ["a"], "decision": ["alert"], "ring_id": [None]}),
                        pd.DataFrame({"msisdn": ["a"], "ring": [3]}))
    assert acc.precision is None and acc.recall is None and "n/a" in str(acc)



def test_pooled_batches_add_their_pairs():
    truth = pd.DataFrame({"msisdn": ["a", "b"], "ring": [1, 1]})
    found = pd.DataFrame({"msisdn": ["a", "b"], "decision": ["alert", "review"], "ring_id": ["R1", "R1"]})
    split = found.assign(ring_id=[None, None])  # another batch: the same true ring, not put together
    pooled = pair_accuracy(found, truth) + pair_accuracy(split, truth)
    assert (pooled.flagged, pooled.given_pairs, pooled.true_pairs, pooled.both) == (4, 1, 2, 1)
    assert (pooled.precision, pooled.recall) == (1.0, 0.5)
