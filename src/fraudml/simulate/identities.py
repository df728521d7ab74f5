"""Phone numbers, IMEIs and ID-card numbers as text, from the integer codes the simulation works with.

Each is a keyed one-to-one scramble of its code, so identifiers are distinct,
look alike whatever the role behind them, and follow no sequence a model could
learn. Service numbers that send notifications have negative codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

MOBILE = 13_000_000_000  # 11-digit mobile numbers from 13x (2**32 of them)
IMEI = 860_000_000_000_000  # 15 digits
ID_CARD = 510_100_000_000_000_000  # 18 digits, Sichuan's region code first
# service numbers that send notifications, most frequent first; marketing senders (1069...) follow them
SERVICES = ("10086", "95588", "10010", "95533", "106575", "95599", "95555", "10000", "95566", "1069800095588",
            "95559", "95528", "106902", "95508", "12306", "95511", "1065502", "95522", "10690", "95500")
MARKETING_SENDERS = 2000
SENDERS = len(SERVICES) + MARKETING_SENDERS


def scramble(code: np.ndarray, key: int) -> np.ndarray:
    """A keyed one-to-one scramble of codes below 2**32 (MurmurHash3's finaliser): distinct codes, distinct values."""
    mask = np.uint64(0xFFFFFFFF)
    x = (code.astype(np.uint64) + np.uint64(key)) & mask
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x85EBCA6B)) & mask
    x ^= x >> np.uint64(13)
    x = (x * np.uint64(0xC2B2AE35)) & mask
    x ^= x >> np.uint64(16)
    return x.astype(np.int64)


def text(values: np.ndarray) -> pd.Series:
    """Integers as a string column."""
    return pd.Series(pa.array(values).cast(pa.string()).to_pandas(), copy=False)


class Identities:
    """The text of every number, device and ID card of one world (``subscribers`` numbers have codes 0..n-1)."""

    def __init__(self, rng: np.random.Generator, subscribers: int):
        self.keys = [int(k) for k in rng.integers(0, 2**32, 4)]
        self.n = subscribers
        marketing = 10_690_000_000 + scramble(np.arange(MARKETING_SENDERS), self.keys[0]) % 10_000_000
        self.senders = pa.concat_arrays([pa.array(list(SERVICES)), pa.array(marketing).cast(pa.string())])
        self.subscribers = text(MOBILE + scramble(np.arange(subscribers), self.keys[1]))

    def numbers(self, code: np.ndarray) -> pd.Series:
        """Phone numbers of counterpart codes: subscribers, outside numbers, or service senders (code -1 is the first)."""
        if len(code) and code.min() >= 0 and code.max() < self.n:
            return self.subscribers.take(code).reset_index(drop=True)
        numbers = pa.array(MOBILE + scramble(np.maximum(code, 0), self.keys[1])).cast(pa.string())
        sender = code < 0
        if sender.any():
            numbers = pc.if_else(pa.array(sender), self.senders.take(pa.array(np.where(sender, -code - 1, 0))), numbers)
        return pd.Series(numbers.to_pandas(), copy=False)

    def imeis(self, device: np.ndarray) -> pd.Series:
        codes = np.arange(int(device.max()) + 1 if len(device) else 1)
        table = text(IMEI + scramble(codes, self.keys[2]) * 1000 + scramble(codes, self.keys[3]) % 1000)
        return table.take(device).reset_index(drop=True)

    def id_cards(self, holder: np.ndarray) -> pd.Series:
        """ID-card numbers of holders; null where there is none (-1)."""
        code = np.maximum(holder, 0)
        ids = text(ID_CARD + scramble(code, self.keys[2]) * 10_000_000 + scramble(code, self.keys[3]) % 10_000_000)
        return ids.mask(holder < 0)
