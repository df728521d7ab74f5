"""Helpers for the simulator's tests."""

import pandas as pd

START = pd.Timestamp("2020-01-01")  # the worlds' default start


def with_roles(world, table: str) -> pd.DataFrame:
    """A table of the world with each row's number's true role, ring and holder."""
    return world.tables[table].join(world.truth.set_index("msisdn"), on="msisdn")
