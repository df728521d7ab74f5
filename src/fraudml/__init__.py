"""fraudml: find phone numbers used for telecom fraud."""

__version__ = "0.1.0"
