"""Errors that reach a user as a message rather than a traceback."""


class InputError(Exception):
    """Input that cannot be used: the message names the file, the column and example rows."""
