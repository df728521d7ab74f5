"""From alerts to cases: flagged numbers linked to the numbers they are run with, grouped into rings."""
