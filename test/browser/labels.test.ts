// The console cannot bundle the registry (it carries the server-side jobs), so it keeps a
// small mirror of each operation's button label, heading noun and capability. This keeps
// the mirror honest: one label per action, the same as the registry's, for every type.
import { describe, expect, it } from 'vitest';
import { REGISTRY } from '../../src/operations/registry.ts';
import { BOOTSTRAP_TYPES, OPERATIONS } from '../../web/src/operations.ts';

describe('the console’s operation labels', () => {
  it('match the registry: action (verb + object), title and capability of every type', () => {
    const fromRegistry = Object.fromEntries(
      Object.values(REGISTRY).map((d) => [d.type, { action: d.action, title: d.title, capability: d.capability }]),
    );
    expect(OPERATIONS).toEqual(fromRegistry);
  });

  it('offer as onboarding bootstrap exactly the registry’s bootstrap types', () => {
    const fromRegistry = Object.values(REGISTRY)
      .filter((d) => d.bootstrap)
      .map((d) => d.type)
      .sort();
    expect([...BOOTSTRAP_TYPES].sort()).toEqual(fromRegistry);
  });
});
