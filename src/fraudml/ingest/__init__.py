"""Adapters that bring raw tables of a known format into canonical tables (and back)."""
