"""The flag model's contract, mirrored from @tripwire/schema: JSON Schemas, validators and
telemetry names."""
