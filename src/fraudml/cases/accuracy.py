"""How well rings match a simulated world's true rings, counted over pairs of flagged numbers.

Precision: of the pairs of flagged numbers given one ring id, the share whose
two numbers belong to one true ring. Recall: of the pairs of flagged numbers
from one true ring, the share given one ring id. Pairs weigh a large ring more
than a small one, as an analyst's case files do. Only evaluation reads the
truth (``fraudml.simulate.truth``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from fraudml.scoring.output import RING_ID
from fraudml.scoring.score import NEEDS_REASONS as FLAGGED


@dataclass(frozen=True)
class PairAccuracy:
    flagged: int  # flagged numbers
    given_pairs: int  # pairs of flagged numbers given one ring id
    true_pairs: int  # pairs of flagged numbers from one true ring
    both: int  # pairs in both

    def __add__(self, other: PairAccuracy) -> PairAccuracy:
        """The pairs of two batches pooled (several small worlds give a steadier figure than one)."""
        return PairAccuracy(self.flagged + other.flagged, self.given_pairs + other.given_pairs,
                            self.true_pairs + other.true_pairs, self.both + other.both)

    @property
    def precision(self) -> float | None:
        return self.both / self.given_pairs if self.given_pairs else None

    @property
    def recall(self) -> float | None:
        return self.both / self.true_pairs if self.true_pairs else None

    def __str__(self) -> str:
        def pct(x):
            return "n/a" if x is None else f"{x:.1%}"
        return (f"{self.flagged:,} flagged numbers; pair precision {pct(self.precision)} ({self.both:,} of "
                f"{self.given_pairs:,}), pair recall {pct(self.recall)} ({self.both:,} of {self.true_pairs:,})")


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pair_accuracy(scores: pd.DataFrame, truth: pd.DataFrame) -> PairAccuracy:
    """Pair precision and recall of the rings of ``scores`` (msisdn, decision, ring_id) against ``truth`` (msisdn, ring)."""
    flagged = scores.loc[scores["decision"].isin(FLAGGED), ["msisdn", RING_ID]]
    ring = flagged["msisdn"].map(truth.set_index("msisdn")["ring"]).fillna(-1).astype("int64")
    given = flagged[RING_ID].notna()
    real = ring >= 0
    return PairAccuracy(
        flagged=len(flagged),
        given_pairs=_pairs(flagged.loc[given, RING_ID].value_counts()),
        true_pairs=_pairs(ring[real].value_counts()),
        both=_pairs(pd.DataFrame({"id": flagged[RING_ID], "ring": ring})[given & real].value_counts()),
    )
