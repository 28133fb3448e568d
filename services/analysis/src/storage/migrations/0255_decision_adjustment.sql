-- How each guardian check adjusted its estimates: '' (none) or the JSON of its CUPED adjustment
-- ({"method":"cuped","status":…,"theta":…,"varianceReduction":…}), so a kill report says whether
-- the breach was decided on CUPED-adjusted estimates.
ALTER TABLE {{guardrailDecisions}}
    ADD COLUMN IF NOT EXISTS adjustment String DEFAULT '' AFTER p_value;
