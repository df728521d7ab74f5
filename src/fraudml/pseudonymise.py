"""Keyed pseudonyms for phone numbers and holder IDs.

The same key maps the same number to the same pseudonym, so joins across tables
still work, while nobody without the key can go back to the number. The key is
read from an environment variable and never written anywhere.
"""

from __future__ import annotations

import hashlib
import hmac
import os

import pandas as pd

from fraudml.errors import InputError

KEY_VARIABLE = "FRAUDML_PSEUDONYM_KEY"
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


def pseudonymise_series(values: pd.Series, key: bytes) -> pd.Series:
    """Replace every non-null value by its pseudonym; each distinct value is hashed once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    hashed = pd.array([pseudonym(str(u), key) for u in uniques] + [pd.NA], dtype="string")
    return pd.Series(hashed[codes], index=values.index, name=values.name)


def pseudonymise_table(df: pd.DataFrame, name: str, key: bytes) -> pd.DataFrame:
    """A copy of canonical table ``name`` with its identifier columns pseudonymised."""
    out = df.copy()
    for column in IDENTIFIER_COLUMNS.get(name, ()):
        if column in out.columns:
            out[column] = pseudonymise_series(out[column], key)
    return out
