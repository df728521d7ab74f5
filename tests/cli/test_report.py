"""`fraudml report` end to end: a batch scored by `fraudml score`, then its page; bad input is one message."""

import pytest

pytestmark = pytest.mark.slow


def test_a_scored_batch_becomes_one_page(fraudml_cli, bundle_dir, world, as_of, tmp_path):
    scores = tmp_path / "scores.parquet"
    status, err = fraudml_cli("score", "--model", bundle_dir, "--data", world, "--as-of", as_of.strftime("%Y-%m-%d"),
                              "--out", scores, "--show", 0)
    assert status in (0, 3), err
    out = tmp_path / "report.html"
    status, err = fraudml_cli("report", "--scores", scores, "--data", world, "--model", bundle_dir, "--out", out)
    assert status == 0, err
    assert f"written to {out.resolve()}" in err
    page = out.read_text()
    assert "valid" in page and "No test metrics" in page  # a bundle folder has validation metrics only


def test_report_input_errors_are_one_message(fraudml_cli, world, tmp_path):
    status, err = fraudml_cli("report", "--scores", tmp_path / "none.parquet", "--data", world, "--out", tmp_path / "r.html")
    assert status == 2 and "none.parquet: no such file" in err and "Traceback" not in err
    assert not (tmp_path / "r.html").exists()
