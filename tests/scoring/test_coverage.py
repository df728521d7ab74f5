"""The coverage guard on real data: a model trained on the Sichuan train users (eight months of spend) scoring
files of the competition's test shape (one month of spend), and scoring a world full of calls."""

import json

import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.features.table import make_feature_file, read_features
from fraudml.ingest.sichuan import ingest_sichuan
from fraudml.model.train import train
from fraudml.params import TrainParams
from fraudml.scoring.batch import score_to_files

pytestmark = pytest.mark.slow
AS_OF = pd.Timestamp("2020-04-01")
FEW_TREES = TrainParams(n_estimators=60, early_stopping_rounds=10, alert_budget_per_day=None, num_threads=1)


def one_month_copy(sichuan_data, folder):
    """The train user table with only the scored month's spend, as the competition's test_user files are."""
    user = pd.read_csv(sichuan_data / "train_user.csv", dtype=str, keep_default_na=False)
    folder.mkdir()
    user.drop(columns=[c for c in user.columns if c.startswith("arpu_") and c != "arpu_202003"]).to_csv(
        folder / "train_user.csv", index=False)
    return folder


@pytest.fixture(scope="module")
def full_history_model(sichuan_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sichuan")
    ingest_sichuan(sichuan_data, folder / "world")
    make_feature_file(folder / "world", folder / "features.parquet", as_of=str(AS_OF.date()))
    return train(*read_features(folder / "features.parquet"), FEW_TREES).bundle


def test_a_one_month_file_lacks_the_spend_trend_the_model_learned_and_the_guard_says_so(full_history_model,
                                                                                         sichuan_data, tmp_path):
    raw = one_month_copy(sichuan_data, tmp_path / "one_month")
    out = tmp_path / "scores.parquet"
    batch = score_to_files(full_history_model, out, data=raw, as_of=AS_OF.date(), data_format="sichuan")
    moved = batch.coverage.set_index("feature")
    assert list(moved.index) == ["arpu_trend"]  # the only feature a one-month file cannot give
    assert moved.loc["arpu_trend", "train"] > 0.9 and moved.loc["arpu_trend", "batch"] == 0
    assert batch.warnings()["coverage"].startswith("1 feature present in a share of rows unlike training")
    report = json.loads(out.with_name("scores.drift.json").read_text())
    assert report["coverage"]["margin"] == 0.3 and [m["feature"] for m in report["coverage"]["moved"]] == ["arpu_trend"]

    strict = tmp_path / "strict" / "scores.parquet"
    strict.parent.mkdir()
    with pytest.raises(InputError, match=r"arpu_trend 9\d% -> 0%.*no scores written \(--strict"):
        score_to_files(full_history_model, strict, data=raw, as_of=AS_OF.date(), data_format="sichuan", strict=True)
    assert not strict.exists() and strict.with_name("scores.drift.json").exists()


def test_the_full_history_it_was_trained_on_passes(full_history_model, sichuan_data, tmp_path):
    batch = score_to_files(full_history_model, tmp_path / "scores.parquet", data=sichuan_data, as_of=AS_OF.date(),
                           data_format="sichuan", strict=True)
    assert batch.coverage.empty and batch.result.scored == 5369  # the numbers live in March
    assert batch.result.closed == 737  # no March spend: shut down


def test_a_model_of_account_records_scoring_a_world_of_calls_is_flagged(full_history_model, world, as_of, tmp_path):
    batch = score_to_files(full_history_model, tmp_path / "scores.parquet", data=world, as_of=as_of.date())
    moved = batch.coverage.set_index("feature")
    assert {"calls_out_w7", "distinct_out_w30", "sms_out_w7"} <= set(moved.index)
    assert (moved.loc["calls_out_w7", ["train", "batch"]] == [0.0, 1.0]).all()


def test_strict_scoring_exits_with_status_2(full_history_model, world, as_of, fraudml_cli, tmp_path):
    full_history_model.save(tmp_path / "model")
    out = tmp_path / "scores.parquet"
    status, output = fraudml_cli("score", "--model", tmp_path / "model", "--data", world, "--as-of", as_of.date(),
                                 "--out", out, "--strict")
    assert status == 2 and "present in a share of rows unlike training" in output and "Traceback" not in output
    assert not out.exists()
    status, output = fraudml_cli("score", "--model", tmp_path / "model", "--data", world, "--as-of", as_of.date(),
                                 "--out", out, "--show", "0")
    assert status in (0, 3) and "coverage:" in output and out.exists(), output


def test_a_model_trained_for_one_month_of_spend_scores_the_test_shape_as_the_full_history(sichuan_data, tmp_path):
    """The Sichuan pipeline's choice (configs/sichuan: features.months 1): trained on what a one-month file gives,
    the model finds nothing missing in it, and ranks its numbers exactly as from the full eight months."""
    ingest_sichuan(sichuan_data, tmp_path / "world")
    make_feature_file(tmp_path / "world", tmp_path / "features.parquet", as_of=str(AS_OF.date()), months=1)
    model = train(*read_features(tmp_path / "features.parquet"), FEW_TREES).bundle
    assert "arpu_trend" not in model.spec.names
    one_month = score_to_files(model, tmp_path / "one.parquet", data=one_month_copy(sichuan_data, tmp_path / "raw"),
                               as_of=AS_OF.date(), data_format="sichuan", strict=True)
    full = score_to_files(model, tmp_path / "full.parquet", data=sichuan_data, as_of=AS_OF.date(), data_format="sichuan")
    assert one_month.coverage.empty
    pd.testing.assert_frame_equal(one_month.result.scores, full.result.scores)
