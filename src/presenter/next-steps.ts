// Next steps as a viewer can use them. The catalogue says which capability each step needs;
// a step the viewer cannot take becomes a hint naming who can, instead of a link to a 403.
import { roleHas, rolesWith, type Capability } from '../access/capabilities.ts';
import type { Role } from '../db/schema.ts';
import type { NextStep } from '../reasons/catalogue.ts';
import { isOperationType } from '../operations/definition.ts';
import { getDefinition } from '../operations/registry.ts';

export type PresentedStep =
  | { label: string; url: string }
  /** The viewer lacks the capability: no link, a sentence saying whom to ask. */
  | { label: string; url: null; hint: string };

const ROLE_NAMES: Record<Role, string> = { owner: 'owner', manager: 'manager', operator: 'operator', readonly: 'read-only member' };

function who(capability: Capability): string {
  const names = rolesWith(capability).map((r) => ROLE_NAMES[r]);
  if (names.length === 0) return 'an administrator';
  const list = names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  return `${/^[aeiou]/i.test(list) ? 'an' : 'a'} ${list}`;
}

export function capabilityHint(label: string, capability: Capability): string {
  const action = label.charAt(0).toLowerCase() + label.slice(1);
  return `Ask ${who(capability)} of this tenant (${capability}) to ${action}.`;
}

/**
 * `viewerRole` is the viewer's role on the tenant the steps are about; null when they have
 * none (every capability-bound step then becomes a hint).
 */
export function presentSteps(steps: readonly NextStep[], viewerRole: Role | null): PresentedStep[] {
  return steps.map((s) =>
    !s.capability || (viewerRole !== null && roleHas(viewerRole, s.capability))
      ? { label: s.label, url: s.url }
      : { label: s.label, url: null, hint: capabilityHint(s.label, s.capability) },
  );
}

/**
 * The steps of a run that ended with a reason. A verification, connection check or onboarding
 * verification that failed does not point to another verification: that would be a loop (verify
 * -> consent missing -> verify). Its next step is the fix of its cause; the re-check comes after
 * the fix, from wherever the operator made it.
 */
export function stepsAfterRun(steps: readonly NextStep[], runType: string): NextStep[] {
  const isCheck = (t: string | undefined) => t !== undefined && isOperationType(t) && getDefinition(t).refreshesReadiness;
  return steps.filter((s) => s.starts !== runType && !(isCheck(s.starts) && isCheck(runType)));
}

export const viewRunStep = (url: string): PresentedStep => ({ label: 'View run', url });
