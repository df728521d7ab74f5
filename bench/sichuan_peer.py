"""fraudml's Sichuan model against a 3-column LightGBM peer, on live numbers, in CV and on files of the test shape.

    .venv/bin/python bench/sichuan_peer.py [--data ../shared/data/sichuan] [--folds 5] [--seeds 0,1,2]

The peer is what a competitor would try first: LightGBM on three columns of the
user table, ``idcard_cnt`` (numbers on the ID), ``arpu_202003`` (last month's
spend) and ``city_name`` as a LightGBM categorical. Both are judged on the
numbers live on 2020-04-01 (a March spend, the population fraudml's snapshots
keep; docs/sichuan-model.md), with the same folds, the same train/validation cut
inside each fold, the same LightGBM settings (the Sichuan pipeline's,
``configs/sichuan/params.yaml``, on one thread) and early stopping.

**The pipeline** row is fraudml's own: the features of ``fraudml features``
with the Sichuan pipeline's settings (``features.months``), trained by
``fraudml.model.train.train`` (categories learned, calibrated) on each fold.

Two evaluations:

* **CV**: 5-fold stratified cross-validation by number on the train table.
* **test shape**: the same folds, but each held-out fold is scored from the
  train table reduced to one month of spend (only ``arpu_202003``), as the
  competition's ``test_user`` files are (one ``arpu_YYYYMM`` column each). The
  peer's inputs are the same in both shapes; fraudml's 3-month spend features
  are not.

The other rows are the experiments that chose it: LightGBM on fraudml's own
account features (three months of spend), with the account's home city and
county as LightGBM categoricals where the row says so, trained on snapshots of
the full history, of the test shape, or of both. Figures are the mean over
seeds of the mean over folds (PR-AUC, ROC-AUC), with the standard deviation over
folds of the first seed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, roc_auc_score

from fraudml.features.table import make_feature_file, read_features
from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.model.crossval import fold_splits
from fraudml.model.train import lightgbm_params, train
from fraudml.params import load_params

REPO = Path(__file__).resolve().parents[1]
SICHUAN = load_params(REPO / "configs" / "sichuan" / "params.yaml")
AS_OF = SICHUAN.features.as_of
LAST_MONTH = "arpu_202003"
PARAMS = SICHUAN.train.model_copy(update={"num_threads": 1})  # one thread: far faster on 5,000 rows
LGB = lightgbm_params(PARAMS, np.zeros(1))
PIPELINE = f"fraudml pipeline (configs/sichuan: months {SICHUAN.features.months}, city, county and plan categoricals)"
ACCOUNT = ["numbers_on_id", "home_city_missing", "home_county_missing", "arpu_last_month", "arpu_mean_3m",
           "arpu_trend", "arpu_last_month_missing", "arpu_months_missing_3m"]
ONE_MONTH_SAFE = ["numbers_on_id", "home_city_missing", "home_county_missing", "arpu_last_month"]
# name -> (numeric features, categoricals, training shape: "full" | "one month" | "both")
CITY, COUNTY = ["home_city"], ["home_city", "home_county"]
VARIANTS = {
    "peer: idcard_cnt, arpu_202003, city (categorical)": None,
    "peer with LightGBM's own defaults (100 trees on train and validation)": "peer defaults",
    PIPELINE: "pipeline",
    "fraudml today (account features, full history)": (ACCOUNT, [], "full"),
    "+ home city categorical": (ACCOUNT, CITY, "full"),
    "+ home city and county categoricals": (ACCOUNT, COUNTY, "full"),
    "+ city and county, without arpu_trend": ([f for f in ACCOUNT if f != "arpu_trend"], COUNTY, "full"),
    "+ city and county, one-month-safe features only": (ONE_MONTH_SAFE, COUNTY, "full"),
    "+ city, trained on one-month snapshots": (ACCOUNT, CITY, "one month"),
    "+ city and county, trained on one-month snapshots": (ACCOUNT, COUNTY, "one month"),
    "+ city and county, trained on both shapes": (ACCOUNT, COUNTY, "both"),
}


def one_month_copy(data: Path, folder: Path) -> Path:
    """The train user table with only the scored month's spend, as the competition's test_user files are."""
    user = pd.read_csv(data / "train_user.csv", dtype=str, keep_default_na=False)
    keep = [c for c in user.columns if not c.startswith("arpu_") or c == LAST_MONTH]
    folder.mkdir(parents=True, exist_ok=True)
    user[keep].to_csv(folder / "train_user.csv", index=False)
    return folder


def live_features(data: Path, months: int) -> tuple[pd.DataFrame, object]:
    """fraudml's features of the numbers live at AS_OF (the shut-down, without a March spend, are left out)."""
    with tempfile.TemporaryDirectory() as tmp:
        ingest_sichuan(data, Path(tmp) / "world")
        make_feature_file(Path(tmp) / "world", Path(tmp) / "features.parquet", as_of=AS_OF, months=months)
        return read_features(Path(tmp) / "features.parquet")


def peer_table(data: Path, msisdn: pd.Series) -> pd.DataFrame:
    user = pd.read_csv(data / "train_user.csv", dtype={"phone_no_m": str, "city_name": str})
    user = user.set_index("phone_no_m").loc[msisdn.to_numpy()]
    return pd.DataFrame({"idcard_cnt": user["idcard_cnt"].to_numpy(), LAST_MONTH: user[LAST_MONTH].to_numpy(),
                         "city": user["city_name"].to_numpy()})


def as_matrix(table: pd.DataFrame, numeric: list[str], categorical: list[str], categories: dict) -> pd.DataFrame:
    """Numeric columns as float; each categorical over a fixed list of categories (an unseen value is missing)."""
    out = pd.DataFrame({c: pd.to_numeric(table[c], errors="coerce").astype("float64") for c in numeric})
    for c in categorical:
        values = table[c].astype("object")
        out[c] = pd.Categorical(values.where(values.isin(categories[c])), categories=categories[c])
    return out.reset_index(drop=True)


def fit(train: tuple, valid: tuple, categorical: list[str], seed: int) -> lgb.Booster:
    """LightGBM with fraudml's Sichuan settings, stopped early on validation PR-AUC."""
    dtrain = lgb.Dataset(*train, categorical_feature=categorical or "auto", free_raw_data=False)
    dvalid = lgb.Dataset(*valid, reference=dtrain)
    return lgb.train({**LGB, "seed": seed}, dtrain, PARAMS.n_estimators, valid_sets=[dvalid],
                     callbacks=[lgb.early_stopping(PARAMS.early_stopping_rounds, verbose=False)])


def run_pipeline(pipeline: tuple, splits, seed: int) -> list[dict]:
    """Per fold, the pipeline's model trained on the other folds, scoring the held-out fold from each shape."""
    (full, spec), one = pipeline
    y, rows = full["label"].to_numpy(dtype=float), []
    for k, split in enumerate(splits):
        bundle = train(full, spec, PARAMS.model_copy(update={"seed": seed}), split=split).bundle
        for evaluation, table in (("cv", full), ("test shape", one)):
            p = bundle.predict(table[split.test])
            rows.append({"fold": k, "seed": seed, "evaluation": evaluation,
                         "pr_auc": average_precision_score(y[split.test], p), "roc_auc": roc_auc_score(y[split.test], p)})
    return rows


def run_plain_peer(peer: pd.DataFrame, y: np.ndarray, splits, seed: int) -> list[dict]:
    """The peer as a plain LightGBM: its default settings, no early stopping, trained on train and validation."""
    rows = []
    for k, split in enumerate(splits):
        seen = split.train | split.valid
        x = as_matrix(peer, ["idcard_cnt", LAST_MONTH], ["city"], {"city": sorted(peer.loc[seen, "city"].dropna().unique())})
        model = lgb.train({"objective": "binary", "verbosity": -1, "seed": seed, "num_threads": 1},
                          lgb.Dataset(x[seen], y[seen], categorical_feature=["city"]))
        p = model.predict(x[split.test])
        for evaluation in ("cv", "test shape"):  # the same three columns in both shapes
            rows.append({"fold": k, "seed": seed, "evaluation": evaluation,
                         "pr_auc": average_precision_score(y[split.test], p), "roc_auc": roc_auc_score(y[split.test], p)})
    return rows


def run(variant, full: pd.DataFrame, one: pd.DataFrame, peer: pd.DataFrame, splits, seed: int) -> list[dict]:
    """Per fold, PR-AUC and ROC-AUC of the variant on the held-out fold, scored from each shape."""
    y = full["label"].to_numpy(dtype=float)
    if variant is None:  # the peer: the same three columns in both shapes
        variant, full, one = (["idcard_cnt", LAST_MONTH], ["city"], "full"), peer, peer
    numeric, categorical, shape = variant
    rows = []
    for k, split in enumerate(splits):
        tr, va, te = split.train, split.valid, split.test
        # categories from the training rows only, as a model bundle would store them
        cats = {c: sorted(full.loc[tr, c].dropna().unique()) for c in categorical}
        xf, xo = (as_matrix(t, numeric, categorical, cats) for t in (full, one))
        if shape == "both":  # each training number twice: as of its full history and as of one month
            model = fit((pd.concat([xf[tr], xo[tr]]), np.r_[y[tr], y[tr]]),
                        (pd.concat([xf[va], xo[va]]), np.r_[y[va], y[va]]), categorical, seed)
        else:
            x = xf if shape == "full" else xo
            model = fit((x[tr], y[tr]), (x[va], y[va]), categorical, seed)
        for evaluation, x in (("cv", xf if shape != "one month" else xo), ("test shape", xo)):
            p = model.predict(x[te], num_iteration=model.best_iteration)
            rows.append({"fold": k, "seed": seed, "evaluation": evaluation,
                         "pr_auc": average_precision_score(y[te], p), "roc_auc": roc_auc_score(y[te], p)})
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=REPO / ".." / "shared" / "data" / "sichuan")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seeds", default="0,1,2", help="seeds of the folds and of LightGBM")
    ap.add_argument("--out", type=Path, default=REPO / "data" / "sichuan_peer.json")
    args = ap.parse_args(argv)
    if not (args.data / "train_user.csv").exists():
        print(f"{args.data / 'train_user.csv'} not found", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    full, _ = live_features(args.data, months=3)
    pipeline_full, spec = live_features(args.data, months=SICHUAN.features.months)
    with tempfile.TemporaryDirectory() as tmp:
        one_month = one_month_copy(args.data, Path(tmp) / "one_month")
        one, _ = live_features(one_month, months=3)
        pipeline_one, _ = live_features(one_month, months=SICHUAN.features.months)
    same_rows = lambda table: table.set_index("msisdn").loc[full["msisdn"].to_numpy()].reset_index()  # noqa: E731
    one, pipeline = same_rows(one), ((same_rows(pipeline_full), spec), same_rows(pipeline_one))
    peer = peer_table(args.data, full["msisdn"])
    print(f"{len(full)} live numbers, {int(full['label'].sum())} fraud; features in {time.perf_counter() - t0:.0f} s\n")
    print("coverage (non-null share), full history -> one month: " + ", ".join(
        f"{c} {full[c].notna().mean():.2f} -> {one[c].notna().mean():.2f}" for c in ACCOUNT if c in full) + "\n")
    results = []
    for seed in (int(s) for s in args.seeds.split(",")):
        splits = fold_splits(full, args.folds, PARAMS.valid_fraction, seed)
        for name, variant in VARIANTS.items():
            if variant == "pipeline":
                rows = run_pipeline(pipeline, splits, seed)
            elif variant == "peer defaults":
                rows = run_plain_peer(peer, full["label"].to_numpy(dtype=float), splits, seed)
            else:
                rows = run(variant, full, one, peer, splits, seed)
            results += [{"variant": name, **r} for r in rows]
    df = pd.DataFrame(results)
    per_seed = df.groupby(["variant", "evaluation", "seed"], sort=False)[["pr_auc", "roc_auc"]].mean()
    mean = per_seed.groupby(["variant", "evaluation"], sort=False).mean()
    spread = df[df["seed"] == df["seed"].min()].groupby(["variant", "evaluation"], sort=False)[["pr_auc", "roc_auc"]].std()
    print("| variant | CV PR-AUC | CV ROC-AUC | test-shape PR-AUC | test-shape ROC-AUC |")
    print("|---|---|---|---|---|")
    for name in VARIANTS:
        cells = [f"{mean.loc[(name, e), m]:.3f} ± {spread.loc[(name, e), m]:.3f}"
                 for e in ("cv", "test shape") for m in ("pr_auc", "roc_auc")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    # paired: each variant minus the peer, fold by fold
    peer_name = next(iter(VARIANTS))
    key = ["seed", "fold", "evaluation"]
    base = df[df["variant"] == peer_name].set_index(key)["pr_auc"]
    print("\nPR-AUC minus the peer's, fold by fold (mean, worst fold):")
    for name in list(VARIANTS)[1:]:
        diff = df[df["variant"] == name].set_index(key)["pr_auc"] - base
        parts = [f"{e} {diff.xs(e, level='evaluation').mean():+.3f} (worst {diff.xs(e, level='evaluation').min():+.3f})"
                 for e in ("cv", "test shape")]
        print(f"  {name}: " + ", ".join(parts))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(df.to_dict("records"), indent=1) + "\n")
    print(f"\n{time.perf_counter() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
