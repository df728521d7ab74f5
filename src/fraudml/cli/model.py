"""Commands of the model stage."""
