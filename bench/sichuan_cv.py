"""Cross-validated training on the real Sichuan train users (account features only), with and without its traps.

    .venv/bin/python bench/sichuan_cv.py [--data ../shared/data/sichuan] [--folds 5] [--out data/sichuan_cv.json]

Ingests train_user.csv with fraudml's own Sichuan adapter into a temporary
folder, builds the package's account features as of 2020-04-01 (so March 2020 is
the last complete month), and runs 5-fold stratified cross-validation of
LightGBM, logistic regression and the rules baseline for each variant below.
Prints Markdown tables (used in docs/sichuan-model.md) and writes the numbers as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pandas as pd

from fraudml.features.build import build_features
from fraudml.features.spec import CATEGORY, FeatureSpec
from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.model.crossval import cross_validate, summarise
from fraudml.params import TrainParams
from fraudml.tables import read_table

AS_OF = pd.Timestamp("2020-04-01")
ARPU_MISSING = ("arpu_last_month_missing", "arpu_months_missing_3m")
CITY_MISSING = ("home_city_missing", "home_county_missing")
# (name, numbers: "all" | "live" (a March spend) | "train all, test live", features left out)
VARIANTS = (
    ("all numbers, every account feature", "all", ()),
    ("all numbers, no missing-ARPU flags", "all", ARPU_MISSING),
    ("all numbers, no missing-ARPU or missing-city flags", "all", ARPU_MISSING + CITY_MISSING),
    ("live numbers, every account feature", "live", ()),
    ("live numbers, no missing-city flags", "live", CITY_MISSING),
    ("trained on all numbers, tested on live numbers", "train all, test live", ()),
)
# threshold: max F1 on validation, as the competition scored; one thread: faster than many on 6,000 rows
PARAMS = TrainParams(alert_budget_per_day=None, target_precision=None, num_threads=1, valid_fraction=0.2, test_fraction=0.2)


def account_features(data: Path) -> tuple[pd.DataFrame, FeatureSpec]:
    with tempfile.TemporaryDirectory() as tmp:
        ingest_sichuan(data, tmp)
        labels = read_table(tmp, "labels")
        snaps = labels[["msisdn", "label", "fraud_type"]].assign(as_of=AS_OF)
        table, spec = build_features(tmp, snaps)
    # no call, SMS or app tables here; and the traps are in the numbers: the home city, county and plan as categories
    # are the Sichuan pipeline's own experiment (bench/sichuan_peer.py)
    present = [f for f in spec.features if table[f.name].notna().any() and f.dtype != CATEGORY]
    return table, FeatureSpec(tuple(present), spec.windows, spec.version, spec.params)


def without(spec: FeatureSpec, names) -> FeatureSpec:
    return FeatureSpec(tuple(f for f in spec.features if f.name not in names), spec.windows, spec.version, spec.params)


def markdown(summary: pd.DataFrame, metrics=("pr_auc", "roc_auc", "recall_at_90_precision", "macro_f1_at_alert")) -> str:
    lines = ["| scorer | " + " | ".join(metrics) + " |", "|---|" + "---|" * len(metrics)]
    for scorer, row in summary.iterrows():
        cells = [f"{row[(m, 'mean')]:.3f} ± {row[(m, 'std')]:.3f}" for m in metrics]
        lines.append(f"| {scorer} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv=None) -> int:
    repo = Path(__file__).resolve().parents[1]
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=repo / ".." / "shared" / "data" / "sichuan")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--out", type=Path, default=repo / "data" / "sichuan_cv.json")
    args = ap.parse_args(argv)
    if not (args.data / "train_user.csv").exists():
        print(f"{args.data / 'train_user.csv'} not found", file=sys.stderr)
        return 2
    table, spec = account_features(args.data)
    live = table["arpu_last_month"].notna()
    print(f"{len(table)} numbers, {int(table['label'].sum())} fraud; live in March: {int(live.sum())} "
          f"({int(table.loc[live, 'label'].sum())} fraud); features: {', '.join(spec.names)}\n")
    results = {}
    for name, numbers, dropped in VARIANTS:
        t0 = time.perf_counter()
        rows = table[live].reset_index(drop=True) if numbers == "live" else table
        tested = live.to_numpy() if numbers == "train all, test live" else None
        per_fold, importance = cross_validate(rows, without(spec, dropped), PARAMS, folds=args.folds, tested=tested)
        summary = summarise(per_fold)
        gain = importance.groupby("feature")["gain"].mean()
        gain = (gain / gain.sum()).sort_values(ascending=False)
        print(f"### {name} ({len(rows)} numbers, {time.perf_counter() - t0:.0f} s)\n\n{markdown(summary)}\n")
        print("LightGBM gain share: " + ", ".join(f"{f} {g:.2f}" for f, g in gain.items() if g >= 0.005) + "\n")
        results[name] = {"numbers": len(rows), "dropped": list(dropped),
                         "per_fold": per_fold.to_dict("records"), "gain_share": gain.round(4).to_dict()}
    # does weighting fraud up help PR-AUC? (the deployable variant)
    rows = table[live].reset_index(drop=True)
    for weight in (None, "balanced"):
        per_fold, _ = cross_validate(rows, without(spec, CITY_MISSING), replace(PARAMS, class_weight=weight),
                                     folds=args.folds, baselines=False)
        s = summarise(per_fold)
        print(f"class_weight={weight}: PR-AUC {s[('pr_auc', 'mean')].iloc[0]:.3f} ± {s[('pr_auc', 'std')].iloc[0]:.3f}, "
              f"Brier {s[('brier', 'mean')].iloc[0]:.4f}")
        results[f"class_weight={weight}"] = per_fold.to_dict("records")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1, default=float) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
