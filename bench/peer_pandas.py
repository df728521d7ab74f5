"""A peer to beat: what a data scientist would write in plain pandas for a Sichuan-format folder, timed against
`fraudml ingest sichuan` followed by `fraudml features` on the same folder.

    .venv/bin/python bench/peer_pandas.py --calls 5000000 --runs 3

The peer reads voc.csv and sms.csv with pyarrow's multithreaded CSV reader, drops the repeated SMS rows (the
data's known trap), parses the datetimes, and computes 40 per-number aggregates with pandas group-bys: counts
each way, distinct counterparts, duration statistics, in/out shares, night and office-hour shares, active days,
distinct IMEIs, cities and counties, and the SMS counterparts of each. It checks nothing and writes one Parquet
file. The source folder is bench/ingest_sichuan.py's (generated into --work if missing). Each step is a fresh
process; wall time includes its imports; peak memory is the whole process's (VmHWM).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ingest_sichuan import ROOT, children_cpu, source  # noqa: E402  (the same generated folders)

PEER = r'''
import sys
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

src, out = sys.argv[1], sys.argv[2]
text = pacsv.ConvertOptions(column_types={"phone_no_m": pa.string(), "opposite_no_m": pa.string(), "imei_m": pa.string(),
                                          "city_name": pa.string(), "county_name": pa.string()})
voc = pacsv.read_csv(f"{src}/voc.csv", convert_options=text).to_pandas()
sms = pacsv.read_csv(f"{src}/sms.csv", convert_options=text).to_pandas().drop_duplicates()
voc["start_datetime"] = pd.to_datetime(voc["start_datetime"], format="%Y-%m-%d %H:%M:%S")
sms["request_datetime"] = pd.to_datetime(sms["request_datetime"], format="%Y-%m-%d %H:%M:%S")

hour, day = voc["start_datetime"].dt.hour, voc["start_datetime"].dt.normalize()
voc = voc.assign(out=voc["calltype_id"] == 1, inc=voc["calltype_id"] == 2, fwd=voc["calltype_id"] == 3,
                 night=hour < 6, office=hour.between(9, 17) & (voc["start_datetime"].dt.dayofweek < 5),
                 day=day, zero=voc["call_dur"] == 0, long=voc["call_dur"] > 600)
g = voc.groupby("phone_no_m")
calls = pd.DataFrame({
    "calls": g.size(), "calls_out": g["out"].sum(), "calls_in": g["inc"].sum(), "calls_fwd": g["fwd"].sum(),
    "out_share": g["out"].mean(), "in_share": g["inc"].mean(), "night_share": g["night"].mean(),
    "office_share": g["office"].mean(), "zero_share": g["zero"].mean(), "long_share": g["long"].mean(),
    "counterparts": g["opposite_no_m"].nunique(),
    "counterparts_out": voc[voc["out"]].groupby("phone_no_m")["opposite_no_m"].nunique(),
    "counterparts_in": voc[voc["inc"]].groupby("phone_no_m")["opposite_no_m"].nunique(),
    "dur_sum": g["call_dur"].sum(), "dur_mean": g["call_dur"].mean(), "dur_std": g["call_dur"].std(),
    "dur_min": g["call_dur"].min(), "dur_max": g["call_dur"].max(), "dur_median": g["call_dur"].median(),
    "dur_q25": g["call_dur"].quantile(0.25), "dur_q75": g["call_dur"].quantile(0.75),
    "dur_out_mean": voc[voc["out"]].groupby("phone_no_m")["call_dur"].mean(),
    "dur_in_mean": voc[voc["inc"]].groupby("phone_no_m")["call_dur"].mean(),
    "active_days": g["day"].nunique(), "first_call": g["start_datetime"].min(), "last_call": g["start_datetime"].max(),
    "imeis": g["imei_m"].nunique(), "cities": g["city_name"].nunique(), "counties": g["county_name"].nunique(),
})
calls["span_days"] = (calls["last_call"] - calls["first_call"]).dt.days + 1
calls["calls_per_day"] = calls["calls"] / calls["active_days"]
calls["calls_per_counterpart"] = calls["calls"] / calls["counterparts"]

s_hour = sms["request_datetime"].dt.hour
sms = sms.assign(out=sms["calltype_id"] == 1, night=s_hour < 6, day=sms["request_datetime"].dt.normalize())
h = sms.groupby("phone_no_m")
texts = pd.DataFrame({
    "sms": h.size(), "sms_out": h["out"].sum(), "sms_out_share": h["out"].mean(), "sms_night_share": h["night"].mean(),
    "sms_counterparts": h["opposite_no_m"].nunique(),
    "sms_counterparts_in": sms[~sms["out"]].groupby("phone_no_m")["opposite_no_m"].nunique(),
    "sms_days": h["day"].nunique(), "sms_first": h["request_datetime"].min(), "sms_last": h["request_datetime"].max(),
})
texts["sms_per_day"] = texts["sms"] / texts["sms_days"]
features = calls.join(texts, how="outer")
features.reset_index().to_parquet(out)
print(features.shape[1])
'''

FRAUDML = r'''
import sys
import pandas as pd
from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.features.build import build_features
from fraudml.features.table import write_features
from fraudml.features.snapshots import make_snapshots
from fraudml.tables import read_parquet, table_path
src, world, out = sys.argv[1:4]
ingest_sichuan(src, world)
last = max(read_parquet(table_path(world, t), columns=[c]).column(c).to_pandas().max()
           for t, c in (("calls", "started_at"), ("sms", "sent_at")))
as_of = (last.normalize() + pd.Timedelta(days=1)).strftime("%Y-%m-%d")  # the end of the data
snaps = make_snapshots(world, as_of=as_of)
table, spec = build_features(world, snaps)
write_features(table, spec, out)
print(len(spec.features), len(table))
'''


def _timed(code: str, *args: str) -> dict:
    """Run ``code`` in a fresh process: its wall time from start (imports included), output and peak memory."""
    script = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench_step_{os.getpid()}.py"
    script.write_text("import time\nstarted = time.perf_counter()\n" + code +
                      "\nfrom pathlib import Path as _P\n"
                      "_peak = next(int(l.split()[1]) for l in _P('/proc/self/status').read_text().splitlines() "
                      "if l.startswith('VmHWM:')) * 1024\n"
                      "print('__peak__', _peak, time.perf_counter() - started)\n")
    began, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True)
    wall, cpu = time.perf_counter() - began, children_cpu() - cpu
    script.unlink(missing_ok=True)
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    lines = done.stdout.strip().splitlines()
    peak = int(next(line for line in lines if line.startswith("__peak__")).split()[1])
    return {"wall": wall, "cpu": cpu, "peak": peak, "out": [line for line in lines if not line.startswith("__peak__")]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench_ingest")
    args = parser.parse_args()
    src = source(args.work, args.calls)
    world, out = args.work / f"peer_world_{args.calls}", args.work / f"peer_{args.calls}.parquet"
    peer, ours = [], []
    for _ in range(args.runs):
        peer.append(_timed(PEER, str(src), str(out)))
        shutil.rmtree(world, ignore_errors=True)
        ours.append(_timed(FRAUDML, str(src), str(world), str(out)))
    shutil.rmtree(world, ignore_errors=True)
    out.unlink(missing_ok=True)
    p, o = (statistics.median(r["wall"] for r in runs) for runs in (peer, ours))
    pc, oc = (statistics.median(r["cpu"] for r in runs) for runs in (peer, ours))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.calls:,} calls; medians of {args.runs} fresh processes")
    print("| step | median wall | CPU time | peak RSS | runs |")
    print("|---|---:|---:|---:|---|")
    print(f"| pandas peer ({peer[0]['out'][0]} aggregates) | {p:.1f} s | {pc:.0f} s | "
          f"{max(r['peak'] for r in peer) / 1e9:.2f} GB | {', '.join(format(r['wall'], '.1f') for r in peer)} |")
    features, numbers = ours[0]["out"][0].split()
    print(f"| fraudml ingest + features ({features} features, {int(numbers):,} numbers) | {o:.1f} s | {oc:.0f} s | "
          f"{max(r['peak'] for r in ours) / 1e9:.2f} GB | {', '.join(format(r['wall'], '.1f') for r in ours)} |")
    print(f"fraudml / peer: {o / p:.2f}x wall, {oc / pc:.2f}x CPU")


if __name__ == "__main__":
    main()
