-- Data scale (docs/BENCHMARKS.md, "Data scale": 10,000 tenants, 1,000,000 runs).
--
-- Needs attention's "last scheduled run failed" probed the newest scheduled run of every
-- (tenant, operation type) pair: tenants times operation types index probes. Only a pair
-- with a failed scheduled run at all can have a failed newest one; this index holds just the
-- failed scheduled runs (a small share of the history), so src/attention/facts.ts probes only
-- the pairs it lists. Admissions never enter it (a queued run is not completed).
create index operation_runs_failed_scheduled on operation_runs (tenant_id, type)
  where trigger = 'scheduled' and status = 'completed' and outcome = 'failed';

