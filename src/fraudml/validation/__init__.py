"""Validate tables against their canonical schema: keep the good rows, quarantine the bad.

The rules of each table are written once, as Ibis expressions
(:mod:`fraudml.validation.rules`), and run by the engine; rows stream from the
source to the kept Parquet parts and to the quarantine, so no table is held
whole in Python memory (:mod:`fraudml.validation.run`). Unusable input (a
missing required column, an empty table, a column in which no value parses)
stops with an :class:`~fraudml.errors.InputError` that names the source, the
column and example rows. Bad rows in a usable table are set aside with their
reason, and ``read == kept + quarantined`` always holds: nothing is dropped
silently.
"""

from fraudml.validation.rules import REASON, ROW
from fraudml.validation.run import Counts, validate_table
from fraudml.validation.sources import Validated, validate, validate_and_write, validate_folder

__all__ = ["REASON", "ROW", "Counts", "Validated", "validate", "validate_and_write", "validate_folder",
           "validate_table"]
