"""A local Spark standalone cluster against DuckDB, step by step: `fraudml ingest sichuan`, `fraudml features` and
`fraudml score` on the same simulated world, written as the competition's CSV files.

    .venv/bin/python bench/spark_cluster.py --subscribers 20000 --days 35 --runs 1
    .venv/bin/python bench/spark_cluster.py --subscribers 77000 --days 35 --runs 3   # about 10 M call records

The cluster is the test suite's (tests/spark_cluster.py: a master and one worker from pyspark's jars, on
127.0.0.1) with --cores cores and --executor-memory for its one executor. Each step is a fresh process, as a user
runs it; its wall time (imports and the session's start included) is reported, and the peak resident memory of the
fraudml process with its children and, on the cluster, of the executor (sampled every 0.2 s). The world and the
model are made once into --work (default data/bench_spark); throughput per core is call records per second over
the cores the engine had.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parents[1]
FRAUDML = Path(sys.executable).with_name("fraudml")
sys.path.insert(0, str(ROOT / "tests"))


def _tree_rss(pids: list[int]) -> int:
    """Resident bytes of the processes ``pids`` and all their descendants."""
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            for p in [root, *root.children(recursive=True)]:
                total += p.memory_info().rss
        except psutil.Error:
            continue
    return total


def run(args: list[str], env: dict, executors: list[int]) -> dict:
    """``fraudml ARGS`` in a fresh process: seconds, peak of its own tree and of the executor's (bytes)."""
    peaks = {"driver": 0, "executor": 0}
    start = time.perf_counter()
    proc = subprocess.Popen([str(FRAUDML), *map(str, args)], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peaks["driver"] = max(peaks["driver"], _tree_rss([proc.pid]))
            if executors:  # the worker's children: its executor (a JVM) and the executor's Python workers
                worker_children = [c.pid for pid in executors for c in psutil.Process(pid).children()]
                peaks["executor"] = max(peaks["executor"], _tree_rss(worker_children))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if proc.returncode not in (0, 3):
        raise SystemExit(f"fraudml {' '.join(map(str, args))} failed ({proc.returncode}):\n{err[-3000:]}")
    return {"seconds": seconds, **peaks}


def make_world(work: Path, subscribers: int, days: int) -> tuple[Path, int, str]:
    """The world as Sichuan CSV files, its call records and the as_of after its last day."""
    raw = work / f"raw-{subscribers}-{days}"
    if not (raw / "voc.csv").is_file():
        subprocess.run([str(FRAUDML), "simulate", "--preset", "sichuan", "--subscribers", str(subscribers), "--days",
                        str(days), "--format", "sichuan", "--out", str(raw)], check=True)
    with open(raw / "voc.csv", "rb") as f:
        calls = sum(1 for _ in f) - 1
    as_of = (pd.Timestamp("2020-01-01") + pd.Timedelta(days=days)).strftime("%Y-%m-%d")
    return raw, calls, as_of


def make_model(features: Path, out: Path) -> Path:
    from fraudml.features.table import read_features
    from fraudml.model.train import train
    from fraudml.params import TrainParams

    if not (out / "model.txt").is_file():
        table, spec = read_features(features)
        train(table, spec, TrainParams(n_estimators=100, num_leaves=15)).bundle.save(out)
    return out


def steps(raw: Path, folder: Path, as_of: str, model: Path | None, engine: list[str]) -> list[tuple[str, list]]:
    data = folder / "data"
    out = [("ingest", ["ingest", "sichuan", raw, "--out", data, *engine]),
           ("features", ["features", "--data", data, "--as-of", as_of, "--out", folder / "features.parquet", *engine])]
    if model is not None:
        out.append(("score", ["score", "--model", model, "--data", data, "--as-of", as_of, "--out",
                              folder / "scores.parquet", *engine]))
    return out


def measure(name: str, raw: Path, folder: Path, as_of: str, model: Path | None, engine: list[str], env: dict,
            executors: list[int], runs: int, only: tuple[str, ...] = ("ingest", "features", "score")) -> dict[str, dict]:
    results = {}
    for step, args in [s for s in steps(raw, folder, as_of, model, engine) if s[0] in only]:
        took = [run(args, env, executors) for _ in range(runs)]
        results[step] = {k: statistics.median(t[k] for t in took) for k in took[0]}
        print(f"{name} {step}: {results[step]['seconds']:.1f} s, driver {results[step]['driver'] / 1e9:.2f} GB, "
              f"executor {results[step]['executor'] / 1e9:.2f} GB (load {os.getloadavg()[0]:.1f})", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--executor-memory", default="4g")
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench_spark")
    a = parser.parse_args()
    import spark_cluster

    raw, calls, as_of = make_world(a.work, a.subscribers, a.days)
    print(f"{calls:,} call records, {a.subscribers:,} subscribers over {a.days} days; as_of {as_of}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    duck = a.work / f"duckdb-{a.subscribers}-{a.days}"
    env = dict(os.environ)
    first = measure("duckdb", raw, duck, as_of, None, [], env, [], a.runs)
    model = make_model(duck / "features.parquet", a.work / f"model-{a.subscribers}-{a.days}")
    first |= measure("duckdb", raw, duck, as_of, model, [], env, [], a.runs, only=("score",))
    spark_cluster.CORES, spark_cluster.WORKER_MEMORY = a.cores, a.executor_memory
    events = a.work / f"events-{a.subscribers}-{a.days}"
    shutil.rmtree(events, ignore_errors=True)
    events.mkdir(parents=True)
    spark_cluster.APPLICATION_SETTINGS.update({"spark.cores.max": str(a.cores), "spark.executor.cores": str(a.cores),
                                               "spark.executor.memory": a.executor_memory,
                                               "spark.sql.shuffle.partitions": str(4 * a.cores),
                                               "spark.eventLog.enabled": "true", "spark.eventLog.dir": str(events)})
    with spark_cluster.standalone_cluster(a.work / "cluster") as cluster:
        on_spark = measure("cluster", raw, a.work / f"spark-{a.subscribers}-{a.days}", as_of, model,
                           ["--engine", "spark", "--spark-master", cluster.master], cluster.env(),
                           [cluster.process_groups[1]], a.runs)
    print(f"\n| step | DuckDB | peak | cluster ({a.cores} cores) | driver peak | executor peak | cluster / DuckDB "
          f"| cluster records/s per core |")
    print("|---|---|---|---|---|---|---|---|")
    for step in ("ingest", "features", "score"):
        d, s = first[step], on_spark[step]
        print(f"| {step} | {d['seconds']:.1f} s | {d['driver'] / 1e9:.2f} GB | {s['seconds']:.1f} s | "
              f"{s['driver'] / 1e9:.2f} GB | {s['executor'] / 1e9:.2f} GB | {s['seconds'] / d['seconds']:.1f}x | "
              f"{calls / s['seconds'] / a.cores:,.0f} |")
    print()
    for step, log in zip(("ingest", "features", "score"), sorted(events.iterdir(), key=lambda p: p.stat().st_mtime)):
        print(f"{step}: {where_the_time_goes(log)}")


def _event_lines(log: Path):
    """The lines of an application's event log: a file, or Spark 4's folder of rolled, zstd-compressed parts."""
    import pyarrow as pa

    for part in sorted(log.glob("events_*")) if log.is_dir() else [log]:
        stream = pa.CompressedInputStream(str(part), "zstd") if part.suffix == ".zstd" else pa.OSFile(str(part))
        yield from stream.read().decode().splitlines()


def where_the_time_goes(log: Path) -> str:
    """From an application's event log: its stages, task time, input and shuffle bytes, and its longest stages."""
    stages, names, jobs, times = {}, {}, 0, []
    for line in _event_lines(log):
        event = json.loads(line)
        kind = event.get("Event")
        times += [event[k] for k in ("Timestamp", "Submission Time", "Completion Time") if k in event]
        jobs += kind == "SparkListenerJobStart"
        if kind == "SparkListenerStageSubmitted":
            names[event["Stage Info"]["Stage ID"]] = event["Stage Info"]["Stage Name"].split(" at ")[0]
        if kind != "SparkListenerTaskEnd" or not event.get("Task Metrics"):
            continue
        m, stage = event["Task Metrics"], event["Stage ID"]
        s = stages.setdefault(stage, {"run_ms": 0, "input": 0, "shuffle_write": 0, "shuffle_read": 0, "tasks": 0})
        s["tasks"] += 1
        s["run_ms"] += m.get("Executor Run Time", 0)
        s["input"] += m.get("Input Metrics", {}).get("Bytes Read", 0)
        s["shuffle_write"] += m.get("Shuffle Write Metrics", {}).get("Shuffle Bytes Written", 0)
        read = m.get("Shuffle Read Metrics", {})
        s["shuffle_read"] += read.get("Remote Bytes Read", 0) + read.get("Local Bytes Read", 0)
    total = {k: sum(s[k] for s in stages.values()) for k in ("run_ms", "input", "shuffle_write", "tasks")}
    longest = sorted(stages.items(), key=lambda kv: -kv[1]["run_ms"])[:5]
    top = ", ".join(f"{names.get(i, i)} {s['run_ms'] / 1000:.0f} s ({s['tasks']} tasks)" for i, s in longest)
    span = (max(times) - min(times)) / 1000 if times else 0
    return (f"{jobs} jobs, {len(stages)} stages, {total['tasks']:,} tasks in {span:,.0f} s from the first event to "
            f"the last, {total['run_ms'] / 1000:,.0f} s of task time, "
            f"input {total['input'] / 1e6:,.0f} MB, shuffle written {total['shuffle_write'] / 1e6:,.0f} MB; "
            f"longest: {top}")


if __name__ == "__main__":
    main()
