import json

import numpy as np
import pytest

from fraudml.errors import InputError
from fraudml.features.spec import FeatureDef, FeatureSpec
from fraudml.model.bundle import FILES, SPEC_HASH_ATTR, ModelBundle


def test_save_load_gives_identical_scores_from_plain_files(trained, table, tmp_path):
    bundle = trained.bundle
    folder = bundle.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES)
    for name in FILES:  # plain text; no pickle anywhere
        assert not (folder / name).read_bytes().startswith(b"\x80")
    for name in FILES[1:]:
        json.loads((folder / name).read_text())
    loaded = ModelBundle.load(folder)
    assert np.array_equal(loaded.predict(table), bundle.predict(table))
    assert loaded.thresholds == json.loads(json.dumps(bundle.thresholds))
    assert loaded.version == bundle.version and loaded.spec.hash == bundle.spec.hash


def test_scores_contributions_and_decisions(trained, table):
    bundle = trained.bundle
    p = bundle.predict(table)
    assert ((p >= 0) & (p <= 1)).all()
    contrib = bundle.contributions(table.head(20))
    assert list(contrib.columns) == [*bundle.spec.names, "bias"]
    assert np.allclose(contrib.sum(axis=1), bundle.raw_score(table.head(20)))
    assert set(bundle.decide(p)) <= {"alert", "review", "pass"}


def test_features_from_another_spec_or_missing_columns_are_refused(trained, table):
    bundle = trained.bundle
    with pytest.raises(InputError, match="calls_out_w7"):
        bundle.predict(table.drop(columns=["calls_out_w7"]))
    other = FeatureSpec(bundle.spec.features + (FeatureDef("extra", "float64", "volume", "extra"),))
    with pytest.raises(InputError, match=other.hash):
        bundle.predict(table, spec_hash=other.hash)
    tagged = table.copy()
    tagged.attrs[SPEC_HASH_ATTR] = other.hash
    with pytest.raises(InputError, match="rebuild the features"):
        bundle.predict(tagged)
    text = table.astype({"gap_cv_w7": "object"})
    text.loc[3, "gap_cv_w7"] = "n/a"
    with pytest.raises(InputError, match="gap_cv_w7 is not numeric; bad rows 4"):
        bundle.predict(text)


def test_incomplete_or_edited_bundle_is_refused(trained, tmp_path):
    folder = trained.bundle.save(tmp_path / "model")
    (folder / "calibrator.json").unlink()
    with pytest.raises(InputError, match="missing calibrator.json"):
        ModelBundle.load(folder)
    folder = trained.bundle.save(tmp_path / "model2")
    spec = json.loads((folder / "feature_spec.json").read_text())
    spec["features"][0]["window_days"] = 30
    (folder / "feature_spec.json").write_text(json.dumps(spec))
    with pytest.raises(InputError, match="edited"):
        ModelBundle.load(folder)


def test_reference_holds_training_distributions(trained):
    ref = trained.bundle.reference["callback_share_w7"]
    assert sum(ref["shares"]) == pytest.approx(1.0)
    assert len(ref["shares"]) == len(ref["edges"]) - 1
    assert 0.05 < ref["null_share"] < 0.15  # about 10 % nulls were planted
