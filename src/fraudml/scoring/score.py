"""Scoring: feature rows in, one row per number out (score, rank, decision, reasons, model version).

``score_frame`` is the pure step on one chunk of feature rows; ``score_chunks``
runs it over an iterable of chunks, accumulates drift counts and ranks the
whole batch at the end; ``score_folder`` builds the features of each chunk of
numbers from a canonical folder first. Per-feature contributions cost far more
than a prediction, so they are computed only for the rows that need reasons
(alerts and reviews).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fraudml.errors import InputError
from fraudml.features.spec import FeatureSpec, spec_path
from fraudml.model.inputs import encode_categories
from fraudml.model.thresholds import ALERT, CLOSED, DECISIONS, REVIEW
from fraudml.scoring.drift import DriftCounter, Reference
from fraudml.scoring.numbers import EMPTY, REPEATED, known_numbers, read_numbers, select
from fraudml.scoring.output import REASONS, RING_ID, SCORES
from fraudml.scoring.reasons import top_reasons
from fraudml.tables import open_parquet, parquet_files

ALL_MISSING = "all features missing"
NEEDS_REASONS = (ALERT, REVIEW)
CHUNK = 100_000


@dataclass
class ScoreResult:
    scores: pd.DataFrame  # the output contract's columns, ranked: the scored numbers, then the closed ones
    rejects: pd.DataFrame  # msisdn, reason
    drift: pd.DataFrame  # feature, psi, missing_train, missing_batch
    numbers_in: int

    @property
    def closed(self) -> int:
        return int((self.scores["decision"] == CLOSED).sum())

    @property
    def scored(self) -> int:
        return len(self.scores) - self.closed

    @property
    def rejected(self) -> int:
        return len(self.rejects)

    def decision_counts(self) -> dict[str, int]:
        return self.scores["decision"].value_counts().to_dict()

    def reject_counts(self) -> dict[str, int]:
        """Rejected numbers per reason, most frequent first."""
        return self.rejects["reason"].value_counts().to_dict()

    def summary(self) -> str:
        counts = self.decision_counts()
        decisions = f" ({', '.join(f'{d} {counts.get(d, 0):,}' for d in DECISIONS)})" if self.scored else ""
        return (f"numbers in {self.numbers_in:,} = scored {self.scored:,}{decisions} + closed {self.closed:,} "
                f"+ rejected {self.rejected:,}")


def model_version(bundle) -> str:
    return str((getattr(bundle, "metadata", None) or {}).get("version") or "unknown")


def references(bundle) -> dict[str, Reference]:
    """The bundle's training reference per feature, as drift bins and a median."""
    ref = getattr(bundle, "reference", None) or {}
    return {name: r if isinstance(r, Reference) else Reference.from_bundle(r) for name, r in ref.items()}


def typical_values(bundle, refs: dict[str, Reference]) -> dict:
    """What a reason compares a value with: its training median; for a categorical feature, the share of each
    category's training numbers that were fraud."""
    typical = {n: r.median for n, r in refs.items() if r.median is not None}
    raw = getattr(bundle, "reference", None) or {}
    for name in bundle.spec.categorical:
        entry = raw.get(name)
        if isinstance(entry, dict) and entry.get("fraud_share") is not None:
            typical[name] = dict(zip(bundle.spec.categories.get(name, ()), entry["fraud_share"]))
    return typical


def check_spec(bundle, computed: FeatureSpec) -> None:
    """Refuse a model trained on features other than those this code computes (its categories aside: a feature
    table's spec has none, the model learned them)."""
    trained = bundle.spec.without_categories()
    if trained.hash != computed.without_categories().hash:
        only_model = sorted(set(trained.names) - set(computed.names))
        only_code = sorted(set(computed.names) - set(trained.names))
        detail = ""
        if only_model or only_code:
            detail = f" (model only: {', '.join(only_model[:5]) or '-'}; code only: {', '.join(only_code[:5]) or '-'})"
        raise InputError(
            f"model {model_version(bundle)} was trained on feature spec {trained.hash}, but this fraudml "
            f"computes feature spec {computed.hash}{detail}: retrain the model or score with the fraudml "
            "version it was trained with"
        )


def check_model(bundle) -> None:
    """Refuse, before reading any data, a model whose features this code does not compute."""
    from fraudml.features.build import feature_spec

    check_spec(bundle, feature_spec(**settings(bundle.spec)))


def score_frame(bundle, features: pd.DataFrame, typical: dict | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score one chunk of feature rows: (scored rows without rank, rejects).

    A row whose features are all missing cannot be scored and becomes a reject.
    Reasons are filled for alerts and reviews only; other rows have none.
    """
    names = bundle.spec.names
    missing_cols = [n for n in names if n not in features.columns]
    if missing_cols:
        raise InputError(f"feature table lacks the model's feature(s) {', '.join(missing_cols[:10])}")
    empty = features[names].isna().all(axis=1).to_numpy()
    rejects = pd.DataFrame({"msisdn": features.loc[empty, "msisdn"].astype("string"), "reason": ALL_MISSING})
    rows = features.loc[~empty].reset_index(drop=True)
    scores = np.asarray(bundle.predict(rows), dtype="float64")
    out = pd.DataFrame({"msisdn": rows["msisdn"].astype("string"), "score": scores, "decision": np.asarray(bundle.decide(scores), dtype=object)})
    for c in REASONS:
        out[c] = pd.Series(None, index=out.index, dtype="object")
    need = out["decision"].isin(NEEDS_REASONS).to_numpy()
    if need.any():
        subset = rows.loc[need].reset_index(drop=True)
        contrib = bundle.contributions(subset)
        reasons = top_reasons(subset, contrib.reset_index(drop=True), bundle.spec, typical, k=len(REASONS))
        out.loc[need, REASONS] = reasons.to_numpy()
    return out, rejects.reset_index(drop=True)


def rank(scores: pd.DataFrame) -> pd.Series:
    """1 = most suspicious; equal scores are ordered by msisdn so the rank is deterministic."""
    order = np.lexsort((scores["msisdn"].to_numpy(dtype=str), -scores["score"].to_numpy()))
    ranks = np.empty(len(scores), dtype="int64")
    ranks[order] = np.arange(1, len(scores) + 1)
    return pd.Series(ranks, index=scores.index)


def score_chunks(
    bundle,
    chunks: Iterable[pd.DataFrame],
    *,
    numbers_in: int | None = None,
    rejects: pd.DataFrame | None = None,
    closed: pd.DataFrame | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> ScoreResult:
    """Score feature chunks, count drift, then rank the whole batch.

    ``rejects`` are numbers set aside before feature building; ``closed`` (msisdn,
    reason) the numbers outside the model's population, ranked after the scored
    ones; ``numbers_in`` defaults to the feature rows seen plus those two.
    """
    refs = references(bundle)
    typical = typical_values(bundle, refs)
    drift = DriftCounter(refs)
    scored, rejected = [], [] if rejects is None else [rejects]
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        drift.add(encode_categories(chunk, bundle.spec))  # as the model sees it: an unseen category is missing
        s, r = score_frame(bundle, chunk, typical)
        scored.append(s)
        rejected.append(r)
        if on_chunk:
            on_chunk(len(chunk))
    scores = pd.concat(scored, ignore_index=True) if scored else pd.DataFrame(columns=[n for n in SCORES.names if n not in ("rank", "model_version")])
    scores["rank"] = rank(scores) if len(scores) else pd.Series(dtype="int64")
    scores = pd.concat([scores.sort_values("rank", ignore_index=True), closed_rows(closed, len(scores))],
                       ignore_index=True)
    scores["model_version"] = model_version(bundle)
    scores[RING_ID] = pd.Series(pd.NA, index=scores.index, dtype="string")  # rings come after scoring (fraudml.cases)
    scores = scores[SCORES.names]
    all_rejects = pd.concat(rejected, ignore_index=True) if rejected else pd.DataFrame(columns=["msisdn", "reason"])
    all_rejects = all_rejects.sort_values(["reason", "msisdn"], ignore_index=True, na_position="first")
    if numbers_in is None:
        numbers_in = seen + sum(len(x) for x in (rejects, closed) if x is not None)
    return ScoreResult(scores, all_rejects, drift.result(), numbers_in)


def closed_rows(closed: pd.DataFrame | None, ranked: int) -> pd.DataFrame:
    """The closed numbers as score rows: no score, decision CLOSED, the reason first, ranked after ``ranked``
    scored numbers in msisdn order."""
    closed = pd.DataFrame(columns=["msisdn", "reason"]) if closed is None else closed.sort_values("msisdn")
    return pd.DataFrame({"msisdn": closed["msisdn"].astype("string").to_numpy(), "score": np.nan, "decision": CLOSED,
                         REASONS[0]: closed["reason"].to_numpy(dtype=object),
                         **{c: None for c in REASONS[1:]},
                         "rank": np.arange(ranked + 1, ranked + 1 + len(closed), dtype="int64")})


def settings(spec: FeatureSpec) -> dict:
    """The feature settings a model was trained with, to build the same features for it."""
    return {"windows": spec.windows, "label_delay_days": spec.label_delay_days, "months": spec.months}


def feature_chunks(
    bundle, data: str | Path, numbers: pd.Series, as_of: date, engine: str, chunk_size: int
) -> Iterator[pd.DataFrame]:
    """Feature rows of ``numbers`` as of ``as_of``, chunk by chunk, with the model's feature settings: one engine for
    every chunk, and what all chunks share (the contact and device links of the date) computed once."""
    from fraudml.features.build import feature_spec, iter_features

    check_spec(bundle, feature_spec(**settings(bundle.spec)))
    if len(numbers) == 0:
        return
    snapshots = pd.DataFrame({"msisdn": numbers.to_numpy(), "as_of": pd.Timestamp(as_of)})
    yield from iter_features(data, snapshots, engine=engine, snapshots_per_pass=chunk_size, **settings(bundle.spec))


def _distinct(chunks: Iterable[pd.DataFrame], rejects: list[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Each number once: a later row for a number already seen becomes a reject."""
    seen: list[pa.Array] = []
    for chunk in chunks:
        ids = chunk["msisdn"].astype("string")
        earlier = pc.is_in(pa.array(ids, pa.string(), from_pandas=True), value_set=pa.concat_arrays(seen or [pa.array([], pa.string())]))
        repeat = ids.duplicated().to_numpy() | earlier.to_numpy(zero_copy_only=False)
        blank = (ids.isna() | (ids.str.strip() == "")).to_numpy()
        if blank.any():
            rejects.append(pd.DataFrame({"msisdn": ids[blank], "reason": EMPTY}))
        if (repeat & ~blank).any():
            rejects.append(pd.DataFrame({"msisdn": ids[repeat & ~blank], "reason": REPEATED}))
        seen.append(pa.array(ids[~blank], pa.string(), from_pandas=True))
        yield chunk.loc[~(repeat | blank)]


def score_feature_file(
    bundle, path: str | Path, *, chunk_size: int = CHUNK, on_start=None, on_chunk=None
) -> ScoreResult:
    """Score a feature table already built (Parquet, its spec file beside it), one row per number."""
    path = Path(path)
    spec_file = spec_path(path)
    if not spec_file.is_file():
        raise InputError(f"{path}: no feature spec beside it ({spec_file.name}): cannot check it matches the model")
    check_spec(bundle, FeatureSpec.load(spec_file))
    parts = [open_parquet(file) for file in parquet_files(path)]  # one file, or the parts Spark wrote
    missing = [c for c in ("msisdn", *bundle.spec.names) if c not in parts[0].schema_arrow.names]
    if missing:
        raise InputError(f"{path}: column(s) {', '.join(missing[:10])} missing")
    rows = sum(part.metadata.num_rows for part in parts)
    if on_start:
        on_start(rows)
    columns = ["msisdn", *bundle.spec.names]
    batches = (b.to_pandas() for part in parts for b in part.iter_batches(batch_size=chunk_size, columns=columns))
    early: list[pd.DataFrame] = []
    result = score_chunks(bundle, _distinct(batches, early), numbers_in=rows, on_chunk=on_chunk)
    if early:
        result.rejects = pd.concat([result.rejects, *early], ignore_index=True).sort_values(
            ["reason", "msisdn"], ignore_index=True, na_position="first")
    return result


def score_folder(
    bundle,
    data: str | Path,
    as_of: date,
    *,
    numbers: str | Path | None = None,
    engine: str = "duckdb",
    chunk_size: int = CHUNK,
    allow_stale: bool = False,
    on_start: Callable[[int], None] | None = None,
    on_chunk: Callable[[int], None] | None = None,
) -> ScoreResult:
    """Score the numbers of a canonical folder (or those listed in ``numbers``) as of ``as_of``: those live then
    (:mod:`fraudml.features.population`); the others are closed, with the reason. An as_of the data cannot
    support is refused unless ``allow_stale``."""
    check_model(bundle)
    listed = read_numbers(numbers) if numbers is not None else None
    selection = select(known_numbers(data, as_of), listed)
    live, closed = split_population(bundle, data, as_of, selection.numbers, engine, allow_stale)
    if on_start:
        on_start(len(live))
    chunks = feature_chunks(bundle, data, live, as_of, engine, chunk_size)
    return score_chunks(bundle, chunks, numbers_in=selection.numbers_in, rejects=selection.rejects, closed=closed,
                        on_chunk=on_chunk)


def split_population(bundle, data: str | Path, as_of: date, numbers: pd.Series, engine: str,
                     allow_stale: bool) -> tuple[pd.Series, pd.DataFrame]:
    """The numbers live at as_of, and the closed ones with their reason; refuses a stale as_of."""
    from fraudml.engine import close, connect, load_tables
    from fraudml.features.population import check_as_of, first_events, has_events, population

    con, first = connect(engine), None
    try:
        tables = load_tables(con, data)
        first = first_events(tables).cache() if has_events(tables) else None  # read once for both questions
        if not allow_stale:
            check_as_of(tables, [pd.Timestamp(as_of)], max(bundle.spec.windows), first)
        reasons = population(con, tables, pd.DataFrame({"msisdn": numbers, "as_of": pd.Timestamp(as_of)}), first)
    finally:
        if first is not None:  # before the connection closes, or Ibis drops it from a closed one later
            first.release()
        close(con)
    out = reasons["reason"].notna().to_numpy()
    return numbers[~out].reset_index(drop=True), reasons.loc[out, ["msisdn", "reason"]].reset_index(drop=True)
