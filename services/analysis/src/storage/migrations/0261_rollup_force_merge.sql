-- The by-unit rollup (0203) is read with FINAL, which merges every overlapping row at read time:
-- with random unit ids every part overlaps every other, so a flag's units spread over a few
-- similar parts cost each results or guardian query a merge of all of them (1 M units in 5
-- parts, 3 M rows, as a bulk load leaves them: ~25 s for the built-in six against ~1.5 s on one
-- part, bench/README.md "Catalog metrics"). The merge selector leaves such parts alone while no
-- new part arrives (measured: still 5 parts after 17 minutes). Parts older than 10 minutes are
-- now merged anyway, so a rollup that stops growing settles into one part per partition; under
-- steady ingest fresh parts stay young and the usual merges (and the largest-part read of
-- `chooseRollupMerge`) apply. Cost: at most one rewrite of the flag's rows per 10 minutes.
ALTER TABLE {{exposures}}_by_unit MODIFY SETTING min_age_to_force_merge_seconds = 600;
