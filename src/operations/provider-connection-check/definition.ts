import type { OperationDefinition } from '../definition.ts';

export const providerConnectionCheck: OperationDefinition = {
  type: 'provider_connection.check',
  action: 'Check connection',
  title: 'Connection check',
  capability: 'provider_connection.run_checks',
  dedupe: 'connection',
  requiredPermissions: [],
  refreshesReadiness: true,
  allowedDuringOnboarding: false,
  bootstrap: false,
};
