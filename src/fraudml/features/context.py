"""What every feature family works from: the snapshots, the loaded tables, and intermediates shared by families.

A family is a function ``features(ctx) -> Family``. It aggregates the shared
intermediates (events of each snapshot's trailing window, per-counterpart
counts) into one or more *parts* keyed by the snapshot's integer id ``sid``, and
declares each feature it computes once, with its description. Grouping and
joining on one integer, not on (msisdn, as_of), is what keeps the many
aggregations over the calls cheap. The same functions run on an
unbound context (no backend, no data) to list the features for the spec and the
catalogue, so the definitions and the documentation cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import ibis

from fraudml.engine import Tables
from fraudml.features.spec import FeatureDef
from fraudml.tables import DAY_S, TABLES

KEY = ["sid"]  # one snapshot: (msisdn, as_of) numbered by build_features
NIGHT_END_HOUR = 6  # night is from midnight to 06:00, local time
OFFICE_HOURS = (9, 18)  # a call centre's working day, on weekdays
SHORT_CALL_S = 10  # a victim hangs up within seconds
LONG_CALL_S = 600  # ten minutes and more: a victim on the hook, or a person's long talk
MONTHS = 3  # complete months the monthly features look back over
NIGHT = f"between 00:00 and {NIGHT_END_HOUR:02d}:00"
OFFICE = f"on weekdays {OFFICE_HOURS[0]:02d}:00-{OFFICE_HOURS[1]:02d}:00"


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
        """Declare a whole-number feature (from calls or SMS: zero when an active number had no such event)."""
        return self._define(name, "int64", description, unit, window, source)

    def real(self, name: str, description: str, unit: str, window: int | None = None, source: str | None = None) -> str:
        """Declare a real-valued feature (null when undefined, e.g. a share of no calls)."""
        return self._define(name, "float64", description, unit, window, source)

    def part(self, table) -> None:
        """Add a table keyed by the snapshot id holding some of the declared features."""
        self.parts.append(table.select(*KEY, *[c for c in table.columns if c in self.names]))

    @property
    def names(self) -> list[str]:
        return [d.name for d in self.defs]


def last_complete_month(as_of):
    """First day of the latest month that ended before ``as_of``."""
    return as_of.truncate("M") - ibis.interval(months=1)


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
    snapshots: object  # ibis table: sid (int64), msisdn (string), as_of (timestamp, midnight)
    windows: tuple[int, ...]
    label_delay_days: int
    materialise: bool = True  # False for an unbound context (spec and catalogue only)
    shared: dict = field(default_factory=dict, repr=False)  # intermediates over all snapshots, kept across passes
    as_of_range: tuple[datetime, datetime] | None = None  # earliest and latest as_of of all snapshots, when known
    _cached: list = field(default_factory=list, repr=False)

    @property
    def lookback(self) -> int:
        return max(self.windows)

    def cache(self, table):
        if not self.materialise:
            return table
        cached = table.cache()
        self._cached.append(cached)
        return cached

    def over_all_dates(self, key: str, make):
        """An intermediate over every snapshot date (not just this pass's): ``make()`` runs once, the result is kept."""
        if key not in self.shared:
            table = make()
            self.shared[key] = table.cache() if self.materialise else table
        return self.shared[key]

    def release(self) -> None:
        """Drop this pass's materialised intermediates."""
        for table in self._cached:
            table.release()
        self._cached.clear()

    def within(self, lag_s, days: int):
        """Events of the trailing ``days`` window: ``lag_s`` is seconds before as_of (always > 0)."""
        return lag_s <= days * DAY_S

    def events_between(self, name: str, time_col: str, days_before_first: int | None, days_before_last: int = 0):
        """Events of ``name`` from ``days_before_first`` days before the earliest as_of (None: from any time) to
        ``days_before_last`` days before the latest.

        Constant bounds let the engine skip whole row groups of time-ordered
        files before any join; the joins still apply each snapshot's own bounds.
        """
        events = self.tables[name]
        if self.as_of_range is None:
            return events
        first, last = self.as_of_range
        keep = events[time_col] < last - timedelta(days=days_before_last)
        if days_before_first is not None:
            keep &= events[time_col] >= first - timedelta(days=days_before_first)
        return events.filter(keep)

    def _window_events(self, name: str, time_col: str):
        """Events of ``name`` in each snapshot's lookback [as_of - lookback, as_of), with sid and their lag in seconds."""
        events = self.events_between(name, time_col, self.lookback)
        s = self.snapshots
        joined = s.join(events, ["msisdn", events[time_col] < s.as_of,
                                 events[time_col] >= s.as_of - ibis.interval(days=self.lookback)])
        return joined.mutate(lag_s=(joined.as_of.epoch_seconds() - joined[time_col].epoch_seconds()).cast("int64"))

    def complete_months(self, name: str, *, every_snapshot: bool = False):
        """Each snapshot's rows of the monthly table ``name`` (account_months, app_usage) from its last MONTHS
        complete months, flagged ``in_last`` for the latest one: a month is known only once it has ended.
        ``every_snapshot`` keeps snapshots without such rows (with null columns)."""
        snapshots, monthly = self.snapshots, self.tables[name]
        last = last_complete_month(snapshots.as_of)
        month = monthly.month.cast("timestamp")
        on = [snapshots.msisdn == monthly.msisdn, month <= last, month > last - ibis.interval(months=MONTHS)]
        rows = snapshots.left_join(monthly, on) if every_snapshot else snapshots.join(monthly, on)
        return rows.mutate(in_last=rows.month.cast("timestamp") == last_complete_month(rows.as_of))

    @cached_property
    def calls_window(self):
        """Calls of each snapshot's longest window: sid, as_of, lag, day index, hour of day, day of week and the call's columns.

        ``day_index`` is 0 for the day just before as_of, 1 for the day before
        that, and so on: a call is in window w exactly when ``day_index < w``.
        """
        cw = self._window_events("calls", "started_at")
        return self.cache(cw.select(
            "sid", "as_of", "lag_s", "counterpart", "direction", "duration_s", "city", "county", "cell", "imei",
            day_index=((cw.lag_s - 1) // DAY_S).cast("int16"),
            hour=cw.started_at.hour().cast("int8"),
            weekday=cw.started_at.day_of_week.index().cast("int8"),
        ))

    @cached_property
    def sms_pairs(self):
        """One row per (snapshot, counterpart) of SMS: sent and received in each window, sent or received at night."""
        sw = self._window_events("sms", "sent_at")
        out = sw.direction == "out"
        metrics = {}
        for w in self.windows:
            inside = self.within(sw.lag_s, w)
            metrics[f"out_w{w}"] = sw.count(where=out & inside)
            metrics[f"in_w{w}"] = sw.count(where=~out & inside)
        metrics["night"] = sw.count(where=sw.sent_at.hour() < NIGHT_END_HOUR)
        metrics["all"] = sw.count()
        return self.cache(sw.group_by([*KEY, "counterpart"]).aggregate(**metrics))

    @cached_property
    def call_days(self):
        """Per snapshot, the days with calls in each window: a distinct (snapshot, day) table counted, not a distinct count."""
        cw = self.calls_window
        days = cw.select(*KEY, "day_index").distinct()
        return self.cache(days.group_by(KEY).aggregate(
            **{f"days_w{w}": days.count(where=days.day_index < w) for w in self.windows}))

    @cached_property
    def call_pairs(self):
        """One row per (snapshot, counterpart): calls each way in each window, and the day index of the first and last contact.

        The pair is in contact in window w when ``last_day < w``, and new in it
        (no earlier contact in the lookback) when ``first_day < w``.
        """
        cw = self.calls_window
        out, inc = cw.direction == "out", cw.direction == "in"
        metrics = {}
        for w in self.windows:
            inside = cw.day_index < w
            metrics[f"out_w{w}"] = cw.count(where=out & inside)
            metrics[f"in_w{w}"] = cw.count(where=inc & inside)
        metrics["first_day"] = cw.day_index.max()
        metrics["last_day"] = cw.day_index.min()
        return self.cache(cw.group_by([*KEY, "as_of", "counterpart"]).aggregate(**metrics))

    @cached_property
    def call_sequence(self):
        """Per snapshot, from its calls in time order (one sort): gaps between consecutive calls and device switches.

        A gap belongs to window w when both of its calls fall in it.
        """
        cw = self.calls_window
        order = ibis.window(group_by=KEY, order_by=ibis.desc(cw.lag_s))
        seq = cw.mutate(prev_lag_s=cw.lag_s.lag().over(order), prev_imei=cw.imei.lag().over(order))
        gap = (seq.prev_lag_s - seq.lag_s).cast("float64")
        metrics = {}
        for w in self.windows:
            inside = self.within(seq.prev_lag_s, w)
            metrics[f"gap_mean_w{w}"] = gap.mean(where=inside)
            metrics[f"gap_std_w{w}"] = gap.std(how="pop", where=inside)
        metrics["gap_median"] = gap.quantile(0.5)
        metrics["device_changes"] = seq.count(where=seq.prev_imei.notnull() & seq.imei.notnull() & (seq.prev_imei != seq.imei))
        return self.cache(seq.group_by(KEY).aggregate(**metrics))

    @cached_property
    def out_call_hours(self):
        """Outgoing calls per snapshot, day and hour of day: bursts and the daily rhythm come from it."""
        cw = self.calls_window
        out = cw.filter(cw.direction == "out")
        return self.cache(out.group_by([*KEY, "day_index", "hour"]).aggregate(n=out.count()))

    @cached_property
    def home_city(self):
        """(sid, home_city) of each snapshot's account."""
        accounts = self.tables["accounts"]
        s = self.snapshots
        return s.join(accounts.select("msisdn", "home_city"), "msisdn").select(*KEY, "home_city")

    @property
    def as_of_dates(self):
        return self.over_all_dates("as_of_dates", lambda: self.snapshots.select("as_of").distinct())

    @property
    def confirmed_fraud(self):
        """Fraud numbers known at each snapshot date: confirmed before as_of minus the label delay.

        Labels without a confirmation time (null labelled_at) never count: when
        they became known is unknown, so using them could leak the future.
        """
        def make():
            labels = self.tables["labels"]
            fraud = labels.filter((labels.label == 1) & labels.labelled_at.notnull()).select("msisdn", "labelled_at")
            d = self.as_of_dates
            known = d.join(fraud, fraud.labelled_at < d.as_of - ibis.interval(days=self.label_delay_days))
            return known.select("as_of", fraud_msisdn=known.msisdn).distinct()
        return self.over_all_dates("confirmed_fraud", make)

    def windowed_links(self, column: str):
        """(as_of, value, msisdn): numbers in contact with each counterpart, or using each IMEI, in the lookback."""
        def make():
            calls = self.events_between("calls", "started_at", self.lookback)
            d = self.as_of_dates
            j = d.join(calls, [calls.started_at < d.as_of, calls.started_at >= d.as_of - ibis.interval(days=self.lookback),
                               calls[column].notnull()])
            return j.select("as_of", value=j[column], msisdn=j.msisdn).distinct()
        return self.over_all_dates(f"links_{column}", make)

    @cached_property
    def device_links(self):
        """(sid, msisdn, as_of, imei, other): each snapshot's IMEIs and the numbers (itself included) seen on them."""
        links = self.windowed_links("imei")
        s = self.snapshots
        own = s.join(links, [s.msisdn == links.msisdn, s.as_of == links.as_of]).select(*KEY, "msisdn", "as_of", imei=links.value)
        users = links.view()
        j = own.join(users, [own.as_of == users.as_of, own.imei == users.value])
        return self.cache(j.select(*KEY, "msisdn", "as_of", "imei", other=j.msisdn_right))


def unbound_context(windows: tuple[int, ...], label_delay_days: int) -> Context:
    """A context over placeholder tables: enough to declare the features, not to compute them."""
    from fraudml.engine import _ibis_type

    tables = {name: ibis.table({c.name: _ibis_type(c.type) for c in schema.columns}, name=name)
              for name, schema in TABLES.items()}
    snapshots = ibis.table({"sid": "int64", "msisdn": "string", "as_of": "timestamp"}, name="snapshots")
    return Context(Tables(tables), snapshots, tuple(windows), label_delay_days, materialise=False)
