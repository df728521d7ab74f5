"""The ``fraudml`` command line: a thin shell over the package's functions.

Each module registers its commands on the shared app; nothing else imports this package.
"""

from fraudml.cli import data, features, model, report, score  # noqa: F401  (registers the commands)
from fraudml.cli.app import app, main

__all__ = ["app", "main"]
