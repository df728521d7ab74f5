"""Does a feature family help out-of-time test PR-AUC?

    .venv/bin/python bench/family_ablation.py FEATURES.parquet --family NAME [--seeds 3]

FEATURES is a weekly snapshot table whose spec holds the family. Trains with and
without the family's features for each seed (the seed also draws the split, so
the two are compared on the same parts: the test part is the last period, out
of time) and prints test PR-AUC, per seed and paired. docs/model.md has the
figures of the ring features, measured this way.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from fraudml.features.spec import FeatureSpec, spec_path
from fraudml.model.evaluate import evaluate
from fraudml.model.train import TrainParams, train


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features", type=Path)
    ap.add_argument("--family", required=True)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args(argv)
    table, spec = pd.read_parquet(args.features), FeatureSpec.load(spec_path(args.features))
    without = FeatureSpec(tuple(d for d in spec.features if d.family != args.family), spec.windows, spec.version, spec.params)
    if len(without.features) == len(spec.features):
        raise SystemExit(f"{args.features}: no feature of the {args.family} family")
    results = {}
    for name, used in (("without", without), ("with", spec)):
        runs = []
        for seed in range(args.seeds):
            result = train(table, used, TrainParams(seed=seed, num_threads=1))
            runs.append(evaluate(result.bundle, table, result.split, None, baselines=False)["model"]["pr_auc"])
        results[name] = np.array(runs, dtype=float)
        print(f"{name} the {args.family} family: test PR-AUC {results[name].mean():.3f} ± {results[name].std(ddof=1):.3f} "
              f"(per seed: {', '.join(f'{v:.3f}' for v in results[name])})")
    diff = results["with"] - results["without"]
    print(f"with - without, paired by seed: {diff.mean():+.3f} ± {diff.std(ddof=1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
