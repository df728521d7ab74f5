"""How well rings match a simulated world's true rings, and how long finding them takes.

    .venv/bin/python bench/ring_accuracy.py SCORES.parquet WORLD [--runs 3] [--set NAME=VALUE ...]

SCORES is `fraudml score`'s output for the simulated WORLD (whose truth is in
WORLD/_truth/). Rings are found again from the scores' decisions in a fresh
process per run (the median time of find_rings is printed) and compared with
the truth over pairs of flagged numbers (fraudml.cases.accuracy); the links of
each kind are counted by what the truth says of their two ends. ``--set``
tries another value of a threshold of fraudml.cases.links, e.g.
``--set VICTIMS_MIN_SHARE=0.02 --set PLACE_MIN_OVERLAP=1/2``. ``--place-reach``
also counts the numbers that are not flagged which place links would bring in
if they joined any number, as handset and ID-holder links do.
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
scores_file, world, *settings = sys.argv[1:]
for setting in settings:
    name, value = setting.split("=")
    setattr(links, name, type(getattr(links, name))(value))  # a name links lacks is an error, not a silent no-op
as_of = date.fromisoformat(pq.read_schema(scores_file).metadata[b"as_of"].decode())
scores = pd.read_parquet(scores_file)
start = time.perf_counter()
rings = find_rings(world, scores, as_of)
seconds = time.perf_counter() - start
truth = read_truth(world)
accuracy = pair_accuracy(rings.assign(scores), truth)
ring = truth.set_index("msisdn")["ring"]
ends = pd.DataFrame([link for links_ in rings.table["links"] for link in links_], columns=["a", "b", "kind"])
a, b = ends["a"].map(ring).fillna(-1), ends["b"].map(ring).fillna(-1)
ends["truth"] = ["with a normal number" if min(x, y) < 0 else "within one true ring" if x == y else "across two true rings"
                 for x, y in zip(a, b)]
by_kind = {kind: g["truth"].value_counts().to_dict() for kind, g in ends.groupby("kind")}
print(json.dumps({"seconds": seconds, "rings": len(rings.table), "rounds": rings.rounds, "as_of": str(as_of),
                  "scored": len(scores), "accuracy": str(accuracy), "links": by_kind}))
"""

REACH = """
import json, sys
from datetime import datetime
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from fraudml.cases import links
from fraudml.cases.rings import WINDOW_DAYS
from fraudml.engine import close, connect, load_tables, register
from fraudml.scoring.score import NEEDS_REASONS as FLAGGED
from fraudml.simulate.truth import read_truth
scores_file, world = sys.argv[1:3]
as_of = datetime.fromisoformat(pq.read_schema(scores_file).metadata[b"as_of"].decode())
scores = pd.read_parquet(scores_file, columns=["msisdn", "decision"])
flagged = set(scores.loc[scores["decision"].isin(FLAGGED), "msisdn"])
ring = read_truth(world).set_index("msisdn")["ring"]
con = connect()
try:
    tables = load_tables(con, world)
    everyone = register(con, "everyone", pa.table({"msisdn": pa.array(ring.index.astype(str), pa.string())}))
    pairs = links.place_links(tables, everyone, as_of, WINDOW_DAYS).select("a", "b").to_pandas()
finally:
    close(con)
reach = pairs[pairs["a"].isin(flagged) & ~pairs["b"].isin(flagged)]
ra, rb = reach["a"].map(ring).fillna(-1), reach["b"].map(ring).fillna(-1)
same = (ra >= 0) & (ra == rb)
print(json.dumps({"flagged": len(flagged), "reached": int(reach["b"].nunique()), "pairs": len(reach),
                  "same_ring": int(same.sum())}))
"""


def _last_json(args: list[str], code: str) -> dict:
    # the last line: DuckDB draws a progress bar on stdout when a query runs long
    out = subprocess.run([sys.executable, "-c", code, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(out.splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scores", type=Path)
    ap.add_argument("world", type=Path)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                    help="a threshold of fraudml.cases.links, e.g. PLACE_MIN_OVERLAP=1/2")
    ap.add_argument("--place-reach", action="store_true",
                    help="count the numbers not flagged that place links would bring in")
    args = ap.parse_args(argv)
    runs = [_last_json([str(args.scores), str(args.world), *args.set], RUN) for _ in range(args.runs)]
    seconds = sorted(r["seconds"] for r in runs)[len(runs) // 2]
    first = runs[0]
    print(f"{first['scored']:,} scored numbers as of {first['as_of']}: {first['rings']} rings, {first['rounds']} rounds, "
          f"find_rings median {seconds:.1f} s of {args.runs} runs")
    print(first["accuracy"])
    for kind, ends in first["links"].items():
        print(f"{kind} links: " + ", ".join(f"{n:,} {what}" for what, n in sorted(ends.items(), key=lambda e: -e[1])))
    if args.place_reach:
        reach = _last_json([str(args.scores), str(args.world)], REACH)
        print(f"place links to numbers not flagged, were they allowed: {reach['pairs']:,} from the {reach['flagged']:,} "
              f"flagged numbers to {reach['reached']:,} numbers, {reach['same_ring']:,} of them of the flagged one's ring")
    return 0


if __name__ == "__main__":
    sys.exit(main())
