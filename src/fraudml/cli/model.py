"""Commands of the model stage: train (and log to MLflow), evaluate, promote."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import typer
import yaml
from rich.table import Table

from fraudml.cli.app import Command, app, console
from fraudml.errors import InputError

SCORERS = ("model", "logistic", "rules")


def read_params(path: Path | None) -> dict:
    """The params file (``configs/params.yaml`` of the project when not given); {} when there is none."""
    if path is None:
        from fraudml.tracking.store import project_root

        path = project_root() / "configs" / "params.yaml"
        if not path.is_file():
            return {}
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"{path}: not a readable params file ({exc})") from exc
    if not isinstance(data, dict):
        raise InputError(f"{path}: a params file must map group names (train, evaluate, ...) to settings")
    return data


def read_features(path: Path):
    """A feature table and the spec written beside it by ``fraudml features``."""
    from fraudml.features.spec import FeatureSpec, spec_path
    from fraudml.tables import read_parquet

    if not path.exists():
        raise InputError(f"{path}: no such feature table (write one with fraudml features)")
    if not spec_path(path).is_file():
        raise InputError(f"{path}: its feature spec {spec_path(path).name} is missing beside it")
    spec = FeatureSpec.load(spec_path(path))
    return read_parquet(path).to_pandas(), spec


def print_metrics(metrics: dict, title: str) -> None:
    table = Table(title=title, title_justify="left")
    columns = ("pr_auc", "roc_auc", "precision_at_alert", "recall_at_alert", "macro_f1_at_alert", "brier")
    table.add_column("scorer")
    for col in columns:
        table.add_column(col, justify="right")
    for name in SCORERS:
        if name in metrics:
            row = metrics[name]
            table.add_row(name, *("" if row.get(c) is None else f"{row[c]:.4f}" for c in columns))
    console.print(table)


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
    from fraudml.model.evaluate import evaluate
    from fraudml.model.train import TrainParams, train

    settings = read_params(params)
    table, spec = read_features(features)
    with console.status(f"training on {len(table):,} rows"):
        result = train(table, spec, TrainParams.from_dict(settings.get("train")))
    result.bundle.save(model_out)
    console.print(result.split.describe(), highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    with tempfile.TemporaryDirectory() as tmp:
        evaluation = evaluate(result.bundle, table, result.split, tmp)
        print_metrics(evaluation, f"test metrics of model {result.bundle.version}")
        console.print(f"wrote model bundle to {model_out}")
        if not track:
            return
        from fraudml.tracking import MODEL_NAME, log_training, tracking_uri

        name = name or MODEL_NAME

        with console.status("logging to MLflow"):
            logged = log_training(result, table, features_file=features, bundle_dir=model_out, params=settings,
                                  evaluation=evaluation, evaluation_dir=Path(tmp), name=name)
    console.print(f"MLflow run {logged.run_id} in {tracking_uri()}: registered {name} version {logged.version} "
                  f"as {name}@candidate (fraudml promote --name {name} makes it champion if it is better)", highlight=False)


@app.command("evaluate", cls=Command)
def evaluate_command(
    model: str = typer.Option(..., "--model", help="model bundle folder or MLflow URI (models:/fraudml@champion)"),
    features: Path = typer.Option(..., "--features", help="feature table written by fraudml features"),
    out: Path = typer.Option(..., "--out", help="folder for metrics.json and plots/"),
    params: Path | None = typer.Option(None, "--params", help="params file; its evaluate group is used [default: the project's configs/params.yaml]"),
) -> None:
    """Evaluate a model on the test part of a feature table: metrics.json and plots, beside the baselines."""
    from fraudml.model.evaluate import evaluate
    from fraudml.tracking import load_bundle

    settings = read_params(params).get("evaluate") or {}
    unknown = sorted(set(settings) - {"baselines"})
    if unknown:
        raise InputError(f"evaluate params: unknown key(s) {', '.join(unknown)}; known: baselines")
    bundle = load_bundle(model)
    table, _ = read_features(features)
    metrics = evaluate(bundle, table, None, out, baselines=bool(settings.get("baselines", True)))
    print_metrics(metrics, f"test metrics of model {bundle.version} ({metrics['split']['kind']} split)")
    console.print(f"wrote {out / 'metrics.json'} and plots to {out / 'plots'}")


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
