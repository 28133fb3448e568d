-- A numeric unit key for the catalog metrics' one totals query (issue 17): joining ~5 M per-unit
-- totals to 1 M valid units on the String unit id hashed and compared every id on each read
-- (most of that query's time). Both sides now carry unit_key, a 128-bit hash of the unit id
-- kept at insert (MATERIALIZED: the views and backfills that write these tables need no change),
-- and the query joins on it. 128 bits: two ids of a flag share a key with probability ~n²/2¹²⁹
-- (1e-26 at 1 M units), so the join gives the String join's rows. Existing rows get theirs here.
ALTER TABLE {{exposureUnits}}
    ADD COLUMN IF NOT EXISTS unit_key UInt128 MATERIALIZED reinterpretAsUInt128(sipHash128(unit_id));

ALTER TABLE {{metricTotals}}
    ADD COLUMN IF NOT EXISTS unit_key UInt128 MATERIALIZED reinterpretAsUInt128(sipHash128(unit_id));

ALTER TABLE {{exposureUnits}} MATERIALIZE COLUMN unit_key SETTINGS mutations_sync = 2;

ALTER TABLE {{metricTotals}} MATERIALIZE COLUMN unit_key SETTINGS mutations_sync = 2;
