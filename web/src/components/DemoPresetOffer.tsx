// The demo's one-click offer in the onboarding wizard ("Use the sandbox's Fourth Coffee").
// Only rendered when the server offered a preset, i.e. when a sandbox cloud holds it.
import type { DemoPreset } from '../types.ts';

export function DemoPresetOffer({ preset, detail, disabled, onUse }: { preset: DemoPreset; detail: string; disabled?: boolean; onUse: () => void }) {
  return (
    <div className="callout callout-info demo-preset" data-testid="demo-preset" data-preset={preset.key}>
      <p className="small">
        <strong>Demo.</strong> {detail}
      </p>
      <button type="button" className="button button-secondary" disabled={disabled} onClick={onUse}>
        {preset.label}
      </button>
    </div>
  );
}
