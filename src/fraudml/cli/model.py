"""Commands of the model stage: train (and log to MLflow), evaluate (or backtest a scored batch), promote."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer
from rich.table import Table

from fraudml.cli.app import Command, app, console
from fraudml.errors import InputError

METRICS = ("pr_auc", "roc_auc", "precision_at_alert", "recall_at_alert", "macro_f1_at_alert", "brier")


def print_metrics(metrics: dict, title: str) -> None:
    from fraudml.model.evaluate import SCORERS

    table = Table(title=title, title_justify="left")
    table.add_column("scorer")
    for col in METRICS:
        table.add_column(col, justify="right")
    for name in SCORERS:
        if name in metrics:
            row = metrics[name]
            table.add_row(name, *("" if row.get(c) is None else f"{row[c]:.4f}" for c in METRICS))
    console.print(table)
    model = metrics.get("model", {})
    if model.get("pr_auc_low") is not None:
        console.print(f"model PR-AUC {model['pr_auc']:.3f}, 95% bootstrap interval {model['pr_auc_low']:.3f} to "
                      f"{model['pr_auc_high']:.3f} ({model['fraud_numbers']:,} fraud numbers in the test part)",
                      highlight=False)


@app.command("train", cls=Command)
def train_command(
    features: Path = typer.Option(..., "--features", help="feature table written by fraudml features"),
    model_out: Path = typer.Option(..., "--model-out", help="folder to write the model bundle to"),
    params: Path | None = typer.Option(None, "--params", help="params file; its train group is used [default: the project's configs/params.yaml]"),
    track: bool = typer.Option(True, "--track/--no-track", help="log the run to MLflow and register the model as NAME@candidate"),
    name: str | None = typer.Option(None, "--name", help="registered model name, one per kind of data so that promotion "
                                    "compares like with like [default: fraudml]"),
) -> None:
    """Train a model on a feature table, write its bundle, log and register it in MLflow."""
    from fraudml.params import load_params
    from fraudml.tracking import CANDIDATE, MODEL_NAME, tracking_uri
    from fraudml.tracking.training import train_and_register

    name = name or MODEL_NAME
    settings = load_params(params)
    with console.status(f"training on {features}" + (", then logging to MLflow" if track else "")):
        trained = train_and_register(features, model_out, settings, name=name, track=track,
                                     params_source=str(params or "params"))
    result = trained.result
    console.print(result.split.describe(), highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    print_metrics(trained.evaluation, f"test metrics of model {result.bundle.version}")
    console.print(f"wrote model bundle to {model_out}")
    if trained.logged is not None:
        console.print(f"MLflow run {trained.logged.run_id} in {tracking_uri()}: registered {name} version "
                      f"{trained.logged.version} as {name}@{CANDIDATE} (fraudml promote --name {name} makes it "
                      "champion if it is better)", highlight=False)


@app.command("evaluate", cls=Command)
def evaluate_command(
    model: str | None = typer.Option(None, "--model", help="model bundle folder or MLflow URI (models:/fraudml@champion)"),
    features: Path | None = typer.Option(None, "--features", help="feature table written by fraudml features"),
    scores: Path | None = typer.Option(None, "--scores", help="a backtest: a scores file written by fraudml score "
                                       "(instead of --model and --features)"),
    labels: Path | None = typer.Option(None, "--labels", help="the labels the backtest checks the scores against: a "
                                       "canonical data folder, or a labels Parquet file"),
    as_of: datetime | None = typer.Option(None, "--as-of", formats=["%Y-%m-%d"], help="the scores' as_of, when the "
                                          "scores file does not say it (CSV)"),
    out: Path = typer.Option(..., "--out", help="folder for metrics.json (and plots/ of a model's test part)"),
    params: Path | None = typer.Option(None, "--params", help="params file; its evaluate group is used [default: the project's configs/params.yaml]"),
) -> None:
    """Evaluate a model on the test part of a feature table beside the baselines, or backtest a scored batch
    against its labels (--scores and --labels)."""
    given = {name for name, value in (("model", model), ("features", features), ("scores", scores),
                                      ("labels", labels)) if value is not None}
    if given not in ({"model", "features"}, {"scores", "labels"}):
        raise InputError("give --model and --features (a model's test part), or --scores and --labels (a backtest)")
    if scores is not None:
        return _backtest(scores, labels, out, as_of)
    from fraudml.features.table import read_features
    from fraudml.model.evaluate import evaluate
    from fraudml.params import load_params
    from fraudml.tracking import load_bundle

    settings = load_params(params)
    bundle = load_bundle(model)
    table, _ = read_features(features)
    metrics = evaluate(bundle, table, None, out, baselines=settings.evaluate.baselines)
    print_metrics(metrics, f"test metrics of model {bundle.version} ({metrics['split']['kind']} split)")
    console.print(f"wrote {out / 'metrics.json'} and plots to {out / 'plots'}")


def _backtest(scores: Path, labels: Path, out: Path, as_of: datetime | None) -> None:
    from fraudml.scoring.backtest import METRICS_FILE, backtest_files

    result = backtest_files(scores, labels, out, as_of)
    table = Table(title=f"backtest of {scores} as of {result['as_of']}: {result['evaluated']:,} numbers with labels, "
                        f"{result['fraud']:,} fraud", title_justify="left")
    for col in ("flagged as", "numbers", "precision", "recall"):
        table.add_column(col, justify="left" if col == "flagged as" else "right")
    for name in ("alert", "alert_or_review"):
        row = result[name]
        table.add_row(name.replace("_", " "), f"{row['flagged']:,}",
                      *("" if row[m] is None else f"{row[m]:.3f}" for m in ("precision", "recall")))
    console.print(table)
    if result["pr_auc"] is not None:
        console.print(f"PR-AUC {result['pr_auc']:.3f}, 95% bootstrap interval {result['pr_auc_low']:.3f} to "
                      f"{result['pr_auc_high']:.3f} (fraud share {result['fraud'] / max(result['evaluated'], 1):.2%}); "
                      f"not evaluated: {result['closed']:,} closed, {result['confirmed_before_as_of']:,} confirmed "
                      f"before as_of, {result['unlabelled']:,} without a label", highlight=False)
    console.print(f"wrote {out / METRICS_FILE}")


@app.command("promote", cls=Command)
def promote_command(
    force: bool = typer.Option(False, "--force", help="promote without comparing (when the champion cannot score the new features)"),
    name: str | None = typer.Option(None, "--name", help="registered model name [default: fraudml]"),
) -> None:
    """Make the candidate the champion (alias NAME@champion) if it beats the champion on PR-AUC."""
    from fraudml.tracking import MODEL_NAME, promote

    decision = promote(name or MODEL_NAME, force=force)
    console.print(("[green]" if decision.promoted else "[yellow]") + decision.reason + "[/]", highlight=False)
    print(json.dumps({"promoted": decision.promoted, "candidate": decision.candidate,
                      "champion": decision.candidate if decision.promoted else decision.champion}))
