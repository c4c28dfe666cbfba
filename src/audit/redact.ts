// Audit details as the API and the CSV show them. No writer stores a secret in `details`
// (the audit test walks every change to prove it); this is the second line: a field whose name
// says it holds a credential is dropped on the way out, whoever wrote it and whenever.
const SECRET_KEY = /secret|password|passwd|token|assertion|private|cookie|authorization|credential(?!ExpiresAt)|apikey|signature/i;
const MAX_DEPTH = 6;

function clean(value: unknown, depth: number): unknown {
  if (Array.isArray(value)) return depth >= MAX_DEPTH ? [] : value.map((v) => clean(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!SECRET_KEY.test(k)) out[k] = clean(v, depth + 1);
  }
  return out;
}

export function publicDetails(details: unknown): Record<string, unknown> {
  const parsed = typeof details === 'string' ? safeParse(details) : details;
  const out = clean(parsed, 0);
  return out !== null && typeof out === 'object' && !Array.isArray(out) ? (out as Record<string, unknown>) : {};
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return {};
  }
}
