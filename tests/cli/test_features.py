"""``fraudml features``: the command writes the table and its spec, or the catalogue."""

from __future__ import annotations

import pandas as pd
import pytest

from feature_worlds import call, write_world
from fraudml.features.spec import FeatureSpec, spec_path

@pytest.mark.slow
def test_features_for_one_date_with_custom_windows(fraudml_cli, tmp_path):
    data = write_world(tmp_path / "data", calls=[call("a", "x", "out", "2024-03-30 10:00:00"), call("b", "x", "in", "2024-03-02 10:00:00")],
                       labels=[dict(msisdn="a", label=1, labelled_at=None), dict(msisdn="b", label=0)])
    out = tmp_path / "f" / "features.parquet"
    status, output = fraudml_cli("features", "--data", data, "--as-of", "2024-03-31", "--windows", "2,30",
                                 "--memory-limit", "1GB", "--out", out)
    assert status == 0, output
    table = pd.read_parquet(out)
    assert dict(zip(table["msisdn"], table["label"])) == {"a": 1, "b": 0}
    assert "calls_out_w2" in table.columns and "calls_out_w7" not in table.columns
    assert FeatureSpec.load(spec_path(out)).windows == (2, 30)


def test_catalogue_is_written(fraudml_cli, tmp_path):
    status, output = fraudml_cli("features", "--catalogue", tmp_path / "features.md")
    assert status == 0 and "# Feature catalogue" in (tmp_path / "features.md").read_text(), output


@pytest.mark.parametrize("args, message", [
    (["--out", "x.parquet"], "needs --data DIR and --out FILE"),
    (["--snapshots", "weekly", "--as-of", "2024-01-01"], "either --as-of DATE or --snapshots SPEC"),
    (["--as-of", "2024-03-31", "--windows", "7,x"], "--windows '7,x'"),
    (["--as-of", "2031-01-01"], "as_of 2031-01-01 is 2,467 days after the data's last activity (2024-03-30 10:00)"),
    (["--as-of", "2024-03-30"], "as_of 2024-03-30: no number has any activity before it"),
])
def test_bad_options_say_what_is_wrong(fraudml_cli, tmp_path, args, message):
    data = write_world(tmp_path / "data", calls=[call("a", "x", "out", "2024-03-30 10:00:00")])
    if "--out" not in args:
        args = [*args, "--data", str(data), "--out", str(tmp_path / "f.parquet")]
    status, output = fraudml_cli("features", *args)
    assert status == 2 and message in output and "Traceback" not in output
