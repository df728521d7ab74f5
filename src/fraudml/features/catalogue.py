"""Write docs/features.md, the feature catalogue, from the feature definitions themselves.

Run ``python -m fraudml.features.catalogue [PATH]`` or ``fraudml features --catalogue PATH``;
a test fails when the committed catalogue differs from what this renders.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fraudml.features import build
from fraudml.features.spec import FeatureSpec

DEFAULT_PATH = Path("docs/features.md")

INTRO = """\
# Feature catalogue

Generated from the feature definitions by `python -m fraudml.features.catalogue`
(or `fraudml features --catalogue docs/features.md`); do not edit by hand.
Default settings: windows {windows} days, label delay {delay} days; spec hash `{hash}`
({n} features).

## What a row is

A feature table has one row per snapshot (`msisdn`, `as_of`), then `label`,
`fraud_type`, then the features below. `as_of` is a date: a row describes the
number at midnight starting that day, from events **strictly before** it.

* Calls and SMS are counted over trailing windows: the window of `w` days is
  `[as_of - w days, as_of)`. Nothing at or after `as_of` is used.
* A month's row (ARPU, data use) is known only once its month has ended: the
  latest usable month is the one before `as_of`'s month.
* An account closed on or after `as_of` is still open at `as_of`; numbers on the
  same ID card count only accounts activated before `as_of` (when the source
  does not give the count itself).
* Label-derived features (in the graph family) use only fraud labels confirmed
  before `as_of` minus the label delay. Labels without a confirmation time
  (`labelled_at` null, e.g. the Sichuan data) never feed them.

## Missing values

* A feature whose source table (or optional column, e.g. `calls.imei`) is
  absent from the data is missing (null) for every row, never zero.
* A count from calls or SMS is 0 when the number had no such event; a share, a
  mean or an entropy of no events is missing.
* A snapshot whose number has no row known at `as_of` in any table has every
  feature missing, so a scorer can reject it with a reason.

## Categorical features

`home_city`, `home_county` and `plan` (type `category`) hold the account's
text. A model makes them LightGBM categoricals over the values it saw in its
training part, and keeps that list in its spec (`categories`, part of the
model's spec hash); a value it never saw, like a null, scores as missing.

## Snapshots and the target

`fraudml features --data DIR --snapshots SPEC --out FILE` makes a training
table; SPEC is `end` (one snapshot at the end of the data: the day after the
last call or SMS), `weekly` (every 7 days back from the end, while at least
`--burn-in-days` of data, 7 by default, remain before the date), `every:N`,
`auto` (`end` when no label has a confirmation time, else `weekly`), or a
`.parquet`/`.csv` file of (msisdn, as_of) rows. `--holdout-days N` ends a
schedule N days before the end of the data. `--as-of DATE` makes one snapshot
date; it, or a file's date, is refused when no number has any activity before
it, or when it lies past the data's last activity by more than the longest
window (`--allow-stale` builds it anyway).

* Only numbers **live** at `as_of` are snapshots, the population scoring
  scores (`fraudml.features.population`): in use (a call or an SMS before
  `as_of`; a source with account records only, no calls and no SMS: an account
  open at `as_of`) and not shut down (below). A schedule takes those with a
  call or an SMS before `as_of` (`--active-days N`: within the last N days).
* **The fraud has started** when the number has made or received its first call
  or SMS.
* **Positive** (`label` 1): a fraud number whose fraud has started before
  `as_of` and that was not yet confirmed at `as_of` (`labelled_at` null, or on
  or after `as_of`).
* **Left out**: a fraud number confirmed before `as_of`, and any number shut
  down before `as_of` (`closed_at`; where no account has a closing date, a
  number with monthly spend records but none for the last month completed
  before `as_of`, see docs/sichuan-model.md): they are already blocked.
* **Negative** (`label` 0): a normal number.
* **Unknown** (`label` null): a number without a label, or a fraud number
  whose activity starts on or after `as_of`.
* Static labels (every `labelled_at` null, as in the Sichuan data, one period):
  one snapshot at the end of the data, labels as they are.

For scoring, `fraudml.features.build.build_features(data_dir, snapshots)` takes
any list of (msisdn, as_of) and leaves the label columns null.

## Features
"""


def render(spec: FeatureSpec | None = None) -> str:
    spec = spec or build.feature_spec()
    lines = [INTRO.format(windows=", ".join(map(str, spec.windows)), delay=spec.params.get("label_delay_days"),
                          hash=spec.hash, n=len(spec.features))]
    for module in build.FAMILIES:
        family = module.__name__.rsplit(".", 1)[1]
        defs = [d for d in spec.features if d.family == family]
        doc = (module.__doc__ or "").strip().split("\n\n")
        lines.append(f"### {family} ({len(defs)})\n")
        lines.append(doc[0].replace("\n", " ") + "\n")
        if len(doc) > 1:
            lines.append(" ".join(" ".join(p.split()) for p in doc[1:]) + "\n")
        lines.append("| feature | type | window (days) | unit | source | what it measures |")
        lines.append("|---|---|---|---|---|---|")
        for d in defs:
            window = "" if d.window_days is None else str(d.window_days)
            lines.append(f"| `{d.name}` | {d.dtype} | {window} | {d.unit} | {d.source} | {d.description} |")
        lines.append("")
    return "\n".join(lines)


def write(path: str | Path = DEFAULT_PATH) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render())
    return path


if __name__ == "__main__":
    print(write(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_PATH))
