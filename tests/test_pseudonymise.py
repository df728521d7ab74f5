"""Keyed pseudonyms keep joins working and hide the numbers; the engine makes them from each distinct value."""

import hashlib
import hmac

import ibis
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fraudml.errors import InputError
from fraudml.pseudonymise import key_from_env, pseudonym, pseudonymise_tables

KEY = b"0123456789abcdef"


def pseudonymised(**tables):
    """The tables (columns by name) pseudonymised by the engine, with their rows in order of their last column."""
    con = ibis.duckdb.connect()
    engine = {name: con.create_table(name, pa.table(columns), temp=True) for name, columns in tables.items()}
    out = pseudonymise_tables(con, engine, KEY)  # joins do not keep the order of rows
    return {name: t.order_by(t.columns[-1]).to_pyarrow().to_pydict() for name, t in out.items()}


def test_same_value_same_pseudonym_across_tables_and_nulls_stay_null():
    out = pseudonymised(
        calls={"msisdn": ["138", "139"], "counterpart": ["139", None], "imei": ["i1", "i1"], "direction": ["out", "in"],
               "n": [1, 2]},
        accounts={"msisdn": ["139"], "id_holder": ["ID-7"], "n": [1]},
    )
    c, a = out["calls"], out["accounts"]
    assert c["counterpart"][0] == c["msisdn"][1] == a["msisdn"][0]
    assert c["counterpart"][1] is None and c["direction"] == ["out", "in"]
    assert "139" not in c["msisdn"] and a["id_holder"][0] != "ID-7"
    assert c["imei"] == [pseudonym("i1", KEY)] * 2


def test_the_pseudonym_is_the_keyed_hash_of_the_value():
    assert pseudonym("138", KEY) == hmac.new(KEY, b"138", hashlib.sha256).hexdigest()[:32]
    assert pseudonym("138", KEY) != pseudonym("138", b"another key, 16+")


@settings(max_examples=10, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=40))
def test_pseudonyms_are_one_to_one_on_the_values(values):
    labels = {"msisdn": values, "n": list(range(len(values)))}
    out = pseudonymised(labels=labels)
    hashed = out["labels"]["msisdn"]
    assert hashed == [pseudonym(v, KEY) for v in values]
    assert len(set(zip(values, hashed))) == len(set(values)) == len(set(hashed))


def test_a_missing_or_short_key_is_refused(monkeypatch):
    monkeypatch.delenv("FRAUDML_PSEUDONYM_KEY", raising=False)
    with pytest.raises(InputError, match="FRAUDML_PSEUDONYM_KEY"):
        key_from_env()
    monkeypatch.setenv("FRAUDML_PSEUDONYM_KEY", "x" * 20)
    assert key_from_env() == b"x" * 20
