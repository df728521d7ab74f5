"""Connected components of an edge table, by iterative minimum-label propagation in the engine.

Every node starts with its own name as its label; each round, a node takes the
smallest label among its own and its neighbours'. Labels stop changing after as
many rounds as the widest component's diameter, and then each component is
labelled by its smallest node. Each round is a join and a group-by, so DuckDB
and Spark run it alike; the labels of each round are materialised, so the
expression never grows with the rounds.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

MAX_ROUNDS = 50  # hubs are left out of the links, so components are small and shallow; this only bounds the work


def connected_components(edges, *, max_rounds: int = MAX_ROUNDS):
    """(node, label) of every node of ``edges`` (columns a, b): the label is the smallest node of its component.

    Returns the labels as a materialised table (release it when done) and the
    rounds run. Stopping at ``max_rounds`` before the labels settle splits a
    component in parts (each still linked) and is logged as a warning.
    """
    both = edges.select(src=edges.a, dst=edges.b).union(edges.select(src=edges.b, dst=edges.a), distinct=True).cache()
    labels = both.select(node=both.src).distinct()
    labels = labels.mutate(label=labels.node).cache()
    rounds = 0
    for rounds in range(1, max_rounds + 1):
        heard = both.join(labels, both.src == labels.node).select(node=both.dst, label=labels.label)
        pooled = labels.union(heard)
        new = pooled.group_by("node").aggregate(label=pooled.label.min()).cache()
        changed = new.join(labels, "node").filter(lambda t: t.label != t.label_right).count().to_pyarrow().as_py()
        labels.release()
        labels = new
        if not changed:
            break
    else:
        log.warning("labels still changed after %d rounds: some rings may be split in parts", max_rounds)
    both.release()
    return labels, rounds
