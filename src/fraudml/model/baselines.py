"""Two baselines the model must beat: an analyst's hand rules and a logistic regression.

The rules are written against feature names, as an analyst would write them
("many distinct callees and few call-backs"). Their cut-offs are percentiles of
the training data rather than fixed numbers, so they carry across operators. A
rule whose feature the spec lacks is left out, and the baseline says which rules
it used.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from fraudml.features.spec import FeatureSpec

WINDOW_PREFERENCE = (7, 30, 1, None)


@dataclass(frozen=True)
class Rule:
    description: str
    pattern: str  # regular expression searched in feature names
    direction: str  # "high": fires above the percentile, "low": at or below it
    percentile: float


RULES = (
    Rule("many distinct numbers called", r"distinct.*(callee|counterpart|out)|(callee|counterpart)s?.*distinct", "high", 95),
    Rule("few calls returned", r"call_?back|reciproc|returned|mutual", "low", 10),
    Rule("many outgoing calls", r"(^|_)out(going)?_?calls|calls_out|n_out", "high", 95),
    Rule("mostly short calls", r"short", "high", 90),
    Rule("many numbers on the same ID card", r"numbers_on_id|idcard", "high", 80),
    Rule("many numbers on one device", r"max_numbers_per_device|numbers_per_imei", "high", 95),
    Rule("new account", r"account_age|age_days|tenure", "low", 10),
    Rule("active at night", r"night", "high", 95),
)


def _pick(spec: FeatureSpec, pattern: str) -> str | None:
    """The matching feature of the preferred window (7 days, else 30, 1, unwindowed)."""
    matches = [f for f in spec.features if re.search(pattern, f.name, re.IGNORECASE)]
    if not matches:
        return None
    rank = {w: i for i, w in enumerate(WINDOW_PREFERENCE)}
    return min(matches, key=lambda f: rank.get(f.window_days, len(rank))).name


@dataclass
class RulesBaseline:
    rules: tuple[Rule, ...] = RULES
    used_: list[dict] = field(default_factory=list)  # rule, feature, cut-off

    def fit(self, X: np.ndarray, spec: FeatureSpec) -> RulesBaseline:
        self.used_ = []
        for rule in self.rules:
            name = _pick(spec, rule.pattern)
            if name is None:
                continue
            col = X[:, spec.names.index(name)]
            if np.isnan(col).all():
                continue
            self.used_.append({"rule": rule.description, "feature": name, "direction": rule.direction,
                               "cutoff": float(np.nanpercentile(col, rule.percentile))})
        return self

    def score(self, X: np.ndarray, spec: FeatureSpec) -> np.ndarray:
        """Share of the rules that fire (0 when no rule could be written)."""
        if not self.used_:
            return np.zeros(len(X))
        fired = np.zeros(len(X))
        for used in self.used_:
            col = X[:, spec.names.index(used["feature"])]
            with np.errstate(invalid="ignore"):
                hit = col > used["cutoff"] if used["direction"] == "high" else col <= used["cutoff"]
            fired += hit & ~np.isnan(col)
        return fired / len(self.used_)


def logistic_baseline(seed: int = 0):
    """Impute (median, with missing flags), signed log of heavy tails, scale, logistic regression."""
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    return make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        FunctionTransformer(lambda x: np.sign(x) * np.log1p(np.abs(x))),
        StandardScaler(),
        LogisticRegression(max_iter=2000, random_state=seed),
    )
