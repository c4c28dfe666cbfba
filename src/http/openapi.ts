// /openapi.json, generated from the route table and the same zod schemas that validate the
// requests, so the document cannot drift from what the server accepts.
import { z } from 'zod';
import type { Route } from './route.ts';
import { errorSchema } from './schemas.ts';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, unknown>; required?: string[] };

const toSchema = (s: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
};

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query') {
  if (!schema) return [];
  const js = toSchema(schema, 'input');
  return Object.entries(js.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (js.required ?? []).includes(name),
    schema: s,
  }));
}

const ref = { $ref: '#/components/schemas/Error' };
const error = (description: string) => ({ description, content: { 'application/json': { schema: ref } } });

function errors(route: Route): Record<string, unknown> {
  const out: Record<string, unknown> = { 400: error('invalid_request: the message names the field and the problem') };
  if (route.access.kind !== 'public') out[401] = error('unauthenticated');
  if (route.access.kind === 'tenant') {
    out[403] = error('forbidden: a member whose role lacks the capability');
    out[404] = error('not_found: not there, or not entitled (indistinguishable)');
  }
  if (route.access.kind === 'workspace') {
    out[403] = error('forbidden: a member whose workspace role lacks the capability');
    if (route.url.includes(':ws')) out[404] = error('not_found: no such workspace, or not a member (indistinguishable)');
  }
  if (route.method !== 'GET') {
    out[413] = error('payload_too_large: body over 64 KB');
    out[415] = error('unsupported_media_type: state-changing requests must be application/json');
  }
  return out;
}

export function openApiDocument(routes: readonly Route[]): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = r.schema
        ? { description: r.description, content: { 'application/json': { schema: toSchema(r.schema, 'output') } } }
        : { description: r.description };
    }
    paths[path] ??= {};
    paths[path][route.method.toLowerCase()] = {
      summary: route.summary,
      tags: [route.tag],
      operationId: `${route.method.toLowerCase()} ${path}`,
      security: route.access.kind === 'public' ? [] : [{ session: [] }],
      'x-opsgate-access': route.access,
      parameters: [...parameters(route.params, 'path'), ...parameters(route.query, 'query')],
      ...(route.body
        ? {
            requestBody: {
              required: !route.body.safeParse(undefined).success,
              content: { 'application/json': { schema: toSchema(route.body, 'input') } },
            },
          }
        : {}),
      responses: { ...errors(route), ...responses },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'opsgate',
      version: '0.1.0',
      description:
        'Operations console API. Every provider-backed start goes through one gate and answers one of four outcomes: queued, already running, scope busy, blocked.',
    },
    components: {
      securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: 'opsgate_session' } },
      schemas: { Error: toSchema(errorSchema, 'output') },
    },
    paths,
  };
}
