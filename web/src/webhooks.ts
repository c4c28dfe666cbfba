// Webhooks as the console reads them (GET /api/workspaces/{ws}/webhooks, /api/webhooks/{id}/deliveries).
export interface Webhook {
  id: string;
  url: string;
  events: string[];
  createdAt: string;
  createdBy: { email: string } | null;
  deliveries: { pending: number; delivered: number; failed: number; lastAt: string | null };
}

export interface Delivery {
  id: string;
  event: string;
  text: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}

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
