"""Rings: flagged numbers grouped with the numbers they are linked to, each ring summed up.

``find_rings`` builds the links of the flagged (alert or review) numbers of a
scored batch from the canonical folder, takes their connected components in the
engine, and numbers the components R1, R2, ... (most flagged members first).
A flagged number without links is in no ring. Every figure comes from events
strictly before ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

from fraudml.cases.components import connected_components
from fraudml.cases.links import KINDS, links
from fraudml.engine import close, connect, load_tables, register
from fraudml.features.spec import DEFAULT_WINDOWS
from fraudml.scoring.output import RING_ID, RINGS
from fraudml.scoring.score import NEEDS_REASONS as FLAGGED

WINDOW_DAYS = max(DEFAULT_WINDOWS)  # handsets and victims: the calls of the features' longest window


@dataclass
class Rings:
    members: pd.DataFrame  # msisdn, ring_id: every member, flagged or not
    table: pd.DataFrame  # one row per ring, the columns of scoring.output.RINGS
    rounds: int = 0  # label-propagation rounds run

    def summary(self) -> str:
        t = self.table
        return f"{len(t):,} ring(s) of {int(t['size'].sum()):,} numbers, {int(t['flagged'].sum()):,} of them flagged"

    def assign(self, scores: pd.DataFrame) -> pd.DataFrame:
        """``scores`` with each row's ring id (null for a number in no ring)."""
        ring = scores["msisdn"].map(self.members.set_index("msisdn")[RING_ID])
        return scores.assign(**{RING_ID: ring.astype("string")})


def no_rings() -> Rings:
    return Rings(pd.DataFrame({"msisdn": pd.Series(dtype="string"), RING_ID: pd.Series(dtype="string")}),
                 RINGS.empty_table().to_pandas())


def find_rings(data: str | Path, scores: pd.DataFrame, as_of: date, *, engine: str = "duckdb",
               window_days: int = WINDOW_DAYS) -> Rings:
    """The rings of the flagged numbers of ``scores`` (msisdn, decision), from the tables in ``data``."""
    flagged = scores.loc[scores["decision"].isin(FLAGGED), "msisdn"].dropna().astype(str).unique()
    if len(flagged) == 0:
        return no_rings()
    day = datetime.combine(as_of, datetime.min.time()) if not isinstance(as_of, datetime) else as_of
    con = connect(engine)
    try:
        tables = load_tables(con, data)
        numbers = register(con, "flagged_numbers", pa.table({"msisdn": pa.array(flagged, pa.string())}))
        edges = links(tables, numbers, day, window_days).cache()
        labels, rounds = connected_components(edges)
        members = labels.to_pandas()
        if members.empty:
            return no_rings()
        pairs = _pairs(edges, labels).to_pandas()
        activity = _activity(tables, labels, day, window_days).to_pandas()
        labels.release()
        edges.release()
    finally:
        close(con)
    return _summarise(members, pairs, activity, set(flagged), rounds)


def _pairs(edges, labels):
    """Each link once (a < b), with its component's label."""
    e = edges.join(labels, edges.a == labels.node)
    return e.select("label", "kind", "via", a=ibis.least(e.a, e.b), b=ibis.greatest(e.a, e.b)).distinct()


def _activity(tables, labels, as_of: datetime, window_days: int):
    """Per component: first and last call or SMS before as_of, and distinct numbers called or texted in the window."""
    start = as_of - timedelta(days=window_days)
    parts, out = [], []
    for name, time_col in (("calls", "started_at"), ("sms", "sent_at")):
        t = tables[name]
        t = t.filter(t[time_col] < as_of).join(labels, t.msisdn == labels.node)
        parts.append(t.select("label", at=t[time_col]))
        sent = t.filter((t.direction == "out") & (t[time_col] >= start))
        out.append(sent.select("label", "counterpart"))
    events, contacted = ibis.union(*parts), ibis.union(*out, distinct=True)
    span = events.group_by("label").aggregate(first_activity=events.at.min(), last_activity=events.at.max())
    reach = contacted.group_by("label").aggregate(counterparts=contacted.count())
    return labels.select("label").distinct().left_join(span, "label").left_join(reach, "label").select(
        "label", "first_activity", "last_activity", "counterparts")


def _summarise(members: pd.DataFrame, pairs: pd.DataFrame, activity: pd.DataFrame, flagged: set[str],
               rounds: int) -> Rings:
    """The rings' table, every ring at once (ring by ring, pandas' fixed costs were most of the work)."""
    members = members.assign(flagged=members["node"].isin(flagged))
    per = members.groupby("label").agg(size=("node", "size"), flagged=("flagged", "sum"))
    per = per.sort_index().sort_values(["flagged", "size"], ascending=False, kind="stable")  # ties: by label
    ids = pd.Series([f"R{i}" for i in range(1, len(per) + 1)], index=per.index)
    links_ = pairs.drop_duplicates(["label", "a", "b", "kind"]).sort_values(["label", "kind", "a", "b"])
    kinds = pd.crosstab(links_["label"], links_["kind"]).reindex(columns=list(KINDS), fill_value=0)
    lists = pd.DataFrame({
        "handsets": _sorted(pairs[pairs["kind"] == "handset"], "via"),
        "holders": _sorted(pairs[pairs["kind"] == "holder"], "via"),
        "members": _sorted(members, "node"),
        "links": links_.assign(link=links_[["a", "b", "kind"]].to_dict("records")).groupby("label")["link"].agg(list),
    })
    table = per.assign(**{RING_ID: ids}).join([kinds.add_suffix("_links"), activity.set_index("label"), lists])
    counted = [f"{kind}_links" for kind in KINDS] + ["counterparts"]
    table[counted] = table[counted].fillna(0).astype("int64")
    for column in lists.columns:
        table[column] = table[column].map(lambda v: v if isinstance(v, list) else [])
    table = pa.Table.from_pandas(table[RINGS.names], schema=RINGS, preserve_index=False).to_pandas()
    out = pd.DataFrame({"msisdn": members["node"].astype("string"), RING_ID: members["label"].map(ids).astype("string")})
    return Rings(out.sort_values("msisdn", ignore_index=True), table, rounds)


def _sorted(frame: pd.DataFrame, column: str) -> pd.Series:
    """Per label, the distinct values of ``column``, sorted."""
    values = frame[["label", column]].drop_duplicates().sort_values(["label", column])
    return values.groupby("label")[column].agg(list)

