-- The version of the metric definition each guardian check computed (catalog metrics; 0 for a
-- built-in), so a change to a metric a running guardrail uses shows in its decision log.
ALTER TABLE {{guardrailDecisions}}
    ADD COLUMN IF NOT EXISTS metric_version UInt32 DEFAULT 0 AFTER metric;
