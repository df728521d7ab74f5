"""Training, evaluation and scoring speed of the model on a feature table (medians of several runs).

    .venv/bin/python bench/train_speed.py FEATURES.parquet [--runs 3] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import pandas as pd

from fraudml.features.spec import FeatureSpec, spec_path
from fraudml.model.evaluate import evaluate
from fraudml.model.train import train
from fraudml.params import TrainParams


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("features", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    table, spec = pd.read_parquet(args.features), FeatureSpec.load(spec_path(args.features))
    params = TrainParams(num_threads=args.threads)
    train_s, eval_s, predict_s = [], [], []
    for _ in range(args.runs):
        result, s = timed(lambda: train(table, spec, params))
        train_s.append(s)
        eval_s.append(timed(lambda: evaluate(result.bundle, table, result.split, None))[1])
        predict_s.append(timed(lambda: result.bundle.predict(table))[1])
    n_train, trees = int(result.split.train.sum()), result.bundle.booster.num_trees()
    print(f"{len(table):,} rows x {len(spec.names)} features; training part {n_train:,} rows; {trees} trees; "
          f"{args.threads} thread(s); median of {args.runs} runs")
    print(f"train (split, fit with early stopping, calibrate, thresholds): {statistics.median(train_s):.1f} s "
          f"= {n_train / statistics.median(train_s):,.0f} training rows/s")
    print(f"evaluate with both baselines, no files: {statistics.median(eval_s):.1f} s")
    print(f"predict (calibrated scores): {len(table) / statistics.median(predict_s):,.0f} rows/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
