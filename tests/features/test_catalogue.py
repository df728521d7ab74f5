"""docs/features.md is generated from the definitions and must be kept up to date."""

from __future__ import annotations

from pathlib import Path

from fraudml.features.build import feature_spec
from fraudml.features.catalogue import render

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "features.md"


def test_committed_catalogue_is_up_to_date():
    assert CATALOGUE.read_text() == render(), "docs/features.md is stale: run python -m fraudml.features.catalogue"


def test_catalogue_lists_every_feature_with_its_description():
    text = render()
    for d in feature_spec().features:
        assert f"| `{d.name}` |" in text and d.description in text
