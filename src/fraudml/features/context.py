"""What every feature family works from: the snapshots, the loaded tables, and intermediates shared by families.

A family is a function ``features(ctx) -> Family``. It aggregates the shared
intermediates (events of each snapshot's trailing window, per-counterpart
counts) into one or more *parts* keyed by (msisdn, as_of), and declares each
feature it computes once, with its description. The same functions run on an
unbound context (no backend, no data) to list the features for the spec and the
catalogue, so the definitions and the documentation cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import ibis

from fraudml.features.engine import Tables
from fraudml.features.spec import FeatureDef
from fraudml.tables import TABLES

KEY = ["msisdn", "as_of"]
DAY_S = 86_400


@dataclass
class Family:
    """The features of one family: their definitions and the keyed tables that compute them."""

    name: str
    source: str
    defs: list[FeatureDef] = field(default_factory=list)
    parts: list = field(default_factory=list)

    def _define(self, name, dtype, description, unit, window, source) -> str:
        if any(d.name == name for d in self.defs):
            raise ValueError(f"feature {name} defined twice")
        self.defs.append(FeatureDef(name=name, dtype=dtype, family=self.name, description=description,
                                    window_days=window, source=source or self.source, unit=unit))
        return name

    def count(self, name: str, description: str, unit: str, window: int | None = None, source: str | None = None) -> str:
        """Declare a whole-number feature (zero when the number had no such event)."""
        return self._define(name, "int64", description, unit, window, source)

    def real(self, name: str, description: str, unit: str, window: int | None = None, source: str | None = None) -> str:
        """Declare a real-valued feature (null when undefined, e.g. a share of no calls)."""
        return self._define(name, "float64", description, unit, window, source)

    def part(self, table) -> None:
        """Add a table keyed by (msisdn, as_of) holding some of the declared features."""
        self.parts.append(table.select(*KEY, *[c for c in table.columns if c in self.names]))

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.defs]


def span(days: int) -> str:
    """'day' or '7 days', for descriptions: "in the last day", "in the last 7 days"."""
    return "day" if days == 1 else f"{days} days"


def span_of(days: int) -> str:
    """The possessive: "the last day's calls", "the last 7 days' calls"."""
    return "day's" if days == 1 else f"{days} days'"


def entropy(counts_sum, n_log_n_sum):
    """Shannon entropy (nats) of a distribution from sum(n) and sum(n ln n) over its categories."""
    return ibis.ifelse(counts_sum > 0, counts_sum.cast("float64").ln() - n_log_n_sum / counts_sum, None)


def n_log_n(n):
    return n.cast("float64") * ibis.greatest(n, 1).cast("float64").ln()


def share(part, whole):
    return ibis.ifelse(whole > 0, part.cast("float64") / whole, None)


@dataclass
class Context:
    tables: Tables
    snapshots: object  # ibis table: msisdn (string), as_of (timestamp, midnight)
    windows: tuple[int, ...] = (1, 7, 30)
    label_delay_days: int = 7
    materialise: bool = True  # False for an unbound context (spec and catalogue only)

    @property
    def lookback(self) -> int:
        return max(self.windows)

    def within(self, lag_s, days: int):
        """Events of the trailing ``days`` window: ``lag_s`` is seconds before as_of (always > 0)."""
        return lag_s <= days * DAY_S

    def cache(self, table):
        return table.cache() if self.materialise else table

    def _window_events(self, name: str, time_col: str, days: int | None = None):
        """Events of ``name`` in [as_of - days, as_of) for each snapshot, with their lag in seconds."""
        events = self.tables[name]
        s = self.snapshots
        days = days or self.lookback
        joined = s.join(events, ["msisdn", events[time_col] < s.as_of,
                                 events[time_col] >= s.as_of - ibis.interval(days=days)])
        return joined.mutate(lag_s=(joined.as_of.epoch_seconds() - joined[time_col].epoch_seconds()).cast("int64"))

    @cached_property
    def calls_window(self):
        """Calls of each snapshot's longest window, with lag, hour of day and day of week."""
        cw = self._window_events("calls", "started_at")
        return self.cache(cw.mutate(hour=cw.started_at.hour(), weekday=cw.started_at.day_of_week.index()))

    @cached_property
    def sms_window(self):
        return self.cache(self._window_events("sms", "sent_at"))

    @cached_property
    def call_pairs(self):
        """One row per (snapshot, counterpart): calls each way in each window, first and last contact."""
        cw = self.calls_window
        out, inc = cw.direction == "out", cw.direction == "in"
        metrics = {}
        for w in self.windows:
            inside = self.within(cw.lag_s, w)
            metrics[f"out_w{w}"] = cw.count(where=out & inside)
            metrics[f"in_w{w}"] = cw.count(where=inc & inside)
            metrics[f"any_w{w}"] = cw.count(where=inside)
        metrics["first_lag_s"] = cw.lag_s.max()
        metrics["last_lag_s"] = cw.lag_s.min()
        return self.cache(cw.group_by([*KEY, "counterpart"]).aggregate(**metrics))

    @cached_property
    def as_of_dates(self):
        return self.snapshots.select("as_of").distinct()

    @cached_property
    def confirmed_fraud(self):
        """Fraud numbers known at each snapshot date: confirmed before as_of minus the label delay.

        Labels without a confirmation time (null labelled_at) never count: when
        they became known is unknown, so using them could leak the future.
        """
        labels = self.tables["labels"]
        fraud = labels.filter((labels.label == 1) & labels.labelled_at.notnull()).select("msisdn", "labelled_at")
        d = self.as_of_dates
        known = d.join(fraud, fraud.labelled_at < d.as_of - ibis.interval(days=self.label_delay_days))
        return self.cache(known.select("as_of", fraud_msisdn=known.msisdn).distinct())

    def daily_links(self, column: str):
        """Distinct (column value, msisdn, day) of calls in the span the snapshots look back over."""
        calls = self.tables["calls"]
        c = calls.filter(calls[column].notnull()).select(value=calls[column], msisdn=calls.msisdn, day=calls.started_at.date())
        return c.distinct()

    def windowed_links(self, column: str, days: int):
        """(as_of, value, msisdn): numbers linked to each value (a counterpart or an IMEI) in [as_of - days, as_of)."""
        links = self.daily_links(column)
        d = self.as_of_dates
        j = d.join(links, [links.day.cast("timestamp") < d.as_of,
                           links.day.cast("timestamp") >= d.as_of - ibis.interval(days=days)])
        return self.cache(j.select("as_of", "value", "msisdn").distinct())


def unbound_context(windows=(1, 7, 30), label_delay_days: int = 7) -> Context:
    """A context over placeholder tables: enough to declare the features, not to compute them."""
    from fraudml.features.engine import _ibis_type

    tables = {name: ibis.table({c.name: _ibis_type(c.type) for c in schema.columns}, name=name)
              for name, schema in TABLES.items()}
    snapshots = ibis.table({"msisdn": "string", "as_of": "timestamp"}, name="snapshots")
    return Context(Tables(tables), snapshots, tuple(windows), label_delay_days, materialise=False)
