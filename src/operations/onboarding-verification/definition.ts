import type { OperationDefinition } from '../definition.ts';

export const onboardingVerification: OperationDefinition = {
  type: 'onboarding.verification',
  action: 'Verify connection',
  title: 'Onboarding verification',
  capability: 'onboarding.manage',
  dedupe: 'onboarding_session',
  requiredPermissions: [],
  refreshesReadiness: true,
  allowedDuringOnboarding: true,
  bootstrap: false,
};
