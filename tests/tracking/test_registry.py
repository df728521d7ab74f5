import pytest

from fraudml.errors import InputError
from fraudml.tracking import load_bundle, promote

WEAK = {"num_leaves": 2, "n_estimators": 1}  # a single stump
STRONG = {"num_leaves": 7, "n_estimators": 50}


def test_load_bundle_rejects_what_is_neither_a_folder_nor_a_uri(tmp_path):
    with pytest.raises(InputError, match="neither a model bundle folder nor a model URI"):
        load_bundle(tmp_path / "absent")
    with pytest.raises(InputError, match="not a model bundle"):
        load_bundle(tmp_path)


def test_load_bundle_names_a_missing_alias():
    with pytest.raises(InputError, match="models:/fraudml@champion: cannot fetch"):
        load_bundle("models:/fraudml@champion")


def test_promote_needs_a_candidate():
    with pytest.raises(InputError, match="no model version of fraudml has the alias 'candidate'"):
        promote()


@pytest.mark.slow
def test_promotion_rules(train_and_log, tracked_table):
    from mlflow import MlflowClient

    def champion():
        return str(MlflowClient().get_model_version_by_alias("fraudml", "champion").version)

    table = tracked_table()
    train_and_log(table, **WEAK)
    first = promote()
    assert (first.promoted, first.candidate, first.champion) == (True, "1", None)
    assert "there is no champion yet" in first.reason

    train_and_log(table, **STRONG)
    better = promote()
    assert better.promoted and champion() == "2"
    assert "v2 promoted, it beats v1" in better.reason and "stored test metrics (same test set" in better.reason

    assert promote().reason == "v2 is already the champion"

    train_and_log(table, **WEAK)
    worse = promote()
    assert not worse.promoted and champion() == "2"
    assert "v3 not promoted, it does not beat v2; v2 stays champion" in worse.reason

    # another world: no shared test set, so both models score the candidate's test rows
    train_and_log(tracked_table(seed=1), **WEAK)
    other = promote()
    assert not other.promoted and champion() == "2"
    assert "both scored on the candidate's test rows" in other.reason

    assert load_bundle("models:/fraudml@champion").metadata["params"]["num_leaves"] == STRONG["num_leaves"]

