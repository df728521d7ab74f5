"""A backtest: a scored batch checked against the labels that came after it.

A simulated world knows its outcome, and so does an operator some weeks on. As
for training (``fraudml.features.snapshots``), a scored number is fraud when its
label is 1 and it was not yet confirmed before the batch's as_of; a fraud number
confirmed before as_of was already blocked and is left out, and so is a number
without a label (unknown). Closed numbers were not scored: they are only counted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from fraudml.errors import InputError
from fraudml.model.metrics import pr_auc, pr_auc_interval, precision_recall_at
from fraudml.model.thresholds import ALERT, CLOSED, REVIEW
from fraudml.tables import open_parquet, read_parquet, read_table

METRICS_FILE = "metrics.json"


def backtest(scores: pd.DataFrame, labels: pd.DataFrame, as_of: pd.Timestamp) -> dict:
    """Precision and recall of the alerts (and of alerts and reviews together) and the PR-AUC of the scores."""
    labels = labels.drop_duplicates("msisdn", keep="last").set_index("msisdn")
    scored = scores[scores["decision"] != CLOSED].join(labels[["label", "labelled_at"]], on="msisdn")
    confirmed = (scored["label"] == 1) & (pd.to_datetime(scored["labelled_at"]) < as_of)
    known = scored[scored["label"].notna() & ~confirmed.fillna(False).to_numpy()]
    y, score = known["label"].to_numpy(dtype="float64"), known["score"].to_numpy(dtype="float64")
    low_high = pr_auc_interval(y, score) or (None, None)
    out = {"as_of": f"{as_of:%Y-%m-%d}", "scored": len(scored), "closed": int((scores["decision"] == CLOSED).sum()),
           "unlabelled": int(scored["label"].isna().sum()), "confirmed_before_as_of": int(confirmed.sum()),
           "evaluated": len(known), "fraud": int(y.sum()), "pr_auc": pr_auc(y, score),
           "pr_auc_low": low_high[0], "pr_auc_high": low_high[1]}
    for name, decisions in (("alert", (ALERT,)), ("alert_or_review", (ALERT, REVIEW))):
        flagged = known["decision"].isin(decisions).to_numpy(dtype="float64")
        precision, recall = precision_recall_at(y, flagged, 1.0)
        out[name] = {"flagged": int(flagged.sum()), "precision": precision, "recall": recall}
    return out


def backtest_files(scores: str | Path, labels: str | Path, out: str | Path | None = None,
                   as_of: pd.Timestamp | None = None) -> dict:
    """:func:`backtest` of a scores file (its as_of from the file, unless given) against a labels table (a canonical
    folder, or a labels Parquet file); written to ``out/metrics.json`` when ``out`` is given."""
    table, as_of = _read_scores(Path(scores), as_of)
    result = backtest(table, _read_labels(Path(labels)), as_of)
    if out is not None:
        Path(out).mkdir(parents=True, exist_ok=True)
        (Path(out) / METRICS_FILE).write_text(json.dumps(result, indent=2) + "\n")
    return result


def _read_scores(path: Path, as_of: pd.Timestamp | None) -> tuple[pd.DataFrame, pd.Timestamp]:
    if path.suffix == ".parquet":
        stamped = (open_parquet(path).schema_arrow.metadata or {}).get(b"as_of", b"").decode()
        table = read_parquet(path).to_pandas()
    else:
        stamped = ""
        try:
            table = pd.read_csv(path, dtype={"msisdn": "string"})
        except Exception as exc:  # the CSV parser raises many types
            raise InputError(f"{path}: cannot read the scores ({exc})") from exc
    missing = [c for c in ("msisdn", "score", "decision") if c not in table.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing: not a scores file of fraudml score")
    if as_of is None:
        if not stamped:
            raise InputError(f"{path}: the file does not say its as_of: give --as-of")
        as_of = pd.Timestamp(stamped)
    return table, pd.Timestamp(as_of)


def _read_labels(path: Path) -> pd.DataFrame:
    if path.is_dir():
        return read_table(path, "labels")
    labels = read_parquet(path).to_pandas()
    missing = [c for c in ("msisdn", "label") if c not in labels.columns]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing)} missing: not a labels table")
    if "labelled_at" not in labels.columns:
        labels["labelled_at"] = pd.NaT
    return labels.assign(label=pd.to_numeric(labels["label"], errors="coerce").astype("float64"))
