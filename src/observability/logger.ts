// One JSON-lines logger per process (pino, which Fastify uses for its own logger): the HTTP
// server and the worker write to it. Secrets are kept out twice: nothing logs bodies, headers
// or provider answers, and any field named like a credential is censored on the way out.
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const SECRET_FIELDS = [
  'password',
  'newPassword',
  'currentPassword',
  'clientSecret',
  'client_secret',
  'secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'idToken',
  'id_token',
  'assertion',
  'client_assertion',
  'privateKey',
  'cookie',
  'authorization',
];

/** Top-level, one and two levels down, and the request/response headers that carry credentials. */
export const REDACT_PATHS = [
  ...SECRET_FIELDS,
  ...SECRET_FIELDS.map((f) => `*.${f}`),
  ...SECRET_FIELDS.map((f) => `*.*.${f}`),
  'req.headers.cookie',
  'req.headers.authorization',
  'res.headers["set-cookie"]',
  'headers["set-cookie"]',
];

export function createLogger(o: { level: LogLevel; destination?: DestinationStream; name?: string }): Logger {
  return pino(
    {
      level: o.level,
      ...(o.name ? { name: o.name } : {}),
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      // Errors by class and code only: messages can quote input, SQL or an upstream answer.
      serializers: { err: (e: unknown) => ({ type: (e as Error | null)?.name ?? 'Error', code: (e as { code?: unknown } | null)?.code ?? undefined }) },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    o.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** A destination that hands each line to a function (tests, or a caller that collects lines). */
export function lineDestination(write: (line: string) => void): DestinationStream {
  return { write: (chunk: string) => write(chunk.endsWith('\n') ? chunk.slice(0, -1) : chunk) };
}

export const silentLogger: Logger = pino({ level: 'silent' });
