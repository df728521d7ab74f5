"""Does weighting fraud up (LightGBM scale_pos_weight, class_weight="balanced") help test PR-AUC?

    .venv/bin/python bench/class_weight.py FEATURES.parquet [--seeds 5]

Trains with and without the weight for each seed (the seed also draws the split,
so the two are compared on the same parts) and prints test PR-AUC and Brier score.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from fraudml.features.spec import FeatureSpec, spec_path
from fraudml.model.evaluate import evaluate
from fraudml.model.train import train
from fraudml.params import TrainParams


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features", type=Path)
    ap.add_argument("--seeds", type=int, default=5)
    args = ap.parse_args(argv)
    table, spec = pd.read_parquet(args.features), FeatureSpec.load(spec_path(args.features))
    results = {}
    for weight in (None, "balanced"):
        runs = []
        for seed in range(args.seeds):
            result = train(table, spec, TrainParams(class_weight=weight, seed=seed, num_threads=1))
            m = evaluate(result.bundle, table, result.split, None, baselines=False)["model"]
            runs.append((m["pr_auc"], m["brier"], result.metrics["best_iteration"]))
        results[weight] = np.array(runs, dtype=float)
        pr, brier, trees = results[weight].T
        print(f"class_weight={weight}: test PR-AUC {pr.mean():.3f} ± {pr.std(ddof=1):.3f}, "
              f"Brier {brier.mean():.4f}, trees {trees.mean():.0f}  (per seed: {', '.join(f'{v:.3f}' for v in pr)})")
    diff = results["balanced"][:, 0] - results[None][:, 0]
    print(f"balanced - none, paired by seed: {diff.mean():+.3f} ± {diff.std(ddof=1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
