"""A scored batch of a small simulated world, written as `fraudml score` writes it, without training a model.

Scores are made up from the world's truth (fraud numbers high, a few normal
numbers in between), so the report has alerts, reviews, a closed number, rejects
and rings whose members are known.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

AS_OF = pd.Timestamp("2020-02-05")


@pytest.fixture(scope="session")
def scored_batch(tmp_path_factory):
    from fraudml.cases.rings import find_rings
    from fraudml.scoring.output import SCORES, drift_path, scores_table, write_json, write_rejects, write_rings, write_scores
    from fraudml.scoring.score import rank
    from fraudml.simulate import build_world
    from fraudml.validation import validate_and_write

    folder = tmp_path_factory.mktemp("batch")
    world = build_world("realistic", subscribers=1500, days=35, seed=3)
    data = folder / "world"
    validate_and_write(world.tables, data)
    truth = world.truth
    rng = np.random.default_rng(0)
    fraud = (truth["ring"] >= 0).to_numpy()
    score = np.where(fraud, rng.uniform(0.6, 0.99, len(truth)), rng.uniform(0, 0.3, len(truth)))
    score[np.flatnonzero(~fraud)[:5]] = 0.5  # five normal numbers sent for review
    decision = np.select([score >= 0.6, score >= 0.5], ["alert", "review"], "pass").astype(object)
    decision[np.flatnonzero(~fraud)[5]] = "closed"  # a decision the report must count without knowing it
    scores = pd.DataFrame({"msisdn": truth["msisdn"].astype("string"), "score": score, "decision": decision})
    scores["reason_1"] = np.where(decision == "alert", "switched handsets 12 times between calls in 30 days (typical: 0)", None)
    scores["reason_2"] = np.where(decision == "alert", "<b>made 300 calls in 7 days</b> (typical: 9)", None)  # must be escaped
    scores["reason_3"] = None
    scores["rank"] = rank(scores)
    scores["model_version"] = "20200101-test"
    rings = find_rings(data, scores, AS_OF.date())
    scores = rings.assign(scores).sort_values("rank", ignore_index=True)[SCORES.names]
    out = folder / "scores.parquet"
    write_scores(scores_table(scores, {"model_version": "20200101-test", "as_of": AS_OF.date().isoformat()}), out)
    write_rejects(pd.DataFrame({"msisdn": ["x1", "x2"], "reason": ["all features missing"] * 2}), out)
    write_rings(rings.table, out)
    write_json({"model_version": "20200101-test", "as_of": AS_OF.date().isoformat(), "numbers_in": len(scores) + 2,
                "warn_psi": 0.25, "drifted": ["calls_out_w7"],
                "features": [{"feature": "calls_out_w7", "psi": 0.4, "missing_train": 0.1, "missing_batch": 0.2},
                             {"feature": "night_share_w7", "psi": 0.01, "missing_train": 0.3, "missing_batch": 0.3}]},
               drift_path(out))
    return out, data, scores, rings
