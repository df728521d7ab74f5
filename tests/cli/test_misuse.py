"""A mistake on the command line gets the usage line and exit status 2, never a Python traceback."""

import pytest

# (command, what is wrong): each command with a missing argument, an unknown option and a badly typed value
MISTAKES = [
    ([], "no command"),
    (["nope"], "unknown command"),
    (["--bogus"], "unknown option"),
    (["simulate"], "missing --out"),
    (["simulate", "--out", "w", "--bogus"], "unknown option"),
    (["simulate", "--out", "w", "--subscribers", "abc"], "not a number"),
    (["simulate", "--out", "w", "--preset", "nope"], "not a preset"),
    (["ingest"], "no format"),
    (["ingest", "nope", "x"], "unknown format"),
    (["ingest", "sichuan"], "missing folder"),
    (["ingest", "sichuan", "src", "--out", "o", "--bogus"], "unknown option"),
    (["ingest", "sichuan", "src", "--out"], "option without its value"),
    (["validate"], "missing folder"),
    (["validate", "data", "--bogus"], "unknown option"),
    (["features", "--data"], "option without its value"),
    (["features", "--data", "d", "--out", "f.parquet", "--bogus"], "unknown option"),
    (["features", "--data", "d", "--out", "f.parquet", "--threads", "many"], "not a number"),
    (["train"], "missing --features"),
    (["train", "--features", "f", "--model-out", "m", "--bogus"], "unknown option"),
    (["train", "--features", "f", "--model-out", "m", "--name"], "option without its value"),
    (["evaluate"], "missing --model"),
    (["evaluate", "--model", "m", "--features", "f", "--out", "o", "--bogus"], "unknown option"),
    (["evaluate", "--model", "m", "--features", "f", "--out"], "option without its value"),
    (["promote", "--bogus"], "unknown option"),
    (["promote", "--name"], "option without its value"),
    (["score"], "missing --model"),
    (["score", "--bogus"], "unknown option"),
    (["score", "--model", "m", "--out", "s.parquet", "--data", "d", "--as-of", "not-a-date"], "not a date"),
    (["score", "--model", "m", "--out", "s.parquet", "--data", "d", "--as-of", "2020-01-01", "--chunk-size", "x"],
     "not a number"),
    (["score", "--model", "m", "--out", "s.parquet", "--data", "d", "--as-of", "2020-01-01", "--engine", "nope"],
     "not an engine"),
]


@pytest.mark.parametrize("args, wrong", MISTAKES, ids=[" ".join(a) or "(nothing)" for a, _ in MISTAKES])
def test_a_mistake_gets_a_usage_line_and_status_2(fraudml_cli, args, wrong, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing a mistake might write lands in the project
    status, output = fraudml_cli(*args)
    assert status == 2, f"{wrong}: exit {status}\n{output}"
    assert "Usage: fraudml" in output, f"{wrong}: no usage line\n{output}"
    assert "Traceback" not in output
    assert list(tmp_path.iterdir()) == []


def test_help_is_shown_and_succeeds(fraudml_cli):
    status, output = fraudml_cli("--help")
    assert status == 0 and "score" in output and "Traceback" not in output
