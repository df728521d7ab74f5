"""How well rings match a simulated world's true rings, and how long finding them takes.

    .venv/bin/python bench/ring_accuracy.py SCORES.parquet WORLD [--runs 3] [--victims SHARED:SHARE]

SCORES is `fraudml score`'s output for the simulated WORLD (whose truth is in
WORLD/_truth/). Rings are found again from the scores' decisions in a fresh
process per run (the median time of find_rings is printed) and compared with
the truth over pairs of flagged numbers (fraudml.cases.accuracy). ``--victims``
tries other thresholds of the shared-victims link (VICTIMS_MIN_SHARED and
VICTIMS_MIN_SHARE of fraudml.cases.links).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

RUN = """
import json, sys, time
from datetime import date
import pandas as pd
import pyarrow.parquet as pq
from fraudml.cases import links
from fraudml.cases.accuracy import pair_accuracy
from fraudml.cases.rings import find_rings
from fraudml.simulate.truth import read_truth
scores_file, world, victims = sys.argv[1:4]
if victims:
    shared, share = victims.split(":")
    links.VICTIMS_MIN_SHARED, links.VICTIMS_MIN_SHARE = int(shared), float(share)
as_of = date.fromisoformat(pq.read_schema(scores_file).metadata[b"as_of"].decode())
scores = pd.read_parquet(scores_file)
start = time.perf_counter()
rings = find_rings(world, scores, as_of)
seconds = time.perf_counter() - start
accuracy = pair_accuracy(rings.assign(scores), read_truth(world))
print(json.dumps({"seconds": seconds, "rings": len(rings.table), "rounds": rings.rounds, "as_of": str(as_of),
                  "scored": len(scores), "accuracy": str(accuracy)}))
"""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scores", type=Path)
    ap.add_argument("world", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--victims", default="", help="SHARED:SHARE, e.g. 5:0.2 (the defaults)")
    args = ap.parse_args(argv)
    runs = [json.loads(subprocess.run([sys.executable, "-c", RUN, str(args.scores), str(args.world), args.victims],
                                      check=True, capture_output=True, text=True).stdout) for _ in range(args.runs)]
    seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
    first = runs[0]
    print(f"{first['scored']:,} scored numbers as of {first['as_of']}: {first['rings']} rings, {first['rounds']} rounds, "
          f"find_rings median {seconds:.1f} s of {args.runs} runs")
    print(first["accuracy"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
