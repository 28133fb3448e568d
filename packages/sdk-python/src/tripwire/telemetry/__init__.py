"""Exposure spans, unit-id hashing, assignment baggage and SDK metrics (opentelemetry-api only)."""
