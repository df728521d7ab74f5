"""Keyed pseudonyms for phone numbers and holder IDs.

The same key maps the same number to the same pseudonym, so joins across tables
still work, while nobody without the key can go back to the number. The key is
read from an environment variable and never written anywhere. Tables are
pseudonymised in the engine: each distinct value is hashed once, by a vectorised
function over the distinct values, and the pseudonyms are joined back.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os

import ibis
import pyarrow as pa

from fraudml.engine import is_spark
from fraudml.errors import InputError

KEY_VARIABLE = "FRAUDML_PSEUDONYM_KEY"
_MAPPINGS = itertools.count()
# columns that hold a number or a holder ID, per canonical table
IDENTIFIER_COLUMNS = {
    "accounts": ("msisdn", "id_holder"),
    "account_months": ("msisdn",),
    "calls": ("msisdn", "counterpart", "imei"),
    "sms": ("msisdn", "counterpart"),
    "app_usage": ("msisdn",),
    "labels": ("msisdn",),
}


def key_from_env(variable: str = KEY_VARIABLE) -> bytes:
    key = os.environ.get(variable, "")
    if len(key) < 16:
        raise InputError(f"pseudonymising needs a key of at least 16 characters in the environment variable {variable}")
    return key.encode()


def pseudonym(value: str, key: bytes) -> str:
    """A 32-hex-character keyed hash (HMAC-SHA256, truncated) of ``value``."""
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def _pseudonyms(key: bytes, by_value: bool = False):
    """The engine function mapping a column of values to their pseudonyms (nulls stay null): over Arrow arrays,
    or ``by_value`` for Spark, to which Ibis hands an Arrow function one value at a time."""
    if by_value:
        @ibis.udf.scalar.python
        def fraudml_pseudonym(value: str) -> str:
            return None if value is None else pseudonym(value, key)

        return fraudml_pseudonym

    @ibis.udf.scalar.pyarrow
    def fraudml_pseudonym(value: str) -> str:
        return pa.array([None if v is None else pseudonym(v, key) for v in value.to_pylist()], pa.string())

    return fraudml_pseudonym


def pseudonymise_tables(con, tables: dict[str, object], key: bytes) -> dict[str, object]:
    """Canonical tables (engine tables of ``con``, by name) with their identifier columns replaced by pseudonyms.

    The distinct values and their pseudonyms are kept in a table of ``con`` for as long as it is open."""
    columns = [(name, c) for name, t in tables.items() for c in IDENTIFIER_COLUMNS.get(name, ()) if c in t.columns]
    if not columns:
        return tables
    values = ibis.union(*(tables[n].select(value=tables[n][c]) for n, c in columns))
    values = values.filter(values.value.notnull()).distinct()
    mapping = values.mutate(pseudonym=_pseudonyms(key, by_value=is_spark(con))(values.value))
    if is_spark(con):  # no temporary tables: a cached one (fraudml.spark.backend)
        mapping = mapping.cache()
    else:
        mapping = con.create_table(f"pseudonyms_{next(_MAPPINGS)}", mapping, temp=True)
    out = {}
    for name, t in tables.items():
        for column in IDENTIFIER_COLUMNS.get(name, ()):
            if column in t.columns:
                m = mapping.view()
                joined = t.left_join(m, t[column] == m.value)
                t = joined.select(*[joined[c] if c != column else joined.pseudonym.name(c) for c in t.columns])
        out[name] = t
    return out
