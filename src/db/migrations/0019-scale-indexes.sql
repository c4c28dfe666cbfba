-- Data scale (docs/BENCHMARKS.md, "Data scale": 10,000 tenants, 1,000,000 runs).
--
-- Needs attention's "last scheduled run failed" probed the newest scheduled run of every
-- (tenant, operation type) pair: 90,000 index probes for 10,000 tenants, ~0.8 s. Only a pair
-- with a failed scheduled run at all can have a failed newest one; this index holds just the
-- failed scheduled runs (a small share of the history), so src/attention/facts.ts probes only
-- the pairs it lists. Admissions never enter it (a queued run is not completed).
create index operation_runs_failed_scheduled on operation_runs (tenant_id, type)
  where trigger = 'scheduled' and status = 'completed' and outcome = 'failed';

-- The tenant list's default sort (name, then id: src/http/routes/tenants.ts), keyset-paged:
-- without it every page joined and sorted all of the person's tenants (10,000: ~16 ms of
-- top-N sort per page); with it a page walks the first rows of the index (~0.3 ms). The
-- slug sorts have the unique index on slug.
create index tenants_name on tenants (name, id);
