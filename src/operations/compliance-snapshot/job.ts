// A point-in-time compliance picture: Intune's state summary, plus per-device states when
// the connection may read managed devices (without that permission the snapshot is partial).
import { isProviderError } from '../../provider/types.ts';
import type { JobContext, JobResult } from '../job-context.ts';

type Summary = Record<string, unknown>;
type Device = { id: string; deviceName?: string; complianceState?: string; operatingSystem?: string };

const COUNTED_STATES = ['compliant', 'noncompliant', 'inGracePeriod', 'conflict', 'error', 'unknown'] as const;

export async function takeComplianceSnapshot(ctx: JobContext): Promise<JobResult> {
  const summary = await ctx.provider.get<Summary>('/beta/deviceManagement/deviceCompliancePolicyDeviceStateSummary');
  const counts: Record<string, number> = {};
  for (const state of COUNTED_STATES) {
    const v = summary[`${state}DeviceCount`];
    if (typeof v === 'number') counts[`${state}Devices`] = v;
  }
  let devices: Device[] = [];
  let partial: string[] | null = null;
  try {
    devices = await ctx.provider.getAll<Device>('/beta/deviceManagement/managedDevices');
  } catch (err) {
    if (!isProviderError(err) || err.failure.code !== 'provider_permission_missing') throw err;
    partial = ['DeviceManagementManagedDevices.Read.All'];
  }
  await ctx.heartbeat();
  counts.devicesRecorded = devices.length;
  await ctx.db
    .insertInto('compliance_snapshots')
    .values({
      tenant_id: ctx.tenant.id,
      run_id: ctx.run.id,
      counts: JSON.stringify(counts),
      devices: JSON.stringify(
        devices.map((d) => ({ id: d.id, name: d.deviceName ?? d.id, state: d.complianceState ?? 'unknown', os: d.operatingSystem ?? null })),
      ),
    })
    .execute();
  if (partial) {
    return { outcome: 'partially_succeeded', summaryCounts: counts, reason: { code: 'provider_permission_missing', params: { missing: partial } } };
  }
  return { outcome: 'succeeded', summaryCounts: counts };
}
