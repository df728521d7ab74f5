"""Benchmark of the simulator: wall time, rows per second and peak memory.

    .venv/bin/python bench/bench_simulate.py [--subscribers 100000] [--days 30] [--presets realistic,sichuan] [--repeats 3]

Each run is a fresh process that builds the world in memory (no writing) and
reports its wall time, the rows of all six tables and its peak resident memory;
the median of the runs is printed as a Markdown table row.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

RUN = """
import json, resource, time
from fraudml.simulate import simulate
start = time.perf_counter()
tables = simulate(preset={preset!r}, subscribers={subscribers}, days={days}, seed={seed})
seconds = time.perf_counter() - start
rows = {{name: len(df) for name, df in tables.items()}}
print(json.dumps({{"seconds": seconds, "rows": rows, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_once(preset: str, subscribers: int, days: int, seed: int) -> dict:
    code = RUN.format(preset=preset, subscribers=subscribers, days=days, seed=seed)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--presets", default="realistic,sichuan")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print("| preset | subscribers | days | rows (all tables) | calls | median s | rows/s | peak MB |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for preset in args.presets.split(","):
        runs = [run_once(preset, args.subscribers, args.days, seed) for seed in range(args.repeats)]
        seconds = statistics.median(r["seconds"] for r in runs)
        rows = statistics.median(sum(r["rows"].values()) for r in runs)
        calls = statistics.median(r["rows"]["calls"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"| {preset} | {args.subscribers:,} | {args.days} | {rows:,.0f} | {calls:,.0f} | {seconds:.1f} | "
              f"{rows / seconds:,.0f} | {peak:,.0f} |", flush=True)


if __name__ == "__main__":
    main()
