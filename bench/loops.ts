// Load shapes. Closed loop: N clients, each issuing its next operation as soon as the last
// one answered, for a fixed time. Open loop: arrivals on a fixed schedule whatever the
// answers do, latency measured from the intended arrival time (no coordinated omission).
import { performance } from 'node:perf_hooks';

export interface LoopResult {
  ops: number;
  errors: number;
  /** ops per second over the wall time from the first start to the last answer. */
  rate: number;
  latencies: number[];
  firstError?: unknown;
  /** The operation signalled it had nothing left to do (e.g. ran out of fresh scopes). */
  exhausted: boolean;
  /** This process's CPU time (user + system) during the loop, in µs. */
  cpuMicros: number;
}

export const EXHAUSTED = Symbol('exhausted');

export async function closedLoop(clients: number, durationMs: number, op: (client: number, iteration: number) => Promise<unknown>): Promise<LoopResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  let exhausted = false;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const deadline = t0 + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async (_, client) => {
      for (let i = 0; performance.now() < deadline && !exhausted; i++) {
        const s = performance.now();
        try {
          if ((await op(client, i)) === EXHAUSTED) {
            exhausted = true;
            break;
          }
          latencies.push(performance.now() - s);
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const elapsed = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { ops: latencies.length, errors, rate: (latencies.length / elapsed) * 1000, latencies, firstError, exhausted, cpuMicros: cpu.user + cpu.system };
}

export interface OpenLoopResult {
  latencies: number[];
  /** How late the timer fired against the schedule (already included in latencies). */
  lateness: number[];
  errors: number;
  firstError?: unknown;
}

export async function openLoop(ratePerSecond: number, durationMs: number, op: (i: number) => Promise<unknown>): Promise<OpenLoopResult> {
  const n = Math.round((ratePerSecond * durationMs) / 1000);
  const interval = 1000 / ratePerSecond;
  const latencies: number[] = [];
  const lateness: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const t0 = performance.now() + 20;
  const pending: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    lateness.push(performance.now() - due);
    pending.push(
      op(i).then(
        () => void latencies.push(performance.now() - due),
        (err: unknown) => {
          errors++;
          firstError ??= err;
        },
      ),
    );
  }
  await Promise.all(pending);
  return { latencies, lateness, errors, firstError };
}
