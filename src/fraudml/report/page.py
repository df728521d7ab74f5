"""Render a scored batch as one self-contained HTML page: styles, script and charts inline, nothing fetched.

The page's Content-Security-Policy forbids every network request, so a page
that works here works offline. Values from the data are escaped by the template.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from fraudml.errors import InputError
from fraudml.model.thresholds import ALERT
from fraudml.report.activity import DAYS, Activity, recent_activity
from fraudml.report.batch import Batch, ModelFacts
from fraudml.report.charts import LINK_KINDS, daily_calls, ring_graph
from fraudml.scoring.output import REASONS
from fraudml.scoring.score import NEEDS_REASONS as FLAGGED
from fraudml.tables import replace_atomically

TEMPLATES = files("fraudml.report") / "templates"
METRICS = ("pr_auc", "roc_auc", "precision_at_alert", "recall_at_alert", "recall_at_90_precision", "macro_f1_at_alert",
           "brier", "alerts_per_day")


def fmt_metric(value) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"


def fmt_share(value) -> str:
    return "" if value is None or pd.isna(value) else f"{value:.0%}"


def _reasons(row) -> list[str]:
    return [r for r in (row[c] for c in REASONS) if isinstance(r, str) and r]


def _cases(alerts: pd.DataFrame, activity: Activity) -> list[dict]:
    totals = activity.totals.set_index("msisdn")
    by_number = dict(tuple(activity.daily.groupby("msisdn")))
    empty = activity.daily.iloc[:0]
    cases = []
    for row in alerts.itertuples(index=False):
        daily = by_number.get(row.msisdn, empty)
        known = row.msisdn in totals.index
        cases.append({
            "msisdn": row.msisdn, "rank": row.rank, "score": row.score, "ring_id": row.ring_id if pd.notna(row.ring_id) else None,
            "calls_out": int(daily["calls_out"].sum()), "calls_in": int(daily["calls_in"].sum()),
            "counterparts": int(totals.at[row.msisdn, "counterparts"]) if known else 0,
            "night_share": totals.at[row.msisdn, "night_share"] if known else None,
            "reasons": _reasons(row._asdict()), "chart": Markup(daily_calls(daily, activity.start, activity.days)),
        })
    return cases


def _rings(batch: Batch) -> list[dict] | None:
    if batch.rings is None:
        return None
    scores = batch.scores.set_index("msisdn")
    flagged = set(batch.scores.loc[batch.scores["decision"].isin(FLAGGED), "msisdn"])
    out = []
    for ring in batch.rings.to_dict("records"):
        members = list(ring["members"])
        rows = [{"msisdn": m, "decision": scores.at[m, "decision"] if m in scores.index else "not scored",
                 "score": f"{scores.at[m, 'score']:.3f}" if m in scores.index else ""} for m in members]
        out.append({**ring, "handsets": list(ring["handsets"]), "holders": list(ring["holders"]), "member_rows": rows,
                    "first_activity": _when(ring["first_activity"]), "last_activity": _when(ring["last_activity"]),
                    "graph": Markup(ring_graph(members, [dict(link) for link in ring["links"]], flagged))})
    return out


def _when(value) -> str | None:
    return None if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d %H:%M}"


def _drift_rows(drift: dict | None) -> list[dict]:
    if not drift:
        return []
    drifted = set(drift.get("drifted") or [])
    rows = [{"feature": f["feature"], "psi": f.get("psi"), "drifted": f["feature"] in drifted,
             "coverage_batch": None if f.get("missing_batch") is None else 1 - f["missing_batch"],
             "coverage_train": None if f.get("missing_train") is None else 1 - f["missing_train"]}
            for f in drift.get("features", [])]
    return sorted(rows, key=lambda r: -1 if r["psi"] is None else r["psi"], reverse=True)


def render(batch: Batch, activity: Activity, model: ModelFacts | None = None) -> str:
    """The report page of ``batch``; ``activity`` holds the alerted numbers' recent calls."""
    import fraudml

    flagged = batch.scores[batch.scores["decision"].isin(FLAGGED)]
    alerts = flagged[flagged["decision"] == ALERT]
    ring_num = flagged["ring_id"].str.removeprefix("R").astype("float64")
    table_rows = [{**row, "reasons": _reasons(row), "ring_id": row["ring_id"] if pd.notna(row["ring_id"]) else None,
                   "ring_num": "" if pd.isna(n) else int(n)} for row, n in zip(flagged.to_dict("records"), ring_num)]
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    template = env.from_string((TEMPLATES / "report.html").read_text(encoding="utf-8"))
    rejects = batch.rejects
    return template.render(
        batch=batch, model=model, decisions=batch.decisions(), flagged=table_rows, alert=ALERT,
        flagged_decisions=[d for d in FLAGGED if d in set(flagged["decision"])],
        rejected=None if rejects is None else len(rejects),
        reject_reasons=[] if rejects is None else list(rejects["reason"].value_counts().items()),
        drift=batch.drift, drift_rows=_drift_rows(batch.drift), drift_file=batch.source.name.rsplit(".", 1)[0] + ".drift.json",
        cases=_cases(alerts, activity), activity_days=activity.days, rings=_rings(batch), link_kinds=LINK_KINDS,
        metric_names=METRICS,
        fmt_metric=fmt_metric, fmt_share=fmt_share, version=getattr(fraudml, "__version__", ""),
        made=f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        css=Markup((TEMPLATES / "report.css").read_text(encoding="utf-8")),
        js=Markup((TEMPLATES / "report.js").read_text(encoding="utf-8")),
    )


def write_report(batch: Batch, data: str | Path, out: str | Path, *, model: ModelFacts | None = None,
                 engine: str = "duckdb") -> Path:
    """Read the alerted numbers' activity from ``data`` and write the report to ``out`` atomically."""
    if batch.as_of is None:
        raise InputError(f"{batch.source}: the scores do not say their as_of date (scored from a feature table?): "
                         "give --as-of")
    alerts = batch.scores.loc[batch.scores["decision"] == ALERT, "msisdn"].tolist()
    activity = recent_activity(data, alerts, batch.as_of, days=DAYS, engine=engine)
    html = render(batch, activity, model)
    return replace_atomically(Path(out), lambda tmp: Path(tmp).write_text(html, encoding="utf-8"))
