"""Point-in-time features: one row per (msisdn, as_of), from events strictly before as_of."""
