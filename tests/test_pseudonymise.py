"""Keyed pseudonyms keep joins working and hide the numbers."""

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fraudml.errors import InputError
from fraudml.pseudonymise import key_from_env, pseudonym, pseudonymise_series, pseudonymise_table

KEY = b"0123456789abcdef"


def test_same_value_same_pseudonym_across_tables_and_nulls_stay_null():
    calls = pd.DataFrame({"msisdn": ["138", "139"], "counterpart": ["139", None], "imei": ["i1", "i1"], "direction": ["out", "in"]})
    accounts = pd.DataFrame({"msisdn": ["139"], "id_holder": ["ID-7"]})
    c, a = pseudonymise_table(calls, "calls", KEY), pseudonymise_table(accounts, "accounts", KEY)
    assert c.loc[0, "counterpart"] == c.loc[1, "msisdn"] == a.loc[0, "msisdn"]
    assert pd.isna(c.loc[1, "counterpart"]) and c["direction"].tolist() == ["out", "in"]
    assert "139" not in set(c["msisdn"]) and a.loc[0, "id_holder"] != "ID-7"


def test_the_key_matters():
    assert pseudonym("138", KEY) != pseudonym("138", b"another key, 16+")


@given(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=20))
def test_pseudonyms_are_one_to_one_on_the_values(values):
    out = pseudonymise_series(pd.Series(values), KEY)
    assert out.str.len().eq(32).all()
    assert len(set(zip(values, out))) == len(set(values)) == out.nunique()


def test_a_missing_or_short_key_is_refused(monkeypatch):
    monkeypatch.delenv("FRAUDML_PSEUDONYM_KEY", raising=False)
    with pytest.raises(InputError, match="FRAUDML_PSEUDONYM_KEY"):
        key_from_env()
    monkeypatch.setenv("FRAUDML_PSEUDONYM_KEY", "x" * 20)
    assert key_from_env() == b"x" * 20
