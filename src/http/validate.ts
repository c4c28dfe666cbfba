// Parsing request parts with their zod schemas, and turning zod issues into the one 400
// message shape: "field.path: problem" (several joined with "; "). The schemas live beside
// their routes; this file only knows how to read their verdict.
import type { z } from 'zod';
import { clip, HttpError } from './errors.ts';

/** Which part of the request a schema reads; names the field when the path is empty. */
export type RequestPart = 'params' | 'query' | 'body';

const MAX_ISSUES = 3;

function describe(issue: z.core.$ZodIssue): string {
  // zod reports a missing field as a wrong type or value of `undefined`: say it plainly.
  if (issue.code !== 'custom' && 'input' in issue && issue.input === undefined) return 'is required';
  if (issue.code === 'unrecognized_keys') {
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(clip(k, 40))).join(', ')}`;
  }
  return issue.message;
}

export function issuesMessage(part: RequestPart, issues: readonly z.core.$ZodIssue[]): string {
  const lines = issues.slice(0, MAX_ISSUES).map((i) => {
    const path = i.path.map(String).join('.');
    return `${clip(path || part, 80)}: ${describe(i)}`;
  });
  if (issues.length > MAX_ISSUES) lines.push(`and ${issues.length - MAX_ISSUES} more`);
  return clip(lines.join('; '), 500);
}

export function parsePart<S extends z.ZodType>(schema: S, part: RequestPart, value: unknown): z.output<S> {
  // reportInput only lets describe() tell "missing" from "wrong type"; inputs are never echoed.
  const r = schema.safeParse(value, { reportInput: true });
  if (r.success) return r.data;
  throw new HttpError(400, 'invalid_request', issuesMessage(part, r.error.issues));
}
