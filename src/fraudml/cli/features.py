"""Commands of the features stage."""
