"""Scoring feature chunks with a hand-made model: decisions, reasons only where needed, ranks, rejects."""

import numpy as np
import pandas as pd
import pytest

from fraudml.errors import InputError
from fraudml.features.spec import FeatureDef, FeatureSpec
from fraudml.scoring.drift import Reference
from fraudml.scoring.output import SCORES
from fraudml.model.bundle import ModelBundle
from fraudml.scoring.reasons import describe, phrase
from fraudml.scoring.score import (ALL_MISSING, check_spec, rank, references, score_chunks, score_feature_file, score_frame,
                                   typical_values)

SPEC = FeatureSpec((
    FeatureDef("calls_out_w7", "float64", "volume", "calls made", 7, "calls", "calls"),
    FeatureDef("night_share_w7", "float64", "timing", "share of calls at night", 7, "calls", "share"),
))


class LinearBundle:
    """score = x.calls_out_w7 / 100 + x.night_share_w7 (NaN counts as 0); alert >= 0.8, review >= 0.5."""

    spec = SPEC
    metadata = {"version": "7"}
    reference = {"calls_out_w7": Reference.from_values([1, 2, 3, 4, 5]), "night_share_w7": Reference.from_values([0.0, 0.1, 0.1])}

    def __init__(self):
        self.contributed = []

    def _terms(self, df):
        return pd.DataFrame({"calls_out_w7": df["calls_out_w7"].fillna(0) / 100, "night_share_w7": df["night_share_w7"].fillna(0)})

    def predict(self, df):
        return self._terms(df).sum(axis=1).clip(0, 1).to_numpy()

    def decide(self, scores):
        return np.where(scores >= 0.8, "alert", np.where(scores >= 0.5, "review", "pass"))

    def contributions(self, df):
        self.contributed.extend(df["msisdn"])
        return self._terms(df).assign(bias=0.0)


def features(rows):
    return pd.DataFrame(rows, columns=["msisdn", "as_of", "calls_out_w7", "night_share_w7"]).assign(as_of=pd.Timestamp("2020-03-01"))


def test_score_frame_decides_rejects_and_explains_only_alerts_and_reviews():
    bundle = LinearBundle()
    chunk = features([["a", None, 70.0, 0.2], ["b", None, 10.0, 0.0], ["c", None, None, None], ["d", None, 50.0, 0.05]])
    scored, rejects = score_frame(bundle, chunk, {"calls_out_w7": 3.0, "night_share_w7": 0.1})
    assert rejects.values.tolist() == [["c", ALL_MISSING]]
    assert scored["msisdn"].tolist() == ["a", "b", "d"]
    assert scored["score"].tolist() == pytest.approx([0.9, 0.1, 0.55])
    assert scored["decision"].tolist() == ["alert", "pass", "review"]
    assert bundle.contributed == ["a", "d"]
    assert scored.loc[0, "reason_1"] == "made 70 calls in 7 days (typical: 3)"
    assert scored.loc[0, "reason_2"] == "20% of its calls in 7 days were at night (00:00-06:00) (typical: 10%)"
    assert scored.loc[1, ["reason_1", "reason_2", "reason_3"]].isna().all()


def test_rank_is_global_and_breaks_ties_by_msisdn():
    scores = pd.DataFrame({"msisdn": ["z", "a", "m", "b"], "score": [0.5, 0.5, 0.9, 0.1]})
    assert rank(scores).tolist() == [3, 2, 1, 4]


def test_score_chunks_ranks_across_chunks_and_accounts_for_every_number():
    bundle = LinearBundle()
    chunks = [features([["a", None, 10.0, 0.0], ["b", None, None, None]]), features([["c", None, 90.0, 0.0], ["d", None, 40.0, 0.0]])]
    early = pd.DataFrame({"msisdn": ["e"], "reason": ["listed more than once"]})
    closed = pd.DataFrame({"msisdn": ["z", "f"], "reason": ["closed on 2020-02-01", "not in use: no call or SMS before as_of"]})
    seen = []
    result = score_chunks(bundle, iter(chunks), rejects=early, closed=closed, on_chunk=seen.append)
    assert seen == [2, 2]
    assert result.scores.columns.tolist() == SCORES.names
    # the closed come after every scored number, in msisdn order, with no score and their reason
    assert result.scores[["msisdn", "rank", "decision"]].values.tolist() == [
        ["c", 1, "alert"], ["d", 2, "pass"], ["a", 3, "pass"], ["f", 4, "closed"], ["z", 5, "closed"]]
    assert result.scores["score"].isna().tolist() == [False, False, False, True, True]
    assert result.scores.loc[4, "reason_1"] == "closed on 2020-02-01"
    assert (result.scores["model_version"] == "7").all()
    assert result.numbers_in == 7 == result.scored + result.closed + result.rejected
    assert sorted(result.rejects["msisdn"]) == ["b", "e"]
    assert result.summary() == "numbers in 7 = scored 3 (alert 1, review 0, pass 2) + closed 2 + rejected 2"
    assert set(result.drift["feature"]) == {"calls_out_w7", "night_share_w7"}


def test_scoring_twice_gives_identical_results():
    rows = features([[f"n{i}", None, float(i % 7), 0.1] for i in range(50)])
    first = score_chunks(LinearBundle(), [rows.iloc[:20], rows.iloc[20:]])
    second = score_chunks(LinearBundle(), [rows.iloc[:35], rows.iloc[35:]])
    pd.testing.assert_frame_equal(first.scores, second.scores)


def test_features_lacking_a_model_feature_are_refused():
    with pytest.raises(InputError, match="lacks the model's feature.*night_share_w7"):
        score_frame(LinearBundle(), features([["a", None, 1.0, 0.0]]).drop(columns="night_share_w7"))


def test_a_model_trained_on_another_spec_is_refused():
    computed = FeatureSpec(SPEC.features + (FeatureDef("sms_7d", "float64", "sms_data", "texts sent", 7, "sms", "texts"),))
    with pytest.raises(InputError, match=rf"model 7 was trained on feature spec {SPEC.hash}.*computes feature spec {computed.hash}.*code only: sms_7d"):
        check_spec(LinearBundle(), computed)
    check_spec(LinearBundle(), FeatureSpec(SPEC.features))


def test_a_feature_file_scores_each_number_once(tmp_path):
    from fraudml.features.spec import spec_path
    from fraudml.scoring.score import score_feature_file

    rows = features([["a", None, 90.0, 0.0], ["b", None, 1.0, 0.0], ["a", None, 2.0, 0.0], ["", None, 3.0, 0.0], ["c", None, 4.0, 0.0], ["b", None, 5.0, 0.0]])
    rows.to_parquet(tmp_path / "f.parquet", row_group_size=2)
    SPEC.save(spec_path(tmp_path / "f.parquet"))
    result = score_feature_file(LinearBundle(), tmp_path / "f.parquet", chunk_size=2)
    assert result.scores[["msisdn", "score"]].values.tolist() == [["a", 0.9], ["c", 0.04], ["b", 0.01]]
    assert result.rejects.values.tolist() == [["", "empty msisdn"], ["a", "listed more than once"], ["b", "listed more than once"]]
    assert result.numbers_in == 6


@pytest.mark.slow
def test_reasons_name_real_features_with_their_values(bundle_dir, feature_file):
    bundle = ModelBundle.load(bundle_dir)
    result = score_feature_file(bundle, feature_file)
    assert result.numbers_in == result.scored + result.rejected
    flagged = result.scores[result.scores["decision"] != "pass"]
    assert len(flagged) > 0, "the model flags no number in the world: nothing to explain"
    assert result.scores.loc[result.scores["decision"] == "pass", ["reason_1", "reason_2", "reason_3"]].isna().all().all()
    feats = pd.read_parquet(feature_file).set_index("msisdn").loc[flagged["msisdn"]].reset_index()
    names = bundle.spec.names
    contrib = bundle.contributions(feats)[names].to_numpy()
    defs = {f.name: f for f in bundle.spec.features}
    typical = typical_values(bundle, references(bundle))  # a median, or per category its fraud share in training
    for i, row in enumerate(flagged.itertuples()):
        top = [j for j in np.argsort(-contrib[i], kind="stable")[:3] if contrib[i, j] > 0]
        assert top, "an alert with no feature raising its score"
        expected = [describe(defs[names[j]], feats.loc[i, names[j]], typical.get(names[j])) for j in top]
        assert [r for r in (row.reason_1, row.reason_2, row.reason_3) if isinstance(r, str)] == expected
    # one reason checked by hand: the value in the text is the number's feature value
    first = flagged.iloc[0]
    name = names[int(np.argmax(contrib[0]))]
    said = phrase(defs[name], feats.loc[0, name]) or defs[name].description
    assert first["reason_1"].startswith(said)
