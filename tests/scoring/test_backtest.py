"""A backtest of a scored batch against the labels that came after it, computed by hand."""

import json

import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.scoring.backtest import backtest
from fraudml.scoring.output import scores_table, write_scores
from fraudml.tables import write_table

AS_OF = pd.Timestamp("2020-06-17")


def scores() -> pd.DataFrame:
    rows = [("h", 0.95, "alert"), ("a", 0.9, "alert"), ("b", 0.8, "alert"), ("c", 0.5, "review"), ("g", 0.3, "pass"),
            ("d", 0.2, "pass"), ("e", 0.1, "pass"), ("f", None, "closed")]
    out = pd.DataFrame(rows, columns=["msisdn", "score", "decision"])
    return out.assign(rank=range(1, len(out) + 1), reason_1=None, reason_2=None, reason_3=None, model_version="7",
                      ring_id=None)


def labels() -> pd.DataFrame:
    return pd.DataFrame({
        "msisdn": ["a", "b", "c", "d", "e", "f", "h"],
        "label": [1, 0, 1, 0, 1, 1, 1],
        # a and e confirmed after as_of: fraud then; c without a date: fraud; h confirmed before: already blocked
        "labelled_at": pd.to_datetime(["2020-06-20", None, None, None, "2020-07-01", "2020-06-01", "2020-06-10"]),
        "fraud_type": None,
    })


def test_backtest_by_hand():
    result = backtest(scores(), labels(), AS_OF)
    # evaluated: a b c d e (g has no label, h was confirmed before as_of, f is closed); fraud: a c e
    assert (result["scored"], result["closed"], result["unlabelled"], result["confirmed_before_as_of"]) == (7, 1, 1, 1)
    assert (result["evaluated"], result["fraud"]) == (5, 3)
    assert result["alert"] == {"flagged": 2, "precision": 0.5, "recall": pytest.approx(1 / 3)}
    assert result["alert_or_review"] == {"flagged": 3, "precision": pytest.approx(2 / 3), "recall": pytest.approx(2 / 3)}
    # ranked a c b d e... by score: a (1), b (0), c (1), d (0), e (1): (1 + 2/3 + 3/5) / 3
    assert result["pr_auc"] == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    assert result["pr_auc_low"] <= result["pr_auc"] <= result["pr_auc_high"]


def test_the_evaluate_command_backtests_a_scores_file(fraudml_cli, tmp_path):
    write_scores(scores_table(scores(), {"as_of": "2020-06-17"}), tmp_path / "scores.parquet")
    write_table(labels(), tmp_path / "world", "labels")
    status, output = fraudml_cli("evaluate", "--scores", tmp_path / "scores.parquet", "--labels", tmp_path / "world",
                                 "--out", tmp_path / "backtest")
    assert status == 0, output
    assert "as of 2020-06-17: 5 numbers with labels, 3 fraud" in output and "PR-AUC 0.756" in output
    assert json.loads((tmp_path / "backtest" / "metrics.json").read_text())["alert"]["precision"] == 0.5


@pytest.mark.parametrize("args, message", [
    (["--scores", "s.parquet"], "give --model and --features (a model's test part), or --scores and --labels"),
    (["--model", "m", "--scores", "s.parquet", "--labels", "w"], "or --scores and --labels"),
])
def test_the_two_kinds_of_evaluation_are_not_mixed(fraudml_cli, tmp_path, args, message):
    status, output = fraudml_cli("evaluate", *args, "--out", tmp_path / "out")
    assert status == 2 and message in output


def test_a_csv_scores_file_needs_its_as_of(tmp_path):
    from fraudml.scoring.backtest import backtest_files

    scores().to_csv(tmp_path / "scores.csv", index=False)
    write_table(labels(), tmp_path, "labels")
    with pytest.raises(InputError, match="scores.csv: the file does not say its as_of: give --as-of"):
        backtest_files(tmp_path / "scores.csv", tmp_path)
    assert backtest_files(tmp_path / "scores.csv", tmp_path, as_of=AS_OF)["fraud"] == 3
