// The peers the gate is compared with: the queue's own keyed enqueue (graphile-worker
// add_job with a job_key) and pg-boss 12 send() with a singletonKey, both through the same
// pg Pool as the gate.
import { PgBoss } from 'pg-boss';
import type pg from 'pg';

export const GRAPHILE_KEYED_ADD_JOB = `select graphile_worker.add_job('bench_peer', json_build_object('k', $1::text), max_attempts := 1, job_key := $1::text)`;

export async function graphileAddJob(pool: pg.Pool, key: string): Promise<void> {
  await pool.query(GRAPHILE_KEYED_ADD_JOB, [key]);
}

export interface BossPeer {
  send(key: string): Promise<string | null>;
  clear(): Promise<void>;
  stop(): Promise<void>;
}

export const BOSS_QUEUE = 'bench_peer';

/**
 * pg-boss on the benchmark's own pool (its `db` adapter), so every peer shares one pool.
 * The queue policy `exclusive` is pg-boss's closest match to the gate: at most one queued or
 * active job per singletonKey.
 */
export async function startBoss(pool: pg.Pool): Promise<BossPeer> {
  const db = { executeSql: (text: string, values?: unknown[]) => pool.query(text, values) };
  const boss = new PgBoss({ db, schema: 'pgboss_bench', supervise: false, schedule: false });
  boss.on('error', () => undefined);
  await boss.start();
  await boss.createQueue(BOSS_QUEUE, { policy: 'exclusive' });
  return {
    send: (key) => boss.send(BOSS_QUEUE, { k: key }, { singletonKey: key }),
    clear: async () => {
      await boss.deleteAllJobs(BOSS_QUEUE);
    },
    stop: () => boss.stop({ graceful: false, close: false }),
  };
}
