// Who wants to know what the gate answered, without the gate knowing them: metrics count every
// start here (src/observability/metrics.ts), whichever surface started it (API, onboarding,
// consent callback, schedules, bulk). `start()` reports its answer; any other code path that
// decides starts (a batched admission) must call `reportStart` for each answer too. Observers
// run after the answer is decided and cannot change it: one that throws is ignored.
import type { StartResult } from './result.ts';

export type StartObserver = (result: StartResult) => void;

const observers = new Set<StartObserver>();

export function observeStarts(observer: StartObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

export function reportStart(result: StartResult): void {
  for (const o of observers) {
    try {
      o(result);
    } catch {
      // An observer's fault is never the start's.
    }
  }
}
