"""Benchmark of the whole feature computation (every family) at 1M, 10M and 50M calls.

    .venv/bin/python bench/bench_features.py [--sizes 1,10,50] [--repeats 3] [--memory-limit 8GB] [--engine spark]

Worlds are made by a fast vectorised generator (below), not the simulator, and
cached under data/bench/. Each run is a fresh process that chooses the snapshots
(every number active in the 30 days before the end of the data) and computes
their features with DuckDB (or Spark in local mode with ``--engine spark``: CPU
time and peak memory then leave out the JVM); it reports wall time and its peak
resident memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parents[1]
START = np.datetime64("2024-03-02T00:00:00", "s")  # 30 days of data; the end of the data is 2024-04-01
DAYS = 30
CHUNK = 5_000_000
FRAUD_SHARE = 0.02
CALLS_PER_NUMBER = 50


def _numbers(idx: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(idx.astype(np.int64) + 13_000_000_000), pa.string())


def _events(rng, n: int, numbers: int, fraud: np.ndarray, with_call_columns: bool) -> dict:
    weight = np.where(fraud, 10.0, 1.0)
    owner = rng.choice(numbers, size=n, p=weight / weight.sum())
    is_fraud = fraud[owner]
    # people call a few contacts again and again; fraud dials strangers
    contact = owner * 8 + rng.integers(0, 8, n)
    stranger = rng.integers(0, numbers * 20, n)
    counterpart = np.where(rng.random(n) < np.where(is_fraud, 0.95, 0.3), stranger, contact % numbers)
    direction_draw = rng.random(n)
    out_share = np.where(is_fraud, 0.9, 0.5)
    direction = np.where(direction_draw < out_share, 0, np.where(direction_draw < 0.96, 1, 2))
    day = rng.integers(0, DAYS, n)
    hour = np.where(is_fraud, rng.integers(9, 19, n), np.clip(rng.normal(14, 4, n), 0, 23).astype(int))
    started = START + (day * 86_400 + hour * 3_600 + rng.integers(0, 3_600, n)).astype("timedelta64[s]")
    cols = {"msisdn": _numbers(owner), "counterpart": _numbers(counterpart),
            "direction": pa.array(np.array(["out", "in", "fwd"])[direction])}
    if not with_call_columns:
        cols["direction"] = pa.array(np.array(["out", "in", "in"])[direction])
        cols["sent_at"] = pa.array(started.astype("datetime64[us]"))
        return cols
    duration = np.where(is_fraud, rng.exponential(8, n), rng.lognormal(4, 1.2, n)).astype(np.int32)
    city = np.where(rng.random(n) < 0.9, owner % 21, rng.integers(0, 21, n))
    county = city * 5 + rng.integers(0, 5, n)
    imei = np.where(is_fraud, owner // 5, owner)  # fraud SIMs share devices, five to a box
    cols.update(started_at=pa.array(started.astype("datetime64[us]")), duration_s=pa.array(duration),
                city=pc.cast(pa.array(city), pa.string()), county=pc.cast(pa.array(county), pa.string()),
                cell=pc.cast(pa.array(county * 30 + rng.integers(0, 30, n)), pa.string()),
                imei=pc.cast(pa.array(imei), pa.string()))
    return cols


def generate(folder: Path, calls: int, seed: int = 0) -> Path:
    """A canonical world with ``calls`` call rows (half as many SMS), written in chunks."""
    from fraudml.tables import TABLES

    if (folder / "done").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    numbers = max(1_000, calls // CALLS_PER_NUMBER)
    fraud = rng.random(numbers) < FRAUD_SHARE
    for name, total, is_call in (("calls", calls, True), ("sms", calls // 2, False)):
        schema = TABLES[name].arrow_schema()
        with pq.ParquetWriter(folder / f"{name}.parquet", schema, compression="zstd") as writer:
            for start in range(0, total, CHUNK):
                cols = _events(rng, min(CHUNK, total - start), numbers, fraud, is_call)
                writer.write_table(pa.table({f.name: cols.get(f.name, pa.nulls(len(cols["msisdn"]), f.type)).cast(f.type)
                                             for f in schema}, schema=schema))
    idx = np.arange(numbers)
    msisdn = _numbers(idx)
    activated = START - (rng.integers(1, 2_000, numbers) * np.where(fraud, 0.01, 1)).astype("timedelta64[D]")
    tables = {
        "accounts": {"msisdn": msisdn, "activated_at": pa.array(activated.astype("datetime64[us]")),
                     "id_holder": pc.cast(pa.array(idx // np.where(fraud, 20, 1)), pa.string()),
                     "home_city": pc.cast(pa.array(idx % 21), pa.string())},
        "account_months": {"msisdn": pa.concat_arrays([msisdn] * 3),
                           "month": pa.array(np.repeat(np.array(["2024-01-01", "2024-02-01", "2024-03-01"], "datetime64[D]"), numbers)),
                           "arpu": pa.array(np.where(np.tile(fraud, 3), 5.0, 60.0) * rng.random(3 * numbers))},
        "app_usage": {"msisdn": pa.concat_arrays([msisdn] * 6),
                      "month": pa.array(np.repeat(np.array(["2024-02-01", "2024-03-01"] * 3, "datetime64[D]"), numbers)),
                      "app": pa.array(np.repeat(np.array(["wx", "wx", "tb", "tb", "dy", "dy"]), numbers)),
                      "mb": pa.array(rng.exponential(300, 6 * numbers))},
        "labels": {"msisdn": msisdn, "label": pa.array(fraud.astype(np.int8)),
                   "labelled_at": pa.array(np.where(fraud, START + rng.integers(5, 45, numbers).astype("timedelta64[D]"),
                                                    np.datetime64("NaT")).astype("datetime64[us]"))},
    }
    for name, cols in tables.items():
        schema = TABLES[name].arrow_schema()
        n = len(cols["msisdn"])
        pq.write_table(pa.table({f.name: cols.get(f.name, pa.nulls(n, f.type)).cast(f.type) for f in schema}, schema=schema),
                       folder / f"{name}.parquet", compression="zstd")
    (folder / "done").write_text(json.dumps({"calls": calls, "numbers": numbers}))
    return folder


def run_once(data: Path, memory_limit: str, engine: str = "duckdb") -> dict:
    """One measured run in this process: snapshots at the end of the data, then every feature family."""
    from fraudml.features.build import build_features
    from fraudml.features.snapshots import make_snapshots

    start, cpu = time.perf_counter(), time.process_time()
    snaps = make_snapshots(data, "end", engine=engine, memory_limit=memory_limit)
    chosen = time.perf_counter()
    table, spec = build_features(data, snaps, engine=engine, memory_limit=memory_limit)
    done = time.perf_counter()
    return {"snapshots": len(table), "features": len(spec.features), "snapshot_s": chosen - start,
            "features_s": done - chosen, "total_s": done - start, "cpu_s": time.process_time() - cpu,
            "load_avg": os.getloadavg()[0], "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,50", help="millions of calls")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-limit", default="6GB", help="DuckDB's limit; the rest of the 8 GB is the process's own")
    parser.add_argument("--engine", default="duckdb", choices=("duckdb", "spark"))
    parser.add_argument("--run", type=Path, help=argparse.SUPPRESS)  # child process: one measured run
    args = parser.parse_args()
    if args.run:
        print(json.dumps(run_once(args.run, args.memory_limit, args.engine)))
        return
    rows = []
    for millions in [float(s) for s in args.sizes.split(",")]:
        calls = int(millions * 1_000_000)
        t = time.perf_counter()
        data = generate(ROOT / "data" / "bench" / f"calls_{calls}", calls)
        print(f"world of {calls:,} calls ready in {time.perf_counter() - t:.0f}s", file=sys.stderr)
        runs = []
        for _ in range(args.repeats if calls <= 10_000_000 else 1):  # the largest size once: it takes minutes
            out = subprocess.run([sys.executable, __file__, "--run", str(data), "--memory-limit", args.memory_limit,
                                  "--engine", args.engine],
                                 capture_output=True, text=True)
            if out.returncode:
                sys.exit(f"run on {calls:,} calls failed:\n{out.stderr[-3000:]}")
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(runs[-1], file=sys.stderr)
        total = statistics.median(r["total_s"] for r in runs)
        rows.append({"engine": args.engine, "calls": calls, "snapshots": runs[0]["snapshots"], "features": runs[0]["features"],
                     "median_total_s": round(total, 1), "median_features_s": round(statistics.median(r["features_s"] for r in runs), 1),
                     "call_rows_per_s": round(calls / total),
                     "median_cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 1),
                     "call_rows_per_cpu_s": round(calls / statistics.median(r["cpu_s"] for r in runs)),
                     "peak_rss_gb": round(max(r["peak_rss_gb"] for r in runs), 2),
                     "load_avg": round(statistics.median(r["load_avg"] for r in runs), 1), "runs": len(runs)})
    print(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
