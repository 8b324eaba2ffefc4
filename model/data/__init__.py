"""Data building and checks: read data/regions/, check it, build estimates, import statistics."""
