"""Benchmark `fraudml score`: numbers scored per second and peak memory, features excluded and included.

    .venv/bin/python bench/bench_score.py                      # the figures in docs/benchmarks.md
    .venv/bin/python bench/bench_score.py --excluded 100000 --included 5000 --repeats 1   # quick look

Features excluded: a feature table already built (rows resampled from a simulated
world's features, so values are realistic) is scored by the same function the
command runs for ``--features``, outputs written; the model's review threshold is
set so the top 1% of numbers are alerts or reviews and get reasons.
Features included: ``fraudml score --data`` on a simulated world (features built
by DuckDB, then scored), beside ``fraudml features`` for the same world and date,
and the ratio of the two. Each run is a fresh process, so its peak resident memory
is its own (VmHWM); the figure reported is the median of the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "data" / "bench_score"
TOP_SHARE = 0.01


def _world(subscribers: int) -> Path:
    from fraudml.simulate import simulate
    from fraudml.tables import table_path
    from fraudml.validation import validate_and_write

    folder = WORK / f"world_{subscribers}"
    if table_path(folder, "calls") is None:
        validate_and_write(simulate(preset="realistic", subscribers=subscribers, days=30, seed=0), folder)
    return folder


def _as_of(world: Path) -> pd.Timestamp:
    from fraudml.tables import read_parquet, table_path

    calls = read_parquet(table_path(world, "calls"), columns=["started_at"]).column("started_at").to_pandas()
    return calls.max().normalize() + pd.Timedelta(days=1)


def prepare_model() -> tuple[Path, Path]:
    """A model trained with default parameters on a simulated world, and that world's features as of its end."""
    from fraudml.features.build import build_features, feature_spec
    from fraudml.features.table import write_features
    from fraudml.features.spec import FeatureSpec
    from fraudml.model.train import train
    from fraudml.params import TrainParams

    bundle_dir, features = WORK / "bundle", WORK / "world_features.parquet"
    if (bundle_dir / "model.txt").exists() and features.exists():
        if FeatureSpec.load(bundle_dir / "feature_spec.json").hash == feature_spec().hash:
            return bundle_dir, features
        for stale in WORK.glob("b*_*"):  # the feature code changed since: batches and models made for it go
            shutil.rmtree(stale) if stale.is_dir() else stale.unlink()
    world = _world(20_000)
    end = _as_of(world)
    labels = pd.read_parquet(world / "labels.parquet")
    days = pd.date_range(end - pd.Timedelta(days=7), end, freq="7D")
    snaps = pd.concat([labels[["msisdn", "label", "fraud_type"]].assign(as_of=d) for d in days], ignore_index=True)
    table, spec = build_features(world, snaps)
    train(table, spec, TrainParams()).bundle.save(bundle_dir)
    write_features(table[table["as_of"] == end].reset_index(drop=True), spec, features)
    return bundle_dir, features


def prepare_batch(n: int, bundle_dir: Path, features: Path) -> tuple[Path, Path]:
    """``n`` feature rows resampled from the world's, and a copy of the model whose review threshold is the top 1%."""
    from fraudml.features.table import write_features
    from fraudml.features.spec import FeatureSpec, spec_path
    from fraudml.model.bundle import ModelBundle

    out = WORK / f"batch_{n}.parquet"
    model = WORK / f"bundle_top1pct_{n}"
    if out.exists() and (model / "model.txt").exists():
        return out, model
    source = pd.read_parquet(features)
    rows = source.iloc[np.random.default_rng(0).integers(0, len(source), n)].reset_index(drop=True)
    rows["msisdn"] = [f"b{i:08d}" for i in range(n)]
    rows["as_of"] = pd.to_datetime(rows["as_of"])
    write_features(rows, FeatureSpec.load(spec_path(features)), out)
    bundle = ModelBundle.load(bundle_dir)
    cut = float(np.quantile(bundle.predict(rows), 1 - TOP_SHARE))
    bundle.thresholds = {**bundle.thresholds, "review": cut, "alert": max(cut, bundle.thresholds["alert"])}
    bundle.save(model)
    return out, model


def run_excluded(model: str, batch: str) -> dict:
    from fraudml.scoring.output import scores_table, write_rejects, write_scores
    from fraudml.scoring.score import score_feature_file
    from fraudml.tracking import load_bundle

    start = time.perf_counter()
    result = score_feature_file(load_bundle(model), batch)
    out = WORK / "out" / "scores.parquet"
    write_scores(scores_table(result.scores), out)
    write_rejects(result.rejects, out)
    return {"seconds": time.perf_counter() - start, "numbers": result.numbers_in,
            "with_reasons": int(result.scores["reason_1"].notna().sum())}


def run_included(model: str, world: str) -> dict:
    out = WORK / "out" / "scores_included.parquet"
    as_of = _as_of(Path(world)).strftime("%Y-%m-%d")
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "fraudml", "score", "--model", model, "--data", world, "--as-of", as_of, "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode not in (0, 3):
        raise SystemExit(done.stderr)
    seconds = time.perf_counter() - start
    scores = pd.read_parquet(out, columns=["reason_1"])
    rejects = pd.read_parquet(out.with_name("scores_included.rejects.parquet"))
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "numbers": len(scores) + len(rejects),
            "with_reasons": int(scores["reason_1"].notna().sum()), "child_peak_kb": child}


def run_features(model: str, world: str) -> dict:
    """`fraudml features` for the same world and as_of as the scoring run: what building the features alone costs."""
    out = WORK / "out" / "features_only.parquet"
    as_of = _as_of(Path(world)).strftime("%Y-%m-%d")
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "fraudml", "features", "--data", world, "--as-of", as_of, "--out", str(out)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(done.stderr)
    seconds = time.perf_counter() - start
    child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return {"seconds": seconds, "numbers": pq.read_metadata(out).num_rows, "with_reasons": 0, "child_peak_kb": child}


def _own_peak_kb() -> int:
    """Peak resident memory of this process since its exec (ru_maxrss would include the parent's at fork)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(kind: str, model: Path, target: Path, repeats: int) -> dict:
    """Run one case ``repeats`` times, each in a fresh process; medians of throughput and peak memory."""
    runs = []
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([sys.executable, __file__, "--run", kind, str(model), str(target)],
                              capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"{kind} run failed: {done.stderr[-2000:]}")
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the run and its command's process: CPU seconds
        runs.append({**json.loads(done.stdout.strip().splitlines()[-1]),
                     "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime})
    return {"numbers": runs[0]["numbers"], "with_reasons": runs[0]["with_reasons"], "runs": len(runs),
            "numbers_per_s": statistics.median(r["numbers"] / r["seconds"] for r in runs),
            "seconds": statistics.median(r["seconds"] for r in runs),
            "cpu": statistics.median(r["cpu"] for r in runs),
            "peak_gb": statistics.median(r["peak_kb"] for r in runs) / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excluded", type=int, nargs="*", default=[100_000, 1_000_000], help="batch sizes, features already built")
    parser.add_argument("--included", type=int, nargs="*", default=[20_000, 100_000], help="world sizes, features built by the run")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)  # one measured run in this process
    args = parser.parse_args()
    if args.run:
        kind, model, target = args.run
        result = {"excluded": run_excluded, "included": run_included, "features": run_features}[kind](model, target)
        result["peak_kb"] = max(_own_peak_kb(), result.pop("child_peak_kb", 0))
        print(json.dumps(result))
        return

    print(f"load average {os.getloadavg()[0]:.1f}")
    print("| case | numbers | with reasons | runs | median time | numbers/s | CPU time | peak memory |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|", flush=True)
    for n in args.excluded:
        batch, model = prepare_batch(n, *prepare_model())
        report("features excluded", measure("excluded", model, batch, args.repeats))
    for n in args.included:
        world = _world(n)
        bundle_dir, _ = prepare_model()  # retrained if the feature code changed meanwhile
        alone = measure("features", bundle_dir, world, args.repeats)
        report("`fraudml features` alone", alone)
        included = measure("included", bundle_dir, world, args.repeats)
        report("features included", included)
        print(f"| score --data / features | {n:,} | | | {included['seconds'] / alone['seconds']:.2f}x | | "
              f"{included['cpu'] / alone['cpu']:.2f}x | |  (load {os.getloadavg()[0]:.1f})", flush=True)


def report(case: str, r: dict) -> None:
    print(f"| {case} | {r['numbers']:,} | {r['with_reasons']:,} | {r['runs']} | {r['seconds']:.1f} s | "
          f"{r['numbers_per_s']:,.0f} | {r['cpu']:.0f} s | {r['peak_gb']:.2f} GB |", flush=True)


if __name__ == "__main__":
    main()
