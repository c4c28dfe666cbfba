// GET /openapi.json: the route table described by its own schemas.
import { openApiDocument } from '../openapi.ts';
import { publicRoute, type Route } from '../route.ts';

export function openApiRoute(routes: () => readonly Route[]): Route {
  let doc: Record<string, unknown> | null = null;
  return publicRoute({
    method: 'GET',
    url: '/openapi.json',
    summary: 'This API as an OpenAPI 3.1 document, generated from the route table and its zod schemas.',
    tag: 'meta',
    responses: { 200: { description: 'OpenAPI document' } },
    async handler() {
      doc ??= openApiDocument(routes());
      return { status: 200, body: doc };
    },
  });
}
