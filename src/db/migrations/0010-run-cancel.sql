-- Cancelling a run (POST /api/operations/{id}/cancel). A queued run ends cancelled in the same
-- statement that records the request, so it frees its scope at once and the worker's claim
-- (a conditional update on status = 'queued') can no longer take it. A running run only gets
-- the request; its job sees it at the next checkpoint (between Graph pages or items) and ends
-- the run cancelled. Who asked is kept for the run page and the audit row.
alter table operation_runs
  add column cancel_requested_at timestamptz,
  add column cancel_requested_by uuid references users on delete set null;
