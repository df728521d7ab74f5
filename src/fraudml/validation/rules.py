"""The rules of the canonical tables, written once as Ibis expressions, so that any engine runs them.

The input is a table of a canonical table's columns, as text (from CSV) or
already typed (from Parquet or the simulator), plus ``_row``, the row's 1-based
position in its source. :func:`checked` gives each row its typed values and
``_reason``, the first column rule it fails (null when it passes every one);
:func:`repeats` finds the rows that repeat an earlier good row, on all values
(exact duplicates) or on the table's key. Nothing here reads or writes data.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable

import ibis
import pyarrow as pa

from fraudml.errors import InputError
from fraudml.tables import Column, TableSchema

ROW = "_row"  # 1-based position of the row in its source
REASON = "_reason"
SOURCE = "_source_"  # prefix of a column's source value, as text, kept for the quarantine

DUPLICATE = "exact duplicate of an earlier row"
NO_VALUE = ("",)  # text that is no value, once stripped; a source format may add its own tokens
# the forms a value may take as text, after surrounding spaces; the engine's casts then check the value itself
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_TIME = r"(T| +)([01]?[0-9]|2[0-3]):[0-5]?[0-9](:[0-5]?[0-9](\.[0-9]*)?)?"
_TIMESTAMP = rf"^[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}({_TIME})?$"
_MONTH = rf"^[0-9]{{4}}-?[0-9]{{2}}(-[0-9]{{2}}({_TIME})?)?$"  # 2019-12, 201912, or a date in it
_INT_RANGE = {pa.int8(): 2**7, pa.int16(): 2**15, pa.int32(): 2**31, pa.int64(): 2**63}


def key_repeat(schema: TableSchema) -> str:
    return f"{', '.join(schema.key)}: repeats an earlier row with other values"


def kind(col: Column) -> str:
    """The type of a column in a user's words."""
    t = col.type
    if pa.types.is_timestamp(t):
        return "date and time (YYYY-MM-DD HH:MM:SS)"
    if pa.types.is_date(t):
        return "month (YYYY-MM)" if col.name == "month" else "date (YYYY-MM-DD)"
    if pa.types.is_integer(t):
        return "whole number"
    if pa.types.is_floating(t):
        return "number"
    return "text"


def check_columns(columns, schema: TableSchema, source: str) -> None:
    """A table without one of its required columns cannot be validated."""
    missing = [c for c in schema.required if c not in columns]
    if missing:
        raise InputError(
            f"{source}: required column(s) {', '.join(missing)} missing from table '{schema.name}'; "
            f"found columns: {', '.join(map(str, columns)) or '(none)'}"
        )


def _null(col: Column):
    return ibis.null().cast(ibis.dtype(col.type))


@ibis.udf.scalar.builtin(name="substring")
def _substring(text: str, start: int, length: int) -> str:
    """The engines' own substring, which counts a negative ``start`` from the end (DuckDB and Spark alike)."""


@ibis.udf.scalar.builtin(name="bit_length")
def _bit_length(text: str) -> int:
    """The text's size in bits, which the engines read off its size in bytes, where its length in characters takes
    counting them (0.4 CPU s for the 40 M values of 5 M calls)."""


def stripped(text):
    """Text without the spaces, tabs and line breaks around it. Only a value whose first or last character is one
    (or another control character) is trimmed: trimming copies the text, and most values have nothing to trim.
    The last character is taken from the end: Ibis's ``substr(-1, 1)`` counts the text's characters from its start
    first (reading 5 M calls and stripping their 8 columns took 8.1 CPU s that way, 3.7 this way)."""
    edge = (text.ascii_str() <= 32) | (_substring(text, -1, 1) <= " ")
    return ibis.ifelse(edge, text.strip(), text)


def one_of(value, options):
    """Whether ``value`` equals one of a few literal ``options`` (null when it is null): comparisons, which the
    engine evaluates in place, where a list would be turned into a join."""
    return functools.reduce(operator.or_, (value == o for o in options))


def _given(t, cols: list[Column], missing: tuple[str, ...]):
    """``t`` with ``_given_<name>``: each column's value given, with no value written as null: text stripped of
    surrounding spaces (then '', or any of the source's ``missing`` tokens, is no value), a float's NaN (how pandas
    writes a missing number). Two projections, so that the engine strips each value once."""
    text = [c.name for c in cols if t[c.name].type().is_string()]
    t = t.mutate(**{f"_text_{c}": stripped(t[c]) for c in text})
    given = {}
    for col in cols:
        value = t[col.name]
        if col.name in text:
            value = t[f"_text_{col.name}"]
            longest = 8 * max(len(m.encode()) for m in missing)
            token = (_bit_length(value) <= longest) & one_of(value, missing)  # most values are longer
            value = ibis.ifelse(token, ibis.null("string"), value)
        elif value.type().is_floating():
            value = ibis.ifelse(value.isnan(), ibis.null(value.type()), value)
        given[f"_given_{col.name}"] = value
    return t.mutate(**given)


def _parsed(col: Column, given):
    """A given value read as the column's kind: text through its accepted forms (numbers as floats, months as the
    first day), typed values converted; null when it does not parse."""
    t, dtype = col.type, given.type()
    if dtype.is_string():
        if pa.types.is_timestamp(t):
            return ibis.ifelse(given.re_search(_TIMESTAMP), given.try_cast("timestamp"), _null(col))
        if pa.types.is_date(t):
            month = ibis.ifelse(given.substr(4, 1) == "-", given.substr(5, 2), given.substr(4, 2))
            first = (given.substr(0, 4) + "-" + month + "-01").try_cast("date")
            return ibis.ifelse(given.re_search(_MONTH), first, _null(col))
        if pa.types.is_integer(t) or pa.types.is_floating(t):
            return ibis.ifelse(given.re_search(_NUMBER), given.try_cast("float64"), ibis.null("float64"))
        return given
    if pa.types.is_string(t):
        return given.cast("string")
    if pa.types.is_timestamp(t) and (dtype.is_timestamp() or dtype.is_date()):
        return given.cast("timestamp")
    if pa.types.is_date(t) and (dtype.is_timestamp() or dtype.is_date()):
        return given.cast("timestamp").truncate("M").date()
    if (pa.types.is_integer(t) or pa.types.is_floating(t)) and dtype.is_numeric():
        return given.cast("float64")
    return _null(col)  # a timestamp where a number belongs, and the like


def _typed(col: Column, parsed):
    """The parsed value as the column's type: whole and in range for integers, finite for reals; else null."""
    if pa.types.is_integer(col.type):
        bound = _INT_RANGE[col.type]
        whole = (parsed % 1 == 0) & (parsed >= -bound) & (parsed < bound)
        return ibis.ifelse(whole, parsed, ibis.null("float64")).cast("int64")
    if pa.types.is_floating(col.type):
        return ibis.ifelse(parsed.isinf() | parsed.isnan(), ibis.null("float64"), parsed)
    return parsed


def column_rules(col: Column, value, unparsed) -> list[tuple]:
    """(failed, reason) of each rule of one column, in the order they are checked."""
    rules = [(unparsed, f"{col.name}: not a {kind(col)}")]
    if not col.nullable:
        rules.append((value.isnull() & ~unparsed, f"{col.name}: missing"))
    if col.allowed is not None:
        allowed = [int(a) for a in col.allowed] if pa.types.is_integer(col.type) else list(col.allowed)
        rules.append((value.notnull() & ~one_of(value, allowed), f"{col.name}: not one of {', '.join(col.allowed)}"))
    if col.min_value is not None:
        rules.append((value < col.min_value, f"{col.name}: below {col.min_value:g}"))
    return rules


def _stages(t, schema: TableSchema, missing: tuple[str, ...]):
    """``t`` with, for each canonical column it has, the value given (``_given_``), parsed (``_parsed_``), typed
    (``_value_``) and whether a given value does not parse (``_unparsed_``), one projection each, so that the
    engine works out each once. Ibis merges a projection into the next, writing out each use of a column the
    first computes, which would parse a number five times: ``view`` keeps each its own."""
    cols = [c for c in schema.columns if c.name in t.columns]
    t = _given(t, cols, missing).view()
    t = t.mutate(**{f"_parsed_{c.name}": _parsed(c, t[f"_given_{c.name}"]) for c in cols}).view()
    t = t.mutate(**{f"_value_{c.name}": _typed(c, t[f"_parsed_{c.name}"]) for c in cols}).view()
    return t.mutate(**{f"_unparsed_{c.name}": t[f"_given_{c.name}"].notnull() & t[f"_value_{c.name}"].isnull()
                       for c in cols}).view()


def checked(t, schema: TableSchema, missing: tuple[str, ...] = NO_VALUE):
    """``_row``, ``_reason`` (the first column rule the row fails, null when none), the typed columns, and each
    given column's source value (``_source_<name>``). Text that is empty once stripped, or one of ``missing``, is
    no value."""
    check_columns(t.columns, schema, schema.name)
    given = [c for c in t.columns if c != ROW]
    s = _stages(t, schema, missing)
    typed, rules = {}, []
    for col in schema.columns:
        if col.name not in t.columns:  # an optional column the source lacks: null, nothing to check
            typed[col.name] = _null(col)
            continue
        value = s[f"_value_{col.name}"]
        typed[col.name] = value.cast(ibis.dtype(col.type))  # the canonical type itself: nothing to convert later
        rules += column_rules(col, value, s[f"_unparsed_{col.name}"])
    reason = ibis.cases(*rules, else_=ibis.null("string")) if rules else ibis.null("string")
    return s.select(ROW, **{REASON: reason}, **typed, **{SOURCE + c: s[c] for c in given})


def quarantine_text(t):
    """``t`` with each source value as text on the rows with a reason (the quarantine's), null on the others."""
    bad = t[REASON].notnull()
    return t.mutate(**{c: ibis.ifelse(bad, t[c].cast("string"), ibis.null("string"))
                       for c in t.columns if c.startswith(SOURCE)})


def unparsed_counts(t, schema: TableSchema, missing: tuple[str, ...] = NO_VALUE):
    """One row: per canonical column ``t`` has, the number of rows whose value is given and does not parse."""
    s = _stages(t, schema, missing)
    return s.aggregate(**{c.name: s[f"_unparsed_{c.name}"].cast("int64").sum()
                          for c in schema.columns if c.name in t.columns})


def unparsed_rows(t, schema: TableSchema, col: Column, missing: tuple[str, ...] = NO_VALUE):
    """The rows of ``t`` whose ``col`` is given and does not parse: _row and the given value."""
    s = _stages(t, schema, missing)
    return s.filter(s[f"_unparsed_{col.name}"]).select(ROW, value=s[col.name].cast("string"))


def _comparable(col: Column, given):
    """A given value in a form that is equal for two rows whenever their typed values are equal, computed without
    checking that it parses: enough to find the rows that may repeat one another, cheaply."""
    if not given.type().is_string():
        return _parsed(col, given)
    t = col.type
    if pa.types.is_timestamp(t):
        return given.try_cast("timestamp")
    if pa.types.is_date(t):
        month = ibis.ifelse(given.substr(4, 1) == "-", given.substr(5, 2), given.substr(4, 2))
        return (given.substr(0, 4) + "-" + month + "-01").try_cast("date")
    if pa.types.is_integer(t) or pa.types.is_floating(t):
        return given.try_cast("float64")
    return given


def fingerprints(t, schema: TableSchema, columns: list[str], missing: tuple[str, ...] = NO_VALUE):
    """``_row`` and ``_hash``, a hash of ``columns`` of source table ``t`` that is equal for rows whose typed values
    are equal (two rows with equal hashes may still differ).

    The columns that are not text are hashed (times, numbers: reading them costs little), and the first column,
    whose row it is (the phone number): in an operator's millions of calls a second holds many calls, and the
    times alone would make nearly every row a candidate. Stripping and hashing the other texts (counterparts,
    IMEIs: 128 characters each when hashed) costs more than the few candidates it would save."""
    cols = [schema.column(c) for c in columns if c in t.columns]
    cols = [c for i, c in enumerate(cols) if i == 0 or not pa.types.is_string(c.type)]
    g = _given(t, cols, missing)
    values = {c.name: _comparable(c, g[f"_given_{c.name}"]) for c in cols}
    return g.select(ROW, _hash=(ibis.struct(values) if len(values) > 1 else next(iter(values.values()))).hash())


def repeats(t, schema: TableSchema, columns: list[str], good: Callable, check: Callable, pick: Callable,
            missing: tuple[str, ...] = NO_VALUE, read: Callable[[int], None] = lambda rows: None):
    """The ``_row`` of each row of source table ``t`` that is good and repeats an earlier good row (smaller ``_row``)
    in ``columns`` (nulls equal), kept by the engine (release it when done). ``check`` makes :func:`checked` rows
    of an engine table, and ``good`` keeps the good ones; ``pick(t, candidates)`` gives the rows of ``t`` whose
    ``_row`` is among the candidates' (the engine may have a better way than a join); ``read`` runs once the
    source has been read the first time, with the number of its rows.

    The source is read twice. First every row's ``columns`` are hashed cheaply (no rule is checked), and the
    rows whose hash occurs more than once are the candidates; then only the candidates are checked, typed and
    compared by their whole values: each set of equal good values gives every row number but its first.
    A text value is compared by its 64-bit hash, so that the groups of a table with millions of repeats
    (hashed numbers are 128 characters) fit in memory; two rows are then taken for repeats if their texts
    differ but share a hash in every text column while all else is equal: for a few million distinct numbers,
    odds of about one in a million per table that any two numbers share a hash, and the rows would further
    need every other value equal. DuckDB's path only: Spark's hash has 32 bits, and Spark finds repeats with a
    window (:mod:`fraudml.validation.spark`).
    """
    hashed = fingerprints(t, schema, columns, missing).cache()
    try:
        read(hashed.count().to_pyarrow().as_py())
        counted = hashed.group_by("_hash").aggregate(_n=hashed.count())
        candidates = hashed.semi_join(counted.filter(counted._n > 1), "_hash").select(ROW).cache()
    finally:
        hashed.release()
    try:
        if not candidates.count().to_pyarrow().as_py():  # no hash repeats: no row does, and the source needs no second read
            return candidates.cache()
        rows = good(check(pick(t, candidates)))
        rows = rows.mutate(**{c: rows[c].hash() for c in columns if rows[c].type().is_string()})
        rows = rows.select(ROW, *columns).cache()  # read once, grouped and joined below
        try:
            firsts = rows.group_by(columns).aggregate(_first=rows[ROW].min())
            later = rows.join(firsts, [rows[c].identical_to(firsts[c]) for c in columns])  # nulls equal
            return later.filter(later[ROW] != later._first).select(ROW).cache()
        finally:
            rows.release()
    finally:
        candidates.release()
