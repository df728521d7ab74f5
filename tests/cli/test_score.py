"""`fraudml score` end to end on a small simulated world: counts, reasons, refusals, atomicity, determinism."""

import json
import shutil

import pandas as pd
import pyarrow.parquet as pq
import pytest

import fraudml.tables
from fraudml.features.spec import FeatureSpec
from fraudml.model.bundle import ModelBundle
from fraudml.scoring.output import SCORES

pytestmark = pytest.mark.slow


def day(ts) -> str:
    return ts.strftime("%Y-%m-%d")


@pytest.fixture
def watchlist(world, tmp_path):
    """Known numbers plus a blank line, a repeat and a number the data never saw."""
    known = pd.read_parquet(world / "accounts.parquet")["msisdn"].sort_values().head(300).tolist()
    path = tmp_path / "numbers.txt"
    path.write_text("\n".join([*known, "", known[0], "never-seen"]) + "\n")
    return path, known


def test_every_number_is_scored_or_rejected(fraudml_cli, bundle_dir, world, as_of, watchlist, tmp_path):
    path, known = watchlist
    out = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", day(as_of), "--numbers", path, "--out", out)
    assert status == 3, err
    scores = pd.read_parquet(out)
    rejects = pd.read_parquet(tmp_path / "scores.rejects.parquet")
    assert scores.columns.tolist() == SCORES.names
    assert len(scores) + len(rejects) == len(known) + 3
    closed = scores[scores["decision"] == "closed"]
    assert len(closed) > 0  # fraud numbers already shut down, in a world with a fraud share like the competition's
    assert (f"numbers in {len(known) + 3:,} = scored {len(scores) - len(closed):,} (alert" in err
            and f") + closed {len(closed):,} + rejected {len(rejects):,}" in err)
    reasons = dict(zip(rejects["msisdn"], rejects["reason"]))
    assert reasons["never-seen"] == "no account, calls or SMS before as_of"
    assert reasons[known[0]] == "listed more than once" and reasons[""] == "empty msisdn"
    assert set(scores["msisdn"]) | set(rejects["msisdn"]) == set(known) | {"", "never-seen"}
    assert scores["rank"].tolist() == list(range(1, len(scores) + 1))
    live = scores[scores["decision"] != "closed"]
    assert live.index.max() < closed.index.min()  # the closed are ranked after every scored number
    assert live["score"].is_monotonic_decreasing and live["score"].between(0, 1).all() and closed["score"].isna().all()
    assert set(live["decision"]) <= {"alert", "review", "pass"}
    assert closed["reason_1"].str.match(r"closed on \d{4}-\d\d-\d\d|not in use").all()
    drift = json.loads((tmp_path / "scores.drift.json").read_text())
    assert {f["feature"] for f in drift["features"]} == set(ModelBundle.load(bundle_dir).spec.names)
    rings = pd.read_parquet(tmp_path / "scores.rings.parquet")
    members = {m: r for r, ms in zip(rings["ring_id"], rings["members"]) for m in ms}
    in_ring = scores[scores["ring_id"].notna()]
    assert len(in_ring) and all(members[m] == r for m, r in zip(in_ring["msisdn"], in_ring["ring_id"]))
    assert (rings["flagged"] >= 1).all() and f"rings: {len(rings)} ring(s)" in err


def test_a_model_for_other_features_is_refused(fraudml_cli, bundle_dir, world, as_of, tmp_path):
    other = tmp_path / "other-model"
    shutil.copytree(bundle_dir, other)
    spec = FeatureSpec.load(other / "feature_spec.json")
    first = spec.features[0]
    changed = FeatureSpec((type(first)(**{**first.__dict__, "window_days": 99}), *spec.features[1:]), spec.windows, spec.version, spec.params)
    changed.save(other / "feature_spec.json")
    meta = json.loads((other / "metadata.json").read_text())
    meta["feature_spec_hash"] = changed.hash
    (other / "metadata.json").write_text(json.dumps(meta))
    out = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", other, "--data", world, "--as-of", day(as_of), "--out", out)
    assert status == 2
    assert f"trained on feature spec {changed.hash}" in err and "retrain" in err
    assert not out.exists()


def test_scoring_twice_writes_identical_files(fraudml_cli, bundle_dir, world, as_of, tmp_path):
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / name / "scores.parquet"
        status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", day(as_of), "--out", out)
        assert status in (0, 3), err
        outputs.append([p.read_bytes() for p in (out, *(out.with_name(f"scores.{n}") for n in ("rejects.parquet", "drift.json", "rings.parquet")))])
    assert outputs[0] == outputs[1]


def test_an_interrupted_run_leaves_no_file_at_the_target(fraudml_cli, bundle_dir, feature_file, tmp_path, monkeypatch):
    real = pq.write_table

    def fail_midway(table, where, **kwargs):
        real(table.slice(0, 1), where, **kwargs)  # part of the file is on disk
        raise OSError("disk full")

    monkeypatch.setattr(fraudml.tables.pq, "write_table", fail_midway)
    out = tmp_path / "scores.parquet"
    with pytest.raises(OSError, match="disk full"):
        fraudml_cli("score", "--model", bundle_dir, "--features", feature_file, "--out", out)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".scores")]


@pytest.mark.parametrize(
    "case, message",
    [
        ("no_folder", "data folder does not exist"),
        ("corrupt_calls", "calls.parquet: cannot read"),
        ("numbers_without_msisdn", "numbers.csv: column 'msisdn' missing; found columns: phone"),
        ("bad_out", "must end in .parquet or .csv"),
        ("bad_model", "not a model bundle"),
        ("features_with_data", "--features scores a feature table as it is"),
    ],
)
def test_bad_input_gets_a_clear_message_and_status_2(fraudml_cli, bundle_dir, world, as_of, tmp_path, case, message):
    data, model, out, extra = world, bundle_dir, tmp_path / "scores.parquet", []
    if case == "no_folder":
        data = tmp_path / "absent"
    elif case == "corrupt_calls":
        data = tmp_path / "data"
        shutil.copytree(world, data)
        (data / "calls.parquet").write_bytes(b"PAR1 not really")
    elif case == "numbers_without_msisdn":
        pd.DataFrame({"phone": ["a"]}).to_csv(tmp_path / "numbers.csv", index=False)
        extra = ["--numbers", tmp_path / "numbers.csv"]
    elif case == "bad_out":
        out = tmp_path / "scores.xlsx"
    elif case == "bad_model":
        model = tmp_path
    elif case == "features_with_data":
        extra = ["--features", tmp_path / "features.parquet"]
    status, err = fraudml_cli("score", "--model", model, "--data", data, "--as-of", day(as_of), "--out", out, *extra)
    assert status == 2, err
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "scores.parquet").exists()


def test_raw_sichuan_files_are_scored_with_every_number_accounted_for(fraudml_cli, bundle_dir, sichuan_data, tmp_path):
    samples = sichuan_data / "samples" / "round2_test_202005"
    raw = tmp_path / "raw"
    raw.mkdir()
    for table in ("user", "voc", "sms", "app"):
        shutil.copy(samples / f"{table}_first_rows.csv", raw / f"{table}.csv")
    out = tmp_path / "scores.csv"
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", raw, "--format", "sichuan", "--as-of", "2020-06-01", "--out", out)
    assert status in (0, 3), err
    scores = pd.read_csv(out)
    rejects = pd.read_parquet(tmp_path / "scores.rejects.parquet")
    users = pd.read_csv(raw / "user.csv", dtype=str)["phone_no_m"]
    assert set(users) <= set(scores["msisdn"]) | set(rejects["msisdn"])
    closed = int((scores["decision"] == "closed").sum())
    assert f"numbers in {len(scores) + len(rejects):,} = scored {len(scores) - closed:,} (alert" in err
    assert f"+ closed {closed:,} + rejected {len(rejects):,}" in err


def test_an_as_of_the_data_cannot_support_is_refused_unless_allowed(fraudml_cli, bundle_dir, world, tmp_path):
    out = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", "2031-01-01", "--out", out)
    assert status == 2 and "as_of 2031-01-01 is" in err and "more than the longest window (30 days)" in err, err
    assert "--allow-stale" in err and "Traceback" not in err
    assert not out.exists()
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", "2019-01-01", "--out", out)
    assert status == 2 and "no number has any activity before it" in err, err
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", "2031-01-01", "--out", out,
                              "--allow-stale", "--show", "0")
    assert status in (0, 3), err
    assert out.exists()
