"""The pure evaluation core: hashing, bucketing, targeting, flags (no I/O, no clock)."""
