"""Registered versions of ``fraudml``: loading a bundle by alias, and promoting the candidate to champion."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from fraudml.errors import InputError
from fraudml.model.bundle import ModelBundle
from fraudml.tracking.store import CANDIDATE, CHAMPION, MODEL_NAME, configure

_URI = re.compile(r"^[a-z][a-z0-9+.-]*:/", re.IGNORECASE)


def load_bundle(source: str | Path) -> ModelBundle:
    """A model bundle from a folder, or from an MLflow model URI such as ``models:/fraudml@champion``."""
    text = str(source)
    if Path(text).is_dir() or not _URI.match(text):
        if not Path(text).is_dir():
            raise InputError(f"{text}: neither a model bundle folder nor a model URI (such as models:/fraudml@champion)")
        return ModelBundle.load(text)
    configure()
    import mlflow
    from mlflow.exceptions import MlflowException
    from mlflow.models import Model

    from fraudml.tracking.pyfunc import BUNDLE_ARTIFACT

    with tempfile.TemporaryDirectory() as tmp:
        try:
            local = Path(mlflow.artifacts.download_artifacts(artifact_uri=text, dst_path=tmp))
        except MlflowException as exc:
            raise InputError(f"{text}: cannot fetch this model ({exc.message})") from exc
        flavor = Model.load(str(local)).flavors.get("python_function", {})
        artifact = flavor.get("artifacts", {}).get(BUNDLE_ARTIFACT)
        if not artifact:
            raise InputError(f"{text}: not a fraudml model (no '{BUNDLE_ARTIFACT}' artifact)")
        return ModelBundle.load(local / artifact["path"])  # read fully into memory before tmp goes


@dataclass(frozen=True)
class Promotion:
    promoted: bool
    reason: str
    candidate: str | None  # registered versions
    champion: str | None  # the champion before this decision


def _version_by_alias(client, name: str, alias: str):
    from mlflow.exceptions import MlflowException

    try:
        return client.get_model_version_by_alias(name, alias)
    except MlflowException:
        return None


def _pr_auc_on(bundle: ModelBundle, table: pd.DataFrame) -> float:
    from fraudml.model.inputs import labels
    from fraudml.model.metrics import pr_auc

    value = pr_auc(labels(table), bundle.predict(table))
    if value is None:
        raise InputError("the candidate's test rows hold a single class: PR-AUC is undefined")
    return value


def compare(candidate, champion) -> tuple[float, float, str]:
    """PR-AUC of candidate and champion on the same test rows, and how they were obtained."""
    cand_tags, champ_tags = candidate.tags, champion.tags
    same_test = cand_tags.get("test.set") and cand_tags.get("test.set") == champ_tags.get("test.set")
    if same_test and "test.pr_auc" in cand_tags and "test.pr_auc" in champ_tags:
        return float(cand_tags["test.pr_auc"]), float(champ_tags["test.pr_auc"]), \
            f"stored test metrics (same test set, {cand_tags.get('test.period')})"
    import mlflow

    from fraudml.tracking.runs import TEST_TABLE

    with tempfile.TemporaryDirectory() as tmp:
        test = pd.read_parquet(mlflow.artifacts.download_artifacts(run_id=candidate.run_id, artifact_path=TEST_TABLE,
                                                                   dst_path=tmp))
    cand_bundle = load_bundle(f"models:/{candidate.name}/{candidate.version}")
    champ_bundle = load_bundle(f"models:/{champion.name}/{champion.version}")
    try:
        champ_score = _pr_auc_on(champ_bundle, test)
    except InputError as exc:
        raise InputError(f"champion v{champion.version} cannot score the candidate's test rows ({exc}); "
                         "compare them by hand, then fraudml promote --force") from exc
    return _pr_auc_on(cand_bundle, test), champ_score, \
        f"both scored on the candidate's test rows ({cand_tags.get('test.period')})"


def promote(name: str = MODEL_NAME, *, force: bool = False) -> Promotion:
    """Move alias ``champion`` to the ``candidate`` version when it beats the champion on PR-AUC.

    The first candidate becomes champion because there is none; ``force`` promotes
    without comparing (for a changed feature spec the champion cannot score).
    """
    configure()
    from mlflow import MlflowClient

    client = MlflowClient()
    candidate = _version_by_alias(client, name, CANDIDATE)
    if candidate is None:
        raise InputError(f"no model version of {name} has the alias '{CANDIDATE}': run fraudml train first")
    champion = _version_by_alias(client, name, CHAMPION)
    cand, champ = str(candidate.version), str(champion.version) if champion else None
    if champion is None:
        decision = Promotion(True, f"v{cand} promoted: there is no champion yet", cand, None)
    elif champ == cand:
        return Promotion(False, f"v{cand} is already the champion", cand, champ)
    elif force:
        decision = Promotion(True, f"v{cand} promoted over v{champ} without comparing (forced)", cand, champ)
    else:
        cand_pr, champ_pr, how = compare(candidate, champion)
        beats = cand_pr > champ_pr
        verdict = f"promoted, it beats v{champ}" if beats else f"not promoted, it does not beat v{champ}; v{champ} stays champion"
        decision = Promotion(beats, f"v{cand} {verdict}: PR-AUC {cand_pr:.4f} vs {champ_pr:.4f}, {how}", cand, champ)
    if decision.promoted:
        client.set_registered_model_alias(name, CHAMPION, cand)
    return decision
