import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudml.errors import InputError
from fraudml.model.calibration import Calibrator, fit_calibrator


def noisy_scores(n=2000, seed=0):
    rng = np.random.default_rng(seed)
    raw = rng.normal(size=n) * 2 - 2
    y = (rng.random(n) < 1 / (1 + np.exp(-(raw * 0.7 + 0.3)))).astype(float)
    return raw, y


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_calibrated_scores_are_monotone_probabilities_that_survive_json(method):
    raw, y = noisy_scores()
    cal = fit_calibrator(raw, y, method)
    grid = np.linspace(-20, 20, 401)
    p = cal.predict(grid)
    assert ((p >= 0) & (p <= 1)).all()
    assert (np.diff(p) >= 0).all()
    again = Calibrator.from_dict(json.loads(json.dumps(cal.to_dict())))
    assert np.array_equal(again.predict(grid), p)


def test_platt_recovers_the_true_curve_and_keeps_ranks_strict():
    raw, y = noisy_scores(20000)
    cal = fit_calibrator(raw, y, "platt")
    assert cal.params["slope"] == pytest.approx(0.7, abs=0.05)
    assert cal.params["intercept"] == pytest.approx(0.3, abs=0.08)
    assert (np.diff(cal.predict(np.linspace(-5, 5, 50))) > 0).all()


def test_separable_validation_scores_still_give_finite_curve():
    raw = np.array([-3.0, -2.0, -1.0, 1.0, 2.0, 3.0])
    cal = fit_calibrator(raw, np.array([0, 0, 0, 1, 1, 1.0]), "platt")
    assert 0 < cal.predict(np.array([3.0]))[0] < 1


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(-30, 30), st.booleans()), min_size=2, max_size=60))
def test_isotonic_stays_in_unit_interval(points):
    raw = np.array([p[0] for p in points])
    y = np.array([float(p[1]) for p in points])
    if len(np.unique(y)) < 2:
        return
    p = fit_calibrator(raw, y, "isotonic").predict(np.sort(np.r_[raw, -100, 100]))
    assert ((p >= 0) & (p <= 1)).all() and (np.diff(p) >= 0).all()


def test_one_class_or_unknown_method_is_refused():
    with pytest.raises(InputError, match="both fraud and normal"):
        fit_calibrator(np.array([1.0, 2.0]), np.array([0.0, 0.0]))
    with pytest.raises(InputError, match="unknown"):
        fit_calibrator(np.array([1.0, 2.0]), np.array([0.0, 1.0]), "beta")
    with pytest.raises(InputError, match="method"):
        Calibrator.from_dict({"method": "platt", "slope": 1.0})
