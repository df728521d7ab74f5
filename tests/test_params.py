"""The params file: read into typed groups; a misspelt, mistyped or inconsistent parameter is named with its file."""

from pathlib import Path

import pytest
import yaml

from fraudml.errors import InputError
from fraudml.params import Params, TrainParams, load_params

PROJECT = Path(__file__).resolve().parents[1]


def write(tmp_path, text: str) -> Path:
    path = tmp_path / "params.yaml"
    path.write_text(text)
    return path


def test_the_code_defaults_are_the_project_params_file():
    """A setting left out of a params file means what the project runs with: the two never disagree."""
    given = yaml.safe_load((PROJECT / "configs" / "params.yaml").read_text())
    params = load_params(PROJECT / "configs" / "params.yaml")
    assert params == Params()
    for group, settings in given.items():
        assert set(settings) <= set(type(getattr(params, group)).model_fields), f"{group} names unknown parameters"


def test_the_sichuan_params_file_is_valid():
    params = load_params(PROJECT / "configs" / "sichuan" / "params.yaml")
    assert params.train.alert_budget_per_day is None and params.features.as_of == "2020-04-01"


@pytest.mark.parametrize("text, message", [
    ("train:\n  num_leafs: 63\n", "params.yaml: train.num_leafs: unknown parameter"),
    ("trian:\n  num_leaves: 63\n", "params.yaml: trian: unknown group"),
    ("train:\n  num_leaves: '63'\n", "train.num_leaves: input should be a valid integer (got '63')"),
    ("train:\n  learning_rate: -1\n", "train.learning_rate: input should be greater than 0 (got -1)"),
    ("train:\n  calibration: sigmoid\n", "train.calibration: input should be 'platt' or 'isotonic'"),
    ("train:\n  valid_fraction: 0.5\n  test_fraction: 0.5\n", "must sum to less than 1"),
    ("evaluate:\n  baselines: maybe\n", "evaluate.baselines: input should be a valid boolean"),
    ("- 1\n- 2\n", "a params file must map group names"),
    ("train: [\n", "not a readable params file"),
])
def test_a_bad_parameter_is_named_with_its_file(tmp_path, text, message):
    with pytest.raises(InputError) as err:
        load_params(write(tmp_path, text))
    assert message in str(err.value)


def test_groups_left_out_take_the_defaults_and_empty_groups_are_allowed(tmp_path):
    params = load_params(write(tmp_path, "train:\n  num_leaves: 7\nevaluate:\n"))
    assert params.train == TrainParams(num_leaves=7) and params.evaluate.baselines is True
