"""``python -m fraudml`` runs the command line."""

from fraudml.cli import main

main()
