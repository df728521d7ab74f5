"""How large must the default world be? Training snapshots, test fraud and the batch, per world size.

    .venv/bin/python bench/world_size.py --subscribers 20000 --days 60 --burn-in 7 --holdout 0
    .venv/bin/python bench/world_size.py --subscribers 30000 --days 150 --fraud-share 0.04 --burn-in 31 --holdout 28

Simulates one world (canonical tables in a temporary folder), takes weekly
snapshots as ``fraudml features --snapshots weekly --burn-in-days B
--holdout-days H`` does (live numbers only, labels by the target's rules),
splits them as ``fraudml train`` does, and reports: rows and fraud per part,
distinct fraud numbers in the test part, the share of training rows with a
complete month of spend and a full 30-day window, and the batch scored at the
end of the world (numbers live there, the fraud among them, the closed). No
features are computed unless ``--drift-dates`` asks, so it answers in a minute
what a full pipeline run would take minutes to show.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time

import pandas as pd

from fraudml.features.build import build_features
from fraudml.engine import connect, load_tables
from fraudml.features.population import activity_span, population
from fraudml.features.snapshots import label_snapshots, make_snapshots
from fraudml.model.split import split_snapshots
from fraudml.scoring.drift import DriftCounter, Reference
from fraudml.simulate import simulate
from fraudml.tables import write_table


def measure(args) -> dict:
    t0 = time.perf_counter()
    tables = simulate(preset=args.preset, subscribers=args.subscribers, days=args.days, seed=args.seed,
                      start=args.start, fraud_share=args.fraud_share)
    sim_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as scratch:
        tmp = args.out or scratch
        for name, df in tables.items():
            write_table(df, tmp, name)
        labelled = make_snapshots(tmp, f"every:{args.every}", burn_in_days=args.burn_in, holdout_days=args.holdout)
        con = connect("duckdb")
        t = load_tables(con, tmp)
        start, last = activity_span(t)
        end = last.normalize() + pd.Timedelta(days=1)
        known = pd.DataFrame({"msisdn": tables["accounts"]["msisdn"], "as_of": end})
        live = population(con, t, known)
        batch = label_snapshots(live[live["reason"].isna()][["msisdn", "as_of"]], tables["labels"])
        drift = batch_drift(tmp, labelled, batch, args.drift_dates) if args.drift_dates else None
    dates = sorted(pd.to_datetime(labelled["as_of"].unique()))
    if args.out:  # for a full pipeline run on the same world: training snapshots and the batch's live numbers
        labelled[["msisdn", "as_of"]].to_parquet(f"{args.out}/_snapshots.parquet")
        batch[["msisdn"]].to_csv(f"{args.out}/_batch_numbers.csv", index=False)
    split = split_snapshots(labelled, label_delay_days=7, valid_fraction=args.valid, test_fraction=args.test)
    test = labelled[split.test]
    months = pd.to_datetime(labelled["as_of"]).dt.to_period("M").dt.to_timestamp() - pd.DateOffset(months=1)
    train_rows = split.train
    return {
        "seed": args.seed, "subscribers": args.subscribers, "days": args.days, "fraud_share": args.fraud_share, "burn_in": args.burn_in,
        "holdout": args.holdout, "every": args.every, "valid": args.valid, "test": args.test, "simulate_s": round(sim_s, 1),
        "calls": len(tables["calls"]), "data": [str(start.date()), str(end.date())],
        "dates": [str(d.date()) for d in dates], "rows": len(labelled),
        "fraud_rows": int((labelled["label"] == 1).sum()),
        "split": split.to_dict()["rows"], "split_fraud": split.fraud,
        "test_fraud_numbers": int(test.loc[test["label"] == 1, "msisdn"].nunique()),
        "train_complete_month": float((months[train_rows] >= start).mean()),
        "train_full_window": float((pd.to_datetime(labelled["as_of"])[train_rows] - pd.Timedelta(days=30) >= start).mean()),
        "batch_as_of": str(end.date()), "batch_live": len(batch), "batch_closed": int(live["reason"].notna().sum()), "batch_fraud": int((batch["label"] == 1).sum()),
        "batch_psi_top": drift,
    }


def batch_drift(folder, labelled: pd.DataFrame, batch: pd.DataFrame, dates: int) -> dict:
    """PSI of the batch's features against those of the first ``dates`` snapshot dates (about the training period)."""
    early = labelled[labelled["as_of"].isin(sorted(labelled["as_of"].unique())[:dates])]
    reference, spec = build_features(folder, early)
    scored, _ = build_features(folder, batch)
    counter = DriftCounter({n: Reference.from_values(reference[n]) for n in spec.names})
    counter.add(scored)
    table = counter.result()
    return {row.feature: round(row.psi, 4) for row in table.head(6).itertuples()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="realistic")
    ap.add_argument("--subscribers", type=int, default=20_000)
    ap.add_argument("--days", type=int, default=60)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--start", default="2020-01-01")
    ap.add_argument("--fraud-share", type=float, default=0.01)
    ap.add_argument("--burn-in", type=int, default=7, help="days of data before the first snapshot")
    ap.add_argument("--holdout", type=int, default=0, help="days at the end with no snapshot (the batch's period)")
    ap.add_argument("--every", type=int, default=7, help="days between snapshots")
    ap.add_argument("--valid", type=float, default=0.2, help="valid_fraction of the split")
    ap.add_argument("--test", type=float, default=0.2, help="test_fraction of the split")
    ap.add_argument("--drift-dates", type=int, default=0,
                    help="also compute features of the first N snapshot dates and of the batch, and the batch's top PSI")
    ap.add_argument("--out", help="keep the world here (with _snapshots.parquet and _batch_numbers.csv)")
    args = ap.parse_args(argv)
    print(json.dumps(measure(args)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
