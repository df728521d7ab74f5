"""Rows per second and peak memory of `ingest_sichuan` on voc and sms files shaped like the
competition's (128-hex hashes, 19-character datetimes, ~1/3 duplicate SMS), and rows per
second of `write_sichuan` writing the ingested tables back out.

    .venv/bin/python bench/ingest_sichuan.py --rows 1000000 --runs 3

Each run ingests in a fresh process, so peak RSS is that run's own.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd


def hashes(n: int, rng: np.random.Generator, pool: int) -> np.ndarray:
    ids = [hashlib.sha512(str(i).encode()).hexdigest() for i in range(pool)]
    return np.asarray(ids, dtype=object)[rng.integers(0, pool, n)]


def make_source(folder: Path, rows: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2019-08-01").value // 10**9
    stamps = pd.to_datetime(start + rng.integers(0, 240 * 86400, rows), unit="s").strftime("%Y-%m-%d %H:%M:%S")
    numbers, counterparts = hashes(rows, rng, 6000), hashes(rows, rng, 300_000)
    pd.DataFrame(
        {
            "phone_no_m": numbers,
            "opposite_no_m": counterparts,
            "calltype_id": rng.choice(["1", "2", "3"], rows, p=[0.6, 0.39, 0.01]),
            "start_datetime": stamps,
            "call_dur": rng.integers(1, 3000, rows),
            "city_name": rng.choice(["", "成都", "绵阳"], rows),
            "county_name": rng.choice(["", "金牛区", "涪城区"], rows),
            "imei_m": hashes(rows, rng, 8000),
        }
    ).to_csv(folder / "voc.csv", index=False)
    sms = pd.DataFrame(
        {"phone_no_m": numbers, "opposite_no_m": counterparts, "calltype_id": rng.choice(["1", "2"], rows), "request_datetime": stamps}
    )
    repeat = rng.random(rows) < 1 / 3  # a third of the rows repeat an earlier one, as in train_sms
    sms.loc[repeat] = sms.iloc[np.maximum(np.flatnonzero(repeat) - 1, 0)].to_numpy()
    sms.to_csv(folder / "sms.csv", index=False)


RUN = """
import resource, sys, time
from fraudml.ingest.sichuan import ingest_sichuan, write_sichuan
from fraudml.tables import read_table
t = time.perf_counter()
results = ingest_sichuan(sys.argv[1], sys.argv[2])
took = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
tables = {name: read_table(sys.argv[2], name) for name in ("calls", "sms")}
t = time.perf_counter()
write_sichuan(tables, sys.argv[2] + "_sichuan")
print(took, peak, sum(r.read for r in results), time.perf_counter() - t, sum(map(len, tables.values())))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in each of voc and sms")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        make_source(src, args.rows)
        size = sum(p.stat().st_size for p in src.iterdir()) / 2**20
        runs = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, "-c", RUN, str(src), str(Path(tmp) / "out")], capture_output=True, text=True, check=True)
            runs.append([float(x) for x in out.stdout.split()])
        took, peak, read, write, written = (statistics.median(r[i] for r in runs) for i in range(5))
        print(f"voc + sms, {args.rows:,} rows each ({size:,.0f} MB of CSV), median of {args.runs} runs")
        print(f"ingest_sichuan: {took:.1f} s, {read / took:,.0f} rows/s, peak RSS {peak:.2f} GB")
        print(f"write_sichuan: {write:.1f} s, {written / write:,.0f} rows/s")


if __name__ == "__main__":
    main()
