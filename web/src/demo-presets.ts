// The onboarding wizard's one-click presets (the demo's "Use the sandbox's Fourth Coffee").
// The server answers an empty list wherever no sandbox holds such a tenant, so the wizard
// shows nothing in production. Loaded once per page, not on every refresh: the answer
// carries a (sandbox-only) client secret, and it does not change while the page is open.
import { useEffect, useState } from 'react';
import { api } from './api.ts';
import type { DemoPreset, ItemList } from './types.ts';

export function useDemoPresets(): DemoPreset[] {
  const [presets, setPresets] = useState<DemoPreset[]>([]);
  useEffect(() => {
    const ctrl = new AbortController();
    api
      .get<ItemList<DemoPreset>>('/api/onboarding/demo-presets', ctrl.signal)
      .then((r) => setPresets(r.items))
      // A server without presets (older, or an error) simply offers none.
      .catch(() => undefined);
    return () => ctrl.abort();
  }, []);
  return presets;
}
