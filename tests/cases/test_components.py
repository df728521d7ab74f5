"""Connected components by minimum-label propagation, on the engine."""

import logging

import pyarrow as pa
import pytest

from fraudml.cases.components import connected_components
from fraudml.engine import close, connect, register


@pytest.fixture
def con():
    con = connect()
    yield con
    close(con)


def components(con, pairs, **kwargs):
    edges = register(con, "edges", pa.table({"a": [a for a, _ in pairs], "b": [b for _, b in pairs]}))
    labels, rounds = connected_components(edges, **kwargs)
    found = {row["node"]: row["label"] for row in labels.to_pyarrow().to_pylist()}
    labels.release()
    return found, rounds


def test_each_node_is_labelled_by_the_smallest_node_of_its_component(con):
    # a path whose smallest node is at the far end needs as many rounds as the path is long
    path = [("n9", "n8"), ("n8", "n7"), ("n7", "n6"), ("n6", "n5"), ("n5", "n1")]
    found, rounds = components(con, [*path, ("x", "y"), ("z", "y")])
    assert found == {**{n: "n1" for n in ("n9", "n8", "n7", "n6", "n5", "n1")}, "x": "x", "y": "x", "z": "x"}
    assert rounds == 6  # five to carry n1 to n9, one to see nothing change


def test_stopping_at_the_bound_splits_a_component_and_says_so(con, caplog):
    with caplog.at_level(logging.WARNING, logger="fraudml.cases.components"):
        found, rounds = components(con, [("d", "c"), ("c", "b"), ("b", "a")], max_rounds=1)
    assert rounds == 1 and found == {"a": "a", "b": "a", "c": "b", "d": "c"}
    assert "still changed after 1 rounds" in caplog.text
