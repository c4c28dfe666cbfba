// The one error shape of the API, {"error": {"code", "message"}}, and the mapping from
// everything that can go wrong in a request to it. The contract promises that no request,
// however malformed, gets a 5xx: bad input is always answered here with a 4xx, and only a
// genuine server fault (database down, a bug) becomes a 500/503.
import { MemberError } from '../members/errors.ts';
import { OnboardingError } from '../onboarding/sessions.ts';
import { GateInputError } from '../gate/result.ts';

export const ERROR_CODES = [
  'invalid_request',
  'unauthenticated',
  'forbidden',
  'not_found',
  'conflict',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
  // first run, members and invitations
  'already_set_up',
  'already_member',
  'last_owner',
  'invitation_expired',
  'invitation_used',
  'invitation_revoked',
  // connection lifecycle: a queued or running run holds the connection
  'connection_in_use',
  // a workspace app registration still has connections on it
  'app_in_use',
  'unavailable',
  'internal_error',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** A refusal the edge answers with `status`; thrown anywhere in a route, caught by the error handler. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;
  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

/**
 * Not there and not entitled read exactly the same (FR-216-016), so there is one message
 * for both, whatever the resource.
 */
export const NOT_FOUND_MESSAGE = 'Not found.';

export const notFound = () => new HttpError(404, 'not_found', NOT_FOUND_MESSAGE);
export const unauthenticated = () => new HttpError(401, 'unauthenticated', 'Sign in first.');
export const forbidden = (capability: string, where: 'tenant' | 'workspace' = 'tenant') =>
  new HttpError(403, 'forbidden', `Your role on this ${where} does not allow this (needs ${capability}).`);
/** `field: problem`, the shape every 400 message has, so a script can tell which field to fix. */
export const invalid = (field: string, problem: string) => new HttpError(400, 'invalid_request', `${field}: ${problem}`);

const MEMBER_STATUS = {
  not_found: 404,
  invalid: 400,
  conflict: 409,
  wrong_password: 401,
  last_owner: 409,
  already_member: 409,
  invitation_expired: 410,
  invitation_used: 410,
  invitation_revoked: 410,
} as const;

function memberRefusal(err: MemberError): HttpError {
  switch (err.code) {
    case 'not_found':
      return notFound();
    case 'invalid':
      return invalid(err.field ?? 'request', clip(err.message));
    case 'wrong_password':
      return new HttpError(401, 'unauthenticated', clip(err.message));
    default:
      return new HttpError(MEMBER_STATUS[err.code], err.code, clip(err.message));
  }
}

export function errorBody(code: ErrorCode, message: string): ErrorBody {
  return { error: { code, message } };
}

/** Messages may quote client input (an unknown key, an unknown type): keep them short. */
export function clip(s: string, max = 300): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

interface PgLikeError {
  code: string;
  severity?: unknown;
  routine?: unknown;
}
const isPgError = (e: unknown): e is PgLikeError =>
  typeof e === 'object' &&
  e !== null &&
  typeof (e as { code?: unknown }).code === 'string' &&
  /^[0-9A-Z]{5}$/.test((e as { code: string }).code) &&
  'severity' in e;

interface FastifyLikeError {
  statusCode?: unknown;
  code?: unknown;
}

/**
 * Everything thrown while handling a request -> the answer. The messages of framework and
 * database errors are never passed through (they can quote input or internals); each gets a
 * fixed sentence instead.
 */
export function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof GateInputError) return invalid(err.field, clip(err.message));
  if (err instanceof OnboardingError) {
    return err.code === 'invalid' ? invalid(err.field ?? 'request', clip(err.message)) : new HttpError(409, 'conflict', clip(err.message));
  }
  if (err instanceof MemberError) return memberRefusal(err);
  if (isPgError(err)) {
    // Class 22 = data exception (a value Postgres cannot take: bad uuid text, NUL byte,
    // out-of-range number). Routes validate first, so this is a last resort for bad input.
    if (err.code.startsWith('22')) return invalid('request', 'contains a value the database cannot accept');
    return new HttpError(500, 'internal_error', 'The server could not complete the request.');
  }
  const fe = (typeof err === 'object' && err !== null ? err : {}) as FastifyLikeError;
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  const code = typeof fe.code === 'string' ? fe.code : '';
  if (status === 413 || code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new HttpError(413, 'payload_too_large', 'body: larger than the limit of 64 KB');
  }
  if (status === 415 || code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new HttpError(415, 'unsupported_media_type', 'content-type: must be application/json');
  }
  if (code === 'FST_ERR_CTP_INVALID_CONTENT_LENGTH') return invalid('content-length', 'does not match the body');
  if (code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return invalid('body', 'is empty');
  if (code === 'FST_ERR_BAD_URL' || code === 'FST_ERR_MAX_PARAM_LENGTH') return invalid('url', 'is malformed');
  if (status === 404) return notFound();
  if (status === 429) return new HttpError(429, 'rate_limited', 'Too many requests; try again later.');
  if (status >= 400 && status < 500) return new HttpError(status, 'invalid_request', 'request: malformed');
  return new HttpError(500, 'internal_error', 'The server could not complete the request.');
}
