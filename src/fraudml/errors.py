"""Errors that reach a user as a message rather than a traceback, and how they show example rows."""

from __future__ import annotations

from collections.abc import Iterable

EXAMPLES = 5  # example rows a message shows


class InputError(Exception):
    """Input that cannot be used: the message names the file, the column and example rows."""


def example_rows(rows: Iterable, values: Iterable | None = None, *, limit: int = EXAMPLES) -> str:
    """'rows 3, 7, 9, ...' or "rows 3 ('x'), 7 ('y')" for a message: at most ``limit`` of them.

    ``rows`` are 1-based row numbers as a user counts them (the header of a CSV file
    is not a row): callers holding 0-based positions add 1.
    """
    rows = list(rows)
    shown = [str(r) for r in rows[:limit]]
    if values is not None:
        shown = [f"{r} ({v!r})" for r, v in zip(shown, list(values)[:limit])]
    more = ", ..." if len(rows) > limit else ""
    return "rows " + ", ".join(shown) + more
