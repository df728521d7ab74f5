"""The scores file's contract, the files beside it, and atomic writes."""

import pandas as pd
import pyarrow.parquet as pq
import pytest

import fraudml.tables
from fraudml.errors import InputError
from fraudml.scoring import output
from fraudml.cases.rings import no_rings
from fraudml.scoring.output import (RINGS, SCORES, drift_path, rejects_path, rings_path, scores_table, write_rejects,
                                    write_rings, write_scores)


def scores():
    return pd.DataFrame(
        {
            "msisdn": ["a", "b"], "score": [0.9, 0.1], "rank": [1, 2], "decision": ["alert", "pass"],
            "reason_1": ["many calls", None], "reason_2": [None, None], "reason_3": [None, None], "model_version": ["3", "3"],
            "ring_id": ["R1", None],
        }
    )


def test_files_beside_the_scores():
    assert rejects_path("out/scores.parquet").as_posix() == "out/scores.rejects.parquet"
    assert drift_path("out/scores.csv").as_posix() == "out/scores.drift.json"
    assert rings_path("out/scores.csv").as_posix() == "out/scores.rings.parquet"


def test_scores_table_has_exactly_the_contract_columns_and_metadata():
    table = scores_table(scores().assign(extra=1), {"as_of": "2020-04-01"})
    assert table.schema.names == SCORES.names
    assert table.schema.field("rank").type == "int64"
    assert table.schema.metadata[b"as_of"] == b"2020-04-01"
    assert table.schema.metadata[b"fraudml.schema_version"] == b"2"
    assert SCORES.names[-1] == "ring_id"  # added at the end: version 1 readers keep their columns
    with pytest.raises(ValueError, match="rank"):
        scores_table(scores().drop(columns="rank"))


@pytest.mark.parametrize("name", ["scores.parquet", "scores.csv"])
def test_write_scores_round_trips(tmp_path, name):
    path = write_scores(scores_table(scores()), tmp_path / name)
    back = pd.read_parquet(path) if name.endswith("parquet") else pd.read_csv(path)
    assert back.columns.tolist() == SCORES.names and back["msisdn"].tolist() == ["a", "b"]


def test_unknown_output_format_is_refused(tmp_path):
    with pytest.raises(InputError, match="must end in .parquet or .csv"):
        write_scores(scores_table(scores()), tmp_path / "scores.xlsx")


@pytest.mark.parametrize("name", ["scores.parquet", "scores.csv"])
def test_interrupted_write_leaves_no_file_at_the_target(tmp_path, monkeypatch, name):
    def fail_midway(table, where, **kwargs):
        with open(where, "wb") as f:
            f.write(b"PAR1 half")
        raise OSError("disk full")

    monkeypatch.setattr(fraudml.tables.pq, "write_table", fail_midway)
    monkeypatch.setattr(output.pacsv, "write_csv", fail_midway)
    with pytest.raises(OSError, match="disk full"):
        write_scores(scores_table(scores()), tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def test_interrupted_rewrite_keeps_the_previous_file(tmp_path, monkeypatch):
    target = write_scores(scores_table(scores()), tmp_path / "scores.parquet")
    monkeypatch.setattr(fraudml.tables.pq, "write_table", lambda *a, **k: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        write_scores(scores_table(scores().iloc[:1]), target)
    assert pq.read_table(target).num_rows == 2 and len(list(tmp_path.iterdir())) == 1


def test_rejects_are_written_even_when_empty(tmp_path):
    path = write_rejects(pd.DataFrame({"msisdn": pd.Series([], dtype="string"), "reason": pd.Series([], dtype="string")}), tmp_path / "s.parquet")
    assert path.name == "s.rejects.parquet" and pq.read_table(path).num_rows == 0


def test_rings_are_written_even_when_there_is_none(tmp_path):
    path = write_rings(no_rings().table, tmp_path / "s.csv")
    assert path.name == "s.rings.parquet" and pq.read_table(path).schema.equals(RINGS)
