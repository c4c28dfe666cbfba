// Webhooks in the console: the events a webhook can carry, and the form's secret generator.
// (Their shapes, Webhook and Delivery, are the API's: see types.ts.)
export const EVENT_OPTIONS = [
  { value: 'run.completed', label: 'Run completed', hint: 'every run that finished: succeeded, partially, failed or cancelled' },
  { value: 'run.blocked', label: 'Start blocked', hint: 'a start that was prevented, with its reason and next step' },
  { value: 'attention.raised', label: 'Needs attention', hint: 'a new item on the needs-attention list' },
] as const;

/** A random secret for the form's "Generate" button (the browser's CSPRNG). */
export function generateSecret(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
