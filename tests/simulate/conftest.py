"""Small simulated worlds, each built once per test session."""

import pytest

from fraudml.simulate import build_world


@pytest.fixture(scope="session")
def realistic():
    return build_world("realistic", subscribers=2000, days=30, seed=0)


@pytest.fixture(scope="session")
def sichuan():
    """About 30 % fraud: enough fraud numbers of every type to measure their signatures."""
    return build_world("sichuan", subscribers=3000, days=30, seed=0)


@pytest.fixture(scope="session")
def drifting():
    """Three months, to see tactics change from month to month."""
    return build_world("sichuan", subscribers=1500, days=90, seed=1)

