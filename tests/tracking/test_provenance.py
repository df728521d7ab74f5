import hashlib
import subprocess

import yaml

from fraudml.tracking.provenance import dvc_experiment, git_commit, input_hashes, md5_file


def test_md5_is_the_md5_of_the_bytes(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert md5_file(tmp_path / "f") == "900150983cd24fb0d6963f7d28e17f72"


def write_lock(root, path, md5, size):
    lock = {"schema": "2.0", "stages": {"features": {"cmd": "x", "outs": [{"path": path, "md5": md5, "size": size}]}}}
    (root / "dvc.lock").write_text(yaml.safe_dump(lock))


def test_hash_comes_from_dvc_lock_when_it_still_describes_the_file(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "f.parquet").write_bytes(b"12345")
    write_lock(tmp_path, "data/f.parquet", "0" * 32, 5)
    tags = input_hashes([tmp_path / "data" / "f.parquet"], root=tmp_path)
    assert tags == {"data.md5.data/f.parquet": "0" * 32, "data.source.data/f.parquet": "dvc.lock"}


def test_hash_is_computed_when_dvc_lock_is_stale_or_absent(tmp_path):
    (tmp_path / "f.parquet").write_bytes(b"123456")
    expected = hashlib.md5(b"123456").hexdigest()
    assert input_hashes([tmp_path / "f.parquet"], root=tmp_path)["data.md5.f.parquet"] == expected
    write_lock(tmp_path, "f.parquet", "0" * 32, 5)  # recorded for an older, 5-byte file
    tags = input_hashes([tmp_path / "f.parquet"], root=tmp_path)
    assert tags == {"data.md5.f.parquet": expected, "data.source.f.parquet": "md5"}


def test_the_dvc_project_is_the_one_holding_the_file(tmp_path):
    (tmp_path / ".dvc").mkdir()
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "f.parquet").write_bytes(b"12345")
    write_lock(tmp_path, "data/f.parquet", "1" * 32, 5)
    assert input_hashes([tmp_path / "data" / "f.parquet"])["data.md5.data/f.parquet"] == "1" * 32


def test_missing_inputs_get_no_tag(tmp_path):
    assert input_hashes([tmp_path / "absent.parquet"], root=tmp_path) == {}


def test_experiment_name_from_dvc(monkeypatch):
    monkeypatch.delenv("DVC_EXP_NAME", raising=False)
    assert dvc_experiment() == {}
    monkeypatch.setenv("DVC_EXP_NAME", "brisk-hare")
    assert dvc_experiment() == {"dvc.experiment": "brisk-hare"}


def test_git_commit_and_whether_the_tree_was_dirty(tmp_path):
    def git(*args):
        return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=tmp_path,
                              check=True, capture_output=True, text=True).stdout.strip()

    git("init", "-q")
    (tmp_path / "a.txt").write_text("1")
    git("add", "a.txt")
    git("commit", "-q", "-m", "one")
    sha = git("rev-parse", "HEAD")
    assert git_commit(tmp_path) == {"mlflow.source.git.commit": sha, "git.dirty": "false"}
    (tmp_path / "a.txt").write_text("2")
    assert git_commit(tmp_path)["git.dirty"] == "true"
