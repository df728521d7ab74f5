"""How well rings match a simulated world's true rings, and how long finding them takes.

    .venv/bin/python bench/ring_accuracy.py SCORES.parquet WORLD [--runs 3]

SCORES is `fraudml score`'s output for the simulated WORLD (whose truth is in
WORLD/_truth/). Rings are found again from the scores' decisions in a fresh
process per run (the median time is printed), and compared with the truth over
pairs of flagged numbers (fraudml.cases.accuracy).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

RUN = """
import json, sys, time
from datetime import date
import pandas as pd
from fraudml.cases.rings import find_rings
scores = pd.read_parquet(sys.argv[1])
start = time.perf_counter()
rings = find_rings(sys.argv[2], scores, date.fromisoformat(sys.argv[3]))
print(json.dumps({"seconds": time.perf_counter() - start, "rings": len(rings.table), "rounds": rings.rounds}))
"""


def main(argv=None) -> int:
    import pandas as pd
    import pyarrow.parquet as pq

    from fraudml.cases.accuracy import pair_accuracy
    from fraudml.simulate.truth import read_truth

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scores", type=Path)
    ap.add_argument("world", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args(argv)
    as_of = pq.read_schema(args.scores).metadata[b"as_of"].decode()
    date.fromisoformat(as_of)
    runs = [json.loads(subprocess.run([sys.executable, "-c", RUN, str(args.scores), str(args.world), as_of],
                                      check=True, capture_output=True, text=True).stdout) for _ in range(args.runs)]
    seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
    scores = pd.read_parquet(args.scores)
    print(f"{len(scores):,} scored numbers as of {as_of}: {runs[0]['rings']} rings, {runs[0]['rounds']} rounds, "
          f"find_rings median {seconds:.1f} s of {args.runs} runs")
    print(pair_accuracy(scores, read_truth(args.world)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
